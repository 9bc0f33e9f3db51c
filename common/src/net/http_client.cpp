#include "common/net/http_client.hpp"

#include "client_deadline.hpp"
#include "response_reader.hpp"

#include "common/auth/auth_header.hpp"
#include "common/http/socket_tls_stream.hpp"
#include "common/net/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <cerrno>
#include <tuple>
#include <type_traits>

#include <netinet/in.h>
#include <sys/socket.h>

namespace common::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

std::chrono::microseconds since(clock_type::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t);
}

// How an exchange ended, besides `out`: whether the connection may carry another request, and
// whether it failed before a response byte arrived (a kept-alive connection the server closed).
struct exchange_end {
    bool reusable = false;
    bool nothing_received = false;
};

}  // namespace

struct client_session::connection {
    explicit connection(const asio::any_io_executor& ex) : socket(ex), deadline(ex, socket) {}
    tcp::socket socket;
    detail::client_deadline deadline;
    std::optional<common::http::socket_tls_stream> tls;  // destroyed first: OpenSSL's BIO writes to `socket`
    // What a later request must match to reuse it: scheme, host, port, source address, context.
    std::string scheme, host, local_address;
    std::uint16_t port = 0;
    const SSL_CTX* context = nullptr;
    std::string peer;
    std::string tls_version;
    std::string tls_cipher;

    void remember_server(const fetch_request& req, asio::ssl::context* ctx) {
        scheme = req.url.scheme;
        host = req.url.host;
        port = req.url.port;
        local_address = req.local_address.value_or("");
        context = ctx ? ctx->native_handle() : nullptr;
    }
    bool serves(const fetch_request& req, asio::ssl::context* ctx) const {
        const std::string_view local = req.local_address ? std::string_view(*req.local_address) : std::string_view();
        return port == req.url.port && host == req.url.host && scheme == req.url.scheme && local_address == local &&
               context == (ctx ? ctx->native_handle() : nullptr);
    }

    // Without close_notify. Marking the TLS connection as shut down keeps OpenSSL from
    // invalidating its session, which may still be offered on a new connection. No shutdown()
    // before close(): the descriptor is ours alone, so close() sends the same FIN (or RST, with
    // unread data), and the extra system call mostly failed with ENOTCONN on a connection the
    // server had closed first.
    void drop() {
        if (tls) SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        deadline.expires_never();
        boost::system::error_code ignored;
        socket.close(ignored);
    }

    // What an operation's error means once the deadline closed the socket under it.
    boost::system::error_code timed(boost::system::error_code ec) const {
        return ec && deadline.fired() ? boost::system::error_code(beast::error::timeout) : ec;
    }
};

struct session_access {
    static std::unique_ptr<client_session::connection> take_idle(client_session& s, const fetch_request& req,
                                                                 asio::ssl::context* tls) {
        if (!s.idle_) return nullptr;
        if (!s.idle_->serves(req, tls)) {
            s.close_idle();
            return nullptr;
        }
        return std::move(s.idle_);
    }
    static void keep_idle(client_session& s, std::unique_ptr<client_session::connection> c) {
        s.close_idle();
        s.idle_ = std::move(c);
    }
    static SSL_SESSION* tls_session(client_session& s, const std::string& key) {
        auto it = s.tls_sessions_.find(key);
        return it == s.tls_sessions_.end() ? nullptr : it->second.get();
    }
    static void remember_tls_session(client_session& s, const std::string& key, SSL* ssl) {
        SSL_SESSION* current = SSL_get1_session(ssl);
        if (current == nullptr) return;
        std::shared_ptr<SSL_SESSION> owned(current, SSL_SESSION_free);
        // A TLS 1.3 connection has a resumable session only once a ticket arrived.
        if (SSL_SESSION_is_resumable(current) == 1) s.tls_sessions_[key] = std::move(owned);
    }
};

client_session::client_session(connection_options options) : options_(options) {}

client_session::~client_session() { close_idle(); }

void client_session::close_idle() {
    if (idle_) idle_->drop();
    idle_.reset();
}

namespace {

// Sessions are offered only under the same context and checks they were made with.
std::string tls_session_key(const fetch_request& req, asio::ssl::context& tls, const tls::tls_config& cfg) {
    return req.url.host + ":" + std::to_string(req.url.port) + "\n" + cfg.server_name + "\n" +
           (cfg.verify_peer ? "p" : "-") + (cfg.verify_hostname ? "h" : "-") + (cfg.check_expiry ? "e" : "-") +
           "\n" + std::to_string(reinterpret_cast<std::uintptr_t>(tls.native_handle()));
}

bool is_named(const http_header& h, std::string_view name) { return auth::iequals(h.name, name); }

}  // namespace

// One buffer instead of Beast's message and serializer: a fields container (an allocation per
// field) and a chain of buffer views built and walked for every request of a fleet.
std::string format_request(const fetch_request& req, bool keep_alive) {
    const bool default_port = (req.url.scheme == "https" && req.url.port == 443) ||
                              (req.url.scheme == "http" && req.url.port == 80);
    const bool sized = !req.body.empty() || req.method == "OPTIONS" || req.method == "PUT" || req.method == "POST";
    std::string out;
    out.reserve(128 + req.url.target.size() + req.body.size());
    out.append(req.method).append(" ").append(req.url.target).append(" HTTP/1.1\r\nHost: ");
    if (req.url.host.find(':') != std::string::npos) {
        out.append("[").append(req.url.host).append("]");
    } else {
        out.append(req.url.host);
    }
    if (!default_port) out.append(":").append(std::to_string(req.url.port));
    out.append("\r\n");
    bool has_connection = false;
    for (const auto& h : req.headers) {
        if (is_named(h, "Connection")) has_connection = true;
        if (sized && is_named(h, "Content-Length")) continue;  // the client's own replaces it
        out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    if (!keep_alive && !has_connection) out.append("Connection: close\r\n");
    if (sized) out.append("Content-Length: ").append(std::to_string(req.body.size())).append("\r\n");
    out.append("\r\n").append(req.body);
    return out;
}

namespace {

using tls_stream = common::http::socket_tls_stream;

// `stream` is conn.socket or *conn.tls.
template <class Stream>
asio::awaitable<void> exchange(Stream& stream, client_session::connection& conn, const fetch_request& req,
                               const fetch_limits& limits, const body_sink& sink, bool keep_alive,
                               fetch_result& out, exchange_end& end) {
    constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;
    for (const auto& h : req.headers) {
        if (auth::has_forbidden_header_chars(h.name) || auth::has_forbidden_header_chars(h.value)) {
            out.error = fetch_error::write;
            out.detail = "refusing to send header '" + h.name + "' containing CR, LF or NUL";
            co_return;
        }
    }
    const std::string wire = format_request(req, keep_alive);

    conn.deadline.expires_after(limits.response_timeout);
    const auto sent_at = clock_type::now();
    boost::system::error_code wec;
    if constexpr (is_tls) {
        // One SSL_write and, as a rule, one send; waits only when the socket buffer is full.
        const asio::const_buffer whole = asio::buffer(wire);
        auto [tec, tn] = co_await stream.write(std::span(&whole, 1));
        wec = conn.timed(tec);
    } else {
        // A plain connection takes a request of a few hundred bytes in one non-blocking send (the
        // same send the asynchronous write would start with), without a composed operation and a
        // trip through the scheduler; only what the socket buffer refuses is written
        // asynchronously.
        std::size_t sent = 0;
        if (!stream.non_blocking()) stream.non_blocking(true, wec);
        if (!wec) sent = stream.write_some(asio::buffer(wire), wec);
        if (wec == asio::error::would_block || wec == asio::error::try_again) wec = {};
        if (!wec && sent < wire.size()) {
            auto [aec, an] = co_await asio::async_write(stream, asio::buffer(wire) + sent, use_nothrow);
            wec = conn.timed(aec);
        }
    }
    wec = conn.timed(wec);
    if (wec) {
        end.nothing_received = true;
        out.error = wec == beast::error::timeout ? fetch_error::response_timeout : fetch_error::write;
        out.detail = "sending the request to " + out.peer + ": " + wec.message();
        co_return;
    }

    // Beast's read_header/read_some loop, flattened into this coroutine: the header, then the
    // body bytes that came with it are parsed without another read, and only a body that has not
    // arrived yet is waited for (each wait under the body idle timeout). A read of up to 16 KiB
    // takes a .cfg response whole.
    detail::read_buffer_lease lease;
    beast::flat_buffer& buffer = lease.buffer;
    detail::response_reader parser(out, sink);
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    if (limits.body_limit) parser.body_limit(*limits.body_limit);
    else parser.body_limit(boost::none);
    if (req.method == "HEAD") parser.skip(true);
    // Room for the dozen fields servers send, kept under 1 KiB: glibc serves larger blocks
    // outside its per-thread cache, consolidating free chunks first.
    out.headers.reserve(12);

    bool header_done = false;
    auto body_started = sent_at;
    boost::system::error_code ec;
    for (;;) {
        if (buffer.size() > 0) {
            const std::size_t used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (!header_done && parser.is_header_done()) {
                header_done = true;
                out.timings.ttfb = since(sent_at);
                body_started = clock_type::now();
            }
            if (parser.is_done() || (ec && ec != http::error::need_more)) break;
            if (!ec && used > 0) continue;
            ec = {};
        }
        if (header_done) conn.deadline.expires_after(limits.body_idle_timeout);
        const std::size_t room = beast::read_size(buffer, 65536);
        if (room == 0) {
            ec = http::error::buffer_overflow;
            break;
        }
        const auto space = buffer.prepare(room);
        boost::system::error_code rec;
        std::size_t rn = 0;
        if constexpr (is_tls) {
            std::tie(rec, rn) = co_await stream.read_some(space);
        } else {
            std::tie(rec, rn) = co_await stream.async_read_some(space, use_nothrow);
        }
        rec = conn.timed(rec);
        buffer.commit(rn);
        if (rec == asio::error::eof) {
            // The end of the stream completes a body read until then; any other message is cut.
            if (parser.got_some()) parser.put_eof(ec);
            else ec = http::error::end_of_stream;
            break;
        }
        if (rec) {
            ec = rec;
            break;
        }
    }

    if (!header_done) {
        out.timings.ttfb = since(sent_at);
        out.status = 0;
        out.headers.clear();
        const auto hec = ec;
        out.error = hec == beast::error::timeout ? fetch_error::response_timeout : fetch_error::bad_response;
        if (conn.tls && hec.category() == asio::error::get_ssl_category() &&
            hec != asio::ssl::error::stream_truncated) {
            // TLS 1.3 servers check a client certificate after the client's handshake is over,
            // so a refusal arrives as an alert in place of the response.
            out.error = fetch_error::tls;
            out.detail = "TLS alert from " + out.peer + " after the handshake: " +
                         tls::describe_handshake_error(conn.tls->native_handle(), hec);
            co_return;
        }
        if (hec == http::error::end_of_stream || hec == asio::error::connection_reset ||
            hec == asio::ssl::error::stream_truncated) {
            end.nothing_received = buffer.size() == 0;
            out.error = fetch_error::bad_response;
            out.detail = out.peer + " closed the connection without a response";
        } else {
            out.detail = "reading the response header from " + out.peer + ": " + hec.message();
        }
        co_return;
    }
    if (parser.sink_refused()) {
        out.error = fetch_error::sink_refused;
        out.detail = "the response body could not be stored";
        co_return;
    }
    if (ec) {
        const auto rec = ec;
        if (rec == beast::error::timeout) {
            out.error = fetch_error::body_timeout;
            out.detail = "no body data from " + out.peer + " within " +
                         std::to_string(limits.body_idle_timeout.count()) + " ms";
        } else if (rec == http::error::body_limit) {
            out.error = fetch_error::body_too_large;
            out.detail = "response body larger than " + std::to_string(limits.body_limit.value_or(0)) + " bytes";
        } else if (rec == http::error::partial_message || rec == http::error::end_of_stream ||
                   rec == asio::ssl::error::stream_truncated || rec == asio::error::eof ||
                   rec == asio::error::connection_reset) {
            const auto announced = out.header("Content-Length");
            out.error = fetch_error::truncated;
            out.detail = "connection to " + out.peer + " ended after " + std::to_string(out.body_bytes) +
                         " body bytes" + (announced ? " of " + std::string(*announced) : "");
        } else {
            out.error = fetch_error::bad_response;
            out.detail = "reading the body from " + out.peer + ": " + rec.message();
        }
        co_return;
    }
    out.timings.transfer = since(body_started);
    end.reusable = parser.keep_alive();
}

}  // namespace

namespace {

// Connects an open, non-blocking socket to one endpoint. Asio's connect operation would check the
// socket with poll() before reading SO_ERROR and, on a socket Asio opened, switch it to
// non-blocking with an ioctl of its own: two system calls per connection a fleet does not need.
asio::awaitable<boost::system::error_code> connect_one(tcp::socket& socket, const tcp::endpoint& ep) {
    boost::system::error_code ec;
    if (::connect(socket.native_handle(), ep.data(), static_cast<socklen_t>(ep.size())) == 0) co_return ec;
    if (errno != EINPROGRESS) co_return boost::system::error_code(errno, asio::error::get_system_category());
    std::tie(ec) = co_await socket.async_wait(tcp::socket::wait_write, use_nothrow);
    if (ec) co_return ec;
    asio::detail::socket_option::integer<SOL_SOCKET, SO_ERROR> status;
    socket.get_option(status, ec);
    if (!ec && status.value() != 0) ec = boost::system::error_code(status.value(), asio::error::get_system_category());
    co_return ec;
}

// Resolves, connects (from the request's source address, if any) and for https performs the
// handshake, offering `offered` for resumption. On failure `out` says why and nullptr is returned.
asio::awaitable<std::unique_ptr<client_session::connection>> open_connection(
    asio::any_io_executor ex, const fetch_request& req, const fetch_limits& limits, asio::ssl::context* tls,
    const tls::tls_config& tls_settings, SSL_SESSION* offered, fetch_result& out) {
    const auto started = clock_type::now();
    auto conn = std::make_unique<client_session::connection>(ex);
    auto& socket = conn->socket;
    conn->deadline.expires_after(limits.connect_timeout);
    // Asio resolves on a private thread (getaddrinfo, then a wake-up of this one) even for an IP
    // literal, which needs no lookup: a thread hop, futex and eventfd churn on every connection.
    std::vector<tcp::endpoint> endpoints;
    boost::system::error_code lec;
    const auto literal = asio::ip::make_address(req.url.host, lec);
    if (!lec) {
        endpoints.emplace_back(literal, req.url.port);
    } else {
        tcp::resolver resolver(ex);
        const std::string service = std::to_string(req.url.port);
        auto [rec, resolved] = co_await resolver.async_resolve(req.url.host, service, use_nothrow);
        if (rec) {
            out.error = fetch_error::resolve;
            out.detail = "cannot resolve '" + req.url.host + "': " + rec.message();
            co_return nullptr;
        }
        for (const auto& e : resolved) endpoints.push_back(e.endpoint());
    }
    boost::system::error_code cec;
    tcp::endpoint ep;
    if (!req.local_address && endpoints.size() == 1) {
        ep = endpoints.front();
        socket.open(ep.protocol(), cec);
        if (!cec) socket.non_blocking(true, cec);
        if (!cec) cec = co_await connect_one(socket, ep);
    } else if (!req.local_address) {
        // The deadline closes the socket of the attempt it interrupts; no further address is tried.
        const auto until_deadline = [&deadline = conn->deadline](const boost::system::error_code&,
                                                                 const tcp::endpoint&) { return !deadline.fired(); };
        std::tie(cec, ep) = co_await asio::async_connect(socket, endpoints, until_deadline, use_nothrow);
    } else {
        // Bind first, then connect to one endpoint: a range connect would close the bound socket.
        auto local = asio::ip::make_address(*req.local_address, cec);
        bool found = false;
        for (const auto& e : endpoints) {
            if (!cec && e.address().is_v4() == local.is_v4()) {
                ep = e;
                found = true;
                break;
            }
        }
        if (!cec && !found) cec = asio::error::address_family_not_supported;
        if (!cec) socket.open(ep.protocol(), cec);
        if (!cec) socket.non_blocking(true, cec);
        if (!cec) {
            // Linux: take the source port at connect time, so ports are shared across destinations.
            using bind_no_port = asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>;
            boost::system::error_code ignored;
            socket.set_option(bind_no_port(true), ignored);
            socket.bind(tcp::endpoint(local, 0), cec);
        }
        if (cec) {
            out.error = fetch_error::connect;
            out.detail = "cannot use local address '" + *req.local_address + "' for " + req.url.host + ": " +
                         cec.message();
            co_return nullptr;
        }
        cec = co_await connect_one(socket, ep);
    }
    cec = conn->timed(cec);
    out.timings.connect = since(started);
    if (cec) {
        out.error = cec == beast::error::timeout ? fetch_error::connect_timeout : fetch_error::connect;
        out.detail = "cannot connect to " + req.url.host + ":" + std::to_string(req.url.port) + ": " + cec.message();
        co_return nullptr;
    }
    conn->peer = out.peer = ep.address().to_string() + ":" + std::to_string(ep.port());
    boost::system::error_code nd_ec;
    socket.set_option(tcp::no_delay(true), nd_ec);
    if (!tls) co_return conn;

    auto& stream = conn->tls.emplace(socket, tls->native_handle(), common::http::socket_tls_stream::role::client);
    if (auto err = tls::prepare_client_stream(stream.native_handle(), req.url.host, tls_settings)) {
        out.error = fetch_error::tls;
        out.detail = err->message;
        conn->drop();
        co_return nullptr;
    }
    if (offered != nullptr && SSL_set_session(stream.native_handle(), offered) == 1) out.tls_session_offered = true;
    const auto tls_started = clock_type::now();
    conn->deadline.expires_after(limits.tls_timeout);
    const auto hec = conn->timed(co_await stream.connect());
    out.timings.tls = since(tls_started);
    if (hec) {
        out.error = hec == beast::error::timeout ? fetch_error::tls_timeout : fetch_error::tls;
        out.detail = "TLS handshake with " + out.peer + ": " + tls::describe_handshake_error(stream.native_handle(), hec);
        conn->drop();
        co_return nullptr;
    }
    out.tls_resumed = SSL_session_reused(stream.native_handle()) == 1;
    auto info = tls::session_info(stream.native_handle());
    conn->tls_version = out.tls_version = info.version;
    conn->tls_cipher = out.tls_cipher = info.cipher;
    co_return conn;
}

// Closes a connection the way the phone does: close_notify (bounded), then the socket.
asio::awaitable<void> close_connection(client_session::connection& conn, bool polite) {
    if (conn.tls && polite) {
        // TLS lets the side that closes first go without waiting for the peer's close_notify
        // (RFC 5246 7.2.1, RFC 8446 6.1). Marking it as received makes OpenSSL only send ours,
        // instead of a read and a wait for the server's answer on every connection.
        SSL* ssl = conn.tls->native_handle();
        SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
        conn.deadline.expires_after(std::chrono::seconds(2));
        co_await conn.tls->shutdown();
    }
    conn.drop();
}

}  // namespace

asio::awaitable<fetch_result> fetch(asio::any_io_executor ex, const fetch_request& req, const fetch_limits& limits,
                                    asio::ssl::context* tls, const tls::tls_config& tls_settings,
                                    const body_sink& sink, client_session* session) {
    const auto started = clock_type::now();
    // One result, connection and exchange site for both the kept-alive and the new connection:
    // the frame of this coroutine, allocated for every request, stays small.
    fetch_result out;
    const bool https = req.url.scheme == "https";
    if (https && !tls) {
        out.error = fetch_error::bad_url;
        out.detail = "https URL but no TLS context";
        co_return out;
    }
    if (!https) tls = nullptr;
    const bool keep_alive = session && session->options().keep_alive;
    const bool resumption = session && tls && session->options().tls_resumption;

    std::unique_ptr<client_session::connection> conn;
    if (keep_alive) conn = session_access::take_idle(*session, req, tls);
    bool reused = conn != nullptr;
    std::string session_key;
    exchange_end end;
    for (;;) {
        if (reused) {
            out.connection_reused = true;
            out.peer = conn->peer;
            out.tls_version = conn->tls_version;
            out.tls_cipher = conn->tls_cipher;
        } else {
            if (resumption) session_key = tls_session_key(req, *tls, tls_settings);
            SSL_SESSION* offered = resumption ? session_access::tls_session(*session, session_key) : nullptr;
            conn = co_await open_connection(ex, req, limits, tls, tls_settings, offered, out);
            if (!conn) {
                out.timings.total = since(started);
                co_return out;
            }
        }
        if (conn->tls) {
            co_await exchange(*conn->tls, *conn, req, limits, sink, keep_alive, out, end);
        } else {
            co_await exchange(conn->socket, *conn, req, limits, sink, keep_alive, out, end);
        }
        // The server may have closed the idle connection just before we used it: once, on a new
        // connection, as long as no part of a response was seen.
        if (!reused || out.ok() || !end.nothing_received) break;
        conn->drop();
        conn.reset();
        reused = false;
        out = fetch_result{};
        end = exchange_end{};
    }
    conn->deadline.expires_never();  // an idle connection waits for its next request without a limit
    // After the response, so that a TLS 1.3 server's tickets have been read.
    if (!reused && resumption && out.ok()) {
        session_access::remember_tls_session(*session, session_key, conn->tls->native_handle());
    }
    if (keep_alive && out.ok() && end.reusable) {
        if (!reused) conn->remember_server(req, tls);
        session_access::keep_idle(*session, std::move(conn));
    } else {
        co_await close_connection(*conn, out.ok());
    }
    out.timings.total = since(started);
    co_return out;
}

asio::awaitable<fetch_result> fetch_to_string(asio::any_io_executor ex, const fetch_request& req,
                                              const fetch_limits& limits, asio::ssl::context* tls,
                                              const tls::tls_config& tls_settings, std::string& body,
                                              client_session* session) {
    fetch_limits bounded = limits;
    if (!bounded.body_limit) bounded.body_limit = 8u << 20;
    body.clear();
    // Named first: g++ 12 miscompiles a temporary passed straight into a co_awaited coroutine call.
    const body_sink collect = [&body](std::span<const char> piece) {
        body.append(piece.data(), piece.size());
        return true;
    };
    co_return co_await fetch(ex, req, bounded, tls, tls_settings, collect, session);
}

}  // namespace common::net
