// HTTP/1.1 server shell shared by cms-mock and the phone's own web servers: listeners (plain or TLS), bounded request reading, framing
// checks that Beast 1.81 leaves to the application, and a writer that executes a response_plan,
// faults included. What to answer is decided elsewhere (a request_handler); this file only moves
// bytes. Single-threaded by design: every coroutine runs on the one io_context thread.
#pragma once

#include "common/http/http_types.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace common::http {

struct server_limits {
    std::size_t header_limit = 8 * 1024;           // request line + header fields
    std::uint64_t body_limit = 64 * 1024;          // request bodies (admin POSTs)
    std::size_t max_connections = 1024;            // per server, all listeners together
    bool queue_when_full = false;                  // false: refuse (close) extra connections
    std::chrono::milliseconds request_timeout{10'000};    // a whole request must arrive in this
    std::chrono::milliseconds idle_timeout{30'000};       // keep-alive wait for the next request
    std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake
    std::chrono::milliseconds write_timeout{30'000};      // one chunk of a response
    // SO_SNDBUF of every accepted socket; 0 leaves the kernel's autotuning. Autotuned loopback
    // sockets take ~0.5-1.5 MiB each before a write blocks, so 600 slow readers of a large file
    // made the single io_context thread copy ~200 MiB into the kernel and starved everyone else.
    // The kernel doubles the value for its bookkeeping; 64 KiB still fills a LAN's BDP.
    std::size_t send_buffer = 64 * 1024;
    std::chrono::milliseconds shutdown_grace{5'000};      // in-flight responses on SIGTERM
    std::string server_header = "cms-mock";               // Server: unless the handler sets one
};

using request_handler = std::function<response_plan(request_view&)>;

struct listener_spec {
    std::string name;  // "http", "https", "admin" (for log lines)
    boost::asio::ip::tcp::endpoint endpoint;
    std::shared_ptr<boost::asio::ssl::context> tls;  // nullptr = plain HTTP
    request_handler handler;
};

struct server_counters {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_refused = 0;  // over max_connections
    std::uint64_t tls_handshakes_ok = 0;
    std::uint64_t tls_handshakes_failed = 0;
    std::uint64_t requests_rejected = 0;    // 400/413/431 from the framing checks
};

class http_server {
public:
    http_server(boost::asio::io_context& ioc, server_limits limits);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // Binds and listens now; throws std::system_error naming the address when that fails.
    // Returns the bound endpoint (port 0 resolved).
    boost::asio::ip::tcp::endpoint listen(listener_spec spec);

    // Starts the accept loops of every listener.
    void start();

    // Stops accepting, closes idle keep-alive connections, lets in-flight responses finish for up
    // to limits.shutdown_grace, then closes the rest and calls `done`.
    void shutdown(std::function<void()> done);

    std::size_t open_connections() const noexcept { return connections_.size(); }
    const server_counters& counters() const noexcept { return counters_; }
    const server_limits& limits() const noexcept { return limits_; }

    struct connection;  // per-connection bookkeeping, defined in the .cpp
    struct listener;
    struct sweeper;     // enforces the connections' deadlines

private:
    friend struct session_access;
    boost::asio::io_context& ioc_;
    server_limits limits_;
    std::vector<std::unique_ptr<listener>> listeners_;
    std::list<connection*> connections_;
    server_counters counters_;
    bool stopping_ = false;
    std::size_t ended_since_trim_ = 0;  // connections closed since memory was last handed back
    std::shared_ptr<boost::asio::steady_timer> slot_free_;  // wakes queued accept loops
    std::unique_ptr<sweeper> sweeper_;
};

}  // namespace common::http
