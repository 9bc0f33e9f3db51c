#include "logic/request_path.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <vector>

namespace cms_mock {

namespace {

namespace aastra = common::aastra;

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string byte_name(unsigned char b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(b));
    return buf;
}

path_error error(path_error_kind kind, std::string reason) { return {kind, std::move(reason)}; }

// Checks one byte of the raw path (before decoding); returns a reason when it is refused.
std::optional<std::string> raw_byte_problem(unsigned char b, std::size_t offset) {
    // The common case leaves before the reason's text is built: that string per byte of every
    // path was a tenth of a keep-alive request's cost.
    if (b > 0x20 && b < 0x7f && b != '\\') return std::nullopt;
    const auto at = " at offset " + std::to_string(offset);
    if (b == 0) return "NUL byte" + at;
    if (b < 0x20 || b == 0x7f) return "control byte " + byte_name(b) + at;
    if (b >= 0x80) return "non-ASCII byte " + byte_name(b) + at;
    if (b == ' ') return "unencoded space" + at;
    if (b == '\\') return "backslash" + at;
    return std::nullopt;
}

// Checks a byte produced by a %XX escape; returns a reason when it is refused.
std::optional<std::string> decoded_byte_problem(unsigned char b, std::size_t offset) {
    if (b >= 0x20 && b < 0x7f && b != '/' && b != '\\' && b != '%') return std::nullopt;
    const auto at = " (%" + byte_name(b).substr(2) + " at offset " + std::to_string(offset) + ")";
    if (b == 0) return "encoded NUL" + at;
    if (b < 0x20 || b == 0x7f) return "encoded control byte" + at;
    if (b >= 0x80) return "encoded non-ASCII byte" + at;
    if (b == '/') return "encoded '/'" + at;
    if (b == '\\') return "encoded backslash" + at;
    if (b == '%') return "double-encoded '%'" + at;
    return std::nullopt;
}

std::variant<std::string, path_error> decode_path(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto b = static_cast<unsigned char>(raw[i]);
        const bool plain = b > 0x20 && b < 0x7f && b != '\\';  // raw_byte_problem's fast answer, inline
        if (!plain) {
            if (auto problem = raw_byte_problem(b, i)) return error(path_error_kind::malformed, std::move(*problem));
        }
        if (raw[i] != '%') {
            out.push_back(raw[i]);
            continue;
        }
        const int hi = i + 1 < raw.size() ? hex_value(raw[i + 1]) : -1;
        const int lo = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            return error(path_error_kind::malformed,
                         "invalid percent-escape at offset " + std::to_string(i));
        }
        const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
        if (auto problem = decoded_byte_problem(decoded, i)) {
            return error(path_error_kind::malformed, std::move(*problem));
        }
        out.push_back(static_cast<char>(decoded));
        i += 2;
    }
    return out;
}

std::vector<std::string_view> split_segments(std::string_view path) {
    std::vector<std::string_view> segs;
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        segs.push_back(path.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return segs;
}

std::optional<path_error> check_segments(const std::vector<std::string_view>& segs) {
    for (std::size_t i = 0; i < segs.size(); ++i) {
        auto where = [i] { return "segment " + std::to_string(i + 1); };
        if (segs[i].empty()) {
            return error(path_error_kind::malformed, "empty path segment (" + where() + ")");
        }
        if (segs[i] == "." || segs[i] == "..") {
            return error(path_error_kind::traversal,
                         "dot segment '" + std::string(segs[i]) + "' (" + where() + ")");
        }
    }
    return std::nullopt;
}

std::optional<std::string> model_named(std::string_view name) {
    const auto found = aastra::find_model(name);
    if (const auto* m = std::get_if<aastra::model_info>(&found)) return std::string(m->name);
    return std::nullopt;
}

std::optional<std::string> mac_named(std::string_view name) {
    const auto parsed = aastra::mac_address::parse(name);
    if (const auto* m = std::get_if<aastra::mac_address>(&parsed)) return m->compact_upper();
    return std::nullopt;
}

void classify_file_name(file_request& req) {
    const auto lower = lowered(req.file_name);
    if (lower == "aastra.cfg") {
        req.kind = file_kind::aastra_cfg;
        return;
    }
    if (lower == "security.tuz") {
        req.kind = file_kind::security_tuz;
        return;
    }
    req.kind = file_kind::other;
    const auto dot = lower.rfind('.');
    if (dot == std::string::npos) return;
    const std::string_view stem = std::string_view(req.file_name).substr(0, dot);
    const std::string_view ext = std::string_view(lower).substr(dot + 1);
    if (ext != "cfg" && ext != "st" && ext != "tuz") return;
    if (auto model = model_named(stem)) {
        req.model = std::move(model);
        if (ext == "cfg") req.kind = file_kind::model_cfg;
        if (ext == "st") req.kind = file_kind::firmware;
        return;
    }
    if (auto mac = mac_named(stem)) {
        req.mac = std::move(mac);
        if (ext == "cfg") req.kind = file_kind::mac_cfg;
    }
}

// "Aastra9480i" or "9480i" -> "9480i"; other device type names carry no model.
std::optional<std::string> model_of_device_type(std::string_view type) {
    if (type.size() > 6 && lowered(type.substr(0, 6)) == "aastra") type.remove_prefix(6);
    return model_named(type);
}

}  // namespace

std::string_view to_string(file_kind kind) noexcept {
    switch (kind) {
    case file_kind::aastra_cfg: return "aastra_cfg";
    case file_kind::model_cfg: return "model_cfg";
    case file_kind::mac_cfg: return "mac_cfg";
    case file_kind::firmware: return "firmware";
    case file_kind::security_tuz: return "security_tuz";
    case file_kind::other: return "other";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, file_kind kind) { return os << to_string(kind); }

std::string_view to_string(path_error_kind kind) noexcept {
    switch (kind) {
    case path_error_kind::malformed: return "malformed";
    case path_error_kind::traversal: return "traversal";
    case path_error_kind::too_long: return "too_long";
    case path_error_kind::not_found: return "not_found";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, path_error_kind kind) { return os << to_string(kind); }

unsigned http_status(path_error_kind kind) noexcept {
    switch (kind) {
    case path_error_kind::malformed:
    case path_error_kind::traversal: return 400;
    case path_error_kind::too_long: return 414;
    case path_error_kind::not_found: return 404;
    }
    return 400;
}

std::variant<file_request, path_error> classify_target(std::string_view request_target,
                                                       const layout& lay) {
    if (request_target.empty()) return error(path_error_kind::malformed, "empty request-target");
    if (request_target.front() != '/') {
        return error(path_error_kind::malformed,
                     "request-target is not origin-form (must start with '/')");
    }
    if (const auto hash = request_target.find('#'); hash != std::string_view::npos) {
        return error(path_error_kind::malformed, "fragment at offset " + std::to_string(hash));
    }
    const auto raw_path = request_target.substr(0, request_target.find('?'));
    if (raw_path.size() > max_path_length) {
        return error(path_error_kind::too_long, "path of " + std::to_string(raw_path.size()) +
                                                    " bytes exceeds " +
                                                    std::to_string(max_path_length));
    }
    auto decoded = decode_path(raw_path);
    if (auto* e = std::get_if<path_error>(&decoded)) return std::move(*e);
    const auto& path = std::get<std::string>(decoded);
    if (path == "/") return error(path_error_kind::not_found, "no file name (directory '/')");

    const auto segs = split_segments(std::string_view(path).substr(1));
    if (auto e = check_segments(segs)) return std::move(*e);

    file_request req;
    // No segment is empty, so the segments joined by '/' are the decoded path itself.
    const std::string_view relative = std::string_view(path).substr(1);
    req.relative_path = relative;
    req.file_name = std::string(segs.back());

    // A configured context of "/dms/" means the same as "dms". The path is under it when it
    // starts with it at a segment boundary (a context with an empty segment matches nothing,
    // as no path has one).
    std::string_view context = lay.dms_context;
    while (!context.empty() && context.front() == '/') context.remove_prefix(1);
    while (!context.empty() && context.back() == '/') context.remove_suffix(1);
    const bool ctx_empty = context.empty();
    const std::size_t ctx_size =
        ctx_empty ? 0 : static_cast<std::size_t>(std::count(context.begin(), context.end(), '/')) + 1;
    const bool under_ctx = !ctx_empty && relative.starts_with(context) &&
                           (relative.size() == context.size() || relative[context.size()] == '/');
    if (lay.dms_enabled && (under_ctx || ctx_empty)) {
        if (segs.size() == ctx_size + 2) {
            req.device_type = std::string(segs[ctx_size]);
            classify_file_name(req);
            if (!req.model) req.model = model_of_device_type(*req.device_type);
            return req;
        }
        if (under_ctx) {
            return error(path_error_kind::not_found,
                         "DMS paths are /" + std::string(context) + "/<DeviceType>/<file>");
        }
    }
    if (!lay.flat_enabled) {
        return error(path_error_kind::not_found, "path outside the enabled layouts");
    }
    if (segs.size() == 1) classify_file_name(req);
    return req;
}

namespace {
// Re-checks a relative path that may not come from classify_target.
std::optional<path_error> check_relative_path(std::string_view relative_path) {
    if (relative_path.empty()) return error(path_error_kind::not_found, "empty relative path");
    if (relative_path.front() == '/') {
        return error(path_error_kind::traversal, "absolute path '" + std::string(relative_path) + "'");
    }
    if (relative_path.find('\0') != std::string_view::npos ||
        relative_path.find('\\') != std::string_view::npos) {
        return error(path_error_kind::malformed, "NUL or backslash in relative path");
    }
    return check_segments(split_segments(relative_path));
}
}  // namespace

std::variant<std::filesystem::path, path_error> resolve_under_root(const std::filesystem::path& root,
                                                                   std::string_view relative_path) {
    if (auto e = check_relative_path(relative_path)) return std::move(*e);

    std::error_code ec;
    const auto canonical_root = std::filesystem::canonical(root, ec);
    if (ec) {
        return error(path_error_kind::not_found,
                     "root '" + root.string() + "' unavailable: " + ec.message());
    }
    return resolve_under_canonical_root(canonical_root, relative_path);
}

std::variant<std::filesystem::path, path_error> resolve_under_canonical_root(
    const std::filesystem::path& canonical_root, std::string_view relative_path) {
    if (auto e = check_relative_path(relative_path)) return std::move(*e);

    std::error_code ec;
    const auto resolved =
        std::filesystem::weakly_canonical(canonical_root / std::string(relative_path), ec);
    if (ec) {
        return error(path_error_kind::not_found,
                     "cannot resolve '" + std::string(relative_path) + "': " + ec.message());
    }
    // Component-wise prefix test: "/srv/root2" must not pass as inside "/srv/root".
    const auto diverge =
        std::mismatch(canonical_root.begin(), canonical_root.end(), resolved.begin(), resolved.end());
    if (diverge.first != canonical_root.end()) {
        return error(path_error_kind::traversal, "'" + std::string(relative_path) +
                                                     "' resolves outside the root (to '" +
                                                     resolved.string() + "')");
    }
    return resolved;
}

}  // namespace cms_mock
