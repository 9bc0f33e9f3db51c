// `phone-agent fleet` against the real cms-mock: 50 phones with their own Device Access logins
// provision over HTTP and HTTPS, the JSON figures are there and consistent, thresholds set the
// exit code, failures land in the error taxonomy, and source addresses show up as peers.
#include "cms_mock_runner.hpp"
#include "fleet_devices.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string mac_of(unsigned i) { return fleet_mac(0x100000u, i); }

std::string devices_yaml(unsigned count) { return fleet_devices_yaml(count, 0x100000u, 1000, "64KiB"); }

struct fleet_run {
    std::optional<int> exit_code;
    std::string out, err;
    json::value report;
};

fleet_run run_fleet(std::vector<std::string> args, const temp_dir& dir, bool want_json = true) {
    std::vector<std::string> argv{binary_path("phone-agent/phone-agent").string(), "fleet"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto json_file = dir / "fleet.json";
    std::filesystem::remove(json_file);
    if (want_json) {
        argv.push_back("--json");
        argv.push_back(json_file.string());
    }
    auto r = run(argv, 120s);
    fleet_run out{r.exit_code, r.stdout_text, r.stderr_text, {}};
    BOOST_TEST_MESSAGE("fleet stdout:\n" << r.stdout_text);
    if (want_json && std::filesystem::exists(json_file)) out.report = json::parse(read_file(json_file));
    return out;
}

std::set<std::string> journal_values(const cms_mock_runner& mock, const std::string& key) {
    auto r = run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=100000"}, 20s, "");
    std::set<std::string> values;
    const std::regex re("\"" + key + "\":\"([^\"]+)\"");
    for (std::sregex_iterator it(r.stdout_text.begin(), r.stdout_text.end(), re), end; it != end; ++it) {
        values.insert((*it)[1].str());
    }
    return values;
}

std::int64_t num(const json::value& v, std::initializer_list<const char*> path) {
    const json::value* cur = &v;
    for (const char* key : path) cur = &cur->as_object().at(key);
    return cur->is_int64() ? cur->as_int64() : static_cast<std::int64_t>(cur->to_number<double>());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phone_agent_fleet)

BOOST_AUTO_TEST_CASE(fifty_phones_provision_over_http_with_sane_figures) {
    cms_mock_options o;
    o.config_yaml = devices_yaml(50);
    o.https = false;
    cms_mock_runner mock(o);
    temp_dir dir("fleet");
    auto r = run_fleet({"--server", mock.http_url() + "/dms/Aastra{model}/", "--mac-start", mac_of(0), "--count",
                        "50", "--models", "6731i:1,9480i:1", "--concurrency", "10", "--firmware", "3.2.2.1000",
                        "--threshold", "errors<0.1%", "--threshold", "provisioned>=100%", "--threshold", "p99<60s"},
                       dir);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code.value_or(-1) == 0);
    BOOST_REQUIRE(r.report.is_object());
    const auto& j = r.report;
    BOOST_TEST(num(j, {"phones", "provisioned"}) == 50);
    BOOST_TEST(num(j, {"phones", "failed"}) == 0);
    BOOST_TEST(num(j, {"phones", "started"}) == 50);
    BOOST_TEST(j.at("phones").at("provisioned_share").to_number<double>() == 1.0);
    BOOST_TEST(num(j, {"plan", "models", "6731i"}) == 25);
    BOOST_TEST(num(j, {"plan", "models", "9480i"}) == 25);
    for (const char* e : {"connect", "tls", "timeout", "auth", "4xx", "5xx", "truncated", "other"}) {
        BOOST_TEST_CONTEXT(e) { BOOST_TEST(num(j, {"errors", e}) == 0); }
    }
    // Time to provisioned: one sample per phone, ordered percentiles, above the service time's minimum.
    const auto ttp = [&](const char* k) { return num(j, {"latency_us", "ttp", k}); };
    BOOST_TEST(ttp("count") == 50);
    BOOST_TEST(ttp("min") > 0);
    BOOST_TEST(ttp("p50") >= ttp("min"));
    BOOST_TEST(ttp("p90") >= ttp("p50"));
    BOOST_TEST(ttp("p99") >= ttp("p90"));
    BOOST_TEST(ttp("max") >= ttp("p99"));
    BOOST_TEST(ttp("max") < 60'000'000);
    BOOST_TEST(num(j, {"latency_us", "service", "count"}) == 50);
    // Every phone fetched every file class once successfully (plus 401 rounds), and the firmware
    // because 3.2.2.1000 differs from the 3.2.2.3077 the model files ask for.
    for (const char* k : {"aastra_cfg", "model_cfg", "mac_cfg", "firmware"}) {
        BOOST_TEST_CONTEXT(k) { BOOST_TEST(num(j, {"latency_us", k, "count"}) >= 50); }
    }
    BOOST_TEST(num(j, {"latency_us", "tls", "count"}) == 0);  // plain HTTP
    BOOST_TEST(num(j, {"latency_us", "connect", "count"}) == num(j, {"throughput", "requests"}));
    BOOST_TEST(num(j, {"throughput", "requests"}) >= 200);
    BOOST_TEST(num(j, {"throughput", "status", "2xx"}) >= 200);
    BOOST_TEST(num(j, {"throughput", "bytes"}) >= 50 * 64 * 1024);
    BOOST_TEST(j.at("throughput").at("requests_per_s").to_number<double>() > 0);
    BOOST_TEST(j.at("passed").as_bool());
    BOOST_TEST(j.at("thresholds").as_array().size() == 3u);
    BOOST_TEST(r.out.find("provisioned 50 (100.00%)") != std::string::npos);

    // cms-mock saw 50 distinct phones, each identified by its User-Agent and its own login.
    auto macs = journal_values(mock, "ua_mac");
    BOOST_TEST(macs.size() == 50u);
    auto logins = journal_values(mock, "auth_user");
    BOOST_TEST(logins.count("dev1000") == 1u);
    BOOST_TEST(logins.count("dev1049") == 1u);

    // The same fleet with an impossible latency budget fails with exit code 1.
    auto strict = run_fleet({"--server", mock.http_url() + "/dms/Aastra{model}/", "--mac-start", mac_of(0), "--count",
                             "5", "--concurrency", "5", "--threshold", "p99<1us"},
                            dir);
    BOOST_TEST(strict.exit_code.value_or(-1) == 1);
    BOOST_TEST(strict.out.find("threshold p99<1us: FAILED") != std::string::npos);
    BOOST_REQUIRE(strict.report.is_object());
    BOOST_TEST(!strict.report.at("passed").as_bool());
    BOOST_TEST(num(strict.report, {"phones", "provisioned"}) == 5);

    // --duration stops the storm early: phones whose slot comes later are not started.
    auto cut = run_fleet({"--server", mock.http_url() + "/", "--mac-start", mac_of(0), "--count", "40",
                          "--storm-window", "4s", "--duration", "500ms"},
                         dir);
    BOOST_TEST(cut.exit_code.value_or(-1) == 0);
    BOOST_REQUIRE(cut.report.is_object());
    const auto started = num(cut.report, {"phones", "started"});
    BOOST_TEST(started >= 1);
    BOOST_TEST(started <= 6);  // slots every 100 ms: 0, 100, ..., 400 ms are before 500 ms
    BOOST_TEST(started + num(cut.report, {"phones", "not_started"}) == 40);
    BOOST_TEST(cut.report.at("elapsed_s").to_number<double>() < 3.0);
}

BOOST_AUTO_TEST_CASE(https_fleet_with_storm_window_and_source_addresses) {
    cms_mock_options o;
    o.config_yaml = devices_yaml(12);
    cms_mock_runner mock(o);
    temp_dir dir("fleet");
    auto r = run_fleet({"--server", mock.https_url() + "/", "--ca", mock.ca_file().string(), "--mac-start",
                        mac_of(0), "--count", "12", "--models", "6731i:1,9480i:1", "--storm-window", "600ms",
                        "--source-addresses", "127.0.0.2-127.0.0.4", "--threshold", "provisioned>=100%",
                        "--state-dir", (dir / "state").string()},
                       dir);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code.value_or(-1) == 0);
    BOOST_REQUIRE(r.report.is_object());
    BOOST_TEST(num(r.report, {"phones", "provisioned"}) == 12);
    BOOST_TEST(num(r.report, {"latency_us", "tls", "count"}) == num(r.report, {"throughput", "requests"}));
    // The storm spreads starts over 600 ms: the run takes at least 11/12 of it.
    BOOST_TEST(r.report.at("elapsed_s").to_number<double>() >= 0.55);
    // Per-phone state directories, as `boot` keeps them.
    BOOST_TEST(std::filesystem::exists(dir / "state" / mac_of(3) / "server.cfg"));
    BOOST_TEST(std::filesystem::exists(dir / "state" / mac_of(3) / "firmware.version"));
    // Connections came from the three source addresses.
    std::set<std::string> hosts;
    for (const auto& peer : journal_values(mock, "peer")) hosts.insert(peer.substr(0, peer.rfind(':')));
    BOOST_TEST(hosts == (std::set<std::string>{"127.0.0.2", "127.0.0.3", "127.0.0.4"}));
}

BOOST_AUTO_TEST_CASE(failures_are_classified_and_fail_an_error_threshold) {
    temp_dir dir("fleet");
    // Nothing listens on port 1: every phone fails to connect (one attempt each).
    auto r = run_fleet({"--server", "http://127.0.0.1:1/", "--count", "4", "--set", "retry.max_attempts=1",
                        "--threshold", "errors<0.1%"},
                       dir);
    BOOST_TEST(r.exit_code.value_or(-1) == 1);
    BOOST_REQUIRE(r.report.is_object());
    BOOST_TEST(num(r.report, {"errors", "connect"}) == 4);
    BOOST_TEST(num(r.report, {"phones", "failed"}) == 4);
    BOOST_TEST(num(r.report, {"latency_us", "ttp", "count"}) == 0);
    BOOST_TEST(r.out.find("first connect:") != std::string::npos);

    // Without a threshold the same run is a successful measurement.
    auto plain = run_fleet({"--server", "http://127.0.0.1:1/", "--count", "2", "--set", "retry.max_attempts=1"}, dir,
                           false);
    BOOST_TEST(plain.exit_code.value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
    temp_dir dir("fleet");
    for (std::vector<std::string> args :
         {std::vector<std::string>{"--server", "http://127.0.0.1:1/", "--threshold", "p99<soon"},
          std::vector<std::string>{"--server", "http://127.0.0.1:1/", "--models", "6731i:0"},
          std::vector<std::string>{"--server", "http://127.0.0.1:1/", "--models", "1234x:1"},
          std::vector<std::string>{"--server", "http://127.0.0.1:1/", "--source-addresses", "127.0.0.9-127.0.0.1"},
          std::vector<std::string>{"--server", "ftp://x/"},
          std::vector<std::string>{"--server", "http://127.0.0.1:1/", "--mac-start", "FFFFFFFFFFFF", "--count", "2"}}) {
        BOOST_TEST_CONTEXT(args[args.size() - 1]) {
            auto r = run_fleet(args, dir, false);
            BOOST_TEST(r.exit_code.value_or(-1) == 2);
            BOOST_TEST(r.err.find("phone-agent:") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
