// `phone-agent fleet --metrics`: the Prometheus text carries the counters, the error taxonomy,
// the latency summaries in seconds and the generator's gauges, each with HELP and TYPE.
#include "logic/fleet_metrics.hpp"

#include <boost/test/unit_test.hpp>

using namespace phone_agent;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(fleet_metrics)

BOOST_AUTO_TEST_CASE(figures_in_prometheus_text) {
    fleet_stats stats;
    stats.phone_started();
    stats.phone_started();
    stats.phone_provisioned(1500ms, 1200ms);
    stats.phone_first_provisioned(1600ms);
    stats.phone_failed(error_class::tls, 10ms);
    exchange_sample s;
    s.status = 200;
    s.bytes = 512;
    s.timings.tls = 2ms;
    s.tls_resumed = true;
    stats.exchange(s);
    fleet_gauges g;
    g.planned_boots = 2;
    g.in_flight = 0;
    g.generator_cpu_share = 0.25;
    g.open_fds = 12;
    const auto text = render_fleet_metrics(stats, g);
    BOOST_TEST(text.find("# TYPE phone_agent_fleet_boots_started_total counter\nphone_agent_fleet_boots_started_total 2\n") !=
               std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_boots_provisioned_total 1\n") != std::string::npos);
    BOOST_TEST(text.find("# TYPE phone_agent_fleet_phones_provisioned_total counter\nphone_agent_fleet_phones_provisioned_total 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_phones_arrived_total 2\n") != std::string::npos);
    BOOST_TEST(text.find("# TYPE phone_agent_fleet_boots_in_flight_peak gauge\nphone_agent_fleet_boots_in_flight_peak 0\n") !=
               std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_boots_failed_total{reason=\"tls\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_boots_failed_total{reason=\"5xx\"} 0\n") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_responses_total{class=\"2xx\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_received_bytes_total 512\n") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_tls_handshakes_total{resumed=\"true\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_tls_handshakes_total{resumed=\"false\"} 0\n") != std::string::npos);
    BOOST_TEST(text.find("# TYPE phone_agent_fleet_latency_seconds summary") != std::string::npos);
    // 1.5 s, within the histogram's 0.4 %.
    const auto at = text.find("phone_agent_fleet_latency_seconds{metric=\"ttp\",quantile=\"0.99\"} ");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    const double v = std::stod(text.substr(at + 64));
    BOOST_TEST(v == 1.5, boost::test_tools::tolerance(0.005));
    BOOST_TEST(text.find("phone_agent_fleet_latency_seconds_count{metric=\"ttp\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_generator_cpu_share 0.25\n") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_generator_bottleneck 0\n") != std::string::npos);
    BOOST_TEST(text.find("nan") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
