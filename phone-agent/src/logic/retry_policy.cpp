#include "logic/retry_policy.hpp"

#include "common/http/http_date.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace phone_agent {
namespace {

using namespace std::chrono;

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::chrono::milliseconds backoff_delay(const retry_policy& policy, unsigned retry,
                                        double jitter) noexcept {
    const std::int64_t cap = std::max<std::int64_t>(0, policy.max_delay.count());
    std::int64_t step = std::clamp<std::int64_t>(policy.initial_delay.count(), 0, cap);
    // Multiply step by step so a large retry number saturates at the cap instead of overflowing.
    for (unsigned i = 1; i < retry && step < cap; ++i) {
        step = step > cap / std::max(1U, policy.multiplier)
                   ? cap
                   : std::min(cap, step * static_cast<std::int64_t>(policy.multiplier));
    }
    const double share = std::clamp(policy.jitter_share, 0.0, 1.0);
    const double u = std::clamp(jitter, 0.0, 1.0);
    const auto removed = static_cast<std::int64_t>(static_cast<double>(step) * share * u);
    return milliseconds{step - std::clamp<std::int64_t>(removed, 0, step)};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::int64_t delta = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), delta);
        // A delay too large to represent is no delay we would wait for.
        if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
        return seconds{delta};
    }
    const auto when = common::http::parse_http_date(value, now);
    if (!when) return std::nullopt;
    if (*when <= now) return seconds{0};
    return ceil<seconds>(*when - now);
}

bool is_retryable_status(unsigned status) noexcept {
    switch (status) {
        case 408:
        case 429:
        case 500:
        case 502:
        case 503:
        case 504:
            return true;
        default:
            return false;
    }
}

retry_decision decide_retry(const retry_policy& policy, unsigned attempts_made,
                            std::optional<std::string_view> retry_after,
                            std::chrono::system_clock::time_point now, double jitter) {
    if (attempts_made >= policy.max_attempts) {
        return {false, milliseconds{0},
                "gave up after " + std::to_string(attempts_made) +
                    (attempts_made == 1 ? " attempt" : " attempts")};
    }
    const auto backoff = backoff_delay(policy, attempts_made, jitter);
    std::optional<seconds> asked;
    if (retry_after) asked = parse_retry_after(*retry_after, now);
    if (!asked) {
        return {true, backoff,
                "retry " + std::to_string(attempts_made) + " of " +
                    std::to_string(policy.max_attempts - 1) + " after " +
                    std::to_string(backoff.count()) + " ms backoff"};
    }
    if (*asked > policy.max_retry_after) {
        return {false, milliseconds{0},
                "server asked to retry after " + std::to_string(asked->count()) +
                    " s, more than the " + std::to_string(policy.max_retry_after.count()) +
                    " s limit"};
    }
    const milliseconds delay = std::max<milliseconds>(*asked, backoff);
    return {true, delay,
            "retry " + std::to_string(attempts_made) + " of " +
                std::to_string(policy.max_attempts - 1) + " after " +
                std::to_string(delay.count()) + " ms (Retry-After " +
                std::to_string(asked->count()) + " s)"};
}

}  // namespace phone_agent
