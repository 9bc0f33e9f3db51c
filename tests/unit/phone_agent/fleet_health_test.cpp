// `phone-agent fleet`'s self-health verdicts: quiet when the generator keeps up, a warning naming
// the reason when its CPU, its timers, its rate or its descriptors say it is the bottleneck.
#include "logic/fleet_health.hpp"

#include <boost/test/unit_test.hpp>

using namespace phone_agent;
using namespace std::chrono_literals;

namespace {

health_sample healthy() {
    health_sample s;
    s.wall = 1s;
    s.cpu = 200ms;
    s.worst_start_lag = 2ms;
    s.started = 50;
    s.requested_rate = 50;
    s.open_fds = 40;
    s.fd_limit = 1024;
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_health)

BOOST_AUTO_TEST_CASE(keeping_up_is_quiet) {
    const auto v = assess(healthy());
    BOOST_TEST(v.warning.empty(), v.warning);
    BOOST_TEST(v.cpu_share == 0.2, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(v.achieved_rate == 50.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(busy_cpu_is_named) {
    auto s = healthy();
    s.cpu = 950ms;
    const auto v = assess(s);
    BOOST_TEST(v.warning.find("the generator, not the server, may be the bottleneck") == 0u, v.warning);
    BOOST_TEST(v.warning.find("CPU at 95% of its 1 core(s)") != std::string::npos, v.warning);
    s.threads = 2;  // the same CPU time over two cores is fine
    BOOST_TEST(assess(s).warning.empty());
}

BOOST_AUTO_TEST_CASE(late_starts_and_missed_rate_are_named) {
    auto s = healthy();
    s.worst_start_lag = 350ms;
    s.started = 20;
    const auto v = assess(s);
    BOOST_TEST(v.warning.find("up to 350 ms after their intended time") != std::string::npos, v.warning);
    BOOST_TEST(v.warning.find("achieved 20.0 phones/s of 50.0 requested") != std::string::npos, v.warning);
    // Behind the rate because --concurrency is full: that is the plan, not the generator.
    s.worst_start_lag = 0ms;
    s.concurrency = 10;
    s.in_flight = 10;
    BOOST_TEST(assess(s).warning.empty(), assess(s).warning);
}

BOOST_AUTO_TEST_CASE(descriptors_near_the_limit_are_named) {
    auto s = healthy();
    s.open_fds = 930;
    BOOST_TEST(assess(s).warning.find("930 open files of a limit of 1024") != std::string::npos);
    s.fd_limit = 0;  // unknown limit
    BOOST_TEST(assess(s).warning.empty());
}

BOOST_AUTO_TEST_CASE(empty_interval_gives_no_verdict) {
    health_sample s;
    const auto v = assess(s);
    BOOST_TEST(v.warning.empty());
    BOOST_TEST(v.cpu_share == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
