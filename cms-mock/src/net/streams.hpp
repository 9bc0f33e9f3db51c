// The two stream types every cms-mock connection uses; templates in net/ are instantiated for both.
#pragma once

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace cms_mock {
using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream&>;
}  // namespace cms_mock
