// The time limit of one client connection: when it passes, the socket is closed, so the pending
// operation ends with operation_aborted and later ones with bad_descriptor; fired() tells the
// caller that this was a timeout.
//
// Why not beast::tcp_stream: it arms its timer before every read, write and connect and cancels
// it after, and each cancel is another completion through the scheduler. Here one sweeper per
// io_context (an Asio service) waits for the earliest limit of all its connections: setting a
// limit is a clock read, a store and a list link, and while connections come and go within their
// limits the sweeper's timer is not touched at all. A connection without a limit (idle between
// kept-alive requests) is not in the list, and the sweeper has no wait pending when the list is
// empty, so io_context::run() returns once the work is done.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/intrusive/list_hook.hpp>

#include <chrono>

namespace common::net::detail {

class client_deadline_service;

class client_deadline
    : public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
public:
    using clock = std::chrono::steady_clock;

    client_deadline(const boost::asio::any_io_executor& ex, boost::asio::ip::tcp::socket& socket);
    ~client_deadline();
    client_deadline(const client_deadline&) = delete;
    client_deadline& operator=(const client_deadline&) = delete;

    void expires_after(std::chrono::milliseconds limit);
    void expires_never() noexcept;
    // The limit passed and closed the socket (until the next expires_after).
    bool fired() const noexcept { return fired_; }

private:
    friend class client_deadline_service;
    client_deadline_service& sweeper_;
    boost::asio::ip::tcp::socket& socket_;
    clock::time_point at_ = clock::time_point::max();
    bool fired_ = false;
};

}  // namespace common::net::detail
