// A TLS connection (server or client side) without asio::ssl::stream. OpenSSL writes records straight
// to the socket (send with MSG_NOSIGNAL from a small BIO of ours) and reads them from a 4 KiB
// buffer that Asio's own read fills, so reads keep Asio's speculative try-first behaviour and
// waiting costs no extra system call.
//
// Why not asio::ssl::stream: it runs OpenSSL over a memory BIO pair and copies every record
// between that pair and the socket; per connection it allocates and zeroes two 17 KiB buffers of
// its own besides the pair's two, and each read or write passes through its composed io_op. On a
// new connection per request that was several percent of the server's CPU next to nginx, which
// also lets OpenSSL write to the socket directly; on the client side (the fleet), the buffers'
// allocation, zeroing and copying were the largest part of what it spent beyond wrk.
//
// A client holds its handshake's last flight (TLS 1.3: Finished) until the first write, whose
// records then go out with it in one send: one packet and one system call less per connection,
// which on a new connection per request is a few percent of the client's CPU (wrk and h2load send
// the two apart). A read or a shutdown sends what is held first, so nothing waits on a peer that
// waits on us.
//
// Errors are those asio::ssl::stream reports, so callers and logs see the same codes: a transport
// EOF without close_notify is ssl::error::stream_truncated, close_notify is error::eof, an OpenSSL
// failure carries ERR_get_error() in the ssl category, a socket error its errno.
//
// The socket may be closed under a pending operation (the connection deadline does that): the
// operation ends with operation_aborted, and later writes find no descriptor instead of touching
// one the number has been reused for.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <tuple>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct bio_st BIO;

namespace common::http {

class socket_tls_stream {
public:
    enum class role { server, client };
    // Throws std::bad_alloc when OpenSSL cannot create the connection object.
    socket_tls_stream(boost::asio::ip::tcp::socket& socket, SSL_CTX* context, role side = role::server);
    ~socket_tls_stream();
    socket_tls_stream(const socket_tls_stream&) = delete;
    socket_tls_stream& operator=(const socket_tls_stream&) = delete;  // OpenSSL's BIO points here

    SSL* native_handle() const noexcept { return ssl_; }

    boost::asio::awaitable<boost::system::error_code> accept();   // the handshake, role::server
    boost::asio::awaitable<boost::system::error_code> connect();  // the handshake, role::client
    boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(
        boost::asio::mutable_buffer buffer);
    // Everything in `buffers`, or an error. Up to 16 KiB in total is one SSL_write (one record,
    // usually one send); the bytes are copied only when the socket cannot take them at once.
    boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(
        std::span<const boost::asio::const_buffer> buffers);
    // Our close_notify; completes once it is written (see http_server for the peer's).
    boost::asio::awaitable<boost::system::error_code> shutdown();

private:
    friend struct socket_tls_bio;
    enum class next { done, wait_read, wait_write, failed };
    // Reads the error the failed call left (OpenSSL's queue, or the BIO's errno).
    next classify(int result, boost::system::error_code& ec) const;
    // What the socket takes now of `data`; `step` says whether all went, or what to wait for.
    std::size_t write_now(const char* data, std::size_t size, boost::system::error_code& ec, next& step);
    std::size_t write_gathered_now(std::span<const boost::asio::const_buffer> buffers, std::size_t total,
                                   boost::system::error_code& ec, next& step);
    // Calls `call` (SSL_do_handshake, SSL_shutdown) until it returns `done_from` or more. With
    // `hold_last_flight`, what the call that completes writes stays in held_ (see above).
    boost::asio::awaitable<boost::system::error_code> drive(int (*call)(SSL*), int done_from,
                                                            bool hold_last_flight = false);
    // Sends what is held (waiting for room as needed) and stops holding.
    boost::asio::awaitable<boost::system::error_code> send_held();
    // One send with MSG_NOSIGNAL (a reset peer is EPIPE, not SIGPIPE): the bytes taken, or -1
    // with the BIO's retry flag set when the socket is full (given a BIO) or write_errno_ set.
    std::ptrdiff_t send_some(const char* data, std::size_t size, BIO* bio);
    // What of held_ the socket takes now; false when some is left (retry flag or errno set).
    bool send_held_now(BIO* bio);
    // After WANT_READ: more bytes from the socket (or the EOF noted); after WANT_WRITE: room.
    boost::asio::awaitable<boost::system::error_code> make_progress(next step);

    boost::asio::ip::tcp::socket& socket_;
    SSL* ssl_;
    std::array<char, 4096> input_;  // bytes read from the socket that OpenSSL has not taken yet
    std::size_t input_begin_ = 0;
    std::size_t input_end_ = 0;
    bool input_eof_ = false;
    int write_errno_ = 0;  // of the BIO's last failed send
    bool holding_ = false;  // the BIO appends to held_ instead of sending
    std::size_t held_size_ = 0;
    std::array<char, 1024> held_;  // a Finished and a request with Digest credentials fit
};

}  // namespace common::http
