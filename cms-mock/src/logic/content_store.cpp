#include "logic/content_store.hpp"

#include "logic/request_path.hpp"
#include "logic/tree_watch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <variant>

namespace cms_mock {
namespace {

struct transparent_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};


std::chrono::system_clock::time_point to_time_point(const timespec& ts) {
    return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// What identifies one version of one file: any edit, replacement or rename changes it.
struct file_stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec mtime{};
    timespec ctime{};

    static file_stamp of(const struct stat& st) {
        return {st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
    }
    bool operator==(const file_stamp& o) const noexcept {
        return device == o.device && inode == o.inode && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
               mtime.tv_nsec == o.mtime.tv_nsec && ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
    }
};

struct cached_file {
    file_stamp stamp;
    stored_file file;
    bool watched = false;  // tree_watch reports its changes; otherwise one stat() per request
};

class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) ::close(fd_);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

// The whole file, or nullopt when it could not be read as `size` bytes (changed under us).
std::optional<std::string> read_exactly(int fd, std::size_t size) {
    std::string out(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        auto n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        done += static_cast<std::size_t>(n);
    }
    return out;
}

class dir_store final : public content_store {
public:
    dir_store(std::filesystem::path root, std::function<std::chrono::system_clock::time_point()> wall_clock,
              file_cache_limits limits)
        : root_(std::move(root)), wall_clock_(std::move(wall_clock)), limits_(limits) {
        std::error_code ec;
        canonical_root_ = std::filesystem::canonical(root_, ec);
        if (ec) throw std::runtime_error("root: '" + root_.string() + "' unavailable: " + ec.message());
        root_prefix_ = canonical_root_.string();
        if (!root_prefix_.ends_with('/')) root_prefix_.push_back('/');
    }

    std::optional<stored_file> find(std::string_view relative_path) const override {
        std::lock_guard lock(mutex_);
        if (watch_.changed()) {
            // Which entry the event was about does not matter: small files are cheap to read again.
            cache_.clear();
            cached_bytes_ = 0;
            watch_.reset();
        }
        if (auto it = cache_.find(relative_path); it != cache_.end()) {
            if (it->second.watched) return it->second.file;
            // Only a path that passed the full resolution below has an entry, so the stat here
            // cannot be led out of the root by the path's spelling; a symlink changed since then
            // leads to another inode (or a changed ctime) and misses.
            path_buffer_.assign(root_prefix_).append(relative_path);
            struct stat st {};
            if (::stat(path_buffer_.c_str(), &st) == 0 && file_stamp::of(st) == it->second.stamp) {
                return it->second.file;
            }
            forget(it);
        }
        return find_on_disk(relative_path);
    }

    std::string describe() const override { return "directory " + root_.string(); }

private:
    using cache_map = std::unordered_map<std::string, cached_file, transparent_hash, std::equal_to<>>;

    std::optional<stored_file> find_on_disk(std::string_view relative_path) const {
        auto resolved = resolve_under_canonical_root(canonical_root_, relative_path);
        const auto* path = std::get_if<std::filesystem::path>(&resolved);
        if (!path) return std::nullopt;
        // Watched before it is read, so a change after the read raises an event. Only a path
        // without symlinks is watched: the watches cover the directories of its own spelling.
        const bool watched = path->native().size() == root_prefix_.size() + relative_path.size() &&
                             path->native().ends_with(relative_path) && watch_.watch(root_prefix_, relative_path);
        fd_guard fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) return std::nullopt;
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
        const auto modified = to_time_point(st.st_mtim);
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (size <= limits_.max_file_bytes) {
            auto content = read_exactly(fd.get(), static_cast<std::size_t>(size));
            if (!content) return std::nullopt;
            stored_file file{string_body(std::move(*content)), modified};
            if (watched || settled(st)) remember(relative_path, file_stamp::of(st), file, watched);
            return file;
        }
        auto body = file_body(path->string());
        if (!body) return std::nullopt;
        return stored_file{std::move(body), modified};
    }

    bool settled(const struct stat& st) const {
        const auto newest = std::max(to_time_point(st.st_mtim), to_time_point(st.st_ctim));
        return newest + limits_.settle_time <= wall_clock_();
    }

    void remember(std::string_view relative_path, const file_stamp& stamp, const stored_file& file,
                  bool watched) const {
        const auto size = static_cast<std::uint64_t>(stamp.size);
        if (size > limits_.max_total_bytes) return;
        // Over a bound: drop arbitrary entries; they come back on their next request.
        while (!cache_.empty() &&
               (cached_bytes_ + size > limits_.max_total_bytes || cache_.size() >= limits_.max_files)) {
            forget(cache_.begin());
        }
        if (limits_.max_files == 0) return;
        cache_.emplace(std::string(relative_path), cached_file{stamp, file, watched});
        cached_bytes_ += size;
    }

    void forget(cache_map::iterator it) const {
        cached_bytes_ -= static_cast<std::uint64_t>(it->second.stamp.size);
        cache_.erase(it);
    }

    std::filesystem::path root_;
    std::filesystem::path canonical_root_;
    std::string root_prefix_;  // canonical root with a trailing '/'
    std::function<std::chrono::system_clock::time_point()> wall_clock_;
    file_cache_limits limits_;
    // find() is const for callers; the cache is an invisible detail, guarded for any caller thread.
    mutable std::mutex mutex_;
    mutable cache_map cache_;
    mutable std::uint64_t cached_bytes_ = 0;
    mutable std::string path_buffer_;
    mutable tree_watch watch_;
};

class mem_store final : public content_store {
public:
    mem_store(std::map<std::string, std::string, std::less<>> files,
              std::chrono::system_clock::time_point modified, std::string description)
        : modified_(modified), description_(std::move(description)) {
        for (auto& [name, content] : files) files_.emplace(name, string_body(std::move(content)));
    }

    std::optional<stored_file> find(std::string_view relative_path) const override {
        auto it = files_.find(relative_path);
        if (it == files_.end()) return std::nullopt;
        return stored_file{it->second, modified_};
    }

    std::string describe() const override { return description_; }

private:
    std::map<std::string, std::shared_ptr<const body_source>, std::less<>> files_;
    std::chrono::system_clock::time_point modified_;
    std::string description_;
};

}  // namespace

std::unique_ptr<content_store> directory_store(
    std::filesystem::path root, std::function<std::chrono::system_clock::time_point()> wall_clock,
    file_cache_limits limits) {
    return std::make_unique<dir_store>(std::move(root), std::move(wall_clock), limits);
}

std::unique_ptr<content_store> memory_store(std::map<std::string, std::string, std::less<>> files,
                                            std::chrono::system_clock::time_point modified,
                                            std::string description) {
    return std::make_unique<mem_store>(std::move(files), modified, std::move(description));
}

std::optional<std::string> read_all(const body_source& body, std::uint64_t limit) {
    auto size = body.size();
    if (size > limit) return std::nullopt;
    std::string out(static_cast<std::size_t>(size), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        auto n = body.read(done, std::span<char>(out.data() + done, out.size() - done));
        if (n == 0) return std::nullopt;
        done += n;
    }
    return out;
}

std::map<std::string, std::string, std::less<>> demo_tree_files() {
    std::map<std::string, std::string, std::less<>> files;
    files["aastra.cfg"] =
        "# cms-mock built-in demo: global settings for every Aastra phone\n"
        "download protocol: HTTP\n"
        "http digest username: {{device.username}}\n"
        "http digest password: {{device.password}}\n"
        "https validate certificates: 1\n"
        "https validate hostname: 1\n"
        "https validate expires: 1\n"
        "auto resync mode: 0\n"
        "time server disabled: 0\n"
        "time server1: pool.ntp.org\n"
        "contact rcs: 0\n";
    for (const char* model : {"6731i", "6739i", "9480i"}) {
        files[std::string(model) + ".cfg"] =
            "# cms-mock built-in demo: settings for the " + std::string(model) + "\n"
            "firmware version: 3.2.2.3077\n"
            "softkey1 type: xml\n"
            "softkey1 label: \"Directory\"\n"
            "softkey1 value: http://{{server.host}}/xml/directory.xml\n";
    }
    files["mac.cfg.template"] =
        "# cms-mock built-in demo: per-device profile for {{mac}} ({{model}})\n"
        "http digest force login: 0\n"
        "sip line1 auth name: {{line1.auth_name}}\n"
        "sip line1 password: {{line1.password}}\n"
        "sip line1 user name: {{line1.user_name}}\n"
        "sip line1 display name: \"{{line1.display_name}}\"\n"
        "sip line1 proxy ip: {{server.host}}\n"
        "sip line1 registrar ip: {{server.host}}\n";
    files["default-profile.cfg"] =
        "# cms-mock: default profile for a device that has not logged in yet\n"
        "http digest force login: 1\n";
    files["xml/directory.xml"] =
        "<AastraIPPhoneTextMenu destroyOnExit=\"yes\">\n"
        "  <Title>Directory</Title>\n"
        "  <MenuItem><Prompt>Alice</Prompt><URI>Dial:1001</URI></MenuItem>\n"
        "  <MenuItem><Prompt>Bob</Prompt><URI>Dial:1002</URI></MenuItem>\n"
        "</AastraIPPhoneTextMenu>\n";
    return files;
}

}  // namespace cms_mock
