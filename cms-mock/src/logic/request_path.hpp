// Turns a request-target into a provisioning file request, refusing every path trick before any
// file system call sees it, and resolves the result under the served root without letting
// symlinks lead outside it. Pure functions; safe to call from any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>

namespace cms_mock {

// Which URL layouts are served. DMS: /<context>/<DeviceType>/<file>; flat: /<file> at the root.
struct layout {
    bool dms_enabled = true;
    std::string dms_context = "dms";
    bool flat_enabled = true;
};

enum class file_kind { aastra_cfg, model_cfg, mac_cfg, firmware, security_tuz, other };
std::string_view to_string(file_kind kind) noexcept;
std::ostream& operator<<(std::ostream& os, file_kind kind);

struct file_request {
    std::optional<std::string> device_type;  // DMS layout only, e.g. "Aastra9480i"
    std::string file_name;                   // last segment as requested (decoded), e.g. "aastra.cfg"
    // The whole decoded path without the leading '/' (e.g. "dms/Aastra9480i/aastra.cfg"): what a
    // plain file server maps below its root. Never empty, absolute, or containing "." / ".."
    // segments, empty segments, backslashes, '%', control or non-ASCII bytes.
    std::string relative_path;
    file_kind kind = file_kind::other;
    // 12 upper-case hex digits when the file name's stem is a MAC in any accepted spelling
    // (`00085d1a2b3c`, `00:08:5D:1A:2B:3C`, `00-08-5d-1a-2b-3c`), also for `<MAC>.tuz`.
    std::optional<std::string> mac;
    // Canonical model name (e.g. "9480i") from `<model>.cfg` / `<model>.st` / `<model>.tuz`, or
    // else from a DMS device type named after a model ("Aastra9480i" or "9480i").
    std::optional<std::string> model;
};

// How a target was refused; http_status() gives the answer the server should send.
enum class path_error_kind {
    malformed,  // not origin-form, bad escape, forbidden byte, empty segment: 400
    traversal,  // "." or ".." segment (raw or encoded), or a resolved path outside the root: 400
    too_long,   // the path exceeds max_path_length: 414
    not_found,  // well-formed but outside every enabled layout (or a directory): 404
};
std::string_view to_string(path_error_kind kind) noexcept;
std::ostream& operator<<(std::ostream& os, path_error_kind kind);
unsigned http_status(path_error_kind kind) noexcept;

struct path_error {
    path_error_kind kind = path_error_kind::malformed;
    std::string reason;  // names the offending part and its offset in the raw target
};

inline constexpr std::size_t max_path_length = 1024;

// Classifies an origin-form request-target. The query is stripped, then the path is
// percent-decoded exactly once. Refused (see path_error_kind): anything not starting with '/'
// (absolute-form, authority-form, '*'), fragments, invalid escapes, encoded '/' or '\\', a '%' left
// after decoding (so "%252e" cannot become "." in any later decoding layer, cf. CVE-2021-42013),
// backslashes, NUL and other control bytes, non-ASCII bytes (overlong UTF-8 dots such as "%c0%ae"),
// "." / ".." segments (raw or encoded, cf. CVE-2021-41773), empty segments ("//", trailing '/'),
// and raw paths longer than max_path_length. File names are matched case-insensitively.
std::variant<file_request, path_error> classify_target(std::string_view request_target,
                                                       const layout& lay);

// Maps `relative_path` (as produced by classify_target) below `root` and returns the result with
// symlinks resolved (weakly_canonical: a missing final file is fine, the server answers 404).
// Refuses, as traversal, a result that is not inside canonical(root), so a symlink in the tree
// pointing elsewhere cannot be followed. Also re-checks the relative path itself (absolute, "..",
// backslash, NUL) so it is safe on input that did not come from classify_target. A missing root is
// a not_found error. The check is as of the call: the caller should open the file right away.
std::variant<std::filesystem::path, path_error> resolve_under_root(const std::filesystem::path& root,
                                                                   std::string_view relative_path);

// The same with `canonical_root` already resolved (std::filesystem::canonical), so a caller that
// resolves many paths under one root does not pay for resolving the root every time.
std::variant<std::filesystem::path, path_error> resolve_under_canonical_root(
    const std::filesystem::path& canonical_root, std::string_view relative_path);

}  // namespace cms_mock
