// Where the phone fetches its provisioning files, in the two shapes it exists in: a URL typed by
// the operator (`--server https://host:8443/dms/Aastra9480i/`) and the phone's own configuration
// keys (`download protocol`, `https server`, `https path`, `https port`, and the http ones).
//
// The phone stores the server as separate keys and rebuilds the URL for every boot, so the agent
// does the same: the URL is mapped onto keys once (into the local layer, as the Web UI's
// Configuration Server page would), and each provisioning run reads the keys back. Both
// directions are pure and round-trip: server_from_config(settings_for(parse_server_url(u))) gives
// the location parse_server_url(u) gave.
//
// Only HTTP and HTTPS are supported; TFTP and FTP (which the real phone also speaks) are reported
// as errors, never silently replaced.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace common::aastra {
class config_layers;
}

namespace phone_agent {

enum class download_protocol { http, https };

const char* to_string(download_protocol protocol) noexcept;  // "HTTP" / "HTTPS", as in .cfg files
std::ostream& operator<<(std::ostream& out, download_protocol protocol);

struct server_location {
    download_protocol protocol = download_protocol::https;
    std::string host;  // name or address; IPv6 without brackets
    std::uint16_t port = 443;
    std::string path = "/";  // always starts and ends with '/'; "/" for the server root

    friend bool operator==(const server_location&, const server_location&) = default;
};

std::ostream& operator<<(std::ostream& out, const server_location& location);

// Expected failures (a usage error for the CLI); `message` quotes the offending text.
struct server_url_error {
    std::string message;
};

// One configuration key and its value, ready for config_layers::set_local().
struct config_setting {
    std::string key;
    std::string value;

    friend bool operator==(const config_setting&, const config_setting&) = default;
};

std::ostream& operator<<(std::ostream& out, const config_setting& setting);  // "key: value"

// Accepts `http://host[:port][/path]` and `https://...`, scheme case-insensitive, IPv6 hosts in
// brackets. The path may omit the trailing '/'. Errors: another scheme, user:password@ (the phone
// has no such field; credentials belong in `http digest username/password`), a query or fragment,
// an empty or malformed host, a port outside 1..65535, spaces or control bytes anywhere.
std::variant<server_location, server_url_error> parse_server_url(std::string_view url);

// `download protocol` plus the server, path and port keys of that protocol. The path is written
// without surrounding slashes ("dms/Aastra9480i"; "" for the root), which the phone and
// server_from_config() both read back the same way as "/dms/Aastra9480i/".
std::vector<config_setting> settings_for(const server_location& location);

// Reads the keys back from the merged configuration. Errors: `download protocol` TFTP, FTP or
// unknown; the server key of that protocol empty or not a plain host (a `host:port` value is
// refused with a hint to use the port key); a port key that is not 1..65535; a path with spaces,
// control bytes, '?', '#' or '\'.
std::variant<server_location, server_url_error> server_from_config(
    const common::aastra::config_layers& config);

// "https://host:8443/dms/Aastra9480i/"; the port is left out when it is the scheme's default.
std::string base_url(const server_location& location);

// The request-target (origin-form) of a file under the server path: "/dms/Aastra9480i/aastra.cfg".
std::string request_target(const server_location& location, std::string_view file);

// base_url() + file, the absolute URL of a file.
std::string file_url(const server_location& location, std::string_view file);

}  // namespace phone_agent
