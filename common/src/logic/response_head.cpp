#include "common/http/response_head.hpp"

#include "common/auth/auth_header.hpp"

#include <array>
#include <charconv>

namespace common::http {
namespace {

// RFC 9110 tchar, as a table: every byte of every header name is looked up.
constexpr std::array<bool, 256> tchar_table = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c) {
        t[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();

bool safe_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (char c : name) {
        if (!tchar_table[static_cast<unsigned char>(c)]) return false;
    }
    return true;
}

bool safe_value(std::string_view value) noexcept { return !common::auth::has_forbidden_header_chars(value); }

void append_number(std::string& out, std::uint64_t n) {
    std::array<char, 24> digits{};
    auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), n);
    out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

}  // namespace

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 203: return "Non-Authoritative Information";
        case 204: return "No Content";
        case 205: return "Reset Content";
        case 206: return "Partial Content";
        case 300: return "Multiple Choices";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 305: return "Use Proxy";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 402: return "Payment Required";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 406: return "Not Acceptable";
        case 407: return "Proxy Authentication Required";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 412: return "Precondition Failed";
        case 413: return "Payload Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 416: return "Range Not Satisfiable";
        case 417: return "Expectation Failed";
        case 421: return "Misdirected Request";
        case 422: return "Unprocessable Entity";
        case 426: return "Upgrade Required";
        case 428: return "Precondition Required";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return "";
    }
}

void append_response_head(std::string& out, const response_head_spec& spec,
                          const std::vector<header_field>& headers, std::vector<std::string>& dropped) {
    std::size_t need = 64;
    for (const auto& h : headers) need += h.name.size() + h.value.size() + 4;
    out.reserve(out.size() + need);

    out.append(spec.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
    append_number(out, spec.status);
    out.push_back(' ');
    out.append(reason_phrase(spec.status));
    out.append("\r\n");
    for (const auto& h : headers) {
        if (!safe_name(h.name) || !safe_value(h.value)) {
            dropped.push_back(h.name);
            continue;
        }
        if (common::auth::iequals(h.name, "Content-Length") || common::auth::iequals(h.name, "Connection")) {
            continue;
        }
        out.append(h.name);
        out.append(": ");
        out.append(h.value);
        out.append("\r\n");
    }
    if (spec.content_length) {
        out.append("Content-Length: ");
        append_number(out, *spec.content_length);
        out.append("\r\n");
    }
    if (spec.version >= 11 && !spec.keep_alive) out.append("Connection: close\r\n");
    if (spec.version < 11 && spec.keep_alive) out.append("Connection: keep-alive\r\n");
    out.append("\r\n");
}

}  // namespace common::http
