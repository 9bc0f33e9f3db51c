// Replacing a file so that readers and a crash see either the old content or the new, never a
// mix: the phone's server.cfg / local.cfg and the mock's state files are written this way.
//
// Plain POSIX. Temp files are named `.<name>.tmp-<16 hex digits>` in the target's directory
// (a rename only is atomic within one file system); remove_stale_temp_files() deletes exactly
// that pattern, left behind by a crash between create and rename.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <cstdint>
#include <vector>

namespace common::fs {

struct fs_error {
    std::string message;  // "write /var/lib/phone/local.cfg: No space left on device"
    int error_number = 0;  // errno of the failed call
};

inline constexpr std::filesystem::perms default_file_mode =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
    std::filesystem::perms::group_read | std::filesystem::perms::others_read;

// Writes `content` to a new temp file, fsyncs it, gives it exactly `mode` (not filtered by the
// umask), renames it over `path` and fsyncs the directory. On any failure the temp file is
// removed and an existing `path` keeps its old content. A failure of the final directory fsync
// is reported too, although the new content is then already in place (just not yet durable).
std::optional<fs_error> write_file_atomically(const std::filesystem::path& path,
                                              std::string_view content,
                                              std::filesystem::perms mode = default_file_mode);

// True for names write_file_atomically() uses for its temp files.
// The streaming form, for content too large to hold in memory (firmware): chunks go to a temp file
// next to `target`; commit() makes it durable and renames it into place; a writer destroyed or
// discarded before commit() removes the temp file, so the old file is never touched.
class atomic_file_writer {
public:
    static std::variant<atomic_file_writer, fs_error> open(const std::filesystem::path& target,
                                                           std::filesystem::perms mode = default_file_mode);
    atomic_file_writer(atomic_file_writer&& other) noexcept;
    atomic_file_writer& operator=(atomic_file_writer&& other) noexcept;
    atomic_file_writer(const atomic_file_writer&) = delete;
    atomic_file_writer& operator=(const atomic_file_writer&) = delete;
    ~atomic_file_writer();

    std::optional<fs_error> write(std::string_view chunk);
    std::optional<fs_error> commit();  // chmod, fsync, close, rename, fsync of the directory
    void discard() noexcept;
    std::uint64_t bytes_written() const noexcept { return written_; }
    const std::filesystem::path& temp_path() const noexcept { return temp_path_; }

private:
    atomic_file_writer() = default;
    int fd_ = -1;
    std::filesystem::path temp_path_;
    std::filesystem::path target_;
    unsigned mode_bits_ = 0644;
    std::uint64_t written_ = 0;
};

bool is_atomic_temp_name(std::string_view file_name) noexcept;

struct cleanup_report {
    std::vector<std::filesystem::path> removed;
    std::vector<fs_error> failures;  // listing the directory or removing one file
};

// Start-up clean-up of `dir` (not recursive): removes regular files and symlinks whose name
// matches the temp pattern, nothing else.
cleanup_report remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace common::fs
