#include "client_deadline.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <optional>

namespace common::net::detail {

namespace asio = boost::asio;
using clock = client_deadline::clock;

// One per io_context. Single-threaded like the connections it watches (one io_context per thread).
class client_deadline_service final : public asio::execution_context::service {
public:
    static inline asio::execution_context::id id;

    explicit client_deadline_service(asio::execution_context& context) : asio::execution_context::service(context) {}

    // The timer is made from the first connection's executor: a bare execution_context has none.
    void attach(const asio::any_io_executor& ex) {
        if (!timer_ && !shut_down_) timer_.emplace(ex);
    }

    void watch(client_deadline& d) {
        if (shut_down_) return;
        if (!d.is_linked()) active_.push_back(d);
        if (d.at_ < next_) wait_until(d.at_);
    }
    void unwatch(client_deadline& d) noexcept {
        if (!d.is_linked()) return;
        d.unlink();
        if (active_.empty() && !shut_down_) stand_down();
    }

private:
    using list = boost::intrusive::list<client_deadline, boost::intrusive::constant_time_size<false>>;

    void shutdown() override {
        shut_down_ = true;
        active_.clear();  // unlinks: deadlines destroyed during the context's shutdown find nothing
        // The timer's own service came into the registry after this one (with the first
        // connection), so it is destroyed first: the timer must go now, while it still exists.
        timer_.reset();
    }

    // Moves the wake-up earlier (or starts it); a wait still pending is cancelled and ignored.
    void wait_until(clock::time_point at) {
        next_ = at;
        timer_->expires_at(at);
        const unsigned generation = ++generation_;
        timer_->async_wait([this, generation](const boost::system::error_code&) {
            if (generation == generation_) sweep();
        });
    }
    void stand_down() {
        next_ = clock::time_point::max();
        ++generation_;
        timer_->cancel();
    }

    // Closes the connections whose limit passed. Wake-ups are at least 10 ms apart, so limits
    // that pass together cost one scan.
    void sweep() {
        next_ = clock::time_point::max();
        const auto now = clock::now();
        auto earliest = clock::time_point::max();
        for (auto it = active_.begin(); it != active_.end();) {
            client_deadline& d = *it;
            if (d.at_ > now) {
                earliest = std::min(earliest, d.at_);
                ++it;
                continue;
            }
            it = active_.erase(it);
            d.at_ = clock::time_point::max();
            d.fired_ = true;
            boost::system::error_code ignored;
            d.socket_.close(ignored);
        }
        if (earliest != clock::time_point::max()) {
            wait_until(std::max(earliest, now + std::chrono::milliseconds(10)));
        }
    }

    std::optional<asio::steady_timer> timer_;
    list active_;  // the deadlines with a limit set
    clock::time_point next_ = clock::time_point::max();  // of the pending wait; max: none
    unsigned generation_ = 0;
    bool shut_down_ = false;
};

client_deadline::client_deadline(const asio::any_io_executor& ex, asio::ip::tcp::socket& socket)
    : sweeper_(asio::use_service<client_deadline_service>(asio::query(ex, asio::execution::context))),
      socket_(socket) {
    sweeper_.attach(ex);
}

client_deadline::~client_deadline() { sweeper_.unwatch(*this); }

void client_deadline::expires_after(std::chrono::milliseconds limit) {
    fired_ = false;
    at_ = clock::now() + limit;
    sweeper_.watch(*this);
}

void client_deadline::expires_never() noexcept {
    at_ = clock::time_point::max();
    sweeper_.unwatch(*this);
}

}  // namespace common::net::detail
