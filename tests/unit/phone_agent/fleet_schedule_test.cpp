// `phone-agent fleet` load shapes: shards cover the fleet exactly once, the open model's arrival
// times follow the rate and its ramps, resyncs keep their schedule.
#include "logic/fleet_schedule.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>

using namespace phone_agent;
using namespace std::chrono_literals;

namespace {

template <class T>
const T& ok(const std::variant<T, plan_error>& v) {
    if (const auto* err = std::get_if<plan_error>(&v)) BOOST_FAIL("unexpected error: " << err->message);
    return std::get<T>(v);
}

template <class T>
std::string error_of(const std::variant<T, plan_error>& v) {
    const auto* err = std::get_if<plan_error>(&v);
    BOOST_REQUIRE_MESSAGE(err, "expected an error");
    return err->message;
}

double seconds(std::optional<std::chrono::microseconds> d) {
    BOOST_REQUIRE(d.has_value());
    return static_cast<double>(d->count()) / 1e6;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_schedule)

BOOST_AUTO_TEST_CASE(shard_syntax) {
    const auto s = ok(parse_shard("2/4"));
    BOOST_TEST(s.index == 2u);
    BOOST_TEST(s.count == 4u);
    BOOST_TEST(ok(parse_shard("0/1")).count == 1u);
    for (const char* bad : {"4/4", "1/0", "x/2", "1", "-1/2", "1/2/3", "", "/3"}) {
        BOOST_TEST(error_of(parse_shard(bad)).find("--shard") != std::string::npos, bad);
    }
}

BOOST_AUTO_TEST_CASE(shards_cover_the_fleet_once_and_evenly) {
    for (std::size_t total : {0u, 1u, 7u, 10u, 1000u, 1001u}) {
        for (std::size_t n : {1u, 2u, 3u, 4u, 7u, 16u}) {
            std::size_t next = 0, smallest = total, largest = 0;
            for (std::size_t k = 0; k < n; ++k) {
                const auto r = shard_range(total, shard{k, n});
                BOOST_TEST(r.first == next, total << " " << k << "/" << n);
                next = r.last;
                smallest = std::min(smallest, r.last - r.first);
                largest = std::max(largest, r.last - r.first);
            }
            BOOST_TEST(next == total);
            BOOST_TEST(largest - smallest <= 1u);
        }
    }
    const auto r = shard_range(1024, shard{1, 4});
    BOOST_TEST(r.first == 256u);
    BOOST_TEST(r.last == 512u);
}

BOOST_AUTO_TEST_CASE(constant_rate_spaces_arrivals_evenly) {
    const auto plan = ok(parse_arrival_plan("50/s", ""));
    BOOST_TEST(seconds(arrival_offset(plan, 0)) == 0.0);
    BOOST_TEST(seconds(arrival_offset(plan, 1)) == 0.02, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(seconds(arrival_offset(plan, 500)) == 10.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(ok(parse_arrival_plan("3000/m", "")).start_rate == 50.0);
    BOOST_TEST(ok(parse_arrival_plan("7200/h", "")).start_rate == 2.0);
    BOOST_TEST(ok(parse_arrival_plan("2.5", "")).start_rate == 2.5);
}

BOOST_AUTO_TEST_CASE(linear_ramp_from_zero) {
    // 0 -> 10/s over 10 s: A(t) = t^2 / 2, so arrival i at sqrt(2 i); 50 arrivals in the ramp.
    const auto plan = ok(parse_arrival_plan("0", "10s:10"));
    BOOST_TEST(seconds(arrival_offset(plan, 2)) == 2.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(seconds(arrival_offset(plan, 32)) == 8.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(seconds(arrival_offset(plan, 50)) == 10.0, boost::test_tools::tolerance(1e-6));
    // then the last rate holds: 10/s
    BOOST_TEST(seconds(arrival_offset(plan, 60)) == 11.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(ramp_down_to_zero_ends_arrivals) {
    // 10/s for 10 s (100), then 10 -> 0 over 10 s (50 more), then nothing.
    const auto plan = ok(parse_arrival_plan("10", "10s:10,10s:0"));
    BOOST_TEST(seconds(arrival_offset(plan, 100)) == 10.0, boost::test_tools::tolerance(1e-6));
    // A(t) within the ramp-down = 10 t - t^2 / 2; 32 arrivals at t = 10 - sqrt(100 - 64) = 4
    BOOST_TEST(seconds(arrival_offset(plan, 132)) == 14.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(seconds(arrival_offset(plan, 150)) == 20.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(!arrival_offset(plan, 151).has_value());
}

BOOST_AUTO_TEST_CASE(arrival_times_never_decrease) {
    const auto plan = ok(parse_arrival_plan("5", "3s:40,2s:40,4s:1,1s:0.5"));
    double last = 0;
    for (std::size_t i = 0; i < 200; ++i) {
        const auto t = arrival_offset(plan, i);
        if (!t) break;
        const double s = seconds(t);
        BOOST_TEST(s >= last, i);
        last = s;
    }
}

BOOST_AUTO_TEST_CASE(arrival_plan_errors_name_the_option) {
    BOOST_TEST(error_of(parse_arrival_plan("fast", "")).find("--arrival-rate 'fast'") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("-1", "")).find("--arrival-rate") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("5/d", "")).find("--arrival-rate") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("5", "30s")).find("--ramp '30s'") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("5", "0s:10")).find("longer than 0") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("5", "10s:x")).find("--ramp '10s:x'") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("5", "10q:3")).find("--ramp") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("0", "")).find("never rises above 0") != std::string::npos);
    BOOST_TEST(error_of(parse_arrival_plan("2000000", "")).find("--arrival-rate") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(resyncs_keep_their_schedule) {
    BOOST_TEST(resync_offset(3s, 0, 10s).count() == 3'000'000);
    BOOST_TEST(resync_offset(3s, 2, 10s).count() == 23'000'000);
}

BOOST_AUTO_TEST_SUITE_END()
