// A plain TCP exchange for tests that must send bytes no HTTP client would (smuggling shapes,
// traversal attempts) or observe exactly how a server ends a response (close, reset, truncation).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace test_support {

struct raw_result {
    std::string received;
    bool closed_by_peer = false;  // EOF seen
    bool reset = false;           // ECONNRESET seen
    bool timed_out = false;
    std::chrono::milliseconds elapsed{0};
    std::chrono::milliseconds first_byte{-1};  // -1: nothing received
};

// Connects to host:port ("127.0.0.1", 8080), sends `request`, reads until the peer closes, the
// connection resets, or `timeout` passes.
raw_result raw_exchange(const std::string& host, std::uint16_t port, std::string_view request,
                        std::chrono::milliseconds timeout);

// An open TCP connection that sends nothing until closed (holds a server's connection slot).
class idle_connection {
public:
    idle_connection(const std::string& host, std::uint16_t port);
    ~idle_connection();
    idle_connection(const idle_connection&) = delete;
    idle_connection& operator=(const idle_connection&) = delete;
    // True when the server closed it (EOF or reset) within `timeout`.
    bool closed_by_peer_within(std::chrono::milliseconds timeout);

private:
    int fd_ = -1;
};

// "http://127.0.0.1:41234" -> port 41234.
std::uint16_t port_of(std::string_view url);

}  // namespace test_support
