#include "common/fs/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <system_error>

#include <utility>
#include <variant>

namespace common::fs {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view temp_marker = ".tmp-";
constexpr std::size_t suffix_digits = 16;
constexpr int max_create_attempts = 64;

fs_error make_error(std::string_view what, const stdfs::path& path, int error_number) {
    // std::generic_category() is thread-safe, unlike strerror().
    return fs_error{std::string(what) + " " + path.string() + ": " +
                        std::generic_category().message(error_number),
                    error_number};
}

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finaliser
    x ^= x >> 30U;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27U;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31U;
    return x;
}

// Unpredictability is not needed (O_EXCL makes a collision a retry, not a clobber); only
// distinct names across threads and processes writing the same file at the same time.
std::string temp_suffix() {
    static std::atomic<std::uint64_t> counter{0};
    const auto now = static_cast<std::uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
    const auto pid = static_cast<std::uint64_t>(::getpid());
    const std::uint64_t value = mix(now ^ (pid << 40U) ^ mix(counter.fetch_add(1) + 1));
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string out(suffix_digits, '0');
    for (std::size_t i = 0; i < suffix_digits; ++i) {
        out[i] = hex[(value >> (4U * i)) & 0xFU];
    }
    return out;
}

// Owns the temp file until it has been renamed into place.
class temp_file {
public:
    temp_file() = default;
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() {
        close_quietly();
        if (!path_.empty()) {
            ::unlink(path_.c_str());
        }
    }

    std::optional<fs_error> create(const stdfs::path& dir, const std::string& name) {
        for (int attempt = 0; attempt < max_create_attempts; ++attempt) {
            stdfs::path candidate = dir / ("." + name + std::string(temp_marker) + temp_suffix());
            const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd >= 0) {
                fd_ = fd;
                path_ = std::move(candidate);
                return std::nullopt;
            }
            if (errno != EEXIST) {
                return make_error("create temp file", candidate, errno);
            }
        }
        return make_error("create temp file in", dir, EEXIST);
    }

    int fd() const noexcept { return fd_; }
    const stdfs::path& path() const noexcept { return path_; }

    std::optional<fs_error> close() {
        const int fd = fd_;
        fd_ = -1;
        // Linux releases the descriptor even when close() fails, so it is never retried.
        if (::close(fd) != 0) {
            return make_error("close", path_, errno);
        }
        return std::nullopt;
    }

    void release() noexcept { path_.clear(); }
    void release_fd() noexcept { fd_ = -1; }

private:
    void close_quietly() noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    int fd_ = -1;
    stdfs::path path_;
};

std::optional<fs_error> write_all(int fd, std::string_view content, const stdfs::path& path) {
    while (!content.empty()) {
        const std::size_t chunk = std::min<std::size_t>(content.size(), SSIZE_MAX);
        const ::ssize_t written = ::write(fd, content.data(), chunk);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return make_error("write", path, errno);
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    return std::nullopt;
}

std::optional<fs_error> sync_directory(const stdfs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return make_error("open directory", dir, errno);
    }
    std::optional<fs_error> error;
    // Some file systems cannot sync a directory and say so with EINVAL; there is nothing more
    // to make durable on them.
    if (::fsync(fd) != 0 && errno != EINVAL) {
        error = make_error("fsync directory", dir, errno);
    }
    ::close(fd);
    return error;
}

bool is_lower_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::variant<atomic_file_writer, fs_error> atomic_file_writer::open(const stdfs::path& target, stdfs::perms mode) {
    const std::string name = target.filename().string();
    if (name.empty() || name == "." || name == "..") {
        return make_error("write", target, EISDIR);
    }
    const stdfs::path dir = target.has_parent_path() ? target.parent_path() : stdfs::path(".");
    temp_file temp;
    if (auto error = temp.create(dir, name)) {
        return *error;
    }
    atomic_file_writer w;
    w.fd_ = temp.fd();
    w.temp_path_ = temp.path();
    w.target_ = target;
    w.mode_bits_ = static_cast<unsigned>(mode) & 07777U;
    temp.release_fd();
    temp.release();
    return w;
}

atomic_file_writer::atomic_file_writer(atomic_file_writer&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      temp_path_(std::exchange(other.temp_path_, {})),
      target_(std::move(other.target_)),
      mode_bits_(other.mode_bits_),
      written_(other.written_) {}

atomic_file_writer& atomic_file_writer::operator=(atomic_file_writer&& other) noexcept {
    if (this != &other) {
        discard();
        fd_ = std::exchange(other.fd_, -1);
        temp_path_ = std::exchange(other.temp_path_, {});
        target_ = std::move(other.target_);
        mode_bits_ = other.mode_bits_;
        written_ = other.written_;
    }
    return *this;
}

atomic_file_writer::~atomic_file_writer() { discard(); }

void atomic_file_writer::discard() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!temp_path_.empty()) {
        ::unlink(temp_path_.c_str());
        temp_path_.clear();
    }
}

std::optional<fs_error> atomic_file_writer::write(std::string_view chunk) {
    if (fd_ < 0) return make_error("write", target_, EBADF);
    if (auto error = write_all(fd_, chunk, temp_path_)) {
        return error;
    }
    written_ += chunk.size();
    return std::nullopt;
}

std::optional<fs_error> atomic_file_writer::commit() {
    if (fd_ < 0) return make_error("commit", target_, EBADF);
    if (::fchmod(fd_, static_cast<::mode_t>(mode_bits_)) != 0) {
        return make_error("chmod", temp_path_, errno);
    }
    if (::fsync(fd_) != 0) {
        return make_error("fsync", temp_path_, errno);
    }
    const int fd = std::exchange(fd_, -1);
    // Linux releases the descriptor even when close() fails, so it is never retried.
    if (::close(fd) != 0) {
        return make_error("close", temp_path_, errno);
    }
    if (::rename(temp_path_.c_str(), target_.c_str()) != 0) {
        return make_error("rename " + temp_path_.string() + " to", target_, errno);
    }
    temp_path_.clear();
    return sync_directory(target_.has_parent_path() ? target_.parent_path() : stdfs::path("."));
}

std::optional<fs_error> write_file_atomically(const stdfs::path& path, std::string_view content,
                                              stdfs::perms mode) {
    auto opened = atomic_file_writer::open(path, mode);
    if (auto* error = std::get_if<fs_error>(&opened)) {
        return *error;
    }
    auto& writer = std::get<atomic_file_writer>(opened);
    if (auto error = writer.write(content)) {
        return error;
    }
    return writer.commit();
}

bool is_atomic_temp_name(std::string_view file_name) noexcept {
    // "." + at least one character of the target name + ".tmp-" + 16 hex digits
    if (file_name.size() < 2 + temp_marker.size() + suffix_digits || file_name.front() != '.') {
        return false;
    }
    const std::string_view suffix = file_name.substr(file_name.size() - suffix_digits);
    const std::string_view before = file_name.substr(0, file_name.size() - suffix_digits);
    return before.ends_with(temp_marker) && std::all_of(suffix.begin(), suffix.end(), is_lower_hex);
}

cleanup_report remove_stale_temp_files(const stdfs::path& dir) {
    cleanup_report report;
    std::error_code ec;
    stdfs::directory_iterator it(dir, ec);
    if (ec) {
        report.failures.push_back(make_error("list directory", dir, ec.value()));
        return report;
    }
    for (; it != stdfs::directory_iterator(); it.increment(ec)) {
        const stdfs::path& candidate = it->path();
        if (!is_atomic_temp_name(candidate.filename().string())) {
            continue;
        }
        const auto status = it->symlink_status(ec);
        if (ec || (status.type() != stdfs::file_type::regular &&
                   status.type() != stdfs::file_type::symlink)) {
            continue;
        }
        if (stdfs::remove(candidate, ec)) {
            report.removed.push_back(candidate);
        } else if (ec) {
            report.failures.push_back(make_error("remove", candidate, ec.value()));
        }
    }
    if (ec) {
        report.failures.push_back(make_error("list directory", dir, ec.value()));
    }
    return report;
}

}  // namespace common::fs
