// The vocabulary between the pure request handling of a service and its I/O layer: a request as the
// handler sees it, and a response *plan* (status, headers, a body source, and the faults to commit
// while sending it). Keeping these free of Beast lets the handler be tested without sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace common::http {

struct header_field {
    std::string name;
    std::string value;
};

struct request_view {
    std::string method;   // as received, e.g. "GET"
    std::string target;   // origin-form, e.g. "/dms/Aastra9480i/aastra.cfg"
    unsigned version = 11;
    std::vector<header_field> headers;
    std::string body;
    std::string peer;          // "127.0.0.1:53211"
    std::string peer_address;  // "127.0.0.1"
    bool tls = false;
    std::string tls_version;
    std::string tls_cipher;
    std::chrono::steady_clock::time_point received;

    // First header with this name (case-insensitive), if any.
    std::optional<std::string_view> header(std::string_view name) const;
};

// Where a response body comes from. Reads are positional so Range requests and throttled writes can
// stream any slice without loading the whole body.
class body_source {
public:
    virtual ~body_source() = default;
    virtual std::uint64_t size() const = 0;
    // Copies up to out.size() bytes starting at `offset`; returns the count (0 at the end or on error).
    virtual std::size_t read(std::uint64_t offset, std::span<char> out) const = 0;
    // The whole body when it is already in memory, so it can go out in the header's write.
    virtual std::optional<std::string_view> contiguous() const { return std::nullopt; }
};

std::shared_ptr<const body_source> string_body(std::string content);
// Opens the file now so that a later rename or delete does not change what is streamed. Returns
// nullptr when it cannot be opened.
std::shared_ptr<const body_source> file_body(const std::string& path);

// Faults to commit while answering (each optional; several may combine).
struct fault_plan {
    std::chrono::milliseconds delay_before_headers{0};
    std::uint64_t throttle_bytes_per_second = 0;          // 0 = unthrottled
    std::optional<std::chrono::milliseconds> stall_after_headers;  // wait this long, then go on
    std::optional<std::uint64_t> close_after_body_bytes;  // close the connection after N body bytes
    bool reset = false;                                   // RST instead of a response
    std::string name;                                     // what the journal records, "" = none

    bool any() const noexcept {
        return delay_before_headers.count() > 0 || throttle_bytes_per_second > 0 ||
               stall_after_headers.has_value() || close_after_body_bytes.has_value() || reset;
    }
};

struct send_outcome {
    std::uint64_t body_bytes_sent = 0;
    bool completed = false;  // the whole response went out
    std::chrono::steady_clock::duration duration{};
};

struct response_plan {
    unsigned status = 200;
    std::vector<header_field> headers;  // Content-Length is set by the I/O layer from the body
    std::shared_ptr<const body_source> body;  // nullptr = empty body
    std::uint64_t body_offset = 0;            // slice of `body` to send (Range)
    std::optional<std::uint64_t> body_length; // default: the rest of the body
    bool head = false;                        // HEAD: headers only, Content-Length of the GET
    bool close = false;                       // close the connection after this response
    fault_plan faults;
    // Called once the response was sent (or failed), e.g. to complete a journal entry.
    std::function<void(const send_outcome&)> on_done;

    std::uint64_t length() const;
    void set_header(std::string name, std::string value);
};

// A small text response (errors, admin API answers).
response_plan text_response(unsigned status, std::string body,
                            std::string content_type = "text/plain; charset=utf-8");

}  // namespace common::http
