// Auto-resync (domain.md §3.1): the phone checks its provisioning server once a day (or every N
// days) at `auto resync time` plus a random delay of up to `auto resync max delay` minutes, and
// re-provisions only when it is idle. Pure: the wall clock and the random draw are passed in, so
// tests move time without sleeping.
//
// Time zone: the emulated phone has no time zone configuration, so `auto resync time` is read as
// UTC. UTC has no daylight-saving jumps, so every day is 24 h long and a time of day occurs exactly
// once per day.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phone_agent {

// `auto resync mode`: 0 none, 1 configuration files, 2 firmware, 3 both.
enum class resync_mode { none = 0, config = 1, firmware = 2, both = 3 };
std::string_view to_string(resync_mode m) noexcept;

struct resync_settings {
    resync_mode mode = resync_mode::none;
    int minute_of_day = 0;       // `auto resync time` hh:mm, default 00:00
    int max_delay_minutes = 15;  // `auto resync max delay`, 0-1439
    int days = 0;                // `auto resync days`: 0 or 1 every day, N every N days
};

using resync_lookup = std::function<std::optional<std::string>(std::string_view key)>;

// Reads the four keys; an invalid value names its key and falls back to the default for that key
// (the phone keeps running on a bad value, it only says so).
struct resync_parse_result {
    resync_settings settings;
    std::vector<std::string> warnings;
};
resync_parse_result read_resync_settings(const resync_lookup& lookup);

using wall_time = std::chrono::system_clock::time_point;
// Uniform in [0, bound]; injected so tests choose the random delay.
using random_minutes = std::function<int(int bound)>;

class auto_resync_scheduler {
public:
    explicit auto_resync_scheduler(random_minutes random);

    // New settings (each provisioning run may change them). Reschedules only when they differ
    // from the current ones, so a provisioning run does not push a due check away.
    void configure(const resync_settings& settings, wall_time now);

    // The next check time, or nullopt with mode 0.
    std::optional<wall_time> next_due() const noexcept { return next_due_; }

    // Call at next_due() and whenever the phone becomes idle. When the check is due and the phone
    // is idle, returns the mode to run and schedules the following check (days after the planned
    // time, with a new random delay). When due but busy, returns nullopt and stays due: the check
    // runs as soon as the phone is idle.
    std::optional<resync_mode> poll(wall_time now, bool idle);

    bool overdue(wall_time now) const noexcept { return next_due_ && now >= *next_due_; }
    std::uint64_t checks_started() const noexcept { return checks_; }

private:
    void schedule_from(wall_time not_before, wall_time now);

    random_minutes random_;
    resync_settings settings_;
    bool configured_ = false;
    std::optional<wall_time> next_due_;
    std::optional<wall_time> planned_base_;  // hh:mm of the day the pending check belongs to
    std::uint64_t checks_ = 0;
};

}  // namespace phone_agent
