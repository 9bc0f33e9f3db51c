// Time limits of server connections, enforced by one sweeper per server rather than a timer per
// read and write. Beast's tcp_stream arms and cancels its timer around every operation: per
// keep-alive request that was two timer-queue updates and two extra completions through the
// scheduler. Moving a deadline here is a clock read and a store.
//
// Semantics differ from tcp_stream's in one way: a deadline runs whether or not an operation is
// pending, so code that waits on something else (a fault's sleep, the handler) clears it first.
#pragma once

#include <chrono>

namespace common::http {

// The sweeper side: when it wakes next, and a way to make it wake sooner.
class deadline_wakeup {
public:
    using clock = std::chrono::steady_clock;
    clock::time_point next_wakeup() const noexcept { return next_; }
    // Called only when `at` is earlier than next_wakeup(): rare in steady state, where every
    // new deadline lies after the earliest one already running.
    virtual void wake_by(clock::time_point at) = 0;

protected:
    ~deadline_wakeup() = default;
    clock::time_point next_ = clock::time_point::max();
};

class connection_deadline {
public:
    using clock = deadline_wakeup::clock;
    explicit connection_deadline(deadline_wakeup& sweeper) noexcept : sweeper_(&sweeper) {}

    void expires_after(std::chrono::milliseconds d) {
        at_ = clock::now() + d;
        if (at_ < sweeper_->next_wakeup()) sweeper_->wake_by(at_);
    }
    void expires_never() noexcept { at_ = clock::time_point::max(); }
    clock::time_point at() const noexcept { return at_; }

private:
    deadline_wakeup* sweeper_;
    clock::time_point at_ = clock::time_point::max();
};

}  // namespace common::http
