#include "logic/auto_resync.hpp"

#include "logic/ascii.hpp"

#include <algorithm>
#include <charconv>

namespace phone_agent {

namespace {

using namespace std::chrono_literals;

std::optional<int> whole_number(std::string_view text, int low, int high) {
    text = ascii::trim(text);
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < low || v > high) return std::nullopt;
    return v;
}

// "hh:mm" (one or two digits each), 00:00-23:59.
std::optional<int> minute_of_day(std::string_view text) {
    text = ascii::trim(text);
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() - colon - 1 != 2) return std::nullopt;
    auto h = whole_number(text.substr(0, colon), 0, 23);
    auto m = whole_number(text.substr(colon + 1), 0, 59);
    if (!h || !m) return std::nullopt;
    return *h * 60 + *m;
}

bool same(const resync_settings& a, const resync_settings& b) {
    return a.mode == b.mode && a.minute_of_day == b.minute_of_day && a.max_delay_minutes == b.max_delay_minutes &&
           a.days == b.days;
}

}  // namespace

std::string_view to_string(resync_mode m) noexcept {
    switch (m) {
        case resync_mode::none: return "none";
        case resync_mode::config: return "configuration files";
        case resync_mode::firmware: return "firmware";
        case resync_mode::both: return "configuration files and firmware";
    }
    return "?";
}

resync_parse_result read_resync_settings(const resync_lookup& lookup) {
    resync_parse_result out;
    auto read = [&](std::string_view key, auto parse, auto apply, std::string_view expected) {
        auto value = lookup(key);
        if (!value || ascii::trim(*value).empty()) return;
        if (auto v = parse(*value)) {
            apply(*v);
        } else {
            out.warnings.push_back(std::string(key) + ": '" + *value + "' is not " + std::string(expected) +
                                   "; using the default");
        }
    };
    read("auto resync mode", [](std::string_view v) { return whole_number(v, 0, 3); },
         [&](int v) { out.settings.mode = static_cast<resync_mode>(v); }, "0, 1, 2 or 3");
    read("auto resync time", [](std::string_view v) { return minute_of_day(v); },
         [&](int v) { out.settings.minute_of_day = v; }, "a time hh:mm");
    read("auto resync max delay", [](std::string_view v) { return whole_number(v, 0, 1439); },
         [&](int v) { out.settings.max_delay_minutes = v; }, "minutes 0-1439");
    read("auto resync days", [](std::string_view v) { return whole_number(v, 0, 366); },
         [&](int v) { out.settings.days = v; }, "a number of days 0-366");
    return out;
}

auto_resync_scheduler::auto_resync_scheduler(random_minutes random) : random_(std::move(random)) {}

void auto_resync_scheduler::configure(const resync_settings& settings, wall_time now) {
    if (configured_ && same(settings, settings_)) return;
    configured_ = true;
    settings_ = settings;
    planned_base_.reset();
    next_due_.reset();
    if (settings_.mode == resync_mode::none) return;
    schedule_from(now, now);
}

void auto_resync_scheduler::schedule_from(wall_time not_before, wall_time now) {
    // The first hh:mm (UTC) strictly after `not_before`.
    const auto day = std::chrono::floor<std::chrono::days>(not_before);
    wall_time base = day + std::chrono::minutes(settings_.minute_of_day);
    if (base <= not_before) base += std::chrono::days(1);
    // A phone that was busy past several planned checks does not make them up.
    const auto period = std::chrono::days(std::max(settings_.days, 1));
    while (base + std::chrono::minutes(settings_.max_delay_minutes) < now) base += period;
    planned_base_ = base;
    const int bound = std::max(settings_.max_delay_minutes, 0);
    const int draw = bound == 0 ? 0 : std::clamp(random_(bound), 0, bound);
    next_due_ = base + std::chrono::minutes(draw);
}

std::optional<resync_mode> auto_resync_scheduler::poll(wall_time now, bool idle) {
    if (!next_due_ || now < *next_due_ || !idle) return std::nullopt;
    ++checks_;
    // The next check belongs to the day `days` after this one's planned time.
    const auto period = std::chrono::days(std::max(settings_.days, 1));
    schedule_from(*planned_base_ + period - std::chrono::minutes(1), now);
    return settings_.mode;
}

}  // namespace phone_agent
