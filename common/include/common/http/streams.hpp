// The two stream types every server connection uses; templates in net/ are instantiated for both.
// Bare sockets, not beast::tcp_stream: time limits come from connection_deadline, and each layer
// of tcp_stream's operation wrapper cost executor copies and work counting on every read and write.
// TLS is socket_tls_stream (OpenSSL on the socket itself), not asio::ssl::stream; see its header.
#pragma once

#include "common/http/socket_tls_stream.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace common::http {
using plain_stream = boost::asio::ip::tcp::socket;
using tls_stream = socket_tls_stream;
}  // namespace common::http
