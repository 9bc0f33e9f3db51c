// `phone-agent fleet` beyond the basic storm, against the real cms-mock: keep-alive (one connection
// per phone in cms-mock's journal), TLS resumption across resyncs, a --devices CSV with each
// phone's own login, --shard, the open model's arrival rate, the progress line on a terminal
// (a pseudo-terminal from Python's pty module), the generator's self-health figures, a server
// given by host name and the TLS offer settings (tls.groups).
#include "cms_mock_runner.hpp"
#include "fleet_devices.hpp"
#include "phone_agent_runner.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string mac_of(unsigned i) { return fleet_mac(0x100000u, i); }

std::string login_of(unsigned i) { return std::to_string(1000 + i); }

std::string devices_yaml(unsigned count) { return fleet_devices_yaml(count, 0x100000u, 1000, "16KiB"); }

cms_mock_runner start_mock(unsigned devices, bool https) {
    cms_mock_options o;
    o.config_yaml = devices_yaml(devices);
    o.https = https;
    return cms_mock_runner(o);
}

std::vector<std::string> fleet_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv{binary_path("phone-agent/phone-agent").string(), "fleet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

struct fleet_run {
    std::optional<int> exit_code;
    std::string out, err;
    json::value report;
};

fleet_run run_fleet(std::vector<std::string> args, const temp_dir& dir) {
    const auto json_file = dir / "fleet.json";
    std::filesystem::remove(json_file);
    args.insert(args.end(), {"--json", json_file.string()});
    auto r = run(fleet_argv(args), 120s);
    fleet_run out{r.exit_code, r.stdout_text, r.stderr_text, {}};
    BOOST_TEST_MESSAGE("fleet stdout:\n" << r.stdout_text << "\nstderr:\n" << r.stderr_text);
    if (std::filesystem::exists(json_file)) out.report = json::parse(read_file(json_file));
    return out;
}

struct journal_row {
    std::string peer, ua_mac, target, auth_user;
};

std::vector<journal_row> journal(const cms_mock_runner& mock) {
    auto r = run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=100000"}, 20s, "");
    auto parsed = json::parse(r.stdout_text);
    std::vector<journal_row> rows;
    auto str = [](const json::value& v) { return std::string(v.as_string().data(), v.as_string().size()); };
    for (const auto& v : parsed.as_array()) {
        const auto& o = v.as_object();
        rows.push_back({str(o.at("peer")), str(o.at("ua_mac")), str(o.at("target")), str(o.at("auth_user"))});
    }
    return rows;
}

std::int64_t num(const json::value& v, std::initializer_list<const char*> path) {
    const json::value* cur = &v;
    for (const char* key : path) cur = &cur->as_object().at(key);
    return cur->is_int64() ? cur->as_int64() : static_cast<std::int64_t>(cur->to_number<double>());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phone_agent_fleet_options)

BOOST_AUTO_TEST_CASE(keep_alive_one_connection_per_phone) {
    auto mock = start_mock(10, false);
    temp_dir dir("fleet-opt");
    auto r = run_fleet({"--server", mock.http_url() + "/dms/Aastra{model}/", "--mac-start", mac_of(0), "--count", "10",
                        "--models", "6731i:1,9480i:1", "--firmware", "3.2.2.1000", "--keep-alive",
                        "--threshold", "provisioned>=100%"},
                       dir);
    BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0, r.err);
    const auto rows = journal(mock);
    std::map<std::string, std::set<std::string>> peers_by_phone;
    for (const auto& row : rows) peers_by_phone[row.ua_mac].insert(row.peer);
    BOOST_TEST(peers_by_phone.size() == 10u);
    for (const auto& [mac, peers] : peers_by_phone) BOOST_TEST(peers.size() == 1u, mac);
    const auto requests = num(r.report, {"throughput", "requests"});
    BOOST_TEST(requests == static_cast<std::int64_t>(rows.size()));
    BOOST_TEST(num(r.report, {"connections", "reused"}) == requests - 10);
    BOOST_TEST(r.report.at("plan").at("keep_alive").as_bool());
    BOOST_TEST(r.out.find("connections: " + std::to_string(requests - 10) + " reused") != std::string::npos);
}

// A phone resyncing within seconds keeps its idle connection from one boot to the next (one peer
// address per phone over all its boots); at longer intervals each boot opens its own.
BOOST_AUTO_TEST_CASE(keep_alive_spans_resyncs_only_when_they_are_seconds_apart) {
    for (const auto& [interval, one_connection] : {std::pair{"300ms", true}, std::pair{"6s", false}}) {
        BOOST_TEST_CONTEXT("--resync-interval " << interval) {
            auto mock = start_mock(3, false);
            temp_dir dir("fleet-opt");
            std::vector<std::string> args{"--server", mock.http_url() + "/dms/Aastra{model}/", "--mac-start",
                                          mac_of(0), "--count", "3", "--models", "6731i:1,9480i:1", "--firmware",
                                          "3.2.2.1000", "--keep-alive", "--resyncs", "1", "--resync-interval",
                                          interval, "--threshold", "provisioned>=100%"};
            auto r = run_fleet(args, dir);
            BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0, r.err);
            BOOST_TEST(num(r.report, {"phones", "provisioned"}) == 6);
            std::map<std::string, std::set<std::string>> peers_by_phone;
            for (const auto& row : journal(mock)) peers_by_phone[row.ua_mac].insert(row.peer);
            BOOST_TEST(peers_by_phone.size() == 3u);
            for (const auto& [mac, peers] : peers_by_phone) BOOST_TEST(peers.size() == (one_connection ? 1u : 2u), mac);
            const auto requests = num(r.report, {"throughput", "requests"});
            BOOST_TEST(num(r.report, {"connections", "reused"}) == requests - (one_connection ? 3 : 6));
        }
    }
}

BOOST_AUTO_TEST_CASE(tls_sessions_resume_across_resyncs) {
    auto mock = start_mock(4, true);
    temp_dir dir("fleet-opt");
    auto r = run_fleet({"--server", mock.https_url() + "/", "--ca", mock.ca_file().string(), "--mac-start", mac_of(0),
                        "--count", "4", "--resyncs", "2", "--resync-interval", "400ms", "--tls-resumption",
                        "--threshold", "provisioned>=100%"},
                       dir);
    BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0, r.err);
    BOOST_TEST(num(r.report, {"plan", "boots"}) == 12);
    BOOST_TEST(num(r.report, {"phones", "started"}) == 12);
    BOOST_TEST(num(r.report, {"phones", "provisioned"}) == 12);
    BOOST_TEST(num(r.report, {"latency_us", "ttp", "count"}) == 12);
    // Boot k of a phone is meant at k * 400 ms: the run cannot be shorter than the last one's slot.
    BOOST_TEST(r.report.at("elapsed_s").to_number<double>() >= 0.8);
    // Every connection after a phone's first is offered its session; cms-mock resumes them.
    const auto handshakes = num(r.report, {"connections", "tls_handshakes"});
    BOOST_TEST(handshakes == num(r.report, {"throughput", "requests"}));
    BOOST_TEST(num(r.report, {"connections", "tls_resumed"}) == handshakes - 4);
    BOOST_TEST(journal(mock).size() == static_cast<std::size_t>(handshakes));
}

// The agent's TLS offer settings reach every phone of a fleet: against a cms-mock that accepts only
// P-384, phones offering only X25519 fail as TLS errors and phones offering P-384 provision; a group
// OpenSSL does not know is a usage error before the first phone starts.
BOOST_AUTO_TEST_CASE(tls_groups_apply_to_every_phone) {
    cms_mock_options o;
    o.config_yaml = devices_yaml(3) + "tls:\n  groups: P-384\n";
    cms_mock_runner mock(o);
    temp_dir dir("fleet-opt");
    const std::vector<std::string> common{"--server", mock.https_url() + "/", "--ca", mock.ca_file().string(),
                                          "--mac-start", mac_of(0), "--count", "3", "--set",
                                          "retry.max_attempts=1"};
    auto with = [&](const std::string& groups) {
        auto args = common;
        args.insert(args.end(), {"--set", "tls.groups=" + groups});
        return run_fleet(args, dir);
    };
    const auto refused = with("X25519");
    BOOST_TEST(refused.exit_code.value_or(-1) == 0, refused.err);
    BOOST_TEST(num(refused.report, {"phones", "failed"}) == 3);
    BOOST_TEST(num(refused.report, {"errors", "tls"}) >= 3);
    const auto accepted = with("X25519:P-384");
    BOOST_TEST(accepted.exit_code.value_or(-1) == 0, accepted.err);
    BOOST_TEST(num(accepted.report, {"phones", "provisioned"}) == 3);
    BOOST_TEST(num(accepted.report, {"errors", "tls"}) == 0);

    const auto unknown = with("X25519:NOPE");
    BOOST_TEST(unknown.exit_code.value_or(-1) == 2);
    BOOST_TEST(unknown.err.find("tls.groups 'X25519:NOPE'") != std::string::npos, unknown.err);
    BOOST_TEST(unknown.out.find("provisioned") == std::string::npos, unknown.out);
}

// An IP literal is connected to without a lookup; a host name still goes through the resolver.
BOOST_AUTO_TEST_CASE(server_given_by_host_name) {
    auto mock = start_mock(2, false);
    temp_dir dir("fleet-opt");
    std::string url = mock.http_url();
    url.replace(url.find("127.0.0.1"), std::string_view("127.0.0.1").size(), "localhost");
    auto r = run_fleet({"--server", url + "/dms/Aastra{model}/", "--mac-start", mac_of(0), "--count", "2",
                        "--models", "6731i:1", "--firmware", "3.2.2.1000", "--threshold", "provisioned>=100%"},
                       dir);
    BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0, r.err);
    BOOST_TEST(num(r.report, {"phones", "provisioned"}) == 2);
    BOOST_TEST(journal(mock).size() == static_cast<std::size_t>(num(r.report, {"throughput", "requests"})));
}

BOOST_AUTO_TEST_CASE(devices_csv_with_own_logins) {
    auto mock = start_mock(6, false);
    temp_dir dir("fleet-opt");
    std::string csv = "# phones of the lab\nmac,model,username,password,firmware\n";
    for (unsigned i = 0; i < 6; ++i) {
        csv += mac_of(i) + "," + (i % 2 ? "9480i" : "6731i") + ",dev" + login_of(i) + ",pw" + login_of(i) +
               ",3.2.2.3077\n";
    }
    const auto file = dir.write("devices.csv", csv);
    auto r = run_fleet({"--server", mock.http_url() + "/dms/Aastra{model}/", "--devices", file.string(),
                        "--threshold", "provisioned>=100%"},
                       dir);
    BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0, r.err);
    BOOST_TEST(num(r.report, {"plan", "models", "9480i"}) == 3);
    BOOST_TEST(num(r.report, {"latency_us", "firmware", "count"}) == 0);  // firmware from the CSV is current
    // Even aastra.cfg was answered with the phone's own login, never the shared aastra/aastra.
    std::set<std::string> users;
    for (const auto& row : journal(mock)) {
        if (!row.auth_user.empty()) users.insert(row.auth_user);
    }
    BOOST_TEST(users.count("aastra") == 0u);
    BOOST_TEST(users.count("dev1000") == 1u);
    BOOST_TEST(users.count("dev1005") == 1u);

    // Errors name the file and the line.
    const auto bad = dir.write("bad.csv", "mac,model\n" + mac_of(0) + ",9480i\n" + mac_of(1) + ",8888i\n");
    auto e = run(fleet_argv({"--server", mock.http_url() + "/", "--devices", bad.string()}), 30s);
    BOOST_TEST(e.exit_code.value_or(-1) == 2);
    BOOST_TEST(e.stderr_text.find("bad.csv:3: model:") != std::string::npos, e.stderr_text);
    const auto nocert = dir.write("nocert.csv", "mac,client_cert\n" + mac_of(0) + ",missing.pem\n");
    e = run(fleet_argv({"--server", mock.http_url() + "/", "--devices", nocert.string()}), 30s);
    BOOST_TEST(e.exit_code.value_or(-1) == 2);
    BOOST_TEST(e.stderr_text.find("nocert.csv:2: '") != std::string::npos, e.stderr_text);
    BOOST_TEST(e.stderr_text.find("missing.pem': cannot be read") != std::string::npos, e.stderr_text);
    e = run(fleet_argv({"--server", mock.http_url() + "/", "--devices", file.string(), "--count", "3"}), 30s);
    BOOST_TEST(e.exit_code.value_or(-1) == 2);
}

BOOST_AUTO_TEST_CASE(shard_runs_its_block_of_phones) {
    auto mock = start_mock(20, false);
    temp_dir dir("fleet-opt");
    auto r = run_fleet({"--server", mock.http_url() + "/", "--mac-start", mac_of(0), "--count", "20", "--shard", "1/4",
                        "--threshold", "provisioned>=100%"},
                       dir);
    BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0, r.err);
    std::set<std::string> macs;
    for (const auto& row : journal(mock)) macs.insert(row.ua_mac);
    std::set<std::string> expected;
    for (unsigned i = 5; i < 10; ++i) expected.insert(mac_of(i));
    BOOST_TEST(macs == expected);
    BOOST_TEST(num(r.report, {"plan", "fleet_size"}) == 20);
    BOOST_TEST(num(r.report, {"plan", "phones"}) == 5);
    auto e = run(fleet_argv({"--server", mock.http_url() + "/", "--count", "20", "--shard", "4/4"}), 30s);
    BOOST_TEST(e.exit_code.value_or(-1) == 2);
    BOOST_TEST(e.stderr_text.find("--shard '4/4'") != std::string::npos, e.stderr_text);
}

BOOST_AUTO_TEST_CASE(open_model_arrival_rate) {
    auto mock = start_mock(10, false);
    temp_dir dir("fleet-opt");
    // 0 -> 20 phones/s over 1 s: phone i (from 0) starts at sqrt(i / 10) s, the last at 0.949 s.
    auto r = run_fleet({"--server", mock.http_url() + "/", "--mac-start", mac_of(0), "--count", "10", "--arrival-rate",
                        "0", "--ramp", "1s:20", "--threshold", "provisioned>=100%", "--html",
                        (dir / "fleet.html").string()},
                       dir);
    BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0, r.err);
    // The run lasts at least until the last start (0.95 s also needed the last boot to take 1.3 ms,
    // which a faster cms-mock no longer did).
    BOOST_TEST(r.report.at("elapsed_s").to_number<double>() >= 0.948);
    BOOST_TEST(num(r.report, {"plan", "ramp_stages"}) == 1);
    BOOST_TEST(num(r.report, {"phones", "provisioned"}) == 10);
    // The generator's own figures are in the report.
    const auto& g = r.report.at("generator");
    BOOST_TEST(g.at("cpu_share").to_number<double>() > 0.0);
    BOOST_TEST(num(r.report, {"generator", "peak_open_fds"}) > 2);
    // --html: the summary and inline SVG plots, nothing fetched from elsewhere.
    const auto html = read_file(dir / "fleet.html");
    BOOST_TEST(html.find("provisioned 10 (100.00%)") != std::string::npos);
    BOOST_TEST(html.find("<svg") != std::string::npos);
    BOOST_TEST(html.find("Time to provisioned") != std::string::npos);
    BOOST_TEST(html.find("ttp (microsecond samples") != std::string::npos);
    BOOST_TEST(html.find("<script") == std::string::npos);
    auto e = run(fleet_argv({"--server", mock.http_url() + "/", "--arrival-rate", "fast"}), 30s);
    BOOST_TEST(e.exit_code.value_or(-1) == 2);
    e = run(fleet_argv({"--server", mock.http_url() + "/", "--arrival-rate", "5", "--storm-window", "1s"}), 30s);
    BOOST_TEST(e.exit_code.value_or(-1) == 2);
    e = run(fleet_argv({"--server", mock.http_url() + "/", "--resyncs", "2"}), 30s);
    BOOST_TEST(e.exit_code.value_or(-1) == 2);
    BOOST_TEST(e.stderr_text.find("--resync-interval") != std::string::npos, e.stderr_text);
}

BOOST_AUTO_TEST_CASE(progress_line_on_a_terminal_and_in_a_pipe) {
    auto mock = start_mock(4, false);
    temp_dir dir("fleet-opt");
    auto args = fleet_argv({"--server", mock.http_url() + "/", "--mac-start", mac_of(0), "--count", "4",
                            "--arrival-rate", "2"});
    // Through a pipe: whole lines.
    auto piped = run(args, 60s);
    BOOST_TEST_REQUIRE(piped.exit_code.value_or(-1) == 0, piped.stderr_text);
    const bool has_line = piped.stderr_text.find("\nfleet ") != std::string::npos || piped.stderr_text.starts_with("fleet ");
    BOOST_TEST(has_line, piped.stderr_text);
    BOOST_TEST(piped.stderr_text.find('\r') == std::string::npos);
    // On a pseudo-terminal: rewritten in place.
    std::vector<std::string> tty{"python3", "-c", "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)"};
    tty.insert(tty.end(), args.begin(), args.end());
    auto on_tty = run(tty, 60s);
    BOOST_TEST_REQUIRE(on_tty.exit_code.value_or(-1) == 0, on_tty.stdout_text);
    BOOST_TEST(on_tty.stdout_text.find("\rfleet ") != std::string::npos, on_tty.stdout_text);
    BOOST_TEST(on_tty.stdout_text.find("\x1b[K") != std::string::npos);
    BOOST_TEST(on_tty.stdout_text.find("cpu ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(prometheus_metrics_while_running) {
    auto mock = start_mock(6, false);
    process_options p;
    // 6 phones at 2/s: about 2.5 s of run time to scrape in.
    p.argv = fleet_argv({"--server", mock.http_url() + "/", "--mac-start", mac_of(0), "--count", "6", "--arrival-rate",
                         "2", "--metrics", "127.0.0.1:0"});
    child_process fleet(p);
    std::optional<std::string> announced;
    for (int i = 0; i < 20 && !announced; ++i) {
        auto line = fleet.read_stderr_line(5s);
        if (!line) break;
        if (line->find("fleet: metrics http://") != std::string::npos) announced = line;
    }
    BOOST_TEST_REQUIRE(announced.has_value(), fleet.stderr_text());
    const auto url = announced->substr(announced->find("http://"));
    const auto base = url.substr(0, url.rfind("/metrics"));
    // Scrape until at least one boot finished, as Prometheus would every few seconds.
    std::string text;
    for (int i = 0; i < 100; ++i) {
        text = http_get_body(base, "/metrics");
        if (text.find("phone_agent_fleet_boots_provisioned_total 0\n") == std::string::npos) break;
        std::this_thread::sleep_for(50ms);
    }
    BOOST_TEST(text.find("# TYPE phone_agent_fleet_boots_started_total counter") != std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_boots_planned 6\n") != std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_boots_provisioned_total 0\n") == std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_latency_seconds{metric=\"ttp\",quantile=\"0.99\"}") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_responses_total{class=\"2xx\"}") != std::string::npos);
    BOOST_TEST(text.find("phone_agent_fleet_boots_failed_total{reason=\"connect\"} 0") != std::string::npos);
    // Phones (not boots) provisioned and arrived so far, and the peak in flight: at least one each.
    BOOST_TEST(text.find("phone_agent_fleet_phones_provisioned_total 0\n") == std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_phones_provisioned_total ") != std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_phones_arrived_total 0\n") == std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_boots_in_flight_peak 0\n") == std::string::npos, text);
    BOOST_TEST(text.find("phone_agent_fleet_boots_in_flight_peak ") != std::string::npos, text);
    // Every sample line is `name{labels} value`.
    const std::regex sample(R"(^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$)");
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto eol = text.find('\n', pos);
        const auto l = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (!l.starts_with("#")) BOOST_TEST(std::regex_match(l, sample), l);
    }
    BOOST_TEST(fleet.wait(60s).value_or(-1) == 0, fleet.stderr_text());
    auto bad = run(fleet_argv({"--server", mock.http_url() + "/", "--metrics", "nowhere"}), 30s);
    BOOST_TEST(bad.exit_code.value_or(-1) == 2);
    BOOST_TEST(bad.stderr_text.find("--metrics") != std::string::npos, bad.stderr_text);
}

BOOST_AUTO_TEST_SUITE_END()
