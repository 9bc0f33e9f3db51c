#include "logic/server_url.hpp"

#include "common/aastra/config_layers.hpp"

#include <algorithm>
#include <charconv>
#include <ostream>
#include <string>

namespace phone_agent {
namespace {

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

bool is_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool has_blank_or_control(std::string_view s) noexcept {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b <= 0x20 || b == 0x7f;
    });
}

std::uint16_t default_port(download_protocol protocol) noexcept {
    return protocol == download_protocol::https ? 443 : 80;
}

// Registered names (with '_' as container runtimes hand out) and IPv4 literals.
bool is_reg_name(std::string_view host) noexcept {
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
        return false;
    }
    return std::all_of(host.begin(), host.end(),
                       [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; });
}

// Enough to refuse garbage; the resolver has the final word on the exact form.
bool is_ipv6_literal(std::string_view host) noexcept {
    const auto colons = std::count(host.begin(), host.end(), ':');
    return colons >= 2 && std::all_of(host.begin(), host.end(),
                                      [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

std::variant<std::uint16_t, server_url_error> parse_port(std::string_view text,
                                                        std::string_view what) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 ||
        value > 65535) {
        return server_url_error{std::string(what) + ": port '" + std::string(text) +
                                "' is not a number from 1 to 65535"};
    }
    return static_cast<std::uint16_t>(value);
}

// Both "dms/x", "/dms/x" and "/dms/x/" name the same directory; the phone joins path and file
// with exactly one '/'.
std::variant<std::string, server_url_error> normalise_path(std::string_view path,
                                                           std::string_view what) {
    if (has_blank_or_control(path) ||
        path.find_first_of("?#\\") != std::string_view::npos) {
        return server_url_error{std::string(what) + ": path '" + std::string(path) +
                                "' contains a space, control byte, '?', '#' or '\\'"};
    }
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (path.find("//") != std::string_view::npos) {
        return server_url_error{std::string(what) + ": path '" + std::string(path) +
                                "' contains an empty segment"};
    }
    return path.empty() ? std::string("/") : "/" + std::string(path) + "/";
}

std::string protocol_prefix(download_protocol protocol) {
    return protocol == download_protocol::https ? "https" : "http";
}

}  // namespace

const char* to_string(download_protocol protocol) noexcept {
    return protocol == download_protocol::https ? "HTTPS" : "HTTP";
}

std::ostream& operator<<(std::ostream& out, download_protocol protocol) {
    return out << to_string(protocol);
}

std::ostream& operator<<(std::ostream& out, const server_location& location) {
    return out << base_url(location);
}

std::ostream& operator<<(std::ostream& out, const config_setting& setting) {
    return out << setting.key << ": " << setting.value;
}

std::variant<server_location, server_url_error> parse_server_url(std::string_view url) {
    const std::string quoted = "server URL '" + std::string(url) + "'";
    if (has_blank_or_control(url)) {
        return server_url_error{quoted + " contains a space or control byte"};
    }
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return server_url_error{quoted + " has no scheme: use http:// or https://"};
    }
    server_location out;
    const std::string scheme = lower(url.substr(0, scheme_end));
    if (scheme == "https") {
        out.protocol = download_protocol::https;
    } else if (scheme == "http") {
        out.protocol = download_protocol::http;
    } else {
        return server_url_error{quoted + ": scheme '" + scheme +
                                "' is not supported (only http and https)"};
    }
    std::string_view rest = url.substr(scheme_end + 3);
    if (rest.find_first_of("?#") != std::string_view::npos) {
        return server_url_error{quoted + " has a query or fragment; the phone has a path only"};
    }
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (authority.find('@') != std::string_view::npos) {
        return server_url_error{quoted +
                                " carries user:password@; set 'http digest username' and "
                                "'http digest password' instead"};
    }

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return server_url_error{quoted + ": unterminated '[' in the host"};
        }
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':') {
            return server_url_error{quoted + ": unexpected text after ']'"};
        }
        if (!is_ipv6_literal(out.host)) {
            return server_url_error{quoted + ": '" + out.host + "' is not an IPv6 address"};
        }
        if (!after.empty()) port_text = after.substr(1);
        if (!after.empty() && port_text.empty()) {
            return server_url_error{quoted + ": empty port after ':'"};
        }
    } else {
        const auto colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return server_url_error{quoted + ": empty port after ':'"};
        }
        if (!is_reg_name(out.host)) {
            return server_url_error{quoted + ": host '" + out.host + "' is empty or malformed"};
        }
    }

    out.port = default_port(out.protocol);
    if (!port_text.empty()) {
        auto port = parse_port(port_text, quoted);
        if (auto* error = std::get_if<server_url_error>(&port)) return std::move(*error);
        out.port = std::get<std::uint16_t>(port);
    }
    auto normalised = normalise_path(path, quoted);
    if (auto* error = std::get_if<server_url_error>(&normalised)) return std::move(*error);
    out.path = std::get<std::string>(std::move(normalised));
    return out;
}

std::vector<config_setting> settings_for(const server_location& location) {
    const std::string prefix = protocol_prefix(location.protocol);
    std::string path = location.path;
    while (!path.empty() && path.front() == '/') path.erase(path.begin());
    while (!path.empty() && path.back() == '/') path.pop_back();
    return {
        {"download protocol", to_string(location.protocol)},
        {prefix + " server", location.host},
        {prefix + " path", path},
        {prefix + " port", std::to_string(location.port)},
    };
}

std::variant<server_location, server_url_error> server_from_config(
    const common::aastra::config_layers& config) {
    const std::string protocol = config.get_string("download protocol");
    server_location out;
    const std::string protocol_lower = lower(protocol);
    if (protocol_lower == "https") {
        out.protocol = download_protocol::https;
    } else if (protocol_lower == "http") {
        out.protocol = download_protocol::http;
    } else {
        return server_url_error{"download protocol '" + protocol +
                                "' is not supported by the agent (only HTTP and HTTPS)"};
    }
    const std::string prefix = protocol_prefix(out.protocol);

    const std::string server_key = prefix + " server";
    out.host = config.get_string(server_key);
    if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
        out.host = out.host.substr(1, out.host.size() - 2);
    }
    const auto colons = std::count(out.host.begin(), out.host.end(), ':');
    if (out.host.empty()) {
        return server_url_error{"'" + server_key + "' is not set"};
    }
    if (colons == 1) {
        return server_url_error{"'" + server_key + ": " + out.host +
                                "' holds a port; put it in '" + prefix + " port'"};
    }
    if (colons == 0 ? !is_reg_name(out.host) : !is_ipv6_literal(out.host)) {
        return server_url_error{"'" + server_key + ": " + out.host + "' is not a host name"};
    }

    const std::string port_key = prefix + " port";
    const std::string port_text = config.get_string(port_key);
    out.port = default_port(out.protocol);
    if (!port_text.empty()) {
        auto port = parse_port(port_text, "'" + port_key + "'");
        if (auto* error = std::get_if<server_url_error>(&port)) return std::move(*error);
        out.port = std::get<std::uint16_t>(port);
    }

    const std::string path_key = prefix + " path";
    auto normalised = normalise_path(config.get_string(path_key), "'" + path_key + "'");
    if (auto* error = std::get_if<server_url_error>(&normalised)) return std::move(*error);
    out.path = std::get<std::string>(std::move(normalised));
    return out;
}

std::string base_url(const server_location& location) {
    std::string out = protocol_prefix(location.protocol) + "://";
    const bool ipv6 = location.host.find(':') != std::string::npos;
    out += ipv6 ? "[" + location.host + "]" : location.host;
    if (location.port != default_port(location.protocol)) {
        out += ":" + std::to_string(location.port);
    }
    return out + location.path;
}

std::string request_target(const server_location& location, std::string_view file) {
    return location.path + std::string(file);
}

std::string file_url(const server_location& location, std::string_view file) {
    return base_url(location) + std::string(file);
}

}  // namespace phone_agent
