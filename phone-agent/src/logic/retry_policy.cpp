#include "logic/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace phone_agent {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> day_names{"Mon", "Tue", "Wed", "Thu",
                                                    "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> long_day_names{
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// A left-to-right reader over the header value; every take_* consumes only on success.
class cursor {
public:
    explicit cursor(std::string_view text) : text_(text) {}

    bool take(std::string_view literal) {
        if (!text_.starts_with(literal)) return false;
        text_.remove_prefix(literal.size());
        return true;
    }

    // Exactly `width` digits (or 1..width when `exact` is false).
    std::optional<int> take_number(std::size_t width, bool exact = true) {
        std::size_t n = 0;
        while (n < width && n < text_.size() && text_[n] >= '0' && text_[n] <= '9') ++n;
        if (n == 0 || (exact && n != width)) return std::nullopt;
        int value = 0;
        std::from_chars(text_.data(), text_.data() + n, value);
        text_.remove_prefix(n);
        return value;
    }

    template <std::size_t N>
    std::optional<unsigned> take_name(const std::array<std::string_view, N>& names) {
        for (std::size_t i = 0; i < N; ++i) {
            if (take(names[i])) return static_cast<unsigned>(i);
        }
        return std::nullopt;
    }

    bool at_end() const noexcept { return text_.empty(); }

private:
    std::string_view text_;
};

struct date_time {
    int year = 0;
    unsigned month = 0;  // 0-based
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
};

bool take_time(cursor& c, date_time& out) {
    auto h = c.take_number(2);
    if (!h || !c.take(":")) return false;
    auto m = c.take_number(2);
    if (!m || !c.take(":")) return false;
    auto s = c.take_number(2);
    if (!s) return false;
    out.hour = *h;
    out.minute = *m;
    out.second = *s;
    return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<date_time> parse_imf_fixdate(std::string_view text) {
    cursor c(text);
    date_time out;
    if (!c.take_name(day_names) || !c.take(", ")) return std::nullopt;
    auto day = c.take_number(2);
    if (!day || !c.take(" ")) return std::nullopt;
    auto month = c.take_name(month_names);
    if (!month || !c.take(" ")) return std::nullopt;
    auto year = c.take_number(4);
    if (!year || !c.take(" ") || !take_time(c, out) || !c.take(" GMT") || !c.at_end()) {
        return std::nullopt;
    }
    out.day = *day;
    out.month = *month;
    out.year = *year;
    return out;
}

// "Sunday, 06-Nov-94 08:49:37 GMT"; the century is chosen later, relative to now.
std::optional<date_time> parse_rfc850(std::string_view text) {
    cursor c(text);
    date_time out;
    if (!c.take_name(long_day_names) || !c.take(", ")) return std::nullopt;
    auto day = c.take_number(2);
    if (!day || !c.take("-")) return std::nullopt;
    auto month = c.take_name(month_names);
    if (!month || !c.take("-")) return std::nullopt;
    auto year = c.take_number(2);
    if (!year || !c.take(" ") || !take_time(c, out) || !c.take(" GMT") || !c.at_end()) {
        return std::nullopt;
    }
    out.day = *day;
    out.month = *month;
    out.year = *year;
    return out;
}

// "Sun Nov  6 08:49:37 1994"
std::optional<date_time> parse_asctime(std::string_view text) {
    cursor c(text);
    date_time out;
    if (!c.take_name(day_names) || !c.take(" ")) return std::nullopt;
    auto month = c.take_name(month_names);
    if (!month || !c.take(" ")) return std::nullopt;
    c.take(" ");  // single-digit days are padded with a space
    auto day = c.take_number(2, false);
    if (!day || !c.take(" ") || !take_time(c, out) || !c.take(" ")) return std::nullopt;
    auto year = c.take_number(4);
    if (!year || !c.at_end()) return std::nullopt;
    out.day = *day;
    out.month = *month;
    out.year = *year;
    return out;
}

std::optional<system_clock::time_point> to_time_point(const date_time& d) {
    const year_month_day ymd{year{d.year}, month{d.month + 1}, day{static_cast<unsigned>(d.day)}};
    if (!ymd.ok() || d.hour > 23 || d.minute > 59 || d.second > 60) return std::nullopt;
    return sys_days{ymd} + hours{d.hour} + minutes{d.minute} + seconds{d.second};
}

std::optional<system_clock::time_point> parse_http_date(std::string_view text,
                                                        system_clock::time_point now) {
    if (auto d = parse_imf_fixdate(text)) return to_time_point(*d);
    if (auto d = parse_asctime(text)) return to_time_point(*d);
    auto d = parse_rfc850(text);
    if (!d) return std::nullopt;
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future means the last century
    // with those digits.
    const int this_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
    int full = this_year - this_year % 100 + d->year;
    if (full > this_year + 50) full -= 100;
    d->year = full;
    return to_time_point(*d);
}

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
    const auto when = parse_http_date(value, now);
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
