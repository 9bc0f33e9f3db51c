#include "child_process.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using namespace std::chrono_literals;
using test_support::child_process;
using test_support::process_options;

namespace {

process_options sh(std::string script) {
    process_options o;
    o.argv = {"sh", "-c", std::move(script)};
    return o;
}

// A process that is gone or a zombie no longer runs; /proc shows which.
bool process_alive(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return false;
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close_paren = content.rfind(')');
    return close_paren != std::string::npos && content.size() > close_paren + 2 &&
           content[close_paren + 2] != 'Z';
}

}  // namespace

BOOST_AUTO_TEST_SUITE(child_process_suite)

BOOST_AUTO_TEST_CASE(run_collects_exit_code_and_both_streams) {
    const auto r = test_support::run({"sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
    BOOST_REQUIRE(r.exit_code.has_value());
    BOOST_TEST(*r.exit_code == 3);
    BOOST_TEST(r.stdout_text == "out\n");
    BOOST_TEST(r.stderr_text == "err\n");
}

BOOST_AUTO_TEST_CASE(run_feeds_large_stdin_without_deadlock) {
    // Larger than a pipe buffer in both directions: writing and reading must interleave.
    const std::string data(3 * 1024 * 1024, 'x');
    const auto r = test_support::run({"cat"}, 20s, data);
    BOOST_REQUIRE(r.exit_code.has_value());
    BOOST_TEST(*r.exit_code == 0);
    BOOST_TEST(r.stdout_text.size() == data.size());
}

BOOST_AUTO_TEST_CASE(run_times_out_and_kills) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = test_support::run({"sleep", "30"}, 300ms);
    BOOST_TEST(!r.exit_code.has_value());
    BOOST_TEST((std::chrono::steady_clock::now() - start) < 5s);
}

BOOST_AUTO_TEST_CASE(read_line_returns_lines_then_times_out) {
    child_process p(sh("echo one; printf 'two\\r\\n'; sleep 30"));
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "one");
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "two");
    const auto start = std::chrono::steady_clock::now();
    BOOST_TEST(!p.read_line(200ms).has_value());
    const auto waited = std::chrono::steady_clock::now() - start;
    BOOST_TEST((waited >= 150ms && waited < 3s));
    BOOST_TEST(p.running());
}

BOOST_AUTO_TEST_CASE(unterminated_last_line_is_returned_at_eof) {
    child_process p(sh("printf 'a\\nb'"));
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "a");
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "b");
    BOOST_TEST(!p.read_line(5s).has_value());
    BOOST_TEST(p.wait(5s).value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(wait_for_line_skips_to_the_match_and_keeps_history) {
    child_process p(sh("echo 'listening http://127.0.0.1:1234'; echo >&2 noise; echo ready"));
    BOOST_TEST(p.wait_for_line("ready", 5s).value_or("<none>") == "ready");
    BOOST_TEST(p.wait(5s).value_or(-1) == 0);
    BOOST_TEST(p.stdout_text() == "listening http://127.0.0.1:1234\nready\n");
    BOOST_TEST(p.stderr_text() == "noise\n");
    BOOST_TEST(p.read_stderr_line(1s).value_or("<none>") == "noise");
}

BOOST_AUTO_TEST_CASE(stdin_round_trip_and_close) {
    child_process p(sh("read line; echo \"got $line\"; cat; echo done"));
    BOOST_TEST(p.write_stdin("hello\n", 5s));
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "got hello");
    BOOST_TEST(p.write_stdin("tail\n", 5s));
    p.close_stdin();
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "tail");
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "done");
    BOOST_TEST(p.wait(5s).value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(writing_to_an_exited_child_fails_without_sigpipe) {
    child_process p(process_options{{"true"}, {}, true, {}});
    BOOST_TEST(p.wait(5s).value_or(-1) == 0);
    BOOST_TEST(!p.write_stdin(std::string(1024 * 1024, 'y'), 2s));
}

BOOST_AUTO_TEST_CASE(terminate_reports_the_signal) {
    child_process p(process_options{{"sleep", "30"}, {}, true, {}});
    BOOST_TEST(!p.wait(100ms).has_value());
    p.terminate(SIGTERM);
    BOOST_TEST(p.wait(5s).value_or(-1) == 128 + SIGTERM);
    BOOST_TEST(p.term_signal().value_or(0) == SIGTERM);
    BOOST_TEST(!p.running());
}

BOOST_AUTO_TEST_CASE(env_and_working_dir_are_applied) {
    test_support::temp_dir dir("apl-child");
    auto o = sh("echo \"$APL_PROBE\"; pwd -P");
    o.env = {{"APL_PROBE", "value with spaces"}};
    o.working_dir = dir.path();
    child_process p(std::move(o));
    BOOST_TEST(p.read_line(5s).value_or("<none>") == "value with spaces");
    BOOST_TEST(p.read_line(5s).value_or("<none>") ==
               std::filesystem::canonical(dir.path()).string());
}

BOOST_AUTO_TEST_CASE(start_failures_name_the_program) {
    try {
        child_process p(process_options{{"apl-no-such-program"}, {}, true, {}});
        BOOST_FAIL("spawning a missing program must throw");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("apl-no-such-program") != std::string::npos);
    }
    try {
        child_process p(process_options{{"true"}, {}, true, "/nonexistent/apl-dir"});
        BOOST_FAIL("a missing working directory must throw");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("/nonexistent/apl-dir") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("No such file") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(parent_descriptors_do_not_leak) {
    // Opened without O_CLOEXEC on purpose, like a socket some library created.
    std::vector<int> leaked;
    for (int i = 0; i < 4; ++i) leaked.push_back(::open("/dev/null", O_RDONLY));
    const auto r = test_support::run({"ls", "-1", "/proc/self/fd"}, 5s);
    for (int fd : leaked) ::close(fd);
    BOOST_REQUIRE(r.exit_code.has_value());
    // ls sees 0-2 plus the directory it is listing.
    BOOST_TEST(r.stdout_text == "0\n1\n2\n3\n");
}

BOOST_AUTO_TEST_CASE(destruction_kills_the_whole_group) {
    int grandchild = 0;
    {
        child_process p(sh("sleep 30 & echo $!; wait"));
        grandchild = std::stoi(p.read_line(5s).value_or("0"));
        BOOST_REQUIRE(grandchild > 0);
        BOOST_TEST(process_alive(grandchild));
    }
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
        gone = !process_alive(grandchild);
        if (!gone) std::this_thread::sleep_for(10ms);
    }
    BOOST_TEST(gone);
}

BOOST_AUTO_TEST_SUITE_END()
