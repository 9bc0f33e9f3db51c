// Where provisioning files come from: a directory on disk (--root) or the built-in demo tree.
// Files are found by their safe relative path (see request_path); nothing here can name a path
// outside the store.
#pragma once

#include "logic/http_types.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cms_mock {

struct stored_file {
    std::shared_ptr<const body_source> body;
    std::chrono::system_clock::time_point modified;
};

class content_store {
public:
    virtual ~content_store() = default;
    // `relative_path` is '/'-separated without a leading '/', already checked for traversal.
    virtual std::optional<stored_file> find(std::string_view relative_path) const = 0;
    virtual std::string describe() const = 0;  // for the start-up log
};

// Bounds of directory_store's in-memory copy of small files.
struct file_cache_limits {
    std::uint64_t max_file_bytes = 64 * 1024;          // larger files always stream from disk
    std::uint64_t max_total_bytes = 32 * 1024 * 1024;  // all cached contents together
    std::size_t max_files = 4096;
    // An unwatched file changed this recently is read from disk each time and not cached: file
    // times are only as fine as the kernel's clock tick, so a same-size rewrite within one tick
    // would keep the same (size, mtime, ctime) stamp.
    std::chrono::seconds settle_time{2};
};

// Serves files below `root`; symlinks that resolve outside the root are refused. The root is
// resolved once, here; a missing root throws std::runtime_error naming it. Small files are kept in
// memory after their first request. A file whose path has no symlink is watched (tree_watch) from
// before it is read, and any change under a watched path empties the cache; other files (and all
// of them where inotify is unavailable or cannot see every change, as on NFS or FUSE) are
// revalidated by one stat() of their path per request: device, inode, size, mtime and ctime must
// all still match, so an edit, a replacement, a rename or a symlink now leading elsewhere brings a
// fresh resolution and read. `wall_clock` must be the real clock the file system stamps files with
// (for settle_time), not a service's logical clock.
std::unique_ptr<content_store> directory_store(
    std::filesystem::path root, std::function<std::chrono::system_clock::time_point()> wall_clock,
    file_cache_limits limits = {});

// An in-memory tree: relative path -> content, all stamped with `modified`.
std::unique_ptr<content_store> memory_store(std::map<std::string, std::string, std::less<>> files,
                                            std::chrono::system_clock::time_point modified,
                                            std::string description);

// The demo tree cms-mock serves when started without --root: aastra.cfg, one <model>.cfg per
// demo model, and mac.cfg.template for known devices (all templates; see README).
std::map<std::string, std::string, std::less<>> demo_tree_files();

// Reads a whole (small) body into a string; nullopt when it is larger than `limit`.
std::optional<std::string> read_all(const body_source& body, std::uint64_t limit);

}  // namespace cms_mock
