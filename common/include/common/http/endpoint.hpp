// "ADDR:PORT" parsing for listener options ("0.0.0.0:8080", "[::1]:0", "localhost:9090").
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace common::http {

// Returns the endpoint or an error message naming the text and what is wrong.
struct endpoint_parse {
    std::optional<boost::asio::ip::tcp::endpoint> endpoint;
    std::string error;
};
endpoint_parse parse_listen_address(std::string_view text);

// "http://127.0.0.1:41234" form for the start-up lines.
std::string url_of(std::string_view scheme, const boost::asio::ip::tcp::endpoint& ep);

}  // namespace common::http
