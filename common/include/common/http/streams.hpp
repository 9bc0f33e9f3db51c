// The two stream types every server connection uses; templates in net/ are instantiated for both.
#pragma once

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace common::http {
using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream&>;
}  // namespace common::http
