// The malformed-request corpus (malformed_requests.txt, ≥ 300 raw requests: framing, smuggling
// shapes, header limits, paths, bad Authorization values) against a real cms-mock, and the subset
// whose answer does not depend on the handler against the phone's own web server. Each request
// must get exactly its expected response (or a close with none) and the close within 1 s; the
// services must still serve afterwards and exit cleanly (under the sanitizer build, a report
// makes the exit code non-zero).
#include "reliability_support.hpp"

#include "child_process.hpp"
#include "cms_mock_runner.hpp"
#include "phone_agent_runner.hpp"
#include "raw_socket.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace test_support;
using namespace std::chrono_literals;

namespace {

// Within 1 s: the criterion. The probe waits longer so a slow answer is reported, not lost.
constexpr auto answer_limit = 1000ms;

const std::string config = R"(
auth:
  realm: BroadWorks
  rules:
    - path: "/private/*"
      scheme: digest
      algorithms: [MD5]
      credentials: shared
    - path: "/basic/*"
      scheme: basic
      credentials: shared
    - path: "*"
      scheme: none
limits:
  request_timeout: 5s
  idle_timeout: 5s
)";

struct served_tree {
    temp_dir dir{"reliability-corpus"};
    served_tree() {
        dir.write("tree/open.cfg", "sip proxy ip: 10.0.0.1\n");
        dir.write("tree/private/secret.cfg", "secret: 1\n");
        dir.write("tree/basic/secret.cfg", "secret: 2\n");
        dir.write("canary.txt", "CANARY-7f3a\n");
        std::filesystem::create_directory_symlink(dir.path(), dir.path() / "tree/escape");
    }
    std::filesystem::path root() const { return dir.path() / "tree"; }
};

struct outcome {
    bool ok = true;
    std::string why;
    std::chrono::milliseconds elapsed{0};
};

outcome run_case(std::uint16_t port, const reliability::corpus_case& c) {
    const auto r = reliability::probe(port, c.request, 3000ms);
    outcome out;
    out.elapsed = r.elapsed;
    const auto statuses = reliability::response_statuses(r.received);
    std::ostringstream why;
    if (!r.closed) why << "not closed within 3 s; ";
    else if (r.elapsed > answer_limit) why << "closed only after " << r.elapsed.count() << " ms; ";
    if (r.received.find("CANARY-7f3a") != std::string::npos) why << "served the canary; ";
    if (c.statuses.empty()) {
        if (!r.received.empty()) why << "expected a close without response, got '" << r.received.substr(0, 60) << "'; ";
    } else if (statuses != c.statuses) {
        why << "expected";
        for (auto s : c.statuses) why << ' ' << s;
        why << ", got";
        for (auto s : statuses) why << ' ' << s;
        why << " ('" << r.received.substr(0, 60) << "'); ";
    }
    out.why = why.str();
    out.ok = out.why.empty();
    return out;
}

void run_corpus(std::uint16_t port, bool phone_subset, const std::string& label) {
    const auto corpus = reliability::read_corpus(reliability::source_dir() / "tests/reliability/malformed_requests.txt");
    BOOST_TEST_REQUIRE(corpus.size() >= 300u);
    std::size_t run = 0, failed = 0;
    std::chrono::milliseconds slowest{0};
    std::string slowest_name;
    for (const auto& c : corpus) {
        if (phone_subset && !c.phone_too) continue;
        ++run;
        const auto o = run_case(port, c);
        if (o.elapsed > slowest) {
            slowest = o.elapsed;
            slowest_name = c.name;
        }
        if (!o.ok) {
            ++failed;
            BOOST_ERROR(label << " line " << c.line << " " << c.name << ": " << o.why);
        }
    }
    BOOST_TEST_MESSAGE(label << ": " << run << " requests, " << failed << " unexpected, slowest close "
                             << slowest.count() << " ms (" << slowest_name << ")");
    BOOST_TEST(failed == 0u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(corpus_against_cms_mock) {
    served_tree tree;
    cms_mock_options o;
    o.https = false;
    o.config_yaml = config;
    o.extra_args = {"--root", tree.root().string()};
    cms_mock_runner mock(o);
    const auto port = port_of(mock.http_url());
    run_corpus(port, false, "cms-mock");

    // Still serving, then a clean exit: with ASan/UBSan a report would make the exit code non-zero.
    const auto after = reliability::probe(port, "GET /open.cfg HTTP/1.1\r\nHost: x\r\n\r\n", 3000ms);
    BOOST_TEST(after.received.starts_with("HTTP/1.1 200"));
    mock.process().terminate(15);
    const auto code = mock.process().wait(20s);
    BOOST_TEST((code && *code == 0), "cms-mock exit " << (code ? *code : -1) << "; stderr: "
                                                       << tail(mock.process().stderr_text(), 2000));
}

BOOST_AUTO_TEST_CASE(corpus_subset_against_phone_web_server) {
    served_tree tree;
    cms_mock_options o;
    o.https = false;
    o.config_yaml = config;
    o.extra_args = {"--root", tree.root().string()};
    cms_mock_runner mock(o);
    temp_dir state("reliability-phone");
    process_options p;
    p.argv = {binary_path("phone-agent/phone-agent").string(), "run", "--server", mock.http_url() + "/",
              "--mac", "00085D000003", "--model", "9480i", "--http", "127.0.0.1:0", "--state-dir",
              state.path().string()};
    child_process phone(p);
    const auto listening = phone.wait_for_line("listening http://", 30s);
    BOOST_TEST_REQUIRE(listening.has_value(), "phone-agent did not start: " << tail(phone.stderr_text()));
    const auto port = port_of(listening->substr(listening->find("http://")));
    BOOST_TEST_REQUIRE(phone.wait_for_line("ready", 60s).has_value(), tail(phone.stderr_text()));
    run_corpus(port, true, "phone-agent web server");

    const auto after = reliability::probe(
        port, "GET /sysinfo.html HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46MjIyMjI=\r\n\r\n", 3000ms);
    BOOST_TEST(after.received.starts_with("HTTP/1.1 200"), after.received.substr(0, 80));
    phone.terminate(15);
    const auto code = phone.wait(20s);
    BOOST_TEST((code && *code == 0), "phone-agent exit " << (code ? *code : -1) << "; stderr: "
                                                         << tail(phone.stderr_text(), 2000));
}
