#include "common/http/socket_tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <algorithm>
#include <new>
#include <string>
#include <vector>

namespace common::http {
namespace net = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
constexpr std::size_t gather_limit = 16384;  // one TLS record's worth of plaintext

}  // namespace

// The BIO OpenSSL reads and writes through: reads drain socket_tls_stream's input buffer (empty:
// "retry", after the EOF: end of stream), writes go to the socket with MSG_NOSIGNAL (a reset peer
// is EPIPE, not SIGPIPE) and a full socket is "retry".
struct socket_tls_bio {
    static socket_tls_stream& stream(BIO* bio) { return *static_cast<socket_tls_stream*>(BIO_get_data(bio)); }

    static int read(BIO* bio, char* out, std::size_t size, std::size_t* done) {
        auto& s = stream(bio);
        BIO_clear_retry_flags(bio);
        *done = 0;
        if (s.input_begin_ == s.input_end_) {
            if (!s.input_eof_) BIO_set_retry_read(bio);
            return 0;
        }
        const std::size_t n = std::min(size, s.input_end_ - s.input_begin_);
        std::memcpy(out, s.input_.data() + s.input_begin_, n);
        s.input_begin_ += n;
        if (s.input_begin_ == s.input_end_) s.input_begin_ = s.input_end_ = 0;
        *done = n;
        return 1;
    }

    static int write(BIO* bio, const char* in, std::size_t size, std::size_t* done) {
        auto& s = stream(bio);
        BIO_clear_retry_flags(bio);
        *done = 0;
        if (s.holding_) {
            if (size <= s.held_.size() - s.held_size_) {
                std::memcpy(s.held_.data() + s.held_size_, in, size);
                s.held_size_ += size;
                *done = size;
                return 1;
            }
            // Too much to hold: what is held goes first (OpenSSL retries this same write).
            if (!s.send_held_now(bio)) return 0;
        }
        const auto n = s.send_some(in, size, bio);
        if (n < 0) return 0;
        *done = static_cast<std::size_t>(n);
        return 1;
    }

    static long control(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

    static int create(BIO* bio) {
        BIO_set_init(bio, 1);
        return 1;
    }

    static const BIO_METHOD* method() {
        static const BIO_METHOD* const made = [] {
            BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "socket_tls_stream");
            if (m == nullptr || BIO_meth_set_read_ex(m, read) != 1 || BIO_meth_set_write_ex(m, write) != 1 ||
                BIO_meth_set_ctrl(m, control) != 1 || BIO_meth_set_create(m, create) != 1) {
                throw std::bad_alloc();
            }
            return m;
        }();
        return made;
    }
};

namespace {

// Connection objects of finished connections, reset with SSL_clear and kept per thread for the
// next connection under the same context, as wrk does. SSL_new copies the context's settings
// (cipher lists, verify parameters, certificate references) into fresh allocations and the first
// record allocates and zeroes a 17 KiB read buffer; SSL_clear keeps both. Measured on a fleet
// making a new HTTPS connection per request, this was most of what it spent beyond wrk.
class spare_connections {
public:
    spare_connections() = default;
    spare_connections(const spare_connections&) = delete;
    spare_connections& operator=(const spare_connections&) = delete;
    ~spare_connections() {
        for (SSL* ssl : spares_) SSL_free(ssl);
    }

    SSL* take(SSL_CTX* context) noexcept {
        for (auto it = spares_.rbegin(); it != spares_.rend(); ++it) {
            if (SSL_get_SSL_CTX(*it) != context) continue;
            SSL* ssl = *it;
            spares_.erase(std::next(it).base());
            return ssl;
        }
        return nullptr;
    }

    // Only connections whose handshake completed come back; any other state is freed.
    void give(SSL* ssl) noexcept {
        ERR_clear_error();
        if (SSL_is_init_finished(ssl) != 1 || SSL_clear(ssl) != 1) {
            SSL_free(ssl);
            return;
        }
        // SSL_clear keeps the last session, which a client would offer again: whether to resume
        // is the caller's choice (SSL_set_session) on every connection.
        SSL_set_session(ssl, nullptr);
        BIO_set_data(SSL_get_rbio(ssl), nullptr);
        if (spares_.size() == max_spares) {
            // The oldest goes: it may belong to a context that a reload replaced.
            SSL_free(spares_.front());
            spares_.erase(spares_.begin());
        }
        try {
            spares_.push_back(ssl);
        } catch (const std::bad_alloc&) {
            SSL_free(ssl);
        }
    }

private:
    static constexpr std::size_t max_spares = 128;  // a bench's concurrency; ~20 KiB each
    std::vector<SSL*> spares_;
};

spare_connections& spares() {
    thread_local spare_connections pool;
    return pool;
}

}  // namespace

socket_tls_stream::socket_tls_stream(net::ip::tcp::socket& socket, SSL_CTX* context, role side)
    : socket_(socket), ssl_(spares().take(context)) {
    if (ssl_ != nullptr) {
        BIO_set_data(SSL_get_rbio(ssl_), this);  // mode and read-ahead were kept by SSL_clear
    } else {
        ssl_ = SSL_new(context);
        if (ssl_ == nullptr) throw std::bad_alloc();
        BIO* bio = BIO_new(socket_tls_bio::method());
        if (bio == nullptr) {
            SSL_free(ssl_);
            throw std::bad_alloc();
        }
        BIO_set_data(bio, this);
        SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_
        // SSL_set_mode, spelled out: the macro's C cast trips -Wold-style-cast. Partial writes
        // return after each record sent; a moving buffer lets a blocked write resume from a copy.
        SSL_ctrl(ssl_, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, nullptr);
        // Read ahead, as nginx does: OpenSSL takes all that is buffered at once, not a record's
        // 5-byte header first and its body in a second call.
        SSL_set_read_ahead(ssl_, 1);
    }
    // A client's socket is non-blocking already (http_client set it before connecting).
    error_code ignored;
    if (!socket_.non_blocking()) socket_.non_blocking(true, ignored);
    if (side == role::server) {
        SSL_set_accept_state(ssl_);
    } else {
        SSL_set_connect_state(ssl_);
    }
}

std::ptrdiff_t socket_tls_stream::send_some(const char* data, std::size_t size, BIO* bio) {
    const int fd = socket_.is_open() ? socket_.native_handle() : -1;
    if (fd < 0) {
        write_errno_ = EBADF;
        return -1;
    }
    for (;;) {
        const auto n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (bio != nullptr) BIO_set_retry_write(bio);
        } else {
            write_errno_ = errno;
        }
        return -1;
    }
}

bool socket_tls_stream::send_held_now(BIO* bio) {
    std::size_t sent = 0;
    while (sent < held_size_) {
        const auto n = send_some(held_.data() + sent, held_size_ - sent, bio);
        if (n < 0) {
            std::memmove(held_.data(), held_.data() + sent, held_size_ - sent);
            held_size_ -= sent;
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    held_size_ = 0;
    holding_ = false;
    return true;
}

net::awaitable<error_code> socket_tls_stream::send_held() {
    holding_ = false;
    while (held_size_ > 0) {
        write_errno_ = 0;
        if (send_held_now(nullptr)) break;
        if (write_errno_ != 0) co_return error_code(write_errno_, boost::system::system_category());
        if (const auto ec = co_await make_progress(next::wait_write)) co_return ec;
    }
    co_return error_code{};
}

socket_tls_stream::~socket_tls_stream() { spares().give(ssl_); }

socket_tls_stream::next socket_tls_stream::classify(int result, error_code& ec) const {
    const int saved_errno = write_errno_;
    switch (SSL_get_error(ssl_, result)) {
        case SSL_ERROR_NONE:
            return next::done;
        case SSL_ERROR_WANT_READ:
            return next::wait_read;
        case SSL_ERROR_WANT_WRITE:
            return next::wait_write;
        case SSL_ERROR_ZERO_RETURN:
            ec = net::error::eof;  // the peer's close_notify
            return next::failed;
        case SSL_ERROR_SSL: {
            const auto e = ERR_get_error();
            ec = ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING
                     ? error_code(net::ssl::error::stream_truncated)
                     : error_code(static_cast<int>(e), net::error::get_ssl_category());
            return next::failed;
        }
        case SSL_ERROR_SYSCALL: {
            const auto e = ERR_get_error();
            if (e != 0) {
                ec = error_code(static_cast<int>(e), net::error::get_ssl_category());
            } else if (saved_errno != 0) {
                ec = error_code(saved_errno, boost::system::system_category());
            } else {
                ec = net::ssl::error::stream_truncated;
            }
            return next::failed;
        }
        default:
            ec = net::ssl::error::unexpected_result;
            return next::failed;
    }
}

net::awaitable<error_code> socket_tls_stream::make_progress(next step) {
    if (step == next::wait_write) {
        auto [ec] = co_await socket_.async_wait(net::socket_base::wait_write, use_nothrow);
        co_return ec;
    }
    // WANT_READ after the EOF: OpenSSL wants bytes that will never come.
    if (input_eof_) co_return error_code(net::ssl::error::stream_truncated);
    // OpenSSL drains the buffer before it asks for more, so there is room; a zero-length read
    // would complete at once and spin.
    if (input_end_ == input_.size()) co_return error_code(net::ssl::error::unexpected_result);
    const auto space = net::buffer(input_.data() + input_end_, input_.size() - input_end_);
    auto [ec, n] = co_await socket_.async_read_some(space, use_nothrow);
    input_end_ += n;
    if (ec == net::error::eof) {
        input_eof_ = true;  // OpenSSL decides what an EOF here means (close_notify seen or not)
        co_return error_code{};
    }
    co_return ec;
}

net::awaitable<error_code> socket_tls_stream::drive(int (*call)(SSL*), int done_from, bool hold_last_flight) {
    if (held_size_ > 0 || holding_) {
        if (const auto hec = co_await send_held()) co_return hec;
    }
    for (bool first = true;; first = false) {
        if (!socket_.is_open()) co_return net::error::bad_descriptor;
        ERR_clear_error();
        write_errno_ = 0;
        // The first flight (a ClientHello) is always answered by a read, so it goes at once.
        holding_ = hold_last_flight && !first;
        const int result = call(ssl_);
        if (result >= done_from) {
            if (held_size_ == 0) holding_ = false;
            co_return error_code{};  // what the last call wrote waits for the first write
        }
        error_code ec;
        const auto step = classify(result, ec);
        if (step == next::failed || step == next::done) co_return ec;
        holding_ = false;
        if (held_size_ > 0) {
            if (const auto hec = co_await send_held()) co_return hec;  // the peer needs it to go on
        }
        if (const auto pec = co_await make_progress(step)) co_return pec;
    }
}

net::awaitable<error_code> socket_tls_stream::accept() { return drive(SSL_do_handshake, 1); }

net::awaitable<error_code> socket_tls_stream::connect() { return drive(SSL_do_handshake, 1, true); }

net::awaitable<std::tuple<error_code, std::size_t>> socket_tls_stream::read_some(net::mutable_buffer buffer) {
    if (buffer.size() == 0) co_return std::tuple<error_code, std::size_t>{};
    if (held_size_ > 0 || holding_) {
        if (const auto hec = co_await send_held()) co_return std::tuple{hec, std::size_t{0}};
    }
    for (;;) {
        if (!socket_.is_open()) co_return std::tuple{error_code(net::error::bad_descriptor), std::size_t{0}};
        ERR_clear_error();
        write_errno_ = 0;
        std::size_t n = 0;
        const int result = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
        if (result == 1) co_return std::tuple{error_code{}, n};
        error_code ec;
        const auto step = classify(result, ec);
        if (step == next::failed) co_return std::tuple{ec, std::size_t{0}};
        if (const auto pec = co_await make_progress(step)) co_return std::tuple{pec, std::size_t{0}};
    }
}

std::size_t socket_tls_stream::write_now(const char* data, std::size_t size, error_code& ec, next& step) {
    std::size_t done = 0;
    step = next::done;
    while (done < size) {
        if (!socket_.is_open()) {
            ec = net::error::bad_descriptor;
            step = next::failed;
            return done;
        }
        ERR_clear_error();
        write_errno_ = 0;
        std::size_t n = 0;
        const int result = SSL_write_ex(ssl_, data + done, size - done, &n);
        if (result == 1) {
            done += n;
            continue;
        }
        step = classify(result, ec);
        if (step == next::done) step = next::failed;  // no progress and no reason: do not spin
        return done;
    }
    return done;
}

std::size_t socket_tls_stream::write_gathered_now(std::span<const net::const_buffer> buffers, std::size_t total,
                                                  error_code& ec, next& step) {
    // On this thread's stack, not in a coroutine frame: gathering costs no allocation.
    std::array<char, gather_limit> area;
    std::size_t at = 0;
    for (const auto& b : buffers) {
        std::memcpy(area.data() + at, b.data(), b.size());
        at += b.size();
    }
    return write_now(area.data(), total, ec, step);
}

net::awaitable<std::tuple<error_code, std::size_t>> socket_tls_stream::write(
    std::span<const net::const_buffer> buffers) {
    std::size_t total = 0;
    for (const auto& b : buffers) total += b.size();
    error_code ec;
    next step = next::done;
    if (buffers.size() == 1 || total > gather_limit) {
        // One buffer goes from where it lies; a large sequence one buffer after the other.
        std::size_t before = 0;
        for (const auto& b : buffers) {
            const auto* p = static_cast<const char*>(b.data());
            std::size_t written = 0;
            while (written < b.size()) {
                written += write_now(p + written, b.size() - written, ec, step);
                if (step == next::done) break;
                if (step == next::failed) co_return std::tuple{ec, before + written};
                if (const auto pec = co_await make_progress(step)) co_return std::tuple{pec, before + written};
            }
            before += b.size();
        }
    } else if (const std::size_t done = write_gathered_now(buffers, total, ec, step); step != next::done) {
        if (step == next::failed) co_return std::tuple{ec, done};
        // The socket is full: the rest continues from a copy this frame owns (OpenSSL may hold a
        // record of it already; a moving write buffer with the same bytes is allowed).
        std::string rest;
        rest.reserve(total - done);
        std::size_t skip = done;
        for (const auto& b : buffers) {
            const auto* p = static_cast<const char*>(b.data());
            if (skip >= b.size()) {
                skip -= b.size();
                continue;
            }
            rest.append(p + skip, b.size() - skip);
            skip = 0;
        }
        std::size_t written = 0;
        while (step != next::done) {
            if (const auto pec = co_await make_progress(step)) co_return std::tuple{pec, done + written};
            written += write_now(rest.data() + written, rest.size() - written, ec, step);
            if (step == next::failed) co_return std::tuple{ec, done + written};
        }
    }
    // After a client's handshake the records joined its held last flight: all go in one send.
    if (held_size_ > 0 || holding_) {
        if (const auto hec = co_await send_held()) co_return std::tuple{hec, std::size_t{0}};
    }
    co_return std::tuple{error_code{}, total};
}

// SSL_shutdown: 1 when both close_notify are done, 0 once ours is sent (enough here).
net::awaitable<error_code> socket_tls_stream::shutdown() { return drive(SSL_shutdown, 0); }

}  // namespace common::http
