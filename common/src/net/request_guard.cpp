#include "common/http/request_guard.hpp"

#include "common/auth/auth_header.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

namespace common::http {

namespace http = boost::beast::http;

std::optional<rejection> rejection_for_read_error(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == boost::beast::error::timeout || ec == boost::asio::error::operation_aborted ||
        ec.category() == boost::asio::error::get_system_category() ||
        ec.category() == boost::asio::error::get_misc_category() ||
        ec.category() == boost::asio::error::get_ssl_category() ||
        ec.category() == boost::asio::ssl::error::get_stream_category()) {
        return std::nullopt;
    }
    if (ec == http::error::header_limit) return rejection{431, "request header fields too large"};
    if (ec == http::error::body_limit) return rejection{413, "request body too large"};
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        return rejection{400, "malformed request: " + ec.message()};
    }
    return std::nullopt;
}

namespace {

bool is_tchar(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    return u > 0x20 && u < 0x7f && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Beast 1.81 takes `chunked;q=1` and `chunked/1.1` for chunked. Every element must be a bare
// coding name: chunked defines no parameters, and cms-mock and the phone decode no other coding,
// so a parameter or a stray character only ever hides what the framing really is.
std::optional<std::string> bad_transfer_coding(std::string_view value) {
    std::size_t i = 0;
    while (i <= value.size()) {
        std::size_t comma = value.find(',', i);
        if (comma == std::string_view::npos) comma = value.size();
        auto element = value.substr(i, comma - i);
        while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
        while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) element.remove_suffix(1);
        for (char c : element) {
            if (!is_tchar(c)) return "Transfer-Encoding element with a parameter or a character outside a coding name";
        }
        i = comma + 1;
    }
    return std::nullopt;
}

}  // namespace

std::optional<rejection> check_framing(const http::request_parser<http::string_body>& parser) {
    const auto& req = parser.get();
    std::size_t hosts = 0;
    std::size_t authorizations = 0;
    bool has_te = false;
    for (const auto& f : req) {
        if (f.name() == http::field::host) ++hosts;
        if (f.name() == http::field::authorization) ++authorizations;
        auto v = f.value();
        // obs-fold and stray CR/LF: Beast 1.81 accepts them; RFC 9112 §5.2 allows a 400.
        if (common::auth::has_forbidden_header_chars(v)) {
            return rejection{400, "malformed header field '" + std::string(f.name_string()) + "'"};
        }
        if (f.name() == http::field::transfer_encoding) {
            has_te = true;
            if (auto bad = bad_transfer_coding(v)) return rejection{400, *bad};
        }
    }
    if (req.version() >= 11 && hosts != 1) {
        return rejection{400, hosts == 0 ? "missing Host header" : "more than one Host header"};
    }
    if (hosts > 1) return rejection{400, "more than one Host header"};
    // Authorization is a singleton field; with two, the server and a proxy in front of it could
    // each take a different one.
    if (authorizations > 1) return rejection{400, "more than one Authorization header"};
    if (has_te) {
        // RFC 9112 §6.1: a request whose last coding is not chunked, or chunked in HTTP/1.0,
        // has no reliable framing; serving it would let a smuggled request through.
        if (req.version() < 11) return rejection{400, "Transfer-Encoding in an HTTP/1.0 request"};
        if (!parser.chunked()) return rejection{400, "Transfer-Encoding whose last coding is not chunked"};
    }
    return std::nullopt;
}

namespace {

// RFC 9110 §6.5.1: fields for framing, routing, request modifiers, authentication and content
// format must not be in a trailer; once merged they would read as header fields.
constexpr http::field trailer_prohibited[] = {
    http::field::host, http::field::authorization, http::field::proxy_authorization,
    http::field::content_length, http::field::transfer_encoding, http::field::te,
    http::field::trailer, http::field::content_type, http::field::content_encoding,
    http::field::content_range, http::field::range, http::field::if_match,
    http::field::if_none_match, http::field::if_modified_since,
    http::field::if_unmodified_since, http::field::if_range, http::field::expect,
    http::field::cache_control, http::field::max_forwards, http::field::pragma,
    http::field::connection, http::field::cookie};

bool trailer_prohibited_field(http::field name) {
    return std::find(std::begin(trailer_prohibited), std::end(trailer_prohibited), name) != std::end(trailer_prohibited);
}

}  // namespace

std::size_t trailer_baseline(const http::request_parser<http::string_body>& parser) {
    const auto& req = parser.get();
    return static_cast<std::size_t>(std::count_if(req.begin(), req.end(), [](const auto& f) {
        return trailer_prohibited_field(f.name());
    }));
}

std::optional<rejection> check_trailer(const http::request_parser<http::string_body>& parser,
                                       std::size_t baseline) {
    if (trailer_baseline(parser) <= baseline) return std::nullopt;
    // Name one: the last prohibited field of a name that grew (a trailer's field follows the
    // header's fields of its name).
    const auto& req = parser.get();
    for (const auto f : trailer_prohibited) {
        const auto n = req.count(f);
        if (n == 0) continue;
        std::size_t seen = 0;
        for (const auto& field : req) {
            if (field.name() == f && ++seen == n) {
                return rejection{400, "field '" + std::string(field.name_string()) + "' in a chunked trailer"};
            }
        }
    }
    return rejection{400, "a field that must not be in a chunked trailer"};
}

}  // namespace common::http
