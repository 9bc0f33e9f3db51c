// One HTTP(S) exchange the way an Aastra phone makes it: resolve, connect, TLS handshake (with the
// phone's certificate checks), send one request, stream the response body into a sink, close.
// Every phase has its own deadline and its own duration in the result; failures are values
// (fetch_error + text), never exceptions. A client_session, when given, can keep the connection
// open for the next request to the same server and resume the TLS session on a new connection;
// both are off by default because the phone does neither.
#pragma once

#include "common/net/tls_config.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace common::net {

struct url_parts {
    std::string scheme;  // "http" or "https"
    std::string host;    // without brackets for IPv6
    std::uint16_t port = 0;
    std::string target;  // origin-form: path and query, never empty
};

// Parses an absolute http(s) URL; nullopt with `error` set otherwise.
std::optional<url_parts> parse_url(std::string_view url, std::string* error = nullptr);

struct http_header {
    std::string name;
    std::string value;
};

struct fetch_request {
    std::string method = "GET";
    url_parts url;
    std::vector<http_header> headers;  // Host is added; Connection: close unless keep-alive
    std::string body;
    // Source address (an IP literal) the client socket is bound to before connecting, e.g. one of
    // several loopback addresses so a fleet of emulated phones shows distinct peers. nullopt: the
    // kernel picks. Only endpoints of the same address family are tried.
    std::optional<std::string> local_address;
};

struct fetch_limits {
    std::chrono::milliseconds connect_timeout{10'000};  // resolve + TCP connect
    std::chrono::milliseconds tls_timeout{10'000};
    std::chrono::milliseconds response_timeout{30'000};  // request sent -> response header
    std::chrono::milliseconds body_idle_timeout{30'000}; // longest gap between body bytes
    std::size_t header_limit = 64 * 1024;
    std::optional<std::uint64_t> body_limit;             // nullopt = unlimited (firmware)
};

enum class fetch_error {
    none,
    bad_url,
    resolve,
    connect,
    connect_timeout,
    tls,            // handshake failed; `detail` says why ("certificate has expired", ...)
    tls_timeout,
    write,
    response_timeout,
    bad_response,   // unparsable status line or headers
    truncated,      // connection ended before the promised body length
    body_timeout,
    body_too_large,
    sink_refused,   // the body sink reported a failure (e.g. disk full)
    cancelled,
};
std::string_view to_string(fetch_error e) noexcept;

struct fetch_timings {
    std::chrono::microseconds connect{0};
    std::chrono::microseconds tls{0};
    std::chrono::microseconds ttfb{0};      // request written -> first response byte (header)
    std::chrono::microseconds transfer{0};  // header -> end of body
    std::chrono::microseconds total{0};
};

struct fetch_result {
    fetch_error error = fetch_error::none;
    std::string detail;  // human-readable, names the host and phase
    unsigned status = 0;
    std::vector<http_header> headers;
    std::uint64_t body_bytes = 0;
    fetch_timings timings;
    std::string tls_version;
    std::string tls_cipher;
    std::string peer;  // "127.0.0.1:8443"
    bool connection_reused = false;  // sent on a kept-alive connection (no connect, no handshake)
    bool tls_session_offered = false;  // a cached TLS session was offered in the ClientHello
    bool tls_resumed = false;          // ... and the server accepted it (abbreviated handshake)

    bool ok() const noexcept { return error == fetch_error::none; }
    std::optional<std::string_view> header(std::string_view name) const;
    std::vector<std::string_view> headers_named(std::string_view name) const;
};

// Receives the body in pieces; return false to abort (the result is sink_refused).
using body_sink = std::function<bool(std::span<const char>)>;

struct connection_options {
    // Keep the connection open after a complete response the server did not mark
    // `Connection: close`, and send the next request to the same scheme, host, port, source
    // address and TLS context on it. A kept connection the server has closed meanwhile is
    // replaced by a new one once, before any response byte was seen.
    bool keep_alive = false;
    // Remember the TLS session (TLS 1.2 session id or ticket, TLS 1.3 ticket) of the last
    // connection to a host:port and offer it on the next new connection there.
    bool tls_resumption = false;
};

// What one client (a phone) carries from one fetch to the next: at most one idle connection and
// one TLS session per server. Not thread-safe; use it from the executor its fetches run on, and
// destroy it before that executor's io_context.
class client_session {
public:
    explicit client_session(connection_options options = {});
    ~client_session();
    client_session(const client_session&) = delete;
    client_session& operator=(const client_session&) = delete;

    const connection_options& options() const noexcept { return options_; }
    // Closes the idle connection, if any (cached TLS sessions stay).
    void close_idle();
    bool has_idle_connection() const noexcept { return idle_ != nullptr; }
    // Nothing to carry over: no idle connection and no TLS session.
    bool empty() const noexcept { return idle_ == nullptr && tls_sessions_.empty(); }

    struct connection;  // an open TCP (+TLS) stream; defined in http_client.cpp

private:
    friend struct session_access;
    connection_options options_;
    std::unique_ptr<connection> idle_;
    std::map<std::string, std::shared_ptr<SSL_SESSION>, std::less<>> tls_sessions_;
};

// The request as sent: request line, Host, the caller's fields in their order, `Connection:
// close` unless keep_alive or the caller set Connection, `Content-Length` when there is a body or
// the method is OPTIONS, PUT or POST (replacing the caller's), a blank line, the body. The fields
// are sent as given; fetch() refuses CR, LF and NUL in them first.
std::string format_request(const fetch_request& req, bool keep_alive);

// Performs one exchange. For https, `tls` must be a client context built by make_client_context;
// `tls_settings` supplies hostname/expiry checks and SNI. Without a session (or with its options
// off) the connection is closed afterwards.
boost::asio::awaitable<fetch_result> fetch(boost::asio::any_io_executor ex, const fetch_request& req,
                                           const fetch_limits& limits, boost::asio::ssl::context* tls,
                                           const common::tls::tls_config& tls_settings,
                                           const body_sink& sink, client_session* session = nullptr);

// Convenience: collects the body into a string (bounded by limits.body_limit or 8 MiB).
boost::asio::awaitable<fetch_result> fetch_to_string(boost::asio::any_io_executor ex,
                                                     const fetch_request& req, const fetch_limits& limits,
                                                     boost::asio::ssl::context* tls,
                                                     const common::tls::tls_config& tls_settings,
                                                     std::string& body, client_session* session = nullptr);

}  // namespace common::net
