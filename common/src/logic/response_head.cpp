#include "common/http/response_head.hpp"

#include "common/auth/auth_header.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace common::http {
namespace {

bool safe_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (char c : name) {
        if (!auth::is_tchar(c)) return false;
    }
    return true;
}

bool safe_value(std::string_view value) noexcept { return !common::auth::has_forbidden_header_chars(value); }

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
    // Two passes: the first checks every field and sizes the head, the second copies into the
    // string grown once (an append per piece was most of the cost of a small response's head).
    // Fields past the first 64 are checked again in the second pass rather than remembered.
    constexpr std::size_t remembered = 64;
    std::uint64_t written = 0;  // bit i: field i goes out
    // The writer sets these two from the body and the connection state.
    auto framing = [](const header_field& h) {
        return common::auth::iequals(h.name, "Content-Length") || common::auth::iequals(h.name, "Connection");
    };
    std::array<char, 24> length_digits{};
    std::size_t length_size = 0;
    if (spec.content_length) {
        const auto [end, ec] = std::to_chars(length_digits.data(), length_digits.data() + length_digits.size(),
                                             *spec.content_length);
        length_size = static_cast<std::size_t>(end - length_digits.data());
    }
    std::array<char, 8> status_digits{};
    const auto [status_end, status_ec] =
        std::to_chars(status_digits.data(), status_digits.data() + status_digits.size(), spec.status);
    const std::string_view status(status_digits.data(), static_cast<std::size_t>(status_end - status_digits.data()));
    const std::string_view reason = reason_phrase(spec.status);
    const std::string_view connection = spec.version >= 11 && !spec.keep_alive ? "Connection: close\r\n"
                                        : spec.version < 11 && spec.keep_alive ? "Connection: keep-alive\r\n"
                                                                                : "";

    std::size_t size = 9 + status.size() + 1 + reason.size() + 2;
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const auto& h = headers[i];
        if (!safe_name(h.name) || !safe_value(h.value)) {
            dropped.push_back(h.name);
            continue;
        }
        if (framing(h)) continue;
        if (i < remembered) written |= std::uint64_t{1} << i;
        size += h.name.size() + 2 + h.value.size() + 2;
    }
    if (spec.content_length) size += 16 + length_size + 2;
    size += connection.size() + 2;

    const std::size_t start = out.size();
    out.resize(start + size);
    char* p = out.data() + start;
    auto put = [&p](std::string_view text) {
        std::memcpy(p, text.data(), text.size());
        p += text.size();
    };
    put(spec.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
    put(status);
    put(" ");
    put(reason);
    put("\r\n");
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const auto& h = headers[i];
        const bool goes_out = i < remembered ? (written & (std::uint64_t{1} << i)) != 0
                                             : safe_name(h.name) && safe_value(h.value) && !framing(h);
        if (!goes_out) continue;
        put(h.name);
        put(": ");
        put(h.value);
        put("\r\n");
    }
    if (spec.content_length) {
        put("Content-Length: ");
        put(std::string_view(length_digits.data(), length_size));
        put("\r\n");
    }
    put(connection);
    put("\r\n");
}

}  // namespace common::http
