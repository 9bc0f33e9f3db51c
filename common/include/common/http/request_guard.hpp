// Checks on an incoming request that Beast 1.81's parser does not make (see reliability.md §1.4 in
// the project notes): request smuggling shapes and malformed framing get a 400 and a closed
// connection instead of being served.
#pragma once

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace common::http {

struct rejection {
    unsigned status = 400;
    std::string reason;  // sent as the body and logged
};

// Maps a read error to the status to answer with, or nullopt when there is nobody to answer
// (EOF, timeout, reset).
std::optional<rejection> rejection_for_read_error(const boost::system::error_code& ec);

// Runs after the header is parsed and before any body byte is read.
std::optional<rejection> check_framing(
    const boost::beast::http::request_parser<boost::beast::http::string_body>& parser);

// How many fields the request has so far that RFC 9110 §6.5.1 keeps out of trailers; taken when
// the header is done, for check_trailer.
std::size_t trailer_baseline(
    const boost::beast::http::request_parser<boost::beast::http::string_body>& parser);

// Runs after the body is read. Beast 1.81 adds a chunked body's trailer fields to the header
// fields, where a trailer Host or Authorization would slip past check_framing and read as header
// fields; a trailer with a field RFC 9110 §6.5.1 keeps out of trailers is refused. Counted, not
// located: Beast files a field next to an earlier one of the same name, so a trailer's fields are
// not all at the end (a fuzzer found a trailer Host filed next to the header's).
std::optional<rejection> check_trailer(
    const boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
    std::size_t baseline);

}  // namespace common::http
