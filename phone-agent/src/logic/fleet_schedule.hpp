// `phone-agent fleet` load shapes beyond the boot storm, pure: which phones a shard runs
// (--shard K/N), the open model's arrival times (--arrival-rate with --ramp stages) and the
// intended start of a phone's repeated boots (--resyncs, --resync-interval). No clocks, no I/O.
#pragma once

#include "logic/fleet_plan.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

// --shard K/N: shard K (0-based, as a Kubernetes Indexed Job's completion index) of N.
struct shard {
    std::size_t index = 0;
    std::size_t count = 1;
};
std::variant<shard, plan_error> parse_shard(std::string_view text);

// The contiguous block [first, last) of a fleet of `total` phones that shard `s` runs. The N
// blocks cover the fleet exactly once and differ in size by at most one phone.
struct index_range {
    std::size_t first = 0;
    std::size_t last = 0;
};
index_range shard_range(std::size_t total, const shard& s);

// Open model: phones arrive at `start_rate` per second, then the rate ramps linearly to each
// stage's target over the stage's duration; after the last stage its rate holds. Arrivals do not
// wait for earlier phones (use --concurrency to also cap phones in flight).
struct rate_stage {
    std::chrono::microseconds duration{0};
    double target_rate = 0;  // phones per second at the end of the stage
};
struct arrival_plan {
    double start_rate = 0;
    std::vector<rate_stage> stages;
};
// `rate`: phones per second, "50" or "50/s" or "3000/m". `ramp`: "30s:100,1m:100,30s:0" (duration
// then the rate at its end, same rate syntax). Negative, non-finite or absurd (> 1e6/s) rates and
// zero-length stages are errors; so is a plan whose rate never rises above zero.
std::variant<arrival_plan, plan_error> parse_arrival_plan(std::string_view rate, std::string_view ramp);

// When arrival i (0-based) is due, after the start: the first instant at which the expected
// number of arrivals reaches i (so arrival 0 at 0 unless the rate starts at 0). nullopt when the
// rate falls to 0 for good before that.
std::optional<std::chrono::microseconds> arrival_offset(const arrival_plan& plan, std::size_t i);

// Boot k (0 = the first) of a phone whose first boot was meant at `first`: k resync intervals
// later, whatever the earlier boots cost (a slow server does not stretch the schedule).
inline std::chrono::microseconds resync_offset(std::chrono::microseconds first, std::size_t k,
                                               std::chrono::microseconds interval) {
    return first + interval * static_cast<std::int64_t>(k);
}

}  // namespace phone_agent

namespace phone_agent {

// The planned arrival rate (phones per second) at `t` after the start, for comparing with the
// rate the generator achieves.
double rate_at(const arrival_plan& plan, std::chrono::microseconds t);

}  // namespace phone_agent
