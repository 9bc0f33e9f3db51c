#include "validate/validate_probes.hpp"

#include "common/net/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <optional>
#include <stdexcept>

namespace phone_agent::validate {

namespace asio = boost::asio;
using asio::awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// One TCP (+TLS) connection with a deadline: when it passes, the socket is closed and whatever
// operation is pending fails. Plain HTTP uses the stream's next layer only.
class raw_connection {
public:
    raw_connection(asio::any_io_executor ex, asio::ssl::context& ctx, const probe_target& t)
        : target_(t), stream_(ex, ctx), timer_(ex) {}

    ~raw_connection() { close(); }

    // "" when connected (and the TLS handshake done), else what failed.
    awaitable<std::string> open(std::chrono::milliseconds deadline) {
        arm(deadline);
        auto ex = co_await asio::this_coro::executor;
        tcp::resolver resolver(ex);
        auto [rec, endpoints] = co_await resolver.async_resolve(target_.host, std::to_string(target_.port), use_tuple);
        if (rec) co_return "resolve " + target_.host + ": " + rec.message();
        auto [cec, ep] = co_await asio::async_connect(stream_.next_layer(), endpoints, use_tuple);
        (void)ep;
        if (cec) co_return "connect: " + (timed_out_ ? std::string("timed out") : cec.message());
        if (target_.https) {
            if (target_.tls_settings) {
                if (auto err = common::tls::prepare_client_stream(stream_, target_.host, *target_.tls_settings)) {
                    co_return "tls: " + err->message;
                }
            }
            auto [hec] = co_await stream_.async_handshake(asio::ssl::stream_base::client, use_tuple);
            if (hec) co_return "tls: " + common::tls::describe_handshake_error(stream_, hec);
        }
        co_return std::string();
    }

    awaitable<boost::system::error_code> write(std::string_view data) {
        boost::system::error_code ec;
        std::size_t n = 0;
        if (target_.https) {
            std::tie(ec, n) = co_await asio::async_write(stream_, asio::buffer(data), use_tuple);
        } else {
            std::tie(ec, n) = co_await asio::async_write(stream_.next_layer(), asio::buffer(data), use_tuple);
        }
        co_return ec;
    }

    // Reads until the peer closes, an error, or the deadline; returns how it ended.
    awaitable<boost::system::error_code> read_all(std::string& received, std::size_t limit = 1 << 20) {
        char buf[4096];
        for (;;) {
            boost::system::error_code ec;
            std::size_t got = 0;
            if (target_.https) {
                std::tie(ec, got) = co_await stream_.async_read_some(asio::buffer(buf), use_tuple);
            } else {
                std::tie(ec, got) = co_await stream_.next_layer().async_read_some(asio::buffer(buf), use_tuple);
            }
            if (received.size() < limit) received.append(buf, got);
            if (ec) co_return ec;
        }
    }

    static bool closed_by_peer(const boost::system::error_code& ec) {
        return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset;
    }

    bool timed_out() const noexcept { return timed_out_; }
    SSL* ssl() { return stream_.native_handle(); }

    // An abrupt close: no TLS close_notify, as when a phone loses power or network.
    void close() {
        timer_.cancel();
        boost::system::error_code ignored;
        stream_.next_layer().close(ignored);
    }

private:
    void arm(std::chrono::milliseconds deadline) {
        timer_.expires_after(deadline);
        timer_.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            timed_out_ = true;
            boost::system::error_code ignored;
            stream_.next_layer().cancel(ignored);
            stream_.next_layer().close(ignored);
        });
    }

    const probe_target& target_;
    asio::ssl::stream<tcp::socket> stream_;
    asio::steady_timer timer_;
    bool timed_out_ = false;
};

// A context for plain connections (the stream type needs one; it is never used).
asio::ssl::context& plain_context() {
    static asio::ssl::context ctx(asio::ssl::context::tls_client);
    return ctx;
}

asio::ssl::context& context_of(const probe_target& t) { return t.https && t.tls ? *t.tls : plain_context(); }

unsigned status_of(const std::string& received) {
    if (!received.starts_with("HTTP/1.") || received.size() < 12) return 0;
    return static_cast<unsigned>(std::strtoul(received.substr(9, 3).c_str(), nullptr, 10));
}

std::uint64_t ms_since(std::chrono::steady_clock::time_point t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count());
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(use_tuple);
}

}  // namespace

awaitable<close_probe> connection_close_probe(const probe_target& target, std::string request) {
    close_probe out;
    out.performed = true;
    raw_connection conn(co_await asio::this_coro::executor, context_of(target), target);
    const auto started = std::chrono::steady_clock::now();
    out.error = co_await conn.open(target.timeout);
    if (!out.error.empty()) co_return out;
    if (auto ec = co_await conn.write(request)) {
        out.error = "write: " + ec.message();
        co_return out;
    }
    std::string received;
    const auto end = co_await conn.read_all(received);
    out.waited_ms = ms_since(started);
    out.status = status_of(received);
    out.closed_by_server = !conn.timed_out() && raw_connection::closed_by_peer(end);
    co_return out;
}

awaitable<robustness_probe> slow_client_probe(const probe_target& target, std::string request,
                                              std::chrono::milliseconds gap, int pieces) {
    robustness_probe out;
    out.performed = true;
    raw_connection conn(co_await asio::this_coro::executor, context_of(target), target);
    const auto started = std::chrono::steady_clock::now();
    out.error = co_await conn.open(target.timeout + gap * pieces);
    if (!out.error.empty()) co_return out;
    const std::size_t step = std::max<std::size_t>(1, (request.size() + static_cast<std::size_t>(pieces) - 1) /
                                                          static_cast<std::size_t>(pieces));
    for (std::size_t at = 0; at < request.size(); at += step) {
        if (at > 0) co_await sleep_for(gap);
        if (auto ec = co_await conn.write(std::string_view(request).substr(at, step))) {
            // A server may cut a client this slow off; that is a defence, not a failure.
            out.probe_note = "the server closed the slow connection after " + std::to_string(ms_since(started)) + " ms";
            co_return out;
        }
    }
    std::string received;
    co_await conn.read_all(received);
    out.probe_status = status_of(received);
    out.probe_note = out.probe_status
                         ? "slow request answered " + std::to_string(out.probe_status) + " after " +
                               std::to_string(ms_since(started)) + " ms"
                         : "slow request got no answer (" + std::to_string(ms_since(started)) + " ms)";
    co_return out;
}

awaitable<robustness_probe> dropped_connection_probe(const probe_target& target, std::string request_head,
                                                     std::uint64_t announced) {
    robustness_probe out;
    out.performed = true;
    auto ex = co_await asio::this_coro::executor;
    {
        raw_connection mid_header(ex, context_of(target), target);
        out.error = co_await mid_header.open(target.timeout);
        if (!out.error.empty()) co_return out;
        co_await mid_header.write(std::string_view(request_head).substr(0, request_head.size() / 2));
        mid_header.close();
    }
    {
        raw_connection mid_body(ex, context_of(target), target);
        out.error = co_await mid_body.open(target.timeout);
        if (!out.error.empty()) {
            out.error = "after a connection dropped mid-headers: " + out.error;
            co_return out;
        }
        // request_head ends with the blank line; a Content-Length goes before it.
        std::string head = request_head.substr(0, request_head.size() - 2) +
                           "Content-Length: " + std::to_string(announced) + "\r\n\r\n";
        co_await mid_body.write(head + std::string(static_cast<std::size_t>(announced / 10), 'x'));
        mid_body.close();
    }
    out.probe_note = "dropped one connection mid-headers and one mid-body";
    co_return out;
}

awaitable<tls_key_probe> server_key_probe(const probe_target& target, const common::tls::tls_config& phone_tls) {
    tls_key_probe out;
    out.performed = true;
    auto cfg = phone_tls;
    cfg.verify_peer = false;
    cfg.verify_hostname = false;
    cfg.check_expiry = false;
    auto made = common::tls::make_client_context(cfg);
    if (auto* err = std::get_if<common::tls::tls_error>(&made)) {
        out.detail = "client context: " + err->message;
        co_return out;
    }
    auto& ctx = std::get<asio::ssl::context>(made);
    // Security level 0: the point is to see small keys, which the default level 2 refuses.
    SSL_CTX_set_security_level(ctx.native_handle(), 0);
    probe_target t = target;
    t.tls = &ctx;
    t.tls_settings = &cfg;
    raw_connection conn(co_await asio::this_coro::executor, ctx, t);
    out.detail = co_await conn.open(t.timeout);
    if (!out.detail.empty()) co_return out;
    out.handshake_ok = true;
    X509* cert = SSL_get1_peer_certificate(conn.ssl());
    if (!cert) {
        out.handshake_ok = false;
        out.detail = "no server certificate";
        co_return out;
    }
    if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
        out.bits = EVP_PKEY_get_bits(key);
        switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS: out.key_type = "RSA"; break;
        case EVP_PKEY_EC: out.key_type = "EC"; break;
        case EVP_PKEY_ED25519: out.key_type = "ED25519"; break;
        case EVP_PKEY_ED448: out.key_type = "ED448"; break;
        case EVP_PKEY_DSA: out.key_type = "DSA"; break;
        default: out.key_type = "other"; break;
        }
    }
    X509_free(cert);
    co_return out;
}

}  // namespace phone_agent::validate
