// directory_store's in-memory copy of small files must never serve stale or out-of-root content:
// every change of the file behind a path (edit, replacement, symlink retarget) is seen at once.
#include "logic/content_store.hpp"

#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace cms_mock;
namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

// A wall clock far ahead of every file time, so files count as settled and get cached.
std::chrono::system_clock::time_point settled_now() {
    return std::chrono::system_clock::now() + std::chrono::hours(1);
}

std::string content_of(const content_store& store, std::string_view path) {
    auto found = store.find(path);
    if (!found) return "<none>";
    auto text = read_all(*found->body, 1 << 20);
    return text ? *text : "<unreadable>";
}

}  // namespace

BOOST_AUTO_TEST_CASE(serves_the_new_content_after_every_kind_of_change) {
    temp_dir dir;
    const auto root = dir.path() / "root";
    dir.write("root/a.cfg", "one\n");
    auto store = directory_store(root, settled_now);
    BOOST_TEST(content_of(*store, "a.cfg") == "one\n");
    BOOST_TEST(content_of(*store, "a.cfg") == "one\n");  // from the cache

    dir.write("root/a.cfg", "three\n");  // edited in place, other size
    BOOST_TEST(content_of(*store, "a.cfg") == "three\n");

    dir.write("root/b.tmp", "four!\n");  // replaced by rename, same size
    fs::rename(root / "b.tmp", root / "a.cfg");
    BOOST_TEST(content_of(*store, "a.cfg") == "four!\n");

    fs::remove(root / "a.cfg");
    BOOST_TEST(!store->find("a.cfg").has_value());
}

BOOST_AUTO_TEST_CASE(a_same_size_rewrite_of_a_fresh_file_is_seen) {
    // With the real clock a file written just now is not settled: it is read from disk every
    // time, because a same-size rewrite within one clock tick keeps (size, mtime, ctime).
    temp_dir dir;
    dir.write("root/a.cfg", "aaaa");
    auto store = directory_store(dir.path() / "root", [] { return std::chrono::system_clock::now(); });
    BOOST_TEST(content_of(*store, "a.cfg") == "aaaa");
    dir.write("root/a.cfg", "bbbb");
    BOOST_TEST(content_of(*store, "a.cfg") == "bbbb");
}

BOOST_AUTO_TEST_CASE(same_size_rewrites_of_a_cached_file_within_one_clock_tick_are_seen) {
    // Where file times only move with the kernel's clock tick (before Linux 6.13's fine-grained
    // ctime), a revalidation by (size, mtime, ctime) misses most of these rewrites; the watch on
    // the file sees every one, and a cached watched file is never stat()ed.
    temp_dir dir;
    dir.write("root/sub/a.cfg", "v000");
    auto store = directory_store(dir.path() / "root", settled_now);
    for (int i = 1; i <= 50; ++i) {
        BOOST_TEST_CONTEXT("rewrite " << i) {
            const auto content = "v" + std::string(i < 10 ? "00" : "0") + std::to_string(i);
            dir.write("root/sub/a.cfg", content);
            BOOST_TEST(content_of(*store, "sub/a.cfg") == content);
            BOOST_TEST(content_of(*store, "sub/a.cfg") == content);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_cached_file_whose_directory_is_replaced_is_read_again) {
    temp_dir dir;
    const auto root = dir.path() / "root";
    dir.write("root/d/e/a.cfg", "old\n");
    auto store = directory_store(root, settled_now);
    BOOST_TEST(content_of(*store, "d/e/a.cfg") == "old\n");
    fs::rename(root / "d", root / "gone");
    BOOST_TEST(!store->find("d/e/a.cfg").has_value());
    dir.write("root/d/e/a.cfg", "new\n");
    BOOST_TEST(content_of(*store, "d/e/a.cfg") == "new\n");
    fs::rename(root / "d", root / "d2");
    fs::rename(root / "gone", root / "d");  // the old directory back under the old name
    BOOST_TEST(content_of(*store, "d/e/a.cfg") == "old\n");
}

BOOST_AUTO_TEST_CASE(a_symlink_retargeted_outside_the_root_is_refused_after_caching) {
    temp_dir dir;
    const auto root = dir.path() / "root";
    dir.write("root/real.cfg", "inside\n");
    dir.write("canary.cfg", "outside\n");
    fs::create_symlink(root / "real.cfg", root / "link.cfg");
    auto store = directory_store(root, settled_now);
    BOOST_TEST(content_of(*store, "link.cfg") == "inside\n");
    BOOST_TEST(content_of(*store, "link.cfg") == "inside\n");

    fs::remove(root / "link.cfg");
    fs::create_symlink(dir.path() / "canary.cfg", root / "link.cfg");
    BOOST_TEST(!store->find("link.cfg").has_value());

    // A directory symlink swapped in under a cached path is caught the same way.
    dir.write("root/sub/x.cfg", "sub\n");
    dir.write("outside/x.cfg", "out\n");
    BOOST_TEST(content_of(*store, "sub/x.cfg") == "sub\n");
    fs::remove_all(root / "sub");
    fs::create_directory_symlink(dir.path() / "outside", root / "sub");
    BOOST_TEST(!store->find("sub/x.cfg").has_value());
}

BOOST_AUTO_TEST_CASE(bounds_hold_and_large_files_stream_from_disk) {
    temp_dir dir;
    const auto root = dir.path() / "root";
    dir.write("root/a.cfg", "a");
    dir.write("root/b.cfg", "bb");
    const std::string big(100, 'x');
    dir.write("root/big.bin", big);
    file_cache_limits limits;
    limits.max_file_bytes = 64;
    limits.max_files = 1;
    auto store = directory_store(root, settled_now, limits);
    for (int round = 0; round < 3; ++round) {
        BOOST_TEST(content_of(*store, "a.cfg") == "a");
        BOOST_TEST(content_of(*store, "b.cfg") == "bb");
    }
    auto found = store->find("big.bin");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(!found->body->contiguous().has_value());  // streamed, not copied into memory
    BOOST_TEST(content_of(*store, "big.bin") == big);
    BOOST_TEST(store->find("a.cfg")->body->contiguous().has_value());
}

BOOST_AUTO_TEST_CASE(paths_out_of_the_root_and_directories_are_not_found) {
    temp_dir dir;
    dir.write("root/sub/a.cfg", "a");
    dir.write("secret.cfg", "s");
    auto store = directory_store(dir.path() / "root", settled_now);
    BOOST_TEST(!store->find("../secret.cfg").has_value());
    BOOST_TEST(!store->find("/etc/passwd").has_value());
    BOOST_TEST(!store->find("sub").has_value());
    BOOST_TEST(!store->find("missing.cfg").has_value());
    BOOST_CHECK_THROW(directory_store(dir.path() / "no-root", settled_now), std::runtime_error);
}
