// Text-level parsing of configuration scalars, kept apart from the YAML tree walk in
// yaml_reader.cpp. Private to common_logic: callers use node_reader, which adds key paths and
// positions to the failures reported here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace common::config::detail {

enum class scalar_status { ok, malformed, negative, fractional, too_large };

template <class T>
struct scalar_result {
    T value{};
    scalar_status status = scalar_status::ok;
};

// true/false, yes/no, on/off, 1/0, case-insensitive.
std::optional<bool> parse_bool(std::string_view text);

// Optional sign, then decimal, 0x hex or 0o octal digits. `overflow` when the magnitude does not
// fit 64 bits; range checks against the target type are the caller's.
struct integer_text {
    bool negative = false;
    std::uint64_t magnitude = 0;
    bool overflow = false;
};
std::optional<integer_text> parse_integer(std::string_view text);

// A finite decimal floating-point number, optionally with a leading '+'.
std::optional<double> parse_finite_double(std::string_view text);

// "<digits>[ ]<unit>" with unit ns/us/ms/s/m/min/h/d; no unit means seconds.
scalar_result<std::int64_t> parse_duration_ns(std::string_view text);

// "<digits>[ ]<unit>" with unit (case-insensitive) b/kb/mb/gb/tb (powers of 1000) or
// kib/mib/gib/tib (powers of 1024); no unit means bytes.
scalar_result<std::uint64_t> parse_byte_count(std::string_view text);

// "seconds", "milliseconds", ... for a duration tick of that many nanoseconds.
std::string duration_unit_name(std::intmax_t ns_per_tick);

// " (did you mean 'x'?)" for the closest candidate within edit distance 2, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace common::config::detail
