// `phone-agent fleet` planning: model mix, address ranges, durations and the boot-storm schedule.
#include "logic/fleet_plan.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <map>

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

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_plan)

BOOST_AUTO_TEST_CASE(model_mix_parses_weights_and_bare_names) {
    auto mix = ok(parse_model_mix("6731i:50, 9480i:30,6739i"));
    BOOST_REQUIRE_EQUAL(mix.size(), 3u);
    BOOST_TEST(mix[0].model == "6731i");
    BOOST_TEST(mix[0].weight == 50u);
    BOOST_TEST(mix[1].model == "9480i");
    BOOST_TEST(mix[1].weight == 30u);
    BOOST_TEST(mix[2].weight == 1u);
    BOOST_TEST(error_of(parse_model_mix("6731i:0")).find("positive") != std::string::npos);
    BOOST_TEST(error_of(parse_model_mix("6731i:x")).find("6731i:x") != std::string::npos);
    BOOST_TEST(error_of(parse_model_mix("6731i,,9480i")).find("empty") != std::string::npos);
    BOOST_TEST(error_of(parse_model_mix("6731i:1,6731i:2")).find("twice") != std::string::npos);
    BOOST_TEST(error_of(parse_model_mix(":5")).find("no model") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(models_are_interleaved_in_exact_proportions) {
    std::vector<model_share> mix{{"a", 1}, {"b", 3}};
    auto order = assign_models(mix, 400);
    BOOST_REQUIRE_EQUAL(order.size(), 400u);
    // Every window of 4 consecutive phones (aligned) holds one a and three b.
    for (std::size_t w = 0; w < 400; w += 4) {
        std::size_t a = 0;
        for (std::size_t i = w; i < w + 4; ++i) a += order[i] == 0 ? 1u : 0u;
        BOOST_TEST(a == 1u);
    }
    auto half = assign_models({{"x", 50}, {"y", 50}}, 10);
    std::map<std::size_t, int> counts;
    for (auto m : half) ++counts[m];
    BOOST_TEST(counts[0] == 5);
    BOOST_TEST(counts[1] == 5);
    BOOST_TEST(half[0] != half[1]);  // alternating, not 50 of one then 50 of the other
    BOOST_TEST(assign_models({}, 5).empty());
}

BOOST_AUTO_TEST_CASE(address_ranges_expand_inclusively) {
    auto list = ok(parse_address_list("127.0.0.2-127.0.0.50"));
    BOOST_REQUIRE_EQUAL(list.size(), 49u);
    BOOST_TEST(list.front() == "127.0.0.2");
    BOOST_TEST(list.back() == "127.0.0.50");
    auto carry = ok(parse_address_list("10.0.0.254-10.0.1.1,192.168.1.1"));
    BOOST_REQUIRE_EQUAL(carry.size(), 5u);
    BOOST_TEST(carry[2] == "10.0.1.0");
    BOOST_TEST(carry[4] == "192.168.1.1");
    BOOST_TEST(error_of(parse_address_list("127.0.0.50-127.0.0.2")).find("backwards") != std::string::npos);
    BOOST_TEST(error_of(parse_address_list("127.0.0.256")).find("127.0.0.256") != std::string::npos);
    BOOST_TEST(error_of(parse_address_list("127.0.0")).find("IPv4") != std::string::npos);
    BOOST_TEST(error_of(parse_address_list("::1")).find("IPv4") != std::string::npos);
    BOOST_TEST(error_of(parse_address_list("10.0.0.0-10.2.0.0")).find("65536") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(durations_take_units) {
    BOOST_TEST(ok(parse_duration("500ms")).count() == 500'000);
    BOOST_TEST(ok(parse_duration("2")).count() == 2'000'000);
    BOOST_TEST(ok(parse_duration("1.5s")).count() == 1'500'000);
    BOOST_TEST(ok(parse_duration("250us")).count() == 250);
    BOOST_TEST(ok(parse_duration("3m")).count() == 180'000'000);
    BOOST_TEST(ok(parse_duration("1h")).count() == 3'600'000'000LL);
    BOOST_TEST(ok(parse_duration("0s")).count() == 0);
    for (const char* bad : {"", "ms", "-1s", "5 parsecs", "1e3s", "1..2s"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(std::holds_alternative<plan_error>(parse_duration(bad))); }
    }
    BOOST_TEST(format_duration(812us) == "812us");
    BOOST_TEST(format_duration(3420us) == "3.42ms");
    BOOST_TEST(format_duration(1'200'000us) == "1.20s");
}

BOOST_AUTO_TEST_CASE(storm_schedule_is_uniform_within_the_window) {
    BOOST_TEST(intended_offset(0, 100, 10s).count() == 0);
    BOOST_TEST(intended_offset(50, 100, 10s).count() == 5'000'000);
    BOOST_TEST(intended_offset(99, 100, 10s).count() == 9'900'000);
    BOOST_TEST(intended_offset(7, 100, 0s).count() == 0);
    // Monotonic and never past the window.
    for (std::size_t i = 1; i < 1000; ++i) {
        BOOST_TEST(intended_offset(i, 1000, 3s) >= intended_offset(i - 1, 1000, 3s));
        BOOST_TEST(intended_offset(i, 1000, 3s) < std::chrono::microseconds(3s));
    }
}

BOOST_AUTO_TEST_CASE(exponential_storm_front_loads_the_window) {
    const auto exp = storm_shape::exponential;
    BOOST_TEST(intended_offset(0, 100, 10s, exp).count() == 0);
    // Quantiles of an exponential with mean window / 4, truncated to the window:
    // x(q) = -(w / 4) ln(1 - q (1 - e^-4)); half the fleet by 16.9%, 90% by 53.8% of it.
    BOOST_TEST(std::abs(intended_offset(50, 100, 10s, exp).count() - 1'687'493) < 10);
    BOOST_TEST(std::abs(intended_offset(90, 100, 10s, exp).count() - 5'375'002) < 10);
    BOOST_TEST(intended_offset(7, 100, 0s, exp).count() == 0);
    for (std::size_t i = 1; i < 1000; ++i) {
        BOOST_TEST(intended_offset(i, 1000, 3s, exp) >= intended_offset(i - 1, 1000, 3s, exp));
        BOOST_TEST(intended_offset(i, 1000, 3s, exp) < std::chrono::microseconds(3s));
        // Never later than the uniform slot: the same phones, released sooner.
        BOOST_TEST(intended_offset(i, 1000, 3s, exp) <= intended_offset(i, 1000, 3s));
    }
    // The last of many phones still comes near the window's end (the tail is not cut short).
    BOOST_TEST(intended_offset(9'999, 10'000, 10s, exp) > std::chrono::microseconds(8s));
    BOOST_TEST(intended_offset(9'999, 10'000, 10s, exp) < std::chrono::microseconds(10s));

    BOOST_TEST(std::string(to_string(std::get<storm_shape>(parse_storm_shape("uniform")))) == "uniform");
    BOOST_TEST(std::string(to_string(std::get<storm_shape>(parse_storm_shape("exponential")))) == "exponential");
    auto bad = parse_storm_shape("poisson");
    BOOST_REQUIRE(std::holds_alternative<plan_error>(bad));
    BOOST_TEST(std::get<plan_error>(bad).message == "'poisson': expected uniform or exponential");
}

BOOST_AUTO_TEST_SUITE_END()
