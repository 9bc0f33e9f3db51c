#include "common/http/response_writer.hpp"

#include "common/auth/auth_header.hpp"
#include "common/http/response_head.hpp"
#include "common/http/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/http/string_body.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <memory>
#include <sstream>
#include <span>
#include <tuple>
#include <type_traits>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace common::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
constexpr std::size_t chunk_size = 16 * 1024;

bool status_has_no_body(unsigned status) {
    return status < 200 || status == 204 || status == 304;
}

// A planned pause is not the client's fault: no deadline runs while it lasts.
net::awaitable<void> sleep_for(net::ip::tcp::socket& lowest, connection_deadline& deadline,
                               std::chrono::milliseconds d) {
    deadline.expires_never();
    net::steady_timer t(lowest.get_executor(), d);
    co_await t.async_wait(use_nothrow);
}

void hard_reset(net::ip::tcp::socket& lowest) {
    boost::system::error_code ignored;
    lowest.set_option(net::socket_base::linger(true, 0), ignored);
    lowest.close(ignored);
}

std::string head_of(const response_plan& plan, unsigned version, std::optional<std::uint64_t> content_length) {
    std::string head;
    std::size_t need = 128;
    for (const auto& h : plan.headers) need += h.name.size() + h.value.size() + 4;
    head.reserve(need);
    std::vector<std::string> dropped;
    append_response_head(head, {plan.status, version, content_length, !plan.close}, plan.headers, dropped);
    // Beast would write CR/LF in a value verbatim: the head is the last line of defence.
    for (const auto& name : dropped) spdlog::error("response: dropped header '{}' with forbidden characters", name);
    return head;
}

// For the last answer on a TLS connection that fits one write: corked, the answer, the
// close_notify and the FIN leave in one segment instead of three (measured: 17.0 -> 14.9 segments
// and ~10 us less server CPU per Connection: close exchange). run_session's shutdown(SHUT_WR)
// right after the close_notify sends the FIN, which pushes the rest out; a close without it
// flushes too, and the kernel never holds corked data longer than 200 ms.
void cork_until_shutdown(net::ip::tcp::socket& lowest) {
#if defined(TCP_CORK)
    const int on = 1;
    ::setsockopt(lowest.native_handle(), IPPROTO_TCP, TCP_CORK, &on, sizeof on);
#else
    (void)lowest;
#endif
}

}  // namespace

// All of `buffers`: Asio's composed write on a plain socket, one gathered write on TLS. Not a
// coroutine itself (no frame of its own); the caller keeps `buffers` alive while it awaits.
template <class Stream, std::size_t N>
net::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_all(
    Stream& stream, const std::array<net::const_buffer, N>& buffers) {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
        return stream.write(std::span<const net::const_buffer>(buffers));
    } else {
        return net::async_write(stream, buffers, use_nothrow);
    }
}

template <class Stream>
net::awaitable<send_outcome> write_plan(Stream& stream, net::ip::tcp::socket& lowest,
                                        connection_deadline& deadline, response_plan& plan,
                                        unsigned version, std::chrono::milliseconds write_timeout) {
    send_outcome out;
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&]() {
        out.duration = std::chrono::steady_clock::now() - started;
        return out;
    };
    const auto& faults = plan.faults;
    if (faults.delay_before_headers.count() > 0) co_await sleep_for(lowest, deadline, faults.delay_before_headers);
    if (faults.reset) {
        hard_reset(lowest);
        co_return finish();
    }

    const bool has_body_status = !status_has_no_body(plan.status);
    const std::uint64_t length = plan.length();
    const bool send_body = !plan.head && has_body_status && plan.body;
    std::uint64_t to_send = send_body ? length : 0;
    if (faults.close_after_body_bytes) to_send = std::min(to_send, *faults.close_after_body_bytes);
    std::string head = head_of(plan, version, has_body_status ? std::optional(length) : std::nullopt);

    // An in-memory body is sent from where it lies; others go through a buffer sized to what is
    // sent, left uninitialised (zeroing 16 KiB per small response showed up in profiles).
    const auto whole = send_body ? plan.body->contiguous() : std::nullopt;
    std::unique_ptr<char[]> chunk_storage;
    std::size_t buffer_size = chunk_size;
    if (!whole && to_send > 0) {
        buffer_size = static_cast<std::size_t>(std::min<std::uint64_t>(to_send, chunk_size));
        chunk_storage = std::make_unique_for_overwrite<char[]>(buffer_size);
    }
    // Throttling sends one slice every 50 ms, sized so the average rate is the configured one.
    const std::size_t slice = faults.throttle_bytes_per_second > 0
        ? static_cast<std::size_t>(std::clamp<std::uint64_t>(faults.throttle_bytes_per_second / 20, 1, buffer_size))
        : buffer_size;
    std::uint64_t offset = plan.body_offset;
    // The next piece of the body (at most `slice` bytes); empty when the source ended early.
    auto next_piece = [&]() -> net::const_buffer {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(slice, to_send - out.body_bytes_sent));
        if (whole) {
            if (offset >= whole->size()) return {};
            return net::buffer(whole->data() + offset, std::min<std::size_t>(want, whole->size() - static_cast<std::size_t>(offset)));
        }
        return net::buffer(chunk_storage.get(), plan.body->read(offset, std::span<char>(chunk_storage.get(), want)));
    };
    auto source_ended = [&]() {
        spdlog::error("response: body source ended early at byte {}", out.body_bytes_sent);
        hard_reset(lowest);
    };

    // Without a stall or throttle between them, the head and the first piece of the body go out
    // in one gathered write: one syscall and one TCP segment for a small answer.
    deadline.expires_after(write_timeout);
    const bool paced = faults.stall_after_headers.has_value() || faults.throttle_bytes_per_second > 0;
    if (!paced && to_send > 0) {
        const auto piece = next_piece();
        if (piece.size() == 0) {
            source_ended();
            co_return finish();
        }
        if (std::is_same_v<Stream, tls_stream> && plan.close && piece.size() == to_send) {
            cork_until_shutdown(lowest);
        }
        // Over TLS, up to 16 KiB of the two is one SSL_write (socket_tls_stream gathers them).
        const std::array<net::const_buffer, 2> both{net::buffer(head), piece};
        auto [ec, n] = co_await write_all(stream, both);
        if (ec) co_return finish();
        out.body_bytes_sent += piece.size();
        offset += piece.size();
    } else {
        const std::array<net::const_buffer, 1> head_only{net::buffer(head)};
        auto [ec, n] = co_await write_all(stream, head_only);
        if (ec) co_return finish();
    }

    if (faults.stall_after_headers) co_await sleep_for(lowest, deadline, *faults.stall_after_headers);

    while (out.body_bytes_sent < to_send) {
        const auto piece = next_piece();
        if (piece.size() == 0) {
            source_ended();
            co_return finish();
        }
        deadline.expires_after(write_timeout);
        const std::array<net::const_buffer, 1> piece_only{piece};
        auto [wec, wn] = co_await write_all(stream, piece_only);
        if (wec) co_return finish();
        out.body_bytes_sent += wn;
        offset += wn;
        if (faults.throttle_bytes_per_second > 0) co_await sleep_for(lowest, deadline, std::chrono::milliseconds(50));
    }
    if (send_body && out.body_bytes_sent < length) {
        // close mid-body / truncated body: the Content-Length promised more than we send.
        boost::system::error_code ignored;
        lowest.shutdown(net::socket_base::shutdown_both, ignored);
        lowest.close(ignored);
        co_return finish();
    }
    out.completed = true;
    co_return finish();
}

template <class Stream>
net::awaitable<void> write_rejection(Stream& stream, const rejection& r, const std::string& server_header) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    res.set(http::field::server, server_header);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::connection, "close");
    res.body() = r.reason + "\n";
    res.prepare_payload();
    if constexpr (std::is_same_v<Stream, tls_stream>) {
        std::ostringstream text;
        text << res;
        const std::string wire = text.str();
        const std::array<net::const_buffer, 1> all{net::buffer(wire)};
        co_await write_all(stream, all);
    } else {
        co_await http::async_write(stream, res, use_nothrow);
    }
}

template net::awaitable<send_outcome> write_plan<plain_stream>(plain_stream&, net::ip::tcp::socket&,
                                                              connection_deadline&, response_plan&,
                                                              unsigned, std::chrono::milliseconds);
template net::awaitable<send_outcome> write_plan<tls_stream>(tls_stream&, net::ip::tcp::socket&,
                                                            connection_deadline&, response_plan&,
                                                            unsigned, std::chrono::milliseconds);
template net::awaitable<void> write_rejection<plain_stream>(plain_stream&, const rejection&, const std::string&);
template net::awaitable<void> write_rejection<tls_stream>(tls_stream&, const rejection&, const std::string&);

}  // namespace common::http
