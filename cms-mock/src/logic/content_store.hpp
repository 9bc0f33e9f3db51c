// Where provisioning files come from: a directory on disk (--root) or the built-in demo tree.
// Files are found by their safe relative path (see request_path); nothing here can name a path
// outside the store.
#pragma once

#include "logic/http_types.hpp"

#include <chrono>
#include <filesystem>
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

// Serves files below `root`; symlinks that resolve outside the root are refused.
std::unique_ptr<content_store> directory_store(std::filesystem::path root);

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
