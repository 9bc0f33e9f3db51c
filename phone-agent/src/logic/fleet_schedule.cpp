#include "logic/fleet_schedule.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <string>

namespace phone_agent {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

bool parse_count(std::string_view text, std::size_t& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

constexpr double max_rate = 1e6;

// "50", "50/s", "3000/m", "2.5/s": phones per second.
std::optional<double> parse_rate(std::string_view text) {
    text = trim(text);
    double per = 1;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        const auto unit = trim(text.substr(slash + 1));
        if (unit == "s") per = 1;
        else if (unit == "m" || unit == "min") per = 60;
        else if (unit == "h") per = 3600;
        else return std::nullopt;
        text = trim(text.substr(0, slash));
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) || value < 0) {
        return std::nullopt;
    }
    value /= per;
    if (value > max_rate) return std::nullopt;
    return value;
}

}  // namespace

std::variant<shard, plan_error> parse_shard(std::string_view text) {
    const auto fail = [&] {
        return plan_error{"--shard '" + std::string(text) + "': expected K/N with 0 <= K < N (K is 0-based)"};
    };
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return fail();
    shard s;
    if (!parse_count(trim(text.substr(0, slash)), s.index) || !parse_count(trim(text.substr(slash + 1)), s.count)) {
        return fail();
    }
    if (s.count == 0 || s.index >= s.count || s.count > 1'000'000) return fail();
    return s;
}

index_range shard_range(std::size_t total, const shard& s) {
    if (s.count == 0) return {0, total};
    const auto bound = [&](std::size_t k) {
        // Fleets and shard counts are at most 10^6 each, so the product fits in 64 bits.
        return static_cast<std::size_t>(static_cast<std::uint64_t>(total) * k / s.count);
    };
    return {bound(s.index), bound(s.index + 1)};
}

std::variant<arrival_plan, plan_error> parse_arrival_plan(std::string_view rate, std::string_view ramp) {
    arrival_plan plan;
    auto start = parse_rate(rate);
    if (!start) {
        return plan_error{"--arrival-rate '" + std::string(rate) + "': expected phones per second, e.g. 50, 50/s, 3000/m"};
    }
    plan.start_rate = *start;
    double peak = plan.start_rate;
    std::size_t pos = 0;
    ramp = trim(ramp);
    while (!ramp.empty() && pos <= ramp.size()) {
        auto comma = ramp.find(',', pos);
        if (comma == std::string_view::npos) comma = ramp.size();
        const auto item = trim(ramp.substr(pos, comma - pos));
        pos = comma + 1;
        const auto colon = item.find(':');
        const auto fail = [&](const std::string& why) {
            return plan_error{"--ramp '" + std::string(item) + "': " + why};
        };
        if (colon == std::string_view::npos) return fail("expected DURATION:RATE, e.g. 30s:100");
        auto d = parse_duration(item.substr(0, colon));
        if (auto* err = std::get_if<plan_error>(&d)) return fail(err->message);
        const auto duration = std::get<std::chrono::microseconds>(d);
        if (duration.count() <= 0) return fail("a stage must last longer than 0");
        auto target = parse_rate(item.substr(colon + 1));
        if (!target) return fail("expected a rate such as 100, 100/s or 6000/m after ':'");
        plan.stages.push_back({duration, *target});
        peak = std::max(peak, *target);
        if (comma == ramp.size()) break;
    }
    if (peak <= 0) return plan_error{"--arrival-rate/--ramp: the rate never rises above 0, no phone would start"};
    return plan;
}

std::optional<std::chrono::microseconds> arrival_offset(const arrival_plan& plan, std::size_t i) {
    const double wanted = static_cast<double>(i);
    double arrived = 0;  // expected arrivals at the start of the current stage
    double elapsed = 0;  // seconds
    double rate = plan.start_rate;
    const auto at = [](double seconds) {
        return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(seconds * 1e6)));
    };
    if (wanted <= 0) return at(0);
    for (const auto& stage : plan.stages) {
        const double t_end = static_cast<double>(stage.duration.count()) / 1e6;
        const double r1 = stage.target_rate;
        const double in_stage = (rate + r1) / 2 * t_end;
        if (arrived + in_stage >= wanted) {
            // arrived + rate*t + a*t^2 = wanted, a = (r1 - rate) / (2 t_end): the smallest t >= 0.
            const double need = wanted - arrived;
            const double a = (r1 - rate) / (2 * t_end);
            double t = 0;
            if (std::abs(a) < 1e-12) {
                t = need / rate;
            } else {
                const double disc = std::max(0.0, rate * rate + 4 * a * need);
                t = (-rate + std::sqrt(disc)) / (2 * a);
            }
            return at(elapsed + std::clamp(t, 0.0, t_end));
        }
        arrived += in_stage;
        elapsed += t_end;
        rate = r1;
    }
    if (rate <= 0) return std::nullopt;
    return at(elapsed + (wanted - arrived) / rate);
}

}  // namespace phone_agent

namespace phone_agent {

double rate_at(const arrival_plan& plan, std::chrono::microseconds t) {
    double rate = plan.start_rate;
    auto left = t;
    for (const auto& stage : plan.stages) {
        if (left < stage.duration) {
            const double f = static_cast<double>(left.count()) / static_cast<double>(stage.duration.count());
            return rate + (stage.target_rate - rate) * f;
        }
        left -= stage.duration;
        rate = stage.target_rate;
    }
    return rate;
}

}  // namespace phone_agent
