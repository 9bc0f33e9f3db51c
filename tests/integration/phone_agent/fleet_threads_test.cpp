// `phone-agent fleet --threads N` against the real cms-mock: phones dealt over two io_contexts
// provision exactly as on one (same boots, requests and file counts, every MAC seen once per
// boot), resyncs come from the per-thread resync queue, and --concurrency is split, not multiplied.
#include "cms_mock_runner.hpp"
#include "fleet_devices.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <map>
#include <regex>
#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string mac_of(unsigned i) { return fleet_mac(0x200000u, i); }

std::string devices_yaml(unsigned count) { return fleet_devices_yaml(count, 0x200000u, 2000, "16KiB"); }

// Per-device logins, so that every phone's <MAC>.cfg needs its own Digest answer.
std::string devices_csv(const temp_dir& dir, unsigned count) {
    std::string csv = "mac,model,username,password\n";
    for (unsigned i = 0; i < count; ++i) {
        const auto n = std::to_string(2000 + i);
        csv += mac_of(i) + "," + (i % 2 ? "9480i" : "6731i") + ",dev" + n + ",pw" + n + "\n";
    }
    return dir.write("devices.csv", csv).string();
}

std::int64_t num(const json::value& v, const std::vector<const char*>& path) {
    const json::value* cur = &v;
    for (const char* key : path) cur = &cur->as_object().at(key);
    return cur->is_int64() ? cur->as_int64() : static_cast<std::int64_t>(cur->to_number<double>());
}

json::value run_fleet(const cms_mock_runner& mock, const temp_dir& dir, const std::string& devices,
                      std::vector<std::string> extra, std::string& err) {
    const auto json_file = dir / "fleet.json";
    std::filesystem::remove(json_file);
    std::vector<std::string> argv{binary_path("phone-agent/phone-agent").string(),
                                  "fleet",
                                  "--server",
                                  mock.http_url() + "/dms/Aastra{model}/",
                                  "--devices",
                                  devices,
                                  "--firmware",
                                  "3.2.2.1000",
                                  "--resyncs",
                                  "1",
                                  "--resync-interval",
                                  "300ms",
                                  "--json",
                                  json_file.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run(argv, 120s);
    err = r.stderr_text;
    BOOST_TEST_MESSAGE("fleet stdout:\n" << r.stdout_text);
    BOOST_TEST_INFO("stderr: " << r.stderr_text);
    BOOST_TEST(r.exit_code.value_or(-1) == 0);
    BOOST_REQUIRE(std::filesystem::exists(json_file));
    return json::parse(read_file(json_file));
}

void count_mac_cfg(const json::value& v, std::map<std::string, int>& counts) {
    static const std::regex mac_cfg(".*/(00085D[0-9A-F]{6})\\.cfg");
    if (v.is_array()) {
        for (const auto& e : v.as_array()) count_mac_cfg(e, counts);
    } else if (v.is_object()) {
        const auto& o = v.as_object();
        const auto* target = o.if_contains("target");
        const auto* status = o.if_contains("status");
        std::smatch m;
        if (target && status && target->is_string() && status->to_number<int>() == 200) {
            const std::string t(target->as_string());
            if (std::regex_match(t, m, mac_cfg)) ++counts[m[1].str()];
            return;
        }
        for (const auto& [key, child] : o) count_mac_cfg(child, counts);
    }
}

// How many requests for each phone's own <MAC>.cfg cms-mock answered with 200.
std::map<std::string, int> mac_cfg_fetches(const cms_mock_runner& mock) {
    auto r = run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=100000"}, 20s, "");
    std::map<std::string, int> counts;
    count_mac_cfg(json::parse(r.stdout_text), counts);
    return counts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phone_agent_fleet_threads)

BOOST_AUTO_TEST_CASE(two_threads_provision_like_one) {
    constexpr unsigned phones = 40;
    cms_mock_options o;
    o.config_yaml = devices_yaml(phones);
    o.https = false;
    temp_dir dir("fleet-threads");
    const auto devices = devices_csv(dir, phones);

    std::map<std::string, json::value> reports;
    for (const char* threads : {"1", "2"}) {
        BOOST_TEST_CONTEXT("--threads " << threads) {
            cms_mock_runner mock(o);
            std::string err;
            auto report = run_fleet(mock, dir, devices, {"--threads", threads, "--concurrency", "8"}, err);
            BOOST_TEST(num(report, {"phones", "provisioned"}) == 2 * phones);
            BOOST_TEST(num(report, {"phones", "failed"}) == 0);
            BOOST_TEST(num(report, {"phones", "started"}) == 2 * phones);
            BOOST_TEST(err.find("internal error") == std::string::npos);
            // Every phone booted twice (first boot and its resync), on whichever thread.
            const auto fetched = mac_cfg_fetches(mock);
            BOOST_TEST(fetched.size() == phones);
            for (const auto& [mac, n] : fetched) {
                BOOST_TEST_CONTEXT(mac) { BOOST_TEST(n == 2); }
            }
            reports[threads] = std::move(report);
        }
    }
    const auto& one = reports["1"];
    const auto& two = reports["2"];
    for (const auto& path : std::vector<std::vector<const char*>>{
             {"throughput", "requests"},
             {"throughput", "bytes"},
             {"throughput", "status", "2xx"},
             {"throughput", "status", "4xx"},
             {"latency_us", "ttp", "count"},
             {"latency_us", "service", "count"},
             {"latency_us", "aastra_cfg", "count"},
             {"latency_us", "model_cfg", "count"},
             {"latency_us", "mac_cfg", "count"},
             {"latency_us", "firmware", "count"},
         }) {
        BOOST_TEST_CONTEXT(path.front() << "." << path.back()) { BOOST_TEST(num(one, path) == num(two, path)); }
    }
    // Only the first boot fetches firmware (3.2.2.1000 -> 3.2.2.3077); the resync finds it current.
    BOOST_TEST(num(two, {"latency_us", "firmware", "count"}) == phones);
}

BOOST_AUTO_TEST_SUITE_END()
