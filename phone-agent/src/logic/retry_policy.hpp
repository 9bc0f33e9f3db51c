// When and how long to wait before fetching a provisioning file again.
//
// No public source documents the phone's own retry timers (domain §1.2), so the policy is explicit
// and bounded: capped exponential backoff with jitter, a fixed number of attempts per file, and a
// server's Retry-After honoured but never beyond a ceiling. Pure: the caller passes the jitter
// value and the current time, so every delay is reproducible in tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace phone_agent {

struct retry_policy {
    // Tries per file, the first one included; 1 disables retries.
    unsigned max_attempts = 4;
    // The wait before the first retry; each later retry multiplies it by `multiplier`.
    std::chrono::milliseconds initial_delay{1000};
    unsigned multiplier = 2;
    // No backoff step grows beyond this.
    std::chrono::milliseconds max_delay{30'000};
    // Share of each backoff step that jitter may remove, in [0, 1]: with 0.5 and a jitter input
    // u in [0, 1) the wait is in (step / 2, step]. Spreads a fleet of phones that failed together.
    double jitter_share = 0.5;
    // A Retry-After longer than this ends the retries instead of stalling the boot for hours.
    std::chrono::seconds max_retry_after{300};
};

// The backoff before retry number `retry` (1 = the first retry):
//   step  = min(max_delay, initial_delay * multiplier^(retry - 1))
//   delay = step - step * jitter_share * jitter
// `jitter` is clamped to [0, 1] and `retry` 0 is treated as 1, so the result always lies in
// [step * (1 - jitter_share), step].
std::chrono::milliseconds backoff_delay(const retry_policy& policy, unsigned retry,
                                        double jitter) noexcept;

// A Retry-After value (RFC 9110 §10.2.3) as a wait from `now`: delay-seconds, or an HTTP-date in
// any of the three formats recipients must accept (IMF-fixdate, RFC 850, asctime). A date in the
// past gives zero. Anything else (negative, fractional, out-of-range, bad date) gives nothing, and
// the caller falls back to its own backoff.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

// Statuses worth asking again: 408, 429 and the transient 5xx (500, 502, 503, 504). 501, 505 and
// the rest of 4xx describe the request or the server's setup and will not change by waiting.
bool is_retryable_status(unsigned status) noexcept;

struct retry_decision {
    bool retry = false;
    std::chrono::milliseconds delay{0};
    // Why the delay is what it is, or why there is no retry; for logs and the step record.
    std::string reason;
};

// After `attempts_made` failed tries of one file: retry or give up. With a usable Retry-After the
// wait is the larger of the server's value and the backoff (never earlier than asked); above
// max_retry_after the retries end. `retry_after` is the raw header value, if any.
retry_decision decide_retry(const retry_policy& policy, unsigned attempts_made,
                            std::optional<std::string_view> retry_after,
                            std::chrono::system_clock::time_point now, double jitter);

}  // namespace phone_agent
