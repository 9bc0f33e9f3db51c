// Backoff bounds and growth, Retry-After in all its forms, and the retry-or-give-up decision.
#include <boost/test/unit_test.hpp>

#include "logic/retry_policy.hpp"

#include <chrono>
#include <string>

using namespace phone_agent;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example date).
const system_clock::time_point example_date =
    sys_days{year{1994} / November / 6} + 8h + 49min + 37s;

}  // namespace

BOOST_AUTO_TEST_SUITE(backoff)

BOOST_AUTO_TEST_CASE(grows_exponentially_up_to_the_cap_without_jitter) {
    const retry_policy policy;  // 1 s, x2, cap 30 s
    BOOST_TEST(backoff_delay(policy, 1, 0.0).count() == 1000);
    BOOST_TEST(backoff_delay(policy, 2, 0.0).count() == 2000);
    BOOST_TEST(backoff_delay(policy, 3, 0.0).count() == 4000);
    BOOST_TEST(backoff_delay(policy, 5, 0.0).count() == 16000);
    BOOST_TEST(backoff_delay(policy, 6, 0.0).count() == 30000);
    // Huge retry numbers saturate instead of overflowing.
    BOOST_TEST(backoff_delay(policy, 4'000'000'000U, 0.0).count() == 30000);
    BOOST_TEST(backoff_delay(policy, 0, 0.0).count() == 1000);
}

BOOST_AUTO_TEST_CASE(jitter_stays_within_the_documented_band) {
    retry_policy policy;
    policy.jitter_share = 0.5;
    for (unsigned retry = 1; retry <= 8; ++retry) {
        const auto step = backoff_delay(policy, retry, 0.0);
        for (double u : {0.0, 0.1, 0.25, 0.5, 0.75, 0.999999, 1.0, -3.0, 7.0}) {
            BOOST_TEST_CONTEXT("retry " << retry << " jitter " << u) {
                const auto d = backoff_delay(policy, retry, u);
                BOOST_TEST(d <= step);
                BOOST_TEST(d.count() >= step.count() / 2);
            }
        }
    }
    // The jitter value really moves the delay, and linearly.
    BOOST_TEST(backoff_delay(policy, 3, 0.5).count() == 3000);
    BOOST_TEST(backoff_delay(policy, 3, 1.0).count() == 2000);
    policy.jitter_share = 0.0;
    BOOST_TEST(backoff_delay(policy, 3, 0.9).count() == 4000);
    policy.jitter_share = 1.0;
    BOOST_TEST(backoff_delay(policy, 3, 0.75).count() == 1000);
}

BOOST_AUTO_TEST_CASE(odd_policies_stay_bounded) {
    retry_policy policy;
    policy.multiplier = 1;
    BOOST_TEST(backoff_delay(policy, 10, 0.0).count() == 1000);
    policy.multiplier = 0;
    BOOST_TEST(backoff_delay(policy, 10, 0.0).count() <= 1000);
    policy.initial_delay = 60s;  // above the cap
    BOOST_TEST(backoff_delay(policy, 1, 0.0).count() == 30000);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(retry_after)

BOOST_AUTO_TEST_CASE(delta_seconds) {
    const auto now = system_clock::now();
    BOOST_TEST(parse_retry_after("120", now).value().count() == 120);
    BOOST_TEST(parse_retry_after(" 0 ", now).value().count() == 0);
    BOOST_TEST(!parse_retry_after("", now));
    BOOST_TEST(!parse_retry_after("-5", now));
    BOOST_TEST(!parse_retry_after("1.5", now));
    BOOST_TEST(!parse_retry_after("12s", now));
    BOOST_TEST(!parse_retry_after("99999999999999999999999", now));
}

BOOST_AUTO_TEST_CASE(http_dates_in_all_three_formats) {
    const auto now = example_date - 90s;
    BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now).value().count() == 90);
    BOOST_TEST(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now).value().count() == 90);
    BOOST_TEST(parse_retry_after("Sun Nov  6 08:49:37 1994", now).value().count() == 90);
    // A partial second is rounded up: never retry before the server's moment.
    BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", example_date - 1500ms)
                   .value()
                   .count() == 2);
}

BOOST_AUTO_TEST_CASE(dates_in_the_past_mean_now) {
    BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", example_date + 1h)
                   .value()
                   .count() == 0);
}

BOOST_AUTO_TEST_CASE(two_digit_years_pick_the_century_relative_to_now) {
    // In 2030, "01-Jan-90" is 1990 (2090 is more than 50 years ahead) and "01-Jan-31" is 2031.
    const system_clock::time_point in_2030 = sys_days{year{2030} / January / 1};
    BOOST_TEST(parse_retry_after("Monday, 01-Jan-90 00:00:00 GMT", in_2030).value().count() == 0);
    const auto ahead = parse_retry_after("Wednesday, 01-Jan-31 00:00:00 GMT", in_2030);
    BOOST_TEST(ahead.value().count() == 365 * 24 * 3600);
}

BOOST_AUTO_TEST_CASE(malformed_dates_are_ignored) {
    const auto now = example_date;
    for (std::string_view bad :
         {"Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
          "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
          "Sun Nov 6 08:49:37", "tomorrow"}) {
        BOOST_TEST(!parse_retry_after(bad, now), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decision)

BOOST_AUTO_TEST_CASE(retryable_statuses) {
    for (unsigned s : {408U, 429U, 500U, 502U, 503U, 504U}) BOOST_TEST(is_retryable_status(s), s);
    for (unsigned s : {200U, 301U, 400U, 401U, 403U, 404U, 501U, 505U}) {
        BOOST_TEST(!is_retryable_status(s), s);
    }
}

BOOST_AUTO_TEST_CASE(attempts_are_bounded) {
    const retry_policy policy;  // 4 attempts
    const auto now = system_clock::now();
    BOOST_TEST(decide_retry(policy, 1, std::nullopt, now, 0.0).retry);
    BOOST_TEST(decide_retry(policy, 3, std::nullopt, now, 0.0).retry);
    const auto last = decide_retry(policy, 4, std::nullopt, now, 0.0);
    BOOST_TEST(!last.retry);
    BOOST_TEST(last.reason == "gave up after 4 attempts");

    retry_policy none = policy;
    none.max_attempts = 1;
    BOOST_TEST(!decide_retry(none, 1, std::nullopt, now, 0.0).retry);
}

BOOST_AUTO_TEST_CASE(retry_after_is_a_floor_and_has_a_ceiling) {
    const retry_policy policy;
    const auto now = example_date;
    // Longer than the backoff: the server's value.
    auto d = decide_retry(policy, 1, "120", now, 0.0);
    BOOST_TEST(d.retry);
    BOOST_TEST(d.delay.count() == 120'000);
    BOOST_TEST(d.reason.find("Retry-After 120 s") != std::string::npos, d.reason);
    // Shorter than the backoff: the backoff.
    d = decide_retry(policy, 3, "1", now, 0.0);
    BOOST_TEST(d.delay.count() == 4000);
    // An HTTP-date works the same.
    d = decide_retry(policy, 1, "Sun, 06 Nov 1994 08:50:37 GMT", now, 0.0);
    BOOST_TEST(d.delay.count() == 60'000);
    // Above max_retry_after: stop rather than stall the boot.
    d = decide_retry(policy, 1, "3600", now, 0.0);
    BOOST_TEST(!d.retry);
    BOOST_TEST(d.reason.find("3600 s, more than the 300 s limit") != std::string::npos, d.reason);
    // Garbage falls back to the backoff.
    d = decide_retry(policy, 2, "soon", now, 0.5);
    BOOST_TEST(d.retry);
    BOOST_TEST(d.delay.count() == 1500);
}

BOOST_AUTO_TEST_SUITE_END()
