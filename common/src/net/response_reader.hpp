// http_client.cpp's response side: the parser that files a response straight into a
// fetch_result and its body sink, and the per-thread read buffers it parses from.
#pragma once

#include "common/net/http_client.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace common::net::detail {

namespace beast = boost::beast;
namespace http = beast::http;

// Room for a whole response head and a small body (a .cfg file) in one read.
inline constexpr std::size_t read_buffer_bytes = 16 * 1024;

// Response read buffers, kept per thread between requests: a fresh 16 KiB buffer per request took
// malloc's slow path every time, and one is needed only while a response arrives, so a fleet's
// thread needs about as many as it has phones in flight.
class read_buffer_lease {
public:
    read_buffer_lease() {
        auto& pool = spare();
        if (pool.empty()) {
            buffer.reserve(read_buffer_bytes);
        } else {
            buffer = std::move(pool.back());
            pool.pop_back();
        }
    }
    ~read_buffer_lease() {
        auto& pool = spare();
        if (pool.size() < max_spare && buffer.capacity() <= 4 * read_buffer_bytes) {
            buffer.clear();
            pool.push_back(std::move(buffer));
        }
    }
    read_buffer_lease(const read_buffer_lease&) = delete;
    read_buffer_lease& operator=(const read_buffer_lease&) = delete;

    beast::flat_buffer buffer;

private:
    static constexpr std::size_t max_spare = 256;
    static std::vector<beast::flat_buffer>& spare() {
        thread_local std::vector<beast::flat_buffer> pool;
        return pool;
    }
};

// Puts the status and fields straight into `out` and hands body bytes to the sink from the read
// buffer: Beast's response_parser stores every field in a fields container first (an allocation
// each) and copies the body through a chunk buffer.
class response_reader final : public http::basic_parser<false> {
public:
    response_reader(fetch_result& out, const body_sink& sink) : out_(out), sink_(sink) {}
    bool sink_refused() const noexcept { return sink_refused_; }

private:
    using error_code = boost::system::error_code;
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code&) override {}
    void on_response_impl(int code, beast::string_view, int, error_code&) override {
        out_.status = static_cast<unsigned>(code);
    }
    void on_field_impl(http::field, beast::string_view name, beast::string_view value, error_code&) override {
        auto& field = out_.headers.emplace_back();  // filled in place: no temporary to move
        field.name.assign(name.data(), name.size());
        field.value.assign(value.data(), value.size());
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(beast::string_view body, error_code& ec) override { return deliver(body, ec); }
    void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code& ec) override {
        return deliver(body, ec);
    }
    void on_finish_impl(error_code&) override {}

    std::size_t deliver(beast::string_view body, error_code& ec) {
        out_.body_bytes += body.size();
        if (!sink_(std::span<const char>(body.data(), body.size()))) {
            sink_refused_ = true;
            ec = boost::asio::error::operation_aborted;  // stops the parser; sink_refused() says why
        }
        return body.size();
    }

    fetch_result& out_;
    const body_sink& sink_;
    bool sink_refused_ = false;
};

}  // namespace common::net::detail
