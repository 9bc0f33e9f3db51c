// `phone-agent fleet` with resyncs due before the phone's previous boot ends: cms-mock holds every
// file 120 ms, so a boot (three files) lasts at least 360 ms against a 50 ms resync interval. Each
// resync then starts late because the server was slow, which the report counts as "behind
// schedule"; it is not the generator's lateness, so no "generator ... bottleneck" warning and a
// worst start lag well under the 100 ms warning limit.
#include "cms_mock_runner.hpp"
#include "fleet_devices.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(phone_agent_fleet_resync_schedule)

BOOST_AUTO_TEST_CASE(slow_server_puts_resyncs_behind_schedule_without_blaming_the_generator) {
    cms_mock_options o;
    o.config_yaml = fleet_devices_yaml(2, 0x300000u, 3000, "4KiB") +
                    "auth: {rules: [{path: \"*\", scheme: none}]}\n"
                    "faults:\n  - {path: \"*.cfg\", delay: 120ms}\n";
    o.https = false;
    cms_mock_runner mock(o);
    temp_dir dir("fleet-resync-schedule");
    const auto json_file = dir / "fleet.json";
    auto r = run({binary_path("phone-agent/phone-agent").string(), "fleet", "--server",
                  mock.http_url() + "/dms/Aastra{model}/", "--mac-start", fleet_mac(0x300000u, 0), "--count", "2",
                  "--model", "6731i", "--firmware", "3.2.2.1000", "--keep-alive", "--resyncs", "3",
                  "--resync-interval", "50ms", "--json", json_file.string()},
                 120s);
    BOOST_TEST_INFO("stdout: " << r.stdout_text << "\nstderr: " << r.stderr_text);
    BOOST_TEST(r.exit_code.value_or(-1) == 0);
    const auto report = json::parse(read_file(json_file));
    const auto& phones = report.at("phones").as_object();
    BOOST_TEST(phones.at("provisioned").to_number<double>() == 8.0);  // 2 phones x (1 + 3 resyncs)
    // Every resync was due 50 ms after the previous one's intended start, long before it ended.
    BOOST_TEST(phones.at("resyncs_behind_schedule").to_number<double>() == 6.0);
    BOOST_TEST(phones.at("worst_behind_schedule_us").to_number<double>() >= 250000.0);
    const auto& generator = report.at("generator").as_object();
    BOOST_TEST(generator.at("worst_start_lag_us").to_number<double>() < 100000.0);
    BOOST_TEST(r.stderr_text.find("may be the bottleneck") == std::string::npos);
    BOOST_TEST(r.stdout_text.find("resyncs behind schedule: 6 ") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
