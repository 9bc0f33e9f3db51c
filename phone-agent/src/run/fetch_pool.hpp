// The phone's concurrent HTTP(S) GETs (page fetches, action URIs): each one a coroutine with its
// own cancellation signal, so any number can be pending while the io_context thread keeps serving.
//
// Contract, relied on by phone_runtime and proved by run_fetch_cancel_test:
// - every start() that returned true is followed by exactly one call of the completion handler
//   for that id, whatever happens (success, error, cancel at any phase, cancel_all);
// - the handler runs from the io_context, never from inside start() or cancel(), and only after
//   the fetch's socket is closed;
// - cancel() is terminal per-operation cancellation: the exchange stops in whatever phase it is
//   (resolve, connect, TLS handshake, write, waiting for headers, reading the body).
//
// Threading: one io_context thread; no member may be called from another thread. The pool must
// outlive its fetches: call cancel_all() and wait until empty() before destroying it.
#pragma once

#include "common/net/http_client.hpp"
#include "common/net/tls_config.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace phone_agent {

struct fetch_job {
    common::net::fetch_request request;
    common::net::fetch_limits limits;
    // For https: a client context (kept alive by the job, so a configuration change that builds
    // a new context cannot pull it from under a running handshake).
    std::shared_ptr<boost::asio::ssl::context> tls;
    common::tls::tls_config tls_settings;
};

struct fetch_completion {
    std::uint64_t id = 0;
    bool cancelled = false;  // cancel() came first: the caller no longer wants the answer
    common::net::fetch_result result;
    std::string body;
};

class fetch_pool {
public:
    using completion_handler = std::function<void(fetch_completion)>;

    fetch_pool(boost::asio::any_io_executor executor, completion_handler on_complete);
    ~fetch_pool();
    fetch_pool(const fetch_pool&) = delete;
    fetch_pool& operator=(const fetch_pool&) = delete;

    // False (and nothing started) when `id` is already in flight.
    bool start(std::uint64_t id, fetch_job job);
    // True when the fetch was in flight and not cancelled before.
    bool cancel(std::uint64_t id);
    void cancel_all();
    // Called once, from the io_context, as soon as no fetch is in flight (at once if none is).
    void when_empty(std::function<void()> callback);

    bool contains(std::uint64_t id) const { return inflight_.count(id) != 0; }
    std::size_t size() const noexcept { return inflight_.size(); }
    bool empty() const noexcept { return inflight_.empty(); }

private:
    struct inflight {
        boost::asio::cancellation_signal signal;
        bool cancelled = false;
        common::net::fetch_result result;
        std::string body;
    };

    boost::asio::awaitable<void> run(inflight& entry, fetch_job job);
    void finish(std::uint64_t id);

    boost::asio::any_io_executor executor_;
    completion_handler on_complete_;
    std::map<std::uint64_t, std::unique_ptr<inflight>> inflight_;
    std::function<void()> when_empty_;
};

}  // namespace phone_agent
