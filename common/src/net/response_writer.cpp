#include "common/http/response_writer.hpp"

#include "common/auth/auth_header.hpp"
#include "common/http/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

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

net::awaitable<void> sleep_for(beast::tcp_stream& lowest, std::chrono::milliseconds d) {
    net::steady_timer t(lowest.get_executor(), d);
    co_await t.async_wait(use_nothrow);
}

void hard_reset(beast::tcp_stream& lowest) {
    boost::system::error_code ignored;
    lowest.socket().set_option(net::socket_base::linger(true, 0), ignored);
    lowest.socket().close(ignored);
}

// Copies the plan's headers, dropping any that would split the response: Beast writes CR/LF in a
// value verbatim, so this is the last line of defence.
template <class Message>
void add_headers(Message& res, const response_plan& plan) {
    for (const auto& h : plan.headers) {
        if (common::auth::has_forbidden_header_chars(h.name) ||
            common::auth::has_forbidden_header_chars(h.value) || !common::auth::is_token(h.name)) {
            spdlog::error("response: dropped header '{}' with forbidden characters", h.name);
            continue;
        }
        res.insert(h.name, h.value);
    }
}

}  // namespace

template <class Stream>
net::awaitable<send_outcome> write_plan(Stream& stream, beast::tcp_stream& lowest, response_plan& plan,
                                        unsigned version, std::chrono::milliseconds write_timeout) {
    send_outcome out;
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&]() {
        out.duration = std::chrono::steady_clock::now() - started;
        return out;
    };
    const auto& faults = plan.faults;
    if (faults.delay_before_headers.count() > 0) co_await sleep_for(lowest, faults.delay_before_headers);
    if (faults.reset) {
        hard_reset(lowest);
        co_return finish();
    }

    // Fast path: an in-memory body and no faults to commit while sending go out with the header
    // in one gather write (one syscall, no copy, no chunk buffer).
    const auto whole = plan.body ? plan.body->contiguous() : std::nullopt;
    if (whole && !faults.any() && !plan.head && !status_has_no_body(plan.status)) {
        const auto length = plan.length();
        http::response<http::span_body<const char>> res{static_cast<http::status>(plan.status), version};
        add_headers(res, plan);
        res.body() = std::span<const char>(whole->data() + plan.body_offset, static_cast<std::size_t>(length));
        res.content_length(length);
        res.keep_alive(!plan.close);
        lowest.expires_after(write_timeout);
        auto [ec, n] = co_await http::async_write(stream, res, use_nothrow);
        if (!ec) {
            out.body_bytes_sent = length;
            out.completed = true;
        }
        co_return finish();
    }

    http::response<http::empty_body> res{static_cast<http::status>(plan.status), version};
    add_headers(res, plan);
    const std::uint64_t length = plan.length();
    if (!status_has_no_body(plan.status)) res.content_length(length);
    res.keep_alive(!plan.close);

    http::response_serializer<http::empty_body> sr{res};
    lowest.expires_after(write_timeout);
    auto [ec, n] = co_await http::async_write_header(stream, sr, use_nothrow);
    if (ec) co_return finish();

    if (faults.stall_after_headers) co_await sleep_for(lowest, *faults.stall_after_headers);

    const bool send_body = !plan.head && !status_has_no_body(plan.status) && plan.body;
    std::uint64_t to_send = send_body ? length : 0;
    if (faults.close_after_body_bytes) to_send = std::min(to_send, *faults.close_after_body_bytes);

    // Sized to what is sent and left uninitialised: zeroing 16 KiB per small response showed up in
    // profiles.
    const auto buffer_size = static_cast<std::size_t>(std::clamp<std::uint64_t>(to_send, 1, chunk_size));
    auto chunk_storage = std::make_unique_for_overwrite<char[]>(buffer_size);
    std::span<char> chunk(chunk_storage.get(), buffer_size);
    // Throttling sends one slice every 50 ms, sized so the average rate is the configured one.
    const std::size_t slice = faults.throttle_bytes_per_second > 0
        ? static_cast<std::size_t>(std::clamp<std::uint64_t>(faults.throttle_bytes_per_second / 20, 1, buffer_size))
        : buffer_size;
    std::uint64_t offset = plan.body_offset;
    while (out.body_bytes_sent < to_send) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(slice, to_send - out.body_bytes_sent));
        auto got = plan.body->read(offset, std::span<char>(chunk.data(), want));
        if (got == 0) {
            spdlog::error("response: body source ended early at byte {}", out.body_bytes_sent);
            hard_reset(lowest);
            co_return finish();
        }
        lowest.expires_after(write_timeout);
        auto [wec, wn] = co_await net::async_write(stream, net::buffer(chunk.data(), got), use_nothrow);
        if (wec) co_return finish();
        out.body_bytes_sent += wn;
        offset += wn;
        if (faults.throttle_bytes_per_second > 0) co_await sleep_for(lowest, std::chrono::milliseconds(50));
    }
    if (send_body && out.body_bytes_sent < length) {
        // close mid-body / truncated body: the Content-Length promised more than we send.
        boost::system::error_code ignored;
        lowest.socket().shutdown(net::socket_base::shutdown_both, ignored);
        lowest.socket().close(ignored);
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
    co_await http::async_write(stream, res, use_nothrow);
}

template net::awaitable<send_outcome> write_plan<plain_stream>(plain_stream&, beast::tcp_stream&,
                                                              response_plan&, unsigned,
                                                              std::chrono::milliseconds);
template net::awaitable<send_outcome> write_plan<tls_stream>(tls_stream&, beast::tcp_stream&,
                                                            response_plan&, unsigned,
                                                            std::chrono::milliseconds);
template net::awaitable<void> write_rejection<plain_stream>(plain_stream&, const rejection&, const std::string&);
template net::awaitable<void> write_rejection<tls_stream>(tls_stream&, const rejection&, const std::string&);

}  // namespace common::http
