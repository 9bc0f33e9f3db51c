#include "logic/tree_watch.hpp"

#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>

namespace cms_mock {
namespace {

constexpr std::uint32_t directory_events = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
                                           IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW;
constexpr std::uint32_t file_events =
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW;

// File systems where another machine (or a user-space server) can change files without this
// kernel raising an inotify event.
bool changes_can_bypass_inotify(const std::string& directory) {
    struct statfs fs {};
    if (::statfs(directory.c_str(), &fs) != 0) return true;
    switch (static_cast<std::uint32_t>(fs.f_type)) {
        case 0x6969u:      // NFS
        case 0x517Bu:      // SMB
        case 0xFE534D42u:  // SMB2
        case 0xFF534D42u:  // CIFS
        case 0x65735546u:  // FUSE (sshfs, virtiofs, Docker Desktop file sharing)
        case 0x01021997u:  // 9p (WSL 2, QEMU shares)
        case 0x00C36400u:  // Ceph
        case 0x5346414Fu:  // AFS
        case 0x7461636Fu:  // OCFS2
        case 0x01161970u:  // GFS2
            return true;
        default:
            return false;
    }
}

}  // namespace

// Opened at once and reopened by reset(), so the process holds one descriptor for the store's
// whole life (tests compare descriptor counts before and after an attack).
tree_watch::tree_watch() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

tree_watch::~tree_watch() {
    if (fd_ >= 0) ::close(fd_);
}

bool tree_watch::watch_directory(const std::string& directory) {
    if (directories_.contains(directory)) return true;
    if (changes_can_bypass_inotify(directory)) return false;
    const int wd = ::inotify_add_watch(fd_, directory.c_str(), directory_events);
    if (wd < 0) return false;
    directories_.insert(directory);
    return true;
}

bool tree_watch::watch(std::string_view root_prefix, std::string_view relative_path) {
    if (root_prefix.empty() || root_prefix.back() != '/' || relative_path.empty()) return false;
    if (fd_ < 0) {
        fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd_ < 0) return false;
    }
    path_.assign(root_prefix.substr(0, root_prefix.size() - 1));
    if (!watch_directory(path_)) return false;
    path_.push_back('/');
    for (std::size_t start = 0;;) {
        const auto slash = relative_path.find('/', start);
        if (slash == std::string_view::npos) break;
        path_.append(relative_path.substr(start, slash - start));
        if (!watch_directory(path_)) return false;
        path_.push_back('/');
        start = slash + 1;
    }
    path_.assign(root_prefix).append(relative_path);
    const int wd = ::inotify_add_watch(fd_, path_.c_str(), file_events);
    if (wd < 0) return false;
    active_ = true;
    return true;
}

bool tree_watch::changed() {
    if (!active_) return false;
    alignas(inotify_event) std::array<char, 4096> events;
    for (;;) {
        const auto n = ::read(fd_, events.data(), events.size());
        if (n > 0) return true;  // any event at all: the caller starts over with reset()
        if (n < 0 && errno == EINTR) continue;
        // EAGAIN: nothing happened. Any other error: the descriptor can no longer vouch.
        return n < 0 && errno != EAGAIN;
    }
}

void tree_watch::reset() {
    if (fd_ >= 0) ::close(fd_);  // removes every watch and discards queued events
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    directories_.clear();
    active_ = false;
}

}  // namespace cms_mock
