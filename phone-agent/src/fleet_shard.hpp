// One io_context's part of `phone-agent fleet`: with --threads N the phones are dealt round-robin
// to N shards (phone i to shard i % N), each running its own single-threaded io_context on its own
// thread with its own statistics, TLS contexts and --concurrency share. A phone keeps the
// schedule slot it has in the whole fleet, so the storm window, arrival rate and resync times do
// not depend on N.
//
// A phone between resyncs is a small slot (its schedule, running firmware, the configuration in
// force as text, TLS sessions and an idle connection when it keeps them) plus one entry in the shard's resync
// queue; its state machine, driver, coroutine and buffers exist only while it boots, rebuilt for
// each boot from the slot as a restarting phone rebuilds them from its flash. Phones resyncing
// within 5 s keep their state machine and driver instead (no state directory).
//
// Thread safety: run() on one thread; snapshot(), stop_starting(), abort() and
// internal_failures() from any thread.
#pragma once

#include "fleet.hpp"
#include "fleet_progress.hpp"
#include "logic/fleet_stats.hpp"
#include "logic/histogram.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <vector>

namespace phone_agent {

class tls_context_cache;
struct boot_driver_settings;

// Messages on stderr and the first example of each error class, shared by all shards.
class fleet_log {
public:
    explicit fleet_log(progress_printer& progress) : progress_(progress) {}
    void message(const std::string& text);
    void update(const std::string& line);
    void finish();
    void note_failure(error_class why, const std::string& text);
    std::map<error_class, std::string> examples() const;

private:
    mutable std::mutex mu_;
    progress_printer& progress_;
    std::map<error_class, std::string> examples_;
};

// What the coordinator reads from a running shard.
struct shard_snapshot {
    fleet_stats stats;
    histogram interval_ttp;  // time to provisioned of boots ended since the last reset
    std::size_t in_flight = 0;
    std::chrono::microseconds worst_start_lag{0};  // since the last reset
};

class fleet_shard {
public:
    using clock_type = std::chrono::steady_clock;

    // Phones first, first + stride, ... of req.phones; at most `concurrency` boots in flight
    // (0: no limit).
    fleet_shard(const fleet_request& req, std::size_t first, std::size_t stride, std::size_t concurrency,
                fleet_log& log);
    ~fleet_shard();
    fleet_shard(const fleet_shard&) = delete;
    fleet_shard& operator=(const fleet_shard&) = delete;

    // Until every phone of the shard is done (or abort()). `started_at` is the fleet's start.
    void run(clock_type::time_point started_at);
    void stop_starting();  // no new boots; boots in flight finish
    void abort();          // stops the io_context now

    // `reset`: the interval histogram and worst start lag start again.
    shard_snapshot snapshot(bool reset);
    unsigned internal_failures() const noexcept { return internal_failures_.load(); }
    std::size_t phone_count() const noexcept { return count_; }

    // For a phone's observer: statistics change under the snapshot mutex.
    template <typename F>
    void with_stats(F&& f) {
        std::lock_guard lock(mu_);
        f(stats_);
    }

private:
    struct phone_slot;
    struct phone_run;
    struct due_entry {
        clock_type::time_point at;     // intended start
        clock_type::time_point ready;  // when the phone could start: its previous boot's end, if later
        std::size_t slot;
        bool operator>(const due_entry& o) const noexcept { return at > o.at; }
    };

    std::size_t limit() const noexcept;
    bool past_end(clock_type::time_point t) const;
    std::size_t fleet_index(std::size_t slot) const noexcept { return first_ + slot * stride_; }
    bool slot_free() const noexcept;  // or stopping: nothing to wait for
    boost::asio::awaitable<void> wait_for_slot();
    boost::asio::awaitable<void> launch();
    boost::asio::awaitable<void> resyncs();
    boost::asio::awaitable<bool> boot(std::size_t slot, clock_type::time_point first_intended);
    void start_boot(std::size_t slot, clock_type::time_point first_intended);
    std::unique_ptr<phone_run> make_run(std::size_t slot);
    void keep_between_boots(phone_slot& slot, phone_run& run);
    void release_memory();
    void skip_rest(std::size_t boots_done);
    void note_start_lag(clock_type::time_point intended);
    void maybe_finish();
    void internal_error(std::exception_ptr e);

    const fleet_request& req_;
    const std::size_t first_, stride_, count_, concurrency_;
    fleet_log& log_;
    clock_type::time_point started_at_;

    boost::asio::io_context ioc_{1};
    boost::asio::steady_timer slot_timer_{ioc_};
    boost::asio::steady_timer start_timer_{ioc_};
    boost::asio::steady_timer resync_timer_{ioc_};
    std::unique_ptr<tls_context_cache> tls_cache_;
    std::unique_ptr<boot_driver_settings> common_settings_;  // phones without their own
    std::vector<phone_slot> phones_;                         // by slot
    std::priority_queue<due_entry, std::vector<due_entry>, std::greater<>> due_;

    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<unsigned> internal_failures_{0};
    std::size_t alive_ = 0;  // phones with a boot running or a resync queued
    std::size_t ended_since_trim_ = 0;  // boots
    bool keep_warm_ = false;  // phones keep their state machine and driver between boots
    bool launcher_done_ = false;
    bool finished_ = false;

    std::mutex mu_;  // guards the three below
    fleet_stats stats_;
    histogram interval_ttp_;
    std::chrono::microseconds worst_start_lag_{0};
};

}  // namespace phone_agent
