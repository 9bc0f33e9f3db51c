// Exchanges of `phone-agent validate` that the HTTP client cannot make because they are not proper
// HTTP on purpose: a raw `Connection: close` request read until the server closes, a client that
// dribbles its headers, connections dropped mid-request, and a handshake that only reads the
// server's key. Each records what happened; the verdicts are in logic/validate_checks_*.cpp.
#pragma once

#include "logic/validate_checks.hpp"

#include "common/net/tls_config.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace phone_agent::validate {

struct probe_target {
    std::string host;
    std::uint16_t port = 0;
    bool https = false;
    boost::asio::ssl::context* tls = nullptr;  // the phone's client context (https only)
    const common::tls::tls_config* tls_settings = nullptr;
    std::chrono::milliseconds timeout{10'000};
};

// Sends `request` (which says Connection: close) and reads until the server closes or the
// timeout ends.
boost::asio::awaitable<close_probe> connection_close_probe(const probe_target& target, std::string request);

// Sends `request` in pieces with `gap` between them, then reads the answer until the server
// closes. Fills probe_status / probe_note / error of the result (not next_*).
boost::asio::awaitable<robustness_probe> slow_client_probe(const probe_target& target, std::string request,
                                                           std::chrono::milliseconds gap, int pieces);

// Opens one connection that sends half of `request`'s header and vanishes, and one that sends the
// whole header announcing a body of `announced` bytes, a tenth of it, and vanishes.
boost::asio::awaitable<robustness_probe> dropped_connection_probe(const probe_target& target,
                                                                  std::string request_head,
                                                                  std::uint64_t announced);

// A handshake that verifies nothing and accepts any key size, to read the server key.
boost::asio::awaitable<tls_key_probe> server_key_probe(const probe_target& target,
                                                       const common::tls::tls_config& phone_tls);

}  // namespace phone_agent::validate
