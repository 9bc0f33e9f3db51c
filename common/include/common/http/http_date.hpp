// HTTP dates (RFC 9110 §5.6.7): IMF-fixdate out; IMF-fixdate, RFC 850 and asctime in. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace common::http {

std::string format_http_date(std::chrono::system_clock::time_point t);

// nullopt for anything that is not one of the three forms or names an impossible date. `now`
// places an RFC 850 two-digit year (the 50-year rule); without it 00..69 is 20xx.
std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text, std::optional<std::chrono::system_clock::time_point> now = std::nullopt);

}  // namespace common::http
