#include "logic/fleet_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace phone_agent {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        auto pos = s.find(sep);
        out.push_back(trim(s.substr(0, pos)));
        if (pos == std::string_view::npos) return out;
        s.remove_prefix(pos + 1);
    }
}

bool parse_ipv4(std::string_view text, std::uint32_t& out) {
    auto parts = split(text, '.');
    if (parts.size() != 4) return false;
    std::uint32_t v = 0;
    for (auto p : parts) {
        unsigned octet = 0;
        if (p.empty() || p.size() > 3) return false;
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), octet);
        if (ec != std::errc() || ptr != p.data() + p.size() || octet > 255) return false;
        v = (v << 8) | octet;
    }
    out = v;
    return true;
}

std::string format_ipv4(std::uint32_t v) {
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." + std::to_string((v >> 8) & 255) +
           "." + std::to_string(v & 255);
}

}  // namespace

std::variant<std::vector<model_share>, plan_error> parse_model_mix(std::string_view text) {
    std::vector<model_share> out;
    if (trim(text).empty()) return plan_error{"--models: empty"};
    for (auto item : split(text, ',')) {
        if (item.empty()) return plan_error{"--models '" + std::string(text) + "': empty entry"};
        model_share share;
        auto colon = item.find(':');
        share.model = std::string(trim(item.substr(0, colon)));
        if (share.model.empty()) return plan_error{"--models '" + std::string(item) + "': no model"};
        if (colon != std::string_view::npos) {
            auto w = trim(item.substr(colon + 1));
            unsigned weight = 0;
            auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
            if (w.empty() || ec != std::errc() || ptr != w.data() + w.size() || weight == 0 || weight > 1'000'000) {
                return plan_error{"--models '" + std::string(item) + "': the weight must be a positive integer"};
            }
            share.weight = weight;
        }
        for (const auto& seen : out) {
            if (seen.model == share.model) return plan_error{"--models: '" + share.model + "' appears twice"};
        }
        out.push_back(std::move(share));
    }
    return out;
}

std::vector<std::size_t> assign_models(const std::vector<model_share>& mix, std::size_t count) {
    std::vector<std::size_t> out;
    if (mix.empty()) return out;
    out.reserve(count);
    std::int64_t total = 0;
    for (const auto& m : mix) total += m.weight;
    std::vector<std::int64_t> current(mix.size(), 0);
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t best = 0;
        for (std::size_t j = 0; j < mix.size(); ++j) {
            current[j] += mix[j].weight;
            if (current[j] > current[best]) best = j;
        }
        current[best] -= total;
        out.push_back(best);
    }
    return out;
}

std::variant<std::vector<std::string>, plan_error> parse_address_list(std::string_view text) {
    constexpr std::size_t max_addresses = 65536;
    std::vector<std::string> out;
    if (trim(text).empty()) return plan_error{"--source-addresses: empty"};
    for (auto item : split(text, ',')) {
        auto dash = item.find('-');
        std::uint32_t first = 0, last = 0;
        if (!parse_ipv4(trim(item.substr(0, dash)), first)) {
            return plan_error{"--source-addresses '" + std::string(item) + "': expected an IPv4 address or A-B range"};
        }
        last = first;
        if (dash != std::string_view::npos && !parse_ipv4(trim(item.substr(dash + 1)), last)) {
            return plan_error{"--source-addresses '" + std::string(item) + "': expected an IPv4 address or A-B range"};
        }
        if (last < first) return plan_error{"--source-addresses '" + std::string(item) + "': the range runs backwards"};
        if (last - first >= max_addresses || out.size() + (last - first) >= max_addresses) {
            return plan_error{"--source-addresses: more than 65536 addresses"};
        }
        for (std::uint64_t a = first; a <= last; ++a) out.push_back(format_ipv4(static_cast<std::uint32_t>(a)));
    }
    return out;
}

std::variant<std::chrono::microseconds, plan_error> parse_duration(std::string_view text) {
    auto t = trim(text);
    auto fail = [&] {
        return plan_error{"'" + std::string(text) + "': expected a duration such as 500ms, 2s, 250us, 3m, 1h"};
    };
    std::size_t unit_at = 0;
    while (unit_at < t.size() && ((t[unit_at] >= '0' && t[unit_at] <= '9') || t[unit_at] == '.')) ++unit_at;
    auto number = t.substr(0, unit_at);
    auto unit = trim(t.substr(unit_at));
    if (number.empty()) return fail();
    double value = 0;
    // std::from_chars for double is in libstdc++ 11+.
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(value) || value < 0) return fail();
    double scale = 0;
    if (unit.empty() || unit == "s") scale = 1e6;
    else if (unit == "ms") scale = 1e3;
    else if (unit == "us" || unit == "\xC2\xB5s") scale = 1;
    else if (unit == "m" || unit == "min") scale = 60e6;
    else if (unit == "h") scale = 3600e6;
    else return fail();
    const double us = value * scale;
    if (us > 1e15) return fail();
    return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(us)));
}

std::string format_duration(std::chrono::microseconds d) {
    const auto us = static_cast<double>(d.count());
    char buf[32];
    if (d.count() < 1000) std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(d.count()));
    else if (us < 1e6) std::snprintf(buf, sizeof buf, "%.2fms", us / 1e3);
    else std::snprintf(buf, sizeof buf, "%.2fs", us / 1e6);
    return buf;
}

const char* to_string(storm_shape s) noexcept {
    return s == storm_shape::exponential ? "exponential" : "uniform";
}

std::variant<storm_shape, plan_error> parse_storm_shape(std::string_view text) {
    if (text == "uniform") return storm_shape::uniform;
    if (text == "exponential") return storm_shape::exponential;
    return plan_error{"'" + std::string(text) + "': expected uniform or exponential"};
}

std::chrono::microseconds intended_offset(std::size_t i, std::size_t n, std::chrono::microseconds window,
                                          storm_shape shape) {
    if (n == 0 || window.count() <= 0) return std::chrono::microseconds(0);
    const auto w = static_cast<long double>(window.count());
    const long double q = static_cast<long double>(i) / static_cast<long double>(n);
    long double at = w * q;
    if (shape == storm_shape::exponential) {
        // Inverse CDF of an exponential with rate 4 / window, truncated to [0, window):
        // F(x) = (1 - e^(-4x/w)) / (1 - e^-4).
        constexpr long double rate_times_window = 4.0L;
        const long double kept = 1.0L - std::exp(-rate_times_window);
        at = -w / rate_times_window * std::log1p(-q * kept);
    }
    // q < 1, so `at` < w in exact arithmetic; keep rounding from reaching the window's end.
    const auto last = window.count() - 1;
    return std::chrono::microseconds(std::min<std::int64_t>(static_cast<std::int64_t>(at), last));
}

}  // namespace phone_agent
