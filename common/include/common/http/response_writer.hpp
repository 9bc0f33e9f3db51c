// Executes a response_plan on a stream: headers, a body streamed in chunks from its source, and
// the planned faults (delay, stall, throttle, early close, reset). Instantiated in the .cpp for
// plain_stream and tls_stream.
#pragma once

#include "common/http/connection_deadline.hpp"
#include "common/http/http_types.hpp"
#include "common/http/request_guard.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>

namespace common::http {

template <class Stream>
boost::asio::awaitable<send_outcome> write_plan(Stream& stream, boost::asio::ip::tcp::socket& lowest,
                                                connection_deadline& deadline, response_plan& plan,
                                                unsigned version,
                                                std::chrono::milliseconds write_timeout);

// A short error response followed by closing the connection.
template <class Stream>
boost::asio::awaitable<void> write_rejection(Stream& stream, const rejection& r, const std::string& server_header);

}  // namespace common::http
