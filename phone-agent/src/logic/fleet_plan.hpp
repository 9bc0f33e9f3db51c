// `phone-agent fleet` planning, pure: the model mix, the source-address range, the boot-storm
// schedule and the duration syntax of the command line. No I/O, no clocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

struct plan_error {
    std::string message;  // names the offending text
};

// "6731i:50,9480i:50" or a bare "9480i" (weight 1). Weights are positive integers (a share, not
// necessarily percentages); model names are checked by the caller.
struct model_share {
    std::string model;
    unsigned weight = 1;
};
std::variant<std::vector<model_share>, plan_error> parse_model_mix(std::string_view text);

// For phone i (0-based) the index into `mix`. Smooth weighted round robin: any window of
// sum(weights) consecutive phones holds each model exactly `weight` times, so a prefix of the
// fleet (e.g. cut short by --duration) has the requested proportions too.
std::vector<std::size_t> assign_models(const std::vector<model_share>& mix, std::size_t count);

// "127.0.0.2-127.0.0.50" (inclusive IPv4 range), a single address, or a comma-separated list of
// those. At most 65536 addresses; the range must not run backwards.
std::variant<std::vector<std::string>, plan_error> parse_address_list(std::string_view text);

// "500ms", "2s", "1.5s", "250us", "3m", "1h"; a bare number is seconds. Negative, empty or
// unknown units are errors.
std::variant<std::chrono::microseconds, plan_error> parse_duration(std::string_view text);
std::string format_duration(std::chrono::microseconds d);  // "812us", "3.42ms", "1.20s"

// How a boot storm spreads its phones over the window. uniform: evenly, phone i of n at
// window * i / n. exponential: at the i/n quantiles of an exponential distribution with mean a
// quarter of the window, cut off at its end: half the phones start in the first 17% of the
// window, 90% in the first 54%, the rest thinning out towards its end, the way phones come back
// after an outage (most at once, stragglers as their boots or backoffs vary). Quantiles instead
// of random draws, so every run, shard split and thread count releases the same phone at the same
// time.
enum class storm_shape { uniform, exponential };
const char* to_string(storm_shape s) noexcept;  // "uniform", "exponential"
std::variant<storm_shape, plan_error> parse_storm_shape(std::string_view text);

// Boot storm: when phone i of n is meant to power up, after the start (all at 0 when window is 0).
// Never decreasing in i and always below the window.
std::chrono::microseconds intended_offset(std::size_t i, std::size_t n, std::chrono::microseconds window,
                                          storm_shape shape = storm_shape::uniform);

}  // namespace phone_agent
