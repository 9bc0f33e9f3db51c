// `phone-agent fleet` boot-storm shapes and the fleet against the clock, against the real cms-mock:
// the exponential shape front-loads the window as the server's own journal sees it, and the share
// of the phones provisioned by a deadline is reported and decides `provisioned@D` thresholds; the
// generator reports the concurrency and arrival rate it achieved against what was asked.
#include "cms_mock_runner.hpp"
#include "fleet_devices.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr unsigned mac_base = 0x300000u;
std::string mac_of(unsigned i) { return fleet_mac(mac_base, i); }

cms_mock_runner start_mock(unsigned phones, const std::string& more_yaml = "") {
    cms_mock_options o;
    o.config_yaml = fleet_devices_yaml(phones, mac_base, 3000, "4KiB") + more_yaml;
    o.https = false;
    return cms_mock_runner(o);
}

struct fleet_run {
    int exit_code = -1;
    std::string out, err;
    json::value report;
};

fleet_run run_fleet(const cms_mock_runner& mock, unsigned phones, std::vector<std::string> extra,
                    const temp_dir& dir) {
    std::vector<std::string> argv{binary_path("phone-agent/phone-agent").string(), "fleet", "--server",
                                  mock.http_url() + "/", "--mac-start", mac_of(0), "--count",
                                  std::to_string(phones), "--json", (dir / "fleet.json").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::filesystem::remove(dir / "fleet.json");
    auto r = run(argv, 120s);
    fleet_run out{r.exit_code.value_or(-1), r.stdout_text, r.stderr_text, {}};
    BOOST_TEST_MESSAGE("fleet stdout:\n" << r.stdout_text);
    if (std::filesystem::exists(dir / "fleet.json")) out.report = json::parse(read_file(dir / "fleet.json"));
    return out;
}

// When each phone's first request reached cms-mock, in seconds after the earliest one, sorted.
std::vector<double> first_request_offsets(const cms_mock_runner& mock) {
    auto r = run({"curl", "-sf", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=100000"}, 20s, "");
    BOOST_REQUIRE_EQUAL(r.exit_code.value_or(-1), 0);
    const auto doc = json::parse(r.stdout_text);
    const auto& entries = doc.is_array() ? doc.as_array() : doc.at("entries").as_array();
    std::map<std::string, double> first;
    for (const auto& e : entries) {
        // "2026-11-27T12:34:56.123456Z": seconds of the day are enough within one test.
        const std::string t(e.at("time").as_string());
        const double s = std::stod(t.substr(11, 2)) * 3600 + std::stod(t.substr(14, 2)) * 60 + std::stod(t.substr(17, 9));
        const std::string mac(e.at("ua_mac").as_string());
        auto [it, fresh] = first.emplace(mac, s);
        if (!fresh) it->second = std::min(it->second, s);
    }
    std::vector<double> offsets;
    for (const auto& [mac, s] : first) offsets.push_back(s);
    std::sort(offsets.begin(), offsets.end());
    const double earliest = offsets.empty() ? 0 : offsets.front();
    for (auto& s : offsets) s -= earliest;
    return offsets;
}

double seconds_at(const json::value& report, const char* key) {
    return report.at("fleet_provisioned").at(key).to_number<double>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phone_agent_fleet_storm)

BOOST_AUTO_TEST_CASE(exponential_storm_front_loads_the_window_at_the_server) {
    constexpr unsigned phones = 40;
    temp_dir dir("fleet-storm");
    std::vector<double> shape[2];
    double fleet_half[2] = {0, 0};
    const char* names[2] = {"uniform", "exponential"};
    for (int i = 0; i < 2; ++i) {
        BOOST_TEST_CONTEXT(names[i]) {
            auto mock = start_mock(phones);
            auto r = run_fleet(mock, phones, {"--storm-window", "2s", "--storm-shape", names[i]}, dir);
            BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
            BOOST_TEST(r.report.at("plan").at("storm_shape").as_string() == names[i]);
            BOOST_TEST(r.report.at("phones").at("provisioned").to_number<double>() == phones);
            shape[i] = first_request_offsets(mock);
            BOOST_TEST_REQUIRE(shape[i].size() == phones);
            fleet_half[i] = seconds_at(r.report, "p50_s");
        }
    }
    // Uniform: phone k at k x 50 ms, so the 20th of 40 at 0.95 s and the last at 1.95 s.
    // Exponential (mean window / 4, cut at the window): the 20th at 0.32 s, the last at 1.58 s.
    BOOST_TEST(shape[0][19] > 0.8);
    BOOST_TEST(shape[0][39] > 1.7);
    BOOST_TEST(shape[1][19] < 0.6);
    BOOST_TEST(shape[1][39] > 1.2);  // a tail, not a burst
    BOOST_TEST(shape[1][39] < 1.95);
    // The fleet's own view agrees: half the phones provisioned much sooner.
    BOOST_TEST(fleet_half[1] < fleet_half[0] - 0.3);
}

BOOST_AUTO_TEST_CASE(share_provisioned_by_a_deadline_decides_thresholds) {
    constexpr unsigned phones = 10;
    temp_dir dir("fleet-deadline");
    auto mock = start_mock(phones);
    // Uniform over 2 s: phones 0-4 start within the first second, 5-9 after it.
    auto r = run_fleet(mock, phones,
                       {"--storm-window", "2s", "--deadline", "1s", "--deadline", "30s", "--threshold",
                        "provisioned@30s>=100%", "--threshold", "provisioned@1s>=90%"},
                       dir);
    BOOST_TEST(r.exit_code == 1, r.err);  // the 1 s threshold fails
    BOOST_REQUIRE(r.report.is_object());
    const auto& deadlines = r.report.at("deadlines").as_array();
    BOOST_REQUIRE_EQUAL(deadlines.size(), 2u);
    BOOST_TEST(deadlines[0].at("after_s").to_number<double>() == 1.0);
    const auto by_1s = deadlines[0].at("provisioned").to_number<double>();
    BOOST_TEST(by_1s >= 3);  // 5 planned; a slow machine may push one or two past the second
    BOOST_TEST(by_1s <= 5);
    BOOST_TEST(deadlines[1].at("provisioned").to_number<double>() == phones);
    BOOST_TEST(deadlines[1].at("share").to_number<double>() == 1.0);
    const auto& thresholds = r.report.at("thresholds").as_array();
    BOOST_REQUIRE_EQUAL(thresholds.size(), 2u);
    BOOST_TEST(thresholds[0].at("passed").as_bool());
    BOOST_TEST(!thresholds[1].at("passed").as_bool());
    BOOST_TEST(r.out.find("deadline 1.00s after the start: ") != std::string::npos);
    BOOST_TEST(r.out.find("deadline 30.00s after the start: 10 of 10 phones provisioned (100.00%)") != std::string::npos);
    BOOST_TEST(r.out.find("threshold provisioned@1s>=90%: FAILED (provisioned by 1.00s after the start = ") !=
               std::string::npos);
    // All ten by the end of the window, half of them in its first half.
    BOOST_TEST(seconds_at(r.report, "p100_s") >= 1.75);
    BOOST_TEST(seconds_at(r.report, "p50_s") < seconds_at(r.report, "p100_s"));
    BOOST_TEST(r.out.find("phones provisioned after the start: 50% by ") != std::string::npos);

    // Nothing provisions: the shares are not reached and the threshold fails.
    auto none = run(std::vector<std::string>{binary_path("phone-agent/phone-agent").string(), "fleet", "--server",
                                             "http://127.0.0.1:1/", "--count", "3", "--set", "retry.max_attempts=1",
                                             "--threshold", "provisioned@10s>=1"},
                    60s);
    BOOST_TEST(none.exit_code.value_or(-1) == 1);
    BOOST_TEST(none.stdout_text.find("phones provisioned after the start: 50% by -, 90% by -, 99% by -, all by -") !=
               std::string::npos, none.stdout_text);
}

BOOST_AUTO_TEST_CASE(achieved_concurrency_and_arrivals_against_the_plan) {
    temp_dir dir("fleet-generator");
    // Every aastra.cfg answer waits 200 ms: a boot holds its slot at least that long.
    auto mock = start_mock(12, "faults:\n  - {path: \"*aastra.cfg\", delay: 200ms}\n");
    auto r = run_fleet(mock, 12, {"--concurrency", "4"}, dir);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto& g = r.report.at("generator");
    BOOST_TEST(g.at("peak_in_flight").to_number<double>() == 4);
    BOOST_TEST(g.at("concurrency").to_number<double>() == 4);
    // Three rounds of four slow boots: the cap is held nearly all the time (Little's law).
    const double mean = g.at("mean_in_flight").to_number<double>();
    BOOST_TEST(mean > 2.5);
    BOOST_TEST(mean <= 4.0);
    BOOST_TEST(g.at("arrivals_due").is_null());  // no open model
    BOOST_TEST(r.out.find("phones in flight: mean ") != std::string::npos);
    BOOST_TEST(r.out.find(", peak 4 (--concurrency 4)") != std::string::npos);

    // Open model, 8 phones at 20/s: all 8 were due within the run and all started.
    auto o = run_fleet(mock, 8, {"--arrival-rate", "20"}, dir);
    BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
    BOOST_TEST(o.report.at("generator").at("arrivals").to_number<double>() == 8);
    BOOST_TEST(o.report.at("generator").at("arrivals_due").to_number<double>() == 8);
    BOOST_TEST(o.out.find("arrivals: 8 phones started of 8 due (") != std::string::npos);
    // Cut short by --duration: only the phones due within it count as due, and only they start.
    auto d = run_fleet(mock, 8, {"--arrival-rate", "20", "--duration", "120ms"}, dir);
    BOOST_TEST_REQUIRE(d.exit_code == 0, d.err);
    BOOST_TEST(d.report.at("generator").at("arrivals_due").to_number<double>() == 3);  // at 0, 50, 100 ms
    BOOST_TEST(d.report.at("generator").at("arrivals").to_number<double>() == 3);
}

BOOST_AUTO_TEST_CASE(storm_shape_and_deadline_usage_errors) {
    const auto agent = binary_path("phone-agent/phone-agent").string();
    auto usage = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv{agent, "fleet", "--server", "http://127.0.0.1:1/", "--count", "2"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run(argv, 30s);
    };
    auto r = usage({"--storm-window", "1s", "--storm-shape", "poisson"});
    BOOST_TEST(r.exit_code.value_or(-1) == 2);
    BOOST_TEST(r.stderr_text.find("--storm-shape 'poisson': expected uniform or exponential") != std::string::npos,
               r.stderr_text);
    r = usage({"--storm-shape", "exponential"});
    BOOST_TEST(r.exit_code.value_or(-1) == 2);
    BOOST_TEST(r.stderr_text.find("needs a --storm-window longer than 0") != std::string::npos, r.stderr_text);
    r = usage({"--arrival-rate", "5", "--storm-shape", "exponential"});
    BOOST_TEST(r.exit_code.value_or(-1) == 2);
    r = usage({"--deadline", "0s"});
    BOOST_TEST(r.exit_code.value_or(-1) == 2);
    BOOST_TEST(r.stderr_text.find("--deadline '0s': must be more than 0") != std::string::npos, r.stderr_text);
    r = usage({"--deadline", "soon"});
    BOOST_TEST(r.exit_code.value_or(-1) == 2);
    BOOST_TEST(r.stderr_text.find("--deadline") != std::string::npos, r.stderr_text);
    r = usage({"--threshold", "provisioned@0s>=99%"});
    BOOST_TEST(r.exit_code.value_or(-1) == 2);
    BOOST_TEST(r.stderr_text.find("the deadline must be more than 0") != std::string::npos, r.stderr_text);
}

BOOST_AUTO_TEST_SUITE_END()
