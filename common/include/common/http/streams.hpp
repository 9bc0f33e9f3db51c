// The two stream types every server connection uses; templates in net/ are instantiated for both.
// Bare sockets, not beast::tcp_stream: time limits come from connection_deadline, and each layer
// of tcp_stream's operation wrapper cost executor copies and work counting on every read and write.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace common::http {
using plain_stream = boost::asio::ip::tcp::socket;
using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;
}  // namespace common::http
