#include "common/http/http_server.hpp"

#include "common/auth/auth_header.hpp"

#include "common/http/connection_deadline.hpp"
#include "common/http/request_guard.hpp"
#include "common/http/response_writer.hpp"
#include "common/http/streams.hpp"
#include "common/net/release_memory.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <system_error>
#include <tuple>
#include <type_traits>

namespace common::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
}

struct http_server::listener {
    listener_spec spec;
    tcp::acceptor acceptor;
    listener(net::io_context& ioc, listener_spec s) : spec(std::move(s)), acceptor(ioc) {}
};

struct http_server::connection {
    tcp::socket* socket = nullptr;
    connection_deadline deadline;
    bool busy = false;  // between the first byte of a request and the end of its response
};

// Closes the connections whose deadline passed. It waits for the earliest deadline, not on a
// fixed tick, and runs only while there are connections, so an idle server has no timer pending
// and io_context::run() returns once everything else is done.
struct http_server::sweeper final : deadline_wakeup {
    net::steady_timer timer;
    bool running = false;
    explicit sweeper(net::io_context& ioc) : timer(ioc) {}
    void wake_by(clock::time_point at) override {
        next_ = at;
        if (running) timer.expires_at(at);  // cancels the pending wait; the loop waits again
    }
    void stand_down() {
        next_ = clock::time_point::max();
        timer.cancel();
    }
};

// Gives the free session coroutines access to the server's private state.
struct session_access {
    static server_limits& limits(http_server& s) { return s.limits_; }
    static server_counters& counters(http_server& s) { return s.counters_; }
    static bool stopping(const http_server& s) { return s.stopping_; }
    static std::list<http_server::connection*>& connections(http_server& s) { return s.connections_; }
    static http_server::sweeper& sweeper(http_server& s) { return *s.sweeper_; }
    static void slot_freed(http_server& s) {
        if (s.slot_free_) s.slot_free_->cancel();
    }
    // After a burst, the allocator keeps the freed frames and buffers of thousands of
    // connections resident (measured with glibc: 10.8 -> 88 MiB after 3,000 concurrent
    // downloads, flat afterwards). Once the last connection of a burst is gone, whole free pages
    // go back; posted, so that the ending session's own frame is freed first.
    static void maybe_release_memory(http_server& s, const net::any_io_executor& ex) {
        if (++s.ended_since_trim_ < 256 || !s.connections_.empty()) return;
        s.ended_since_trim_ = 0;
        net::post(ex, [] { common::net::release_free_memory(); });
    }
};

namespace {

void log_session_exception(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("session: unexpected exception: {}", ex.what());
    }
}

std::string endpoint_string(const tcp::endpoint& ep) {
    auto addr = ep.address();
    if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(ep.port());
    return addr.to_string() + ":" + std::to_string(ep.port());
}

// Who is on the other end, formatted once per connection rather than per request.
struct peer_strings {
    std::string endpoint;  // "127.0.0.1:53211"
    std::string address;   // "127.0.0.1"

    // IPv4 by hand: address::to_string() goes through inet_ntop and sprintf, ~3,700 instructions
    // of every new connection's ~32,000 (callgrind, plain HTTP with Connection: close).
    explicit peer_strings(const tcp::endpoint& ep) {
        const auto addr = ep.address();
        if (addr.is_v4()) {
            const auto bytes = addr.to_v4().to_bytes();
            std::array<char, 16> text{};
            char* end = text.data();
            for (std::size_t i = 0; i < bytes.size(); ++i) {
                // 15 bytes at most, but to_chars answers a full buffer with its end, and GCC's
                // range analysis (with LTO) saw a dot written there.
                if (i > 0 && end != text.data() + text.size()) *end++ = '.';
                end = std::to_chars(end, text.data() + text.size(), bytes[i]).ptr;
            }
            address.assign(text.data(), end);
            endpoint = address;
        } else {
            address = addr.to_string();
            endpoint = "[" + address + "]";
        }
        std::array<char, 8> port{};
        const auto port_end = std::to_chars(port.data(), port.data() + port.size(), ep.port()).ptr;
        endpoint.push_back(':');
        endpoint.append(port.data(), port_end);
    }
};

request_view make_view(http::request<http::string_body>& req, const peer_strings& peer) {
    request_view v;
    v.method = std::string(req.method_string());
    v.target = std::string(req.target());
    v.version = req.version();
    // The exact count: a fixed 16 made every request a 1 KiB allocation, large enough for glibc
    // to consolidate its fast bins first.
    v.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
    for (const auto& f : req) {
        v.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    }
    v.body = std::move(req.body());
    v.peer = peer.endpoint;
    v.peer_address = peer.address;
    v.received = std::chrono::steady_clock::now();
    return v;
}

// The sweeper's loop (see http_server::sweeper). Expired connections are closed, as
// beast::tcp_stream does on a timeout: the pending operation ends with operation_aborted and the session
// unwinds. Wake-ups are at least 10 ms apart, so many deadlines expiring together cost one scan.
net::awaitable<void> sweep_deadlines(http_server& server) {
    auto& sw = session_access::sweeper(server);
    auto& connections = session_access::connections(server);
    using clock = deadline_wakeup::clock;
    for (;;) {
        sw.timer.expires_at(sw.next_wakeup());
        co_await sw.timer.async_wait(use_nothrow);  // expired, or woken earlier or to stop
        if (connections.empty()) {
            sw.running = false;
            sw.stand_down();
            co_return;
        }
        const auto now = clock::now();
        if (now < sw.next_wakeup()) continue;  // woken to wait for an earlier deadline
        auto earliest = clock::time_point::max();
        for (auto* c : connections) {
            if (c->deadline.at() <= now) {
                c->deadline.expires_never();
                boost::system::error_code ignored;
                c->socket->close(ignored);
            } else {
                earliest = std::min(earliest, c->deadline.at());
            }
        }
        sw.wake_by(earliest == clock::time_point::max()
                       ? earliest
                       : std::max(earliest, now + std::chrono::milliseconds(10)));
    }
}

// http::async_read_header / async_read without Beast's two composed-operation layers, which
// copied the executor and counted work around every read. The steps are those of Beast 1.81's
// read_some_op: parse what is buffered, read only when the parser needs more, a clean EOF before
// any byte is end_of_stream, an EOF inside a message is the parser's verdict (put_eof).
template <class Stream>
net::awaitable<beast::error_code> read_request(Stream& stream, beast::flat_buffer& buffer,
                                               http::request_parser<http::string_body>& parser,
                                               bool whole_message) {
    auto done = [&] { return whole_message ? parser.is_done() : parser.is_header_done(); };
    beast::error_code ec;
    while (!done()) {
        if (buffer.size() > 0) {
            const std::size_t used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (!ec && used > 0) continue;
            if (ec && ec != http::error::need_more) co_return ec;
            ec = {};
        }
        const std::size_t room = buffer.capacity() - buffer.size();
        const std::size_t size = std::min<std::size_t>(std::max<std::size_t>(room, 512), 65536);
        beast::error_code rec;
        std::size_t n = 0;
        if constexpr (std::is_same_v<Stream, tls_stream>) {
            std::tie(rec, n) = co_await stream.read_some(buffer.prepare(size));
        } else {
            std::tie(rec, n) = co_await stream.async_read_some(buffer.prepare(size), use_nothrow);
        }
        buffer.commit(n);
        if (rec == net::error::eof) {
            if (!parser.got_some()) co_return http::error::end_of_stream;
            parser.put_eof(ec);
            co_return ec;
        }
        if (rec) co_return rec;
    }
    co_return ec;
}

// Reads requests and answers them until the peer goes away, a response asks to close, a limit is
// hit, or the server stops. `Stream` is plain_stream or tls_stream (common/http/streams.hpp).
template <class Stream>
net::awaitable<void> serve_requests(http_server& server, Stream& stream, tcp::socket& lowest,
                                    http_server::connection& conn, const listener_spec& spec,
                                    const peer_strings& peer, const std::string& tls_version,
                                    const std::string& tls_cipher) {
    auto& limits = session_access::limits(server);
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
        if (session_access::stopping(server)) co_return;
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
        parser.body_limit(limits.body_limit);
        // Beast 1.81 does not bound chunk extensions; a request with one over 1 KiB is refused.
        auto chunk_guard = [](std::uint64_t, std::string_view ext, beast::error_code& ec) {
            if (ext.size() > 1024) ec = http::error::bad_chunk_extension;
        };
        parser.on_chunk_header(chunk_guard);

        conn.busy = false;
        auto& deadline = conn.deadline;
        deadline.expires_after(first ? limits.request_timeout : limits.idle_timeout);
        auto ec = co_await read_request(stream, buffer, parser, false);
        first = false;
        if (ec) {
            if (auto rejection = rejection_for_read_error(ec)) {
                ++session_access::counters(server).requests_rejected;
                deadline.expires_after(limits.write_timeout);
                co_await write_rejection(stream, *rejection, limits.server_header);
            }
            co_return;  // EOF, timeout, reset: nothing to answer
        }
        conn.busy = true;
        if (auto rejection = check_framing(parser)) {
            ++session_access::counters(server).requests_rejected;
            deadline.expires_after(limits.write_timeout);
            co_await write_rejection(stream, *rejection, limits.server_header);
            co_return;
        }
        if (!parser.is_done()) {
            const std::size_t baseline = trailer_baseline(parser);
            deadline.expires_after(limits.request_timeout);
            auto ec2 = co_await read_request(stream, buffer, parser, true);
            if (ec2) {
                if (auto rejection = rejection_for_read_error(ec2)) {
                    ++session_access::counters(server).requests_rejected;
                    deadline.expires_after(limits.write_timeout);
                    co_await write_rejection(stream, *rejection, limits.server_header);
                }
                co_return;
            }
            if (auto rejection = check_trailer(parser, baseline)) {
                ++session_access::counters(server).requests_rejected;
                deadline.expires_after(limits.write_timeout);
                co_await write_rejection(stream, *rejection, limits.server_header);
                co_return;
            }
        }

        // The request is in; the handler and any planned delay are not the client's to time.
        deadline.expires_never();
        auto& req = parser.get();
        bool client_keep_alive = req.keep_alive();
        auto view = make_view(req, peer);
        view.tls = !tls_version.empty();
        view.tls_version = tls_version;
        view.tls_cipher = tls_cipher;
        response_plan plan = spec.handler(view);
        plan.close = plan.close || !client_keep_alive || session_access::stopping(server);
        bool has_server = false;
        for (const auto& h : plan.headers) has_server = has_server || common::auth::iequals(h.name, "Server");
        if (!has_server) plan.headers.push_back({"Server", limits.server_header});
        auto outcome = co_await write_plan(stream, lowest, deadline, plan, view.version,
                                          limits.write_timeout);
        if (plan.on_done) plan.on_done(outcome);
        if (!outcome.completed || plan.close) co_return;
    }
}

net::awaitable<void> run_session(http_server& server, tcp::socket socket, tcp::endpoint peer_endpoint,
                                 const listener_spec& spec) {
    auto& limits = session_access::limits(server);
    auto& connections = session_access::connections(server);
    boost::system::error_code ignored;
    const peer_strings peer(peer_endpoint);
    tcp::socket& lowest = socket;
    auto& sweeper = session_access::sweeper(server);
    http_server::connection conn{&lowest, connection_deadline(sweeper)};
    connections.push_back(&conn);
    auto registration = std::prev(connections.end());
    if (!sweeper.running) {
        sweeper.running = true;
        net::co_spawn(lowest.get_executor(), sweep_deadlines(server), log_session_exception);
    }

    if (!spec.tls) {
        const std::string no_tls;  // named: g++ 12 mishandles temporaries passed to a co_awaited call
        co_await serve_requests(server, lowest, lowest, conn, spec, peer, no_tls, no_tls);
        lowest.shutdown(tcp::socket::shutdown_send, ignored);
    } else {
        // On the heap: its 4 KiB input buffer would otherwise enlarge every session's frame,
        // plain ones too.
        const auto tls_owner = std::make_unique<tls_stream>(lowest, spec.tls->native_handle());
        tls_stream& tls = *tls_owner;
        conn.deadline.expires_after(limits.handshake_timeout);
        const auto ec = co_await tls.accept();
        if (ec) {
            ++session_access::counters(server).tls_handshakes_failed;
            spdlog::debug("{}: TLS handshake with {} failed: {}", spec.name, peer.endpoint,
                          ec.message());
        } else {
            ++session_access::counters(server).tls_handshakes_ok;
            SSL* ssl = tls.native_handle();
            std::string version = SSL_get_version(ssl);
            std::string cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
            co_await serve_requests(server, tls, lowest, conn, spec, peer, version, cipher);
            if (lowest.is_open()) {
                // Our close_notify only, as nginx does: marking theirs as received makes
                // SSL_shutdown complete once ours is written instead of waiting for a reply many
                // clients never send, which held the slot for the whole deadline. The response
                // is complete before this point, so nothing is truncated; the deadline only
                // covers a send buffer that is still full.
                SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
                conn.deadline.expires_after(
                    std::min<std::chrono::milliseconds>(limits.write_timeout, std::chrono::seconds(2)));
                co_await tls.shutdown();
                lowest.shutdown(tcp::socket::shutdown_send, ignored);
            }
        }
    }
    lowest.close();
    connections.erase(registration);
    if (connections.empty() && sweeper.running) sweeper.timer.cancel();  // lets the sweeper end
    session_access::slot_freed(server);
    session_access::maybe_release_memory(server, lowest.get_executor());
}

}  // namespace

http_server::http_server(net::io_context& ioc, server_limits limits)
    : ioc_(ioc),
      limits_(limits),
      slot_free_(std::make_shared<net::steady_timer>(ioc)),
      sweeper_(std::make_unique<sweeper>(ioc)) {}

http_server::~http_server() = default;

tcp::endpoint http_server::listen(listener_spec spec) {
    auto l = std::make_unique<listener>(ioc_, std::move(spec));
    auto& acc = l->acceptor;
    const auto ep = l->spec.endpoint;
    boost::system::error_code ec;
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
    // Set on the listener so accepted sockets inherit it before the kernel sizes their buffers.
    if (!ec && limits_.send_buffer > 0) {
        acc.set_option(net::socket_base::send_buffer_size(static_cast<int>(limits_.send_buffer)), ec);
    }
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::system_error(ec, "cannot listen on " + endpoint_string(ep) + " (" + l->spec.name + ")");
    }
    auto bound = acc.local_endpoint();
    listeners_.push_back(std::move(l));
    return bound;
}

namespace {

net::awaitable<void> accept_loop(http_server& server, tcp::acceptor& acceptor, const listener_spec& spec,
                                 std::shared_ptr<net::steady_timer> slot_free) {
    auto& limits = session_access::limits(server);
    auto& connections = session_access::connections(server);
    for (;;) {
        // With queueing on, stop accepting while full; the kernel's backlog holds the newcomers.
        while (limits.queue_when_full && connections.size() >= limits.max_connections &&
               !session_access::stopping(server)) {
            slot_free->expires_at(net::steady_timer::time_point::max());
            co_await slot_free->async_wait(use_nothrow);
        }
        // The peer's address comes with the accept, not from a getpeername() per connection.
        tcp::endpoint peer;
        auto [ec, socket] = co_await acceptor.async_accept(peer, use_nothrow);
        if (session_access::stopping(server) || ec == net::error::operation_aborted) co_return;
        if (ec) {
            // EMFILE and friends: back off instead of spinning on the same error.
            spdlog::warn("{}: accept failed: {}", spec.name, ec.message());
            net::steady_timer backoff(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await backoff.async_wait(use_nothrow);
            continue;
        }
        if (connections.size() >= limits.max_connections) {
            ++session_access::counters(server).connections_refused;
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        ++session_access::counters(server).connections_accepted;
        // Headers and body go out in separate writes; without this Nagle holds the body back
        // until the client's delayed ACK (~40 ms per response).
        boost::system::error_code ignored_nd;
        socket.set_option(tcp::no_delay(true), ignored_nd);
        net::co_spawn(acceptor.get_executor(), run_session(server, std::move(socket), peer, spec),
                      log_session_exception);
    }
}

}  // namespace

void http_server::start() {
    for (auto& l : listeners_) {
        net::co_spawn(ioc_, accept_loop(*this, l->acceptor, l->spec, slot_free_), log_session_exception);
    }
}

void http_server::shutdown(std::function<void()> done) {
    stopping_ = true;
    boost::system::error_code ignored;
    for (auto& l : listeners_) l->acceptor.close(ignored);
    slot_free_->cancel();
    for (auto* c : connections_) {
        if (!c->busy) c->socket->cancel(ignored);
    }
    auto deadline = std::chrono::steady_clock::now() + limits_.shutdown_grace;
    auto timer = std::make_shared<net::steady_timer>(ioc_);
    // Polls every 50 ms until every connection is gone or the grace period ends.
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [this, deadline, timer, poll, done = std::move(done)]() mutable {
        boost::system::error_code ig;
        for (auto* c : connections_) {
            if (!c->busy) c->socket->cancel(ig);
        }
        if (connections_.empty() || std::chrono::steady_clock::now() >= deadline) {
            for (auto* c : connections_) c->socket->close(ig);
            auto finish = std::move(done);
            *poll = nullptr;  // break the self-reference cycle
            if (finish) finish();
            return;
        }
        timer->expires_after(std::chrono::milliseconds(50));
        timer->async_wait([poll](const boost::system::error_code&) {
            if (*poll) (*poll)();
        });
    };
    (*poll)();
}

}  // namespace common::http
