#include "common/http/http_date.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace common::http {

namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> short_days{"Sun", "Mon", "Tue", "Wed",
                                                     "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> long_days{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                    "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void append_2digits(std::string& out, unsigned v) {
    out.push_back(static_cast<char>('0' + v / 10));
    out.push_back(static_cast<char>('0' + v % 10));
}

// RFC 9110 §5.6.7: a two-digit year more than 50 years ahead of `now` means the last century with
// those digits. Without a clock, 70..99 is 19xx and 00..69 is 20xx.
unsigned full_year(unsigned two_digits, std::optional<system_clock::time_point> now) {
    if (!now) return two_digits < 70 ? 2000 + two_digits : 1900 + two_digits;
    const int this_year = static_cast<int>(year_month_day{floor<days>(*now)}.year());
    int full = this_year - this_year % 100 + static_cast<int>(two_digits);
    if (full > this_year + 50) full -= 100;
    return static_cast<unsigned>(std::max(full, 0));
}

// A small cursor over the date text; every consume_* returns false on mismatch.
class date_cursor {
public:
    explicit date_cursor(std::string_view s) : rest_(s) {}

    bool literal(std::string_view lit) {
        if (rest_.substr(0, lit.size()) != lit) return false;
        rest_.remove_prefix(lit.size());
        return true;
    }

    bool digits(std::size_t n, unsigned& value) {
        if (rest_.size() < n) return false;
        value = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const char c = rest_[i];
            if (c < '0' || c > '9') return false;
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        rest_.remove_prefix(n);
        return true;
    }

    template <std::size_t N>
    bool one_of(const std::array<std::string_view, N>& names, unsigned& index) {
        for (std::size_t i = 0; i < N; ++i) {
            if (literal(names[i])) {
                index = static_cast<unsigned>(i);
                return true;
            }
        }
        return false;
    }

    bool time_of_day(unsigned& h, unsigned& m, unsigned& s) {
        return digits(2, h) && literal(":") && digits(2, m) && literal(":") && digits(2, s) &&
               h < 24 && m < 60 && s < 61;  // 60 admits a leap second
    }

    bool at_end() const noexcept { return rest_.empty(); }

private:
    std::string_view rest_;
};

std::optional<system_clock::time_point> make_time(unsigned y, unsigned mon_index, unsigned d,
                                                  unsigned h, unsigned mi, unsigned s) {
    // system_clock counts nanoseconds in 64 bits: only about 1678-2262 fits, and a date outside
    // would overflow (found by fuzz_http_response with a Retry-After in 1194). Such a date is
    // refused like any other invalid one.
    if (y < 1900 || y > 2200) return std::nullopt;
    const year_month_day ymd{year{static_cast<int>(y)}, month{mon_index + 1}, day{d}};
    if (!ymd.ok()) return std::nullopt;
    return system_clock::time_point{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{s};
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<system_clock::time_point> parse_imf(std::string_view text) {
    date_cursor c{text};
    unsigned wd = 0, d = 0, mon = 0, y = 0, h = 0, mi = 0, s = 0;
    if (c.one_of(short_days, wd) && c.literal(", ") && c.digits(2, d) && c.literal(" ") &&
        c.one_of(month_names, mon) && c.literal(" ") && c.digits(4, y) && c.literal(" ") &&
        c.time_of_day(h, mi, s) && c.literal(" GMT") && c.at_end()) {
        return make_time(y, mon, d, h, mi, s);
    }
    return std::nullopt;
}

// RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<system_clock::time_point> parse_rfc850(std::string_view text,
                                                     std::optional<system_clock::time_point> now) {
    date_cursor c{text};
    unsigned wd = 0, d = 0, mon = 0, y = 0, h = 0, mi = 0, s = 0;
    if (c.one_of(long_days, wd) && c.literal(", ") && c.digits(2, d) && c.literal("-") &&
        c.one_of(month_names, mon) && c.literal("-") && c.digits(2, y) && c.literal(" ") &&
        c.time_of_day(h, mi, s) && c.literal(" GMT") && c.at_end()) {
        return make_time(full_year(y, now), mon, d, h, mi, s);
    }
    return std::nullopt;
}

// asctime: "Sun Nov  6 08:49:37 1994" (day is space-padded)
std::optional<system_clock::time_point> parse_asctime(std::string_view text) {
    date_cursor c{text};
    unsigned wd = 0, d = 0, mon = 0, y = 0, h = 0, mi = 0, s = 0;
    if (!(c.one_of(short_days, wd) && c.literal(" ") && c.one_of(month_names, mon) &&
          c.literal(" "))) {
        return std::nullopt;
    }
    if (c.literal(" ")) {
        if (!c.digits(1, d)) return std::nullopt;
    } else if (!c.digits(2, d)) {
        return std::nullopt;
    }
    if (c.literal(" ") && c.time_of_day(h, mi, s) && c.literal(" ") && c.digits(4, y) &&
        c.at_end()) {
        return make_time(y, mon, d, h, mi, s);
    }
    return std::nullopt;
}


}  // namespace

std::string format_http_date(system_clock::time_point t) {
    const auto secs = floor<seconds>(t);
    const auto days_point = floor<days>(secs);
    const year_month_day ymd{days_point};
    const weekday wd{days_point};
    const hh_mm_ss hms{secs - days_point};

    std::string out;
    out.reserve(29);
    out += short_days[wd.c_encoding()];
    out += ", ";
    append_2digits(out, static_cast<unsigned>(ymd.day()));
    out += ' ';
    out += month_names[static_cast<unsigned>(ymd.month()) - 1];
    out += ' ';
    const int y = static_cast<int>(ymd.year());
    const auto yu = static_cast<unsigned>(std::clamp(y, 0, 9999));
    append_2digits(out, yu / 100);
    append_2digits(out, yu % 100);
    out += ' ';
    append_2digits(out, static_cast<unsigned>(hms.hours().count()));
    out += ':';
    append_2digits(out, static_cast<unsigned>(hms.minutes().count()));
    out += ':';
    append_2digits(out, static_cast<unsigned>(hms.seconds().count()));
    out += " GMT";
    return out;
}

std::optional<system_clock::time_point> parse_http_date(std::string_view text,
                                                        std::optional<system_clock::time_point> now) {
    if (auto t = parse_imf(text)) return t;
    if (auto t = parse_rfc850(text, now)) return t;
    return parse_asctime(text);
}

}  // namespace common::http
