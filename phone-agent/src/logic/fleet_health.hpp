// `phone-agent fleet` watching itself, pure: is the load generator keeping up with its plan, or
// is it (not the server) the bottleneck? Fed once per progress interval with what the runner
// measured (its own CPU time, how late phones started against their intended time, what it
// achieved against what was asked); no clocks or /proc reads here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace phone_agent {

struct health_sample {
    std::chrono::microseconds wall{0};  // length of the interval
    std::chrono::microseconds cpu{0};   // the process's user + system CPU time in it
    // Worst lateness of a phone start in the interval against its intended time, counting only
    // the generator's own delay (not waits for a --concurrency slot, which are the plan).
    std::chrono::microseconds worst_start_lag{0};
    std::uint64_t started = 0;            // boots started in the interval
    std::optional<double> requested_rate;  // open model: planned phones/s now
    std::size_t in_flight = 0;
    std::size_t concurrency = 0;  // requested cap, 0 = none
    std::size_t open_fds = 0;
    std::size_t fd_limit = 0;     // RLIMIT_NOFILE soft limit, 0 = unknown
    unsigned threads = 1;         // io_context threads (CPU share is of this many cores)
};

struct health_verdict {
    double cpu_share = 0;      // of the cores the generator runs on, 0..1 (may exceed 1 briefly)
    double achieved_rate = 0;  // boots started per second
    std::string warning;       // empty when the generator kept up
};

// Warns when the generator's CPU reaches 90% of its cores, when phones start more than
// `lag_limit` late (timers fire late: the event loop is saturated), when the open model's
// achieved rate falls below 90% of the requested one while nothing else limits it, or when open
// descriptors pass 90% of the limit.
health_verdict assess(const health_sample& s,
                      std::chrono::microseconds lag_limit = std::chrono::milliseconds(100));

}  // namespace phone_agent
