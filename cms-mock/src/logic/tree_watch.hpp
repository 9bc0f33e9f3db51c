// Tells directory_store when anything it keeps in memory may have changed on disk, at the cost of
// one read() of an inotify descriptor per question instead of one stat() (a full path walk) per
// cached file per request.
//
// A watched file is watched together with every directory from the root down to it, so an edit,
// a chmod, a replacement by rename, a deletion, or a directory renamed or swapped for a symlink
// anywhere on its path are all reported. Events are queued by the kernel before the system call
// that made the change returns, so a request sent after a change always sees it.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

namespace cms_mock {

class tree_watch {
public:
    tree_watch();
    ~tree_watch();
    tree_watch(const tree_watch&) = delete;
    tree_watch& operator=(const tree_watch&) = delete;

    // Watches `root_prefix + relative_path` and the directories from `root_prefix` (a canonical
    // directory ending in '/') down to it. Call it before reading the file. False when a watch
    // could not be set (no inotify, the watch limit, a network or FUSE file system where changes
    // made elsewhere raise no event, a symlink on the path): then nothing may be trusted to
    // report changes of this file.
    bool watch(std::string_view root_prefix, std::string_view relative_path);

    // True when something watched may have changed since the last call or reset(); false
    // without a system call while no file is watched.
    bool changed();

    // Drops every watch (a new inotify descriptor in place of the old one).
    void reset();

private:
    bool watch_directory(const std::string& directory);

    int fd_ = -1;
    bool active_ = false;                          // a file is watched (since the last reset())
    std::unordered_set<std::string> directories_;  // watched since the last reset()
    std::string path_;                             // scratch
};

}  // namespace cms_mock
