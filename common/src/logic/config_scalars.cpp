#include "config_scalars.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

namespace common::config::detail {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Decimal digits only; nullopt on anything else or on overflow.
std::optional<std::uint64_t> parse_digits(std::string_view text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

// Splits "250ms" / "10 KiB" into the digits and the unit; nullopt without leading digits.
std::optional<std::pair<std::string_view, std::string_view>> split_unit(std::string_view text) {
    const auto digits_end = std::find_if(text.begin(), text.end(), [](char c) {
        return !std::isdigit(static_cast<unsigned char>(c));
    });
    const auto digits = static_cast<std::size_t>(std::distance(text.begin(), digits_end));
    if (digits == 0) return std::nullopt;
    std::string_view unit = text.substr(digits);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    return std::pair{text.substr(0, digits), unit};
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::optional<bool> parse_bool(std::string_view text) {
    const std::string t = lower(text);
    if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
    if (t == "false" || t == "no" || t == "off" || t == "0") return false;
    return std::nullopt;
}

std::optional<integer_text> parse_integer(std::string_view text) {
    integer_text result;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        result.negative = text.front() == '-';
        text.remove_prefix(1);
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) base = 16;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'O')) base = 8;
    if (base != 10) text.remove_prefix(2);
    // from_chars would accept a second sign; YAML does not.
    if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, result.magnitude, base);
    if (ec == std::errc::invalid_argument || ptr != end) return std::nullopt;
    result.overflow = ec == std::errc::result_out_of_range;
    return result;
}

std::optional<double> parse_finite_double(std::string_view text) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

scalar_result<std::int64_t> parse_duration_ns(std::string_view text) {
    if (text.starts_with('-')) return {0, scalar_status::negative};
    const auto parts = split_unit(text);
    if (!parts) return {0, scalar_status::malformed};
    static constexpr std::pair<std::string_view, std::int64_t> units[] = {
        {"", 1'000'000'000},        {"ns", 1},
        {"us", 1'000},              {"ms", 1'000'000},
        {"s", 1'000'000'000},       {"m", 60'000'000'000},
        {"min", 60'000'000'000},    {"h", 3'600'000'000'000},
        {"d", 86'400'000'000'000}};
    const auto unit = std::find_if(std::begin(units), std::end(units),
                                   [&](const auto& u) { return u.first == parts->second; });
    if (unit == std::end(units)) {
        const bool fraction = parts->second.starts_with('.');
        return {0, fraction ? scalar_status::fractional : scalar_status::malformed};
    }
    const auto count = parse_digits(parts->first);
    const auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!count || *count > max / static_cast<std::uint64_t>(unit->second)) {
        return {0, scalar_status::too_large};
    }
    return {static_cast<std::int64_t>(*count) * unit->second, scalar_status::ok};
}

scalar_result<std::uint64_t> parse_byte_count(std::string_view text) {
    const auto parts = split_unit(text);
    if (!parts) return {0, scalar_status::malformed};
    static constexpr std::pair<std::string_view, std::uint64_t> units[] = {
        {"", 1},           {"b", 1},           {"kb", 1'000},         {"mb", 1'000'000},
        {"gb", 1'000'000'000}, {"tb", 1'000'000'000'000}, {"kib", 1ULL << 10},
        {"mib", 1ULL << 20}, {"gib", 1ULL << 30}, {"tib", 1ULL << 40}};
    const std::string unit_text = lower(parts->second);
    const auto unit = std::find_if(std::begin(units), std::end(units),
                                   [&](const auto& u) { return u.first == unit_text; });
    if (unit == std::end(units)) return {0, scalar_status::malformed};
    const auto count = parse_digits(parts->first);
    if (!count || *count > std::numeric_limits<std::uint64_t>::max() / unit->second) {
        return {0, scalar_status::too_large};
    }
    return {*count * unit->second, scalar_status::ok};
}

std::string duration_unit_name(std::intmax_t ns_per_tick) {
    switch (ns_per_tick) {
    case 1: return "nanoseconds";
    case 1'000: return "microseconds";
    case 1'000'000: return "milliseconds";
    case 1'000'000'000: return "seconds";
    case 60'000'000'000: return "minutes";
    case 3'600'000'000'000: return "hours";
    case 86'400'000'000'000: return "days";
    default: return "units of " + std::to_string(ns_per_tick) + "ns";
    }
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
    std::string_view best;
    std::size_t best_distance = 3;
    for (const auto candidate : candidates) {
        const std::size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    }
    if (best_distance > 2) return {};
    return " (did you mean '" + std::string(best) + "'?)";
}

}  // namespace common::config::detail
