// The plain parts of the HTTP client: URL parsing, error names and header look-up, with no
// sockets (http_client.cpp drives the connections).
#include "common/net/http_client.hpp"

#include "common/auth/auth_header.hpp"

#include <boost/url/parse.hpp>

#include <cctype>
#include <charconv>
#include <cstdint>

namespace common::net {

std::string_view to_string(fetch_error e) noexcept {
    switch (e) {
        case fetch_error::none: return "none";
        case fetch_error::bad_url: return "bad-url";
        case fetch_error::resolve: return "resolve";
        case fetch_error::connect: return "connect";
        case fetch_error::connect_timeout: return "connect-timeout";
        case fetch_error::tls: return "tls";
        case fetch_error::tls_timeout: return "tls-timeout";
        case fetch_error::write: return "write";
        case fetch_error::response_timeout: return "response-timeout";
        case fetch_error::bad_response: return "bad-response";
        case fetch_error::truncated: return "truncated";
        case fetch_error::body_timeout: return "body-timeout";
        case fetch_error::body_too_large: return "body-too-large";
        case fetch_error::sink_refused: return "sink-refused";
        case fetch_error::cancelled: return "cancelled";
    }
    return "?";
}

std::optional<std::string_view> fetch_result::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (auth::iequals(h.name, name)) return std::string_view(h.value);
    }
    return std::nullopt;
}

std::vector<std::string_view> fetch_result::headers_named(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& h : headers) {
        if (auth::iequals(h.name, name)) out.emplace_back(h.value);
    }
    return out;
}

std::optional<url_parts> parse_url(std::string_view url, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<url_parts> {
        if (error) *error = "'" + std::string(url) + "': " + std::move(why);
        return std::nullopt;
    };
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return fail("not an absolute URL");
    url_parts out;
    out.scheme = parsed->scheme();
    for (auto& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (out.scheme != "http" && out.scheme != "https") return fail("scheme must be http or https");
    if (parsed->has_userinfo()) return fail("credentials in the URL are not supported; use the options");
    out.host = parsed->encoded_host_address();
    if (out.host.size() >= 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
    if (out.host.empty()) return fail("no host");
    if (parsed->has_port()) {
        auto p = parsed->port();
        unsigned v = 0;
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (ec != std::errc() || ptr != p.data() + p.size() || v == 0 || v > 65535) return fail("bad port");
        out.port = static_cast<std::uint16_t>(v);
    } else {
        out.port = out.scheme == "https" ? 443 : 80;
    }
    out.target = std::string(parsed->encoded_path());
    if (out.target.empty()) out.target = "/";
    if (parsed->has_query()) out.target += "?" + std::string(parsed->encoded_query());
    return out;
}

}  // namespace common::net
