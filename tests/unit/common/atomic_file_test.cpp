// Atomic replacement: content and mode, nothing left behind, old content kept on failure, and the
// start-up clean-up removing exactly the temp-name pattern.
#include <boost/test/unit_test.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/fs/atomic_file.hpp"
#include "temp_dir.hpp"

namespace stdfs = std::filesystem;
using common::fs::remove_stale_temp_files;
using common::fs::write_file_atomically;

namespace {

std::vector<std::string> names_in(const stdfs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : stdfs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(atomic_file)

BOOST_AUTO_TEST_CASE(creates_then_replaces_content_without_leftovers) {
    test_support::temp_dir dir("apl-atomic");
    const stdfs::path target = dir / "local.cfg";

    BOOST_TEST(!write_file_atomically(target, "admin password: 1\n").has_value());
    BOOST_TEST(test_support::read_file(target) == "admin password: 1\n");

    const std::string bigger(300000, 'x');
    BOOST_TEST(!write_file_atomically(target, bigger).has_value());
    BOOST_TEST(test_support::read_file(target) == bigger);

    BOOST_TEST(!write_file_atomically(target, "").has_value());
    BOOST_TEST(test_support::read_file(target).empty());

    BOOST_TEST(names_in(dir.path()) == std::vector<std::string>{"local.cfg"});
}

BOOST_AUTO_TEST_CASE(applies_the_requested_mode_regardless_of_umask) {
    test_support::temp_dir dir("apl-atomic");
    const stdfs::path target = dir / "server.cfg";
    const auto old_umask = ::umask(077);
    const auto error = write_file_atomically(
        target, "x", stdfs::perms::owner_read | stdfs::perms::owner_write |
                         stdfs::perms::group_read | stdfs::perms::others_read);
    ::umask(old_umask);
    BOOST_TEST_REQUIRE(!error.has_value());
    BOOST_TEST((stdfs::status(target).permissions() == (stdfs::perms::owner_read |
                                                         stdfs::perms::owner_write |
                                                         stdfs::perms::group_read |
                                                         stdfs::perms::others_read)));

    BOOST_TEST(!write_file_atomically(target, "y", stdfs::perms::owner_read |
                                                       stdfs::perms::owner_write)
                    .has_value());
    BOOST_TEST((stdfs::status(target).permissions() ==
                (stdfs::perms::owner_read | stdfs::perms::owner_write)));
}

BOOST_AUTO_TEST_CASE(relative_path_uses_the_current_directory) {
    test_support::temp_dir dir("apl-atomic");
    const stdfs::path previous = stdfs::current_path();
    stdfs::current_path(dir.path());
    const auto error = write_file_atomically("relative.cfg", "r");
    stdfs::current_path(previous);
    BOOST_TEST_REQUIRE(!error.has_value());
    BOOST_TEST(test_support::read_file(dir / "relative.cfg") == "r");
}

BOOST_AUTO_TEST_CASE(failure_to_create_names_the_path_and_the_reason) {
    test_support::temp_dir dir("apl-atomic");
    const stdfs::path not_a_dir = dir.write("plain-file", "i am a file");
    const stdfs::path target = not_a_dir / "local.cfg";
    const auto error = write_file_atomically(target, "new");
    BOOST_TEST_REQUIRE(error.has_value());
    BOOST_TEST(error->error_number == ENOTDIR);
    BOOST_TEST(error->message.find(not_a_dir.string()) != std::string::npos, error->message);
    BOOST_TEST(error->message.find("Not a directory") != std::string::npos, error->message);
    BOOST_TEST(test_support::read_file(not_a_dir) == "i am a file");
    BOOST_TEST(names_in(dir.path()) == std::vector<std::string>{"plain-file"});

    const auto empty_name = write_file_atomically(dir.path() / "", "x");
    BOOST_TEST(empty_name.has_value());
}

BOOST_AUTO_TEST_CASE(failed_rename_removes_the_temp_file) {
    // Renaming a file over a non-empty directory fails even for root.
    test_support::temp_dir dir("apl-atomic");
    dir.write("occupied/inside", "keep me");
    const auto error = write_file_atomically(dir / "occupied", "new");
    BOOST_TEST_REQUIRE(error.has_value());
    BOOST_TEST(error->message.find("rename") == 0U, error->message);
    BOOST_TEST(error->message.find((dir / "occupied").string()) != std::string::npos);
    BOOST_TEST(names_in(dir.path()) == std::vector<std::string>{"occupied"});
    BOOST_TEST(test_support::read_file(dir / "occupied" / "inside") == "keep me");
}

BOOST_AUTO_TEST_CASE(read_only_directory_keeps_the_old_content) {
    if (::geteuid() == 0) {
        // Root ignores directory permissions; the not-a-directory and rename cases cover the
        // failure paths instead.
        BOOST_TEST_MESSAGE("running as root: read-only directory case skipped");
        return;
    }
    test_support::temp_dir dir("apl-atomic");
    const stdfs::path sub = dir / "ro";
    stdfs::create_directory(sub);
    const stdfs::path target = sub / "local.cfg";
    BOOST_TEST_REQUIRE(!write_file_atomically(target, "old").has_value());
    stdfs::permissions(sub, stdfs::perms::owner_read | stdfs::perms::owner_exec);
    const auto error = write_file_atomically(target, "new");
    stdfs::permissions(sub, stdfs::perms::owner_all);
    BOOST_TEST_REQUIRE(error.has_value());
    BOOST_TEST(error->error_number == EACCES);
    BOOST_TEST(error->message.find("Permission denied") != std::string::npos, error->message);
    BOOST_TEST(test_support::read_file(target) == "old");
    BOOST_TEST(names_in(sub) == std::vector<std::string>{"local.cfg"});
}

BOOST_AUTO_TEST_CASE(failed_write_keeps_the_old_content) {
    // A file-size limit makes write() fail part-way (EFBIG), for root too.
    test_support::temp_dir dir("apl-atomic");
    const stdfs::path target = dir / "server.cfg";
    BOOST_TEST_REQUIRE(!write_file_atomically(target, "old").has_value());

    ::rlimit saved{};
    BOOST_TEST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    ::rlimit small = saved;
    small.rlim_cur = 1024;
    BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    const auto error = write_file_atomically(target, std::string(100000, 'n'));
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);

    BOOST_TEST_REQUIRE(error.has_value());
    BOOST_TEST(error->error_number == EFBIG);
    BOOST_TEST(error->message.find("write ") == 0U, error->message);
    BOOST_TEST(error->message.find(".server.cfg.tmp-") != std::string::npos, error->message);
    BOOST_TEST(test_support::read_file(target) == "old");
    BOOST_TEST(names_in(dir.path()) == std::vector<std::string>{"server.cfg"});
}

BOOST_AUTO_TEST_CASE(concurrent_writers_leave_one_whole_version) {
    test_support::temp_dir dir("apl-atomic");
    const stdfs::path target = dir / "state.cfg";
    const std::string a(10000, 'a');
    const std::string b(20000, 'b');
    std::vector<std::thread> writers;
    for (const std::string* content : {&a, &b}) {
        writers.emplace_back([&target, content] {
            for (int i = 0; i < 25; ++i) {
                if (write_file_atomically(target, *content)) {
                    return;
                }
            }
        });
    }
    for (auto& writer : writers) {
        writer.join();
    }
    const std::string final_content = test_support::read_file(target);
    BOOST_TEST((final_content == a || final_content == b));
    BOOST_TEST(names_in(dir.path()) == std::vector<std::string>{"state.cfg"});
}

BOOST_AUTO_TEST_CASE(temp_name_pattern) {
    using common::fs::is_atomic_temp_name;
    BOOST_TEST(is_atomic_temp_name(".local.cfg.tmp-0123456789abcdef"));
    BOOST_TEST(is_atomic_temp_name(".x.tmp-ffffffffffffffff"));
    BOOST_TEST(!is_atomic_temp_name(".tmp-0123456789abcdef"));            // no name
    BOOST_TEST(!is_atomic_temp_name("local.cfg.tmp-0123456789abcdef"));   // no leading dot
    BOOST_TEST(!is_atomic_temp_name(".local.cfg.tmp-0123456789ABCDEF"));  // upper-case
    BOOST_TEST(!is_atomic_temp_name(".local.cfg.tmp-0123456789abcde"));   // 15 digits
    BOOST_TEST(!is_atomic_temp_name(".local.cfg.tmp-0123456789abcdeg"));
    BOOST_TEST(!is_atomic_temp_name(".local.cfg.tmp-notes"));
    BOOST_TEST(!is_atomic_temp_name(".local.cfg-0123456789abcdef0"));
    BOOST_TEST(!is_atomic_temp_name(""));
}

BOOST_AUTO_TEST_CASE(stale_temp_files_are_removed_and_nothing_else) {
    test_support::temp_dir dir("apl-atomic");
    dir.write("local.cfg", "keep");
    dir.write(".local.cfg.tmp-0123456789abcdef", "stale");
    dir.write(".server.cfg.tmp-fedcba9876543210", "stale");
    dir.write(".local.cfg.tmp-notes", "keep");
    dir.write(".vimrc", "keep");
    dir.write("sub/.inner.cfg.tmp-0123456789abcdef", "not recursive");
    stdfs::create_directory(dir / ".dir.cfg.tmp-0123456789abcdef");
    stdfs::create_symlink(dir / "local.cfg", dir / ".link.cfg.tmp-0123456789abcdef");

    const auto report = remove_stale_temp_files(dir.path());
    BOOST_TEST(report.failures.empty());
    BOOST_TEST(report.removed.size() == 3U);
    BOOST_TEST(names_in(dir.path()) ==
               (std::vector<std::string>{".dir.cfg.tmp-0123456789abcdef", ".local.cfg.tmp-notes",
                                         ".vimrc", "local.cfg", "sub"}));
    BOOST_TEST(test_support::read_file(dir / "local.cfg") == "keep");  // symlink target kept

    const auto missing = remove_stale_temp_files(dir / "does-not-exist");
    BOOST_TEST_REQUIRE(missing.failures.size() == 1U);
    BOOST_TEST(missing.failures.front().message.find("does-not-exist") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(atomic_file_writer_streaming)

BOOST_AUTO_TEST_CASE(chunks_then_commit_replace_the_file) {
    test_support::temp_dir dir;
    auto target = dir.write("fw.st", "old image");
    auto opened = common::fs::atomic_file_writer::open(target);
    BOOST_REQUIRE(std::holds_alternative<common::fs::atomic_file_writer>(opened));
    auto& w = std::get<common::fs::atomic_file_writer>(opened);
    BOOST_TEST(!w.write("new ").has_value());
    BOOST_TEST(!w.write("image").has_value());
    BOOST_TEST(w.bytes_written() == 9u);
    BOOST_TEST(test_support::read_file(target) == "old image");  // untouched until commit
    BOOST_TEST(!w.commit().has_value());
    BOOST_TEST(test_support::read_file(target) == "new image");
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
    BOOST_TEST(files == 1u);
}

BOOST_AUTO_TEST_CASE(discard_or_destruction_keeps_the_old_file_and_leaves_no_temp) {
    test_support::temp_dir dir;
    auto target = dir.write("fw.st", "old image");
    {
        auto opened = common::fs::atomic_file_writer::open(target);
        auto& w = std::get<common::fs::atomic_file_writer>(opened);
        BOOST_TEST(!w.write("partial").has_value());
        BOOST_TEST(std::filesystem::exists(w.temp_path()));
    }
    auto opened = common::fs::atomic_file_writer::open(target);
    auto& w = std::get<common::fs::atomic_file_writer>(opened);
    BOOST_TEST(!w.write("partial").has_value());
    w.discard();
    BOOST_TEST(w.commit().has_value());  // nothing left to commit
    BOOST_TEST(test_support::read_file(target) == "old image");
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
    BOOST_TEST(files == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
