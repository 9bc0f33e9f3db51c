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

// "http://127.0.0.1:41234" -> port 41234.
std::uint16_t port_of(std::string_view url);

}  // namespace test_support
