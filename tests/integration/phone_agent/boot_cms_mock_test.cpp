// `phone-agent boot` (the real binary) against the real cms-mock: full boots over HTTP and HTTPS,
// the --json report, Digest SHA-256 and Basic rules, a wrong device password, every negative auth
// mode a phone must survive without looping, force login, 503 retries, a truncated firmware, a
// missing aastra.cfg and certificate validation. Each case checks the phone's exit code and files
// and what cms-mock journalled.
#include "cms_mock_runner.hpp"
#include "phone_agent_runner.hpp"
#include "raw_socket.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::string mac = "00085D000003";  // demo device: 9480i, dev000003 / pw000003, carol@example.com
const std::string user_agent_old = "Aastra9480i MAC:00-08-5D-00-00-03 V:3.2.2.1000-SIP";

std::string str(const json::value& v) {
    const auto& s = v.as_string();
    return std::string(s.data(), s.size());
}

std::int64_t num(const json::value& v) { return v.to_number<std::int64_t>(); }

struct journal_entry {
    std::string target, outcome, scheme, user, user_agent, fault;
    std::int64_t status = 0;
};

std::vector<journal_entry> journal(const cms_mock_runner& mock) {
    std::vector<journal_entry> out;
    const auto parsed = json::parse(http_get_body(mock.admin_url(), "/_admin/journal"));
    for (const auto& v : parsed.as_array()) {
        const auto& o = v.as_object();
        out.push_back({str(o.at("target")), str(o.at("auth_outcome")), str(o.at("auth_scheme")),
                       str(o.at("auth_user")), str(o.at("user_agent")), str(o.at("fault")), num(o.at("status"))});
    }
    return out;
}

std::size_t requests_for(const std::vector<journal_entry>& j, std::string_view file) {
    std::size_t n = 0;
    for (const auto& e : j) n += e.target.ends_with("/" + std::string(file)) ? 1u : 0u;
    return n;
}

std::string firmware_sha256(const cms_mock_runner& mock, const std::string& model) {
    const auto parsed = json::parse(http_get_body(mock.admin_url(), "/_admin/firmware"));
    for (const auto& v : parsed.as_array()) {
        if (str(v.at("model")) == model) return str(v.at("sha256"));
    }
    return {};
}

cms_mock_runner start_mock(const std::string& yaml, std::vector<std::string> extra = {}, bool https = false) {
    cms_mock_options o;
    o.config_yaml = yaml;
    o.extra_args = std::move(extra);
    o.https = https;
    return cms_mock_runner(o);
}

std::string random_bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    unsigned x = seed;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>((x >> 16) & 0xff);
    }
    return s;
}

struct phone_fixture {
    temp_dir dir{"pa-boot"};
    fs::path state = dir / "state";

    boot_options boot(const std::string& base_url) const {
        boot_options o;
        o.server = base_url + "/dms/Aastra9480i/";
        o.mac = mac;
        o.model = "9480i";
        o.state_dir = state;
        o.sets = {"retry.initial_delay=100ms"};
        return o;
    }
};

// Everything a complete first boot leaves behind, for either scheme.
void check_full_boot(cms_mock_runner& mock, const phone_fixture& phone, const std::string& base_url,
                     const std::string& scheme) {
    auto o = phone.boot(base_url);
    o.firmware = "3.2.2.1000";
    o.json = phone.dir / "boot.json";
    if (scheme == "https") o.ca = mock.ca_file();
    auto r = run_boot(o);
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));

    const auto server_cfg = read_file(phone.state / "server.cfg");
    BOOST_TEST(server_cfg.find("firmware version: 3.2.2.3077") != std::string::npos);
    BOOST_TEST(server_cfg.find("http digest username: dev000003") != std::string::npos);
    const auto local_cfg = read_file(phone.state / "local.cfg");
    BOOST_TEST(local_cfg.find(scheme + " port: " + std::to_string(port_of(base_url))) != std::string::npos, local_cfg);
    BOOST_TEST(local_cfg.find(scheme + " path: dms/Aastra9480i") != std::string::npos, local_cfg);

    const auto image = phone.state / "firmware" / "9480i.st";
    BOOST_TEST_REQUIRE(fs::exists(image));
    BOOST_TEST(fs::file_size(image) == 256u * 1024);
    const auto published = firmware_sha256(mock, "9480i");
    BOOST_TEST(published.size() == 64u);
    BOOST_TEST(sha256_of_file(image) == published);
    BOOST_TEST(r.stderr_text.find("sha256 " + published) != std::string::npos);
    BOOST_TEST(temp_files_in(phone.state / "firmware").empty());
    BOOST_TEST(temp_files_in(phone.state).empty());
    BOOST_TEST(read_file(phone.state / "firmware.version") == "3.2.2.3077\n");

    auto seq = json::parse(http_get_body(mock.admin_url(), "/_admin/devices/" + mac + "/sequence"));
    BOOST_TEST(str(seq.at("verdict")) == "ok", str(seq.at("message")));

    const auto j = journal(mock);
    BOOST_TEST(j.size() >= 4u);
    for (const auto& e : j) BOOST_TEST(e.user_agent == user_agent_old, e.target);
    BOOST_TEST(requests_for(j, "9480i.st") == 1u);
    BOOST_TEST(requests_for(j, mac + ".cfg") == 1u);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(phone_agent_boot_cms_mock, phone_fixture)

BOOST_AUTO_TEST_CASE(full_boot_over_http_then_second_boot_keeps_firmware) {
    auto mock = start_mock("");
    check_full_boot(mock, *this, mock.http_url(), "http");

    // Second boot without --firmware: the committed image is the running one, nothing downloaded.
    const auto before = journal(mock).size();
    auto o = boot(mock.http_url());
    o.json = dir / "second.json";
    auto r = run_boot(o);
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), tail(r.stderr_text));
    const auto j = journal(mock);
    BOOST_TEST(j.size() > before);
    BOOST_TEST(requests_for(j, "9480i.st") == 1u);  // still only the first boot's download
    auto report = json::parse(read_file(dir / "second.json"));
    bool saw_firmware = false;
    for (const auto& s : report.at("steps").as_array()) {
        if (str(s.at("step")) == "firmware") {
            saw_firmware = true;
            BOOST_TEST(str(s.at("result")) == "unchanged");
        }
    }
    BOOST_TEST(saw_firmware);
}

BOOST_AUTO_TEST_CASE(full_boot_over_https_and_json_report) {
    auto mock = start_mock("", {}, true);
    check_full_boot(mock, *this, mock.https_url(), "https");

    auto report = json::parse(read_file(dir / "boot.json"));
    BOOST_TEST(str(report.at("user_agent")) == user_agent_old);
    BOOST_TEST(str(report.at("status")) == "provisioned");
    BOOST_TEST(num(report.at("exit_code")) == 0);
    BOOST_TEST(str(report.at("firmware")) == "3.2.2.3077");
    BOOST_TEST(report.at("kept_last_good").as_bool() == false);
    std::vector<std::string> steps;
    for (const auto& s : report.at("steps").as_array()) {
        steps.push_back(str(s.at("step")));
        if (str(s.at("step")) == "firmware") {
            BOOST_TEST(str(s.at("result")) == "ok");
            BOOST_TEST(num(s.at("bytes")) == 256 * 1024);
            BOOST_TEST(num(s.at("http_status")) == 200);
        }
        if (str(s.at("step")) == "global_cfg") {
            BOOST_TEST(s.at("attempts").as_array().size() == 2u);  // 401, then the answer
            BOOST_TEST(s.at("auth").as_array().size() >= 2u);
        }
    }
    const std::vector<std::string> expected{"global_cfg", "model_cfg", "mac_cfg", "firmware", "user_certificates"};
    BOOST_TEST(steps == expected, boost::test_tools::per_element());
    const auto& exchanges = report.at("exchanges").as_array();
    BOOST_TEST(exchanges.size() >= 5u);
    for (const auto& e : exchanges) {
        BOOST_TEST(str(e.at("tls_version")).starts_with("TLSv1."), str(e.at("file")));
        BOOST_TEST(!str(e.at("tls_cipher")).empty());
        BOOST_TEST(str(e.at("peer")).starts_with("127.0.0.1:"));
    }
    BOOST_TEST(str(exchanges.back().at("file")) == "9480i.st");
    BOOST_TEST(exchanges.back().at("authorized").as_bool());
    bool committed_note = false;
    for (const auto& n : report.at("notes").as_array()) committed_note |= str(n).find("committed") != std::string::npos;
    BOOST_TEST(committed_note);
}

BOOST_AUTO_TEST_CASE(sha256_digest_rules) {
    auto mock = start_mock(R"(
auth:
  rules:
    - {path: "*", file: aastra_cfg, scheme: digest, algorithms: [SHA-256], credentials: shared}
    - {path: "*", file: any, scheme: digest, algorithms: [SHA-256], credentials: device}
)");
    auto o = boot(mock.http_url());
    o.firmware = "3.2.2.1000";
    auto r = run_boot(o);
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("SHA-256") != std::string::npos);
    const auto j = journal(mock);
    std::size_t ok = 0;
    for (const auto& e : j) {
        BOOST_TEST(e.outcome != "bad_password", e.target);
        if (e.outcome == "ok") {
            ++ok;
            BOOST_TEST(e.scheme == "Digest");
        }
    }
    BOOST_TEST(ok == 4u);  // aastra.cfg, 9480i.cfg, MAC.cfg, firmware
    BOOST_TEST(sha256_of_file(state / "firmware" / "9480i.st") == firmware_sha256(mock, "9480i"));
}

BOOST_AUTO_TEST_CASE(basic_rules) {
    auto mock = start_mock(R"(
auth:
  rules:
    - {path: "*", file: aastra_cfg, scheme: basic, credentials: shared}
    - {path: "*", file: any, scheme: basic, credentials: device}
)");
    auto o = boot(mock.http_url());
    o.firmware = "3.2.2.1000";
    auto r = run_boot(o);
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), tail(r.stderr_text));
    const auto j = journal(mock);
    std::size_t ok = 0;
    for (const auto& e : j) {
        if (e.outcome == "ok") {
            ++ok;
            BOOST_TEST(e.scheme == "Basic");
            BOOST_TEST((e.user == "aastra" || e.user == "dev000003"), e.user);
        }
    }
    BOOST_TEST(ok == 4u);
    BOOST_TEST(fs::exists(state / "firmware" / "9480i.st"));
}

BOOST_AUTO_TEST_CASE(wrong_device_password_fails_once_without_loop) {
    // The tree tells the phone a device password cms-mock does not accept.
    dir.write("tree/aastra.cfg", "http digest username: dev1\nhttp digest password: wrongpass\n");
    dir.write("tree/9480i.cfg", "firmware version: 3.2.2.3077\n");
    dir.write("tree/mac.cfg.template", "sip line1 auth name: {{mac}}\n");
    auto mock = start_mock(R"(
devices:
  - {mac: 00085D000003, model: 9480i, device: {username: dev1, password: rightpass}}
)", {"--root", (dir / "tree").string()});
    auto o = boot(mock.http_url());
    o.firmware = "3.2.2.1000";
    auto r = run_boot(o);
    BOOST_TEST((r.exit_code && *r.exit_code == 5), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("BroadWorks") != std::string::npos);
    BOOST_TEST(r.stderr_text.find("dev1") != std::string::npos);
    const auto j = journal(mock);
    BOOST_TEST(requests_for(j, "9480i.cfg") == 2u);
    BOOST_TEST(requests_for(j, mac + ".cfg") == 0u);
    BOOST_TEST(requests_for(j, "9480i.st") == 0u);
    BOOST_TEST(!fs::exists(state / "server.cfg"));  // nothing of a failed run is applied
}

BOOST_AUTO_TEST_CASE(negative_auth_modes_never_loop) {
    struct mode_case {
        const char* mode;
        int exit;
        std::size_t aastra_requests;
    };
    const mode_case cases[] = {
        {"stale_with_flag", 0, 3},     // 401, stale answer, one retry with the new nonce
        {"stale_without_flag", 5, 2},  // 401, answer declared stale without the flag: give up
        {"endless_401", 5, 2},
        {"no_challenge", 5, 1},
        {"unsupported_algorithm", 5, 1},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("negative " << c.mode) {
            temp_dir phone_state("pa-neg");
            auto mock = start_mock(std::string(R"(
auth:
  rules:
    - {path: "*", file: aastra_cfg, scheme: digest, algorithms: [SHA-256], credentials: shared, negative: )") +
                                   c.mode + R"(}
    - {path: "*", file: any, scheme: digest, algorithms: [SHA-256], credentials: device}
)");
            auto o = boot(mock.http_url());
            o.state_dir = phone_state.path();
            auto r = run_boot(o, 20s);
            BOOST_TEST((r.exit_code && *r.exit_code == c.exit), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text, 300));
            const auto j = journal(mock);
            BOOST_TEST(requests_for(j, "aastra.cfg") == c.aastra_requests);
            std::size_t stale = 0;
            for (const auto& e : j) stale += e.outcome == "stale" ? 1u : 0u;
            if (std::string_view(c.mode) == "stale_with_flag") {
                BOOST_TEST(stale == 1u);
                BOOST_TEST(requests_for(j, mac + ".cfg") == 1u);
            } else {
                BOOST_TEST(requests_for(j, "9480i.cfg") == 0u);
                BOOST_TEST(r.stderr_text.find("auth_failed") != std::string::npos);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(force_login_then_login) {
    auto mock = start_mock("auth: {force_login: true}\n");
    auto o = boot(mock.http_url());
    auto r = run_boot(o);
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 7), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("force login") != std::string::npos);

    o.login = "carol@example.com:1234";
    auto second = run_boot(o);
    BOOST_TEST_REQUIRE((second.exit_code && *second.exit_code == 0),
                       "exit " << second.exit_code.value_or(-1) << ": " << tail(second.stderr_text));
    const auto local_cfg = read_file(state / "local.cfg");
    BOOST_TEST(local_cfg.find("http digest username: carol@example.com") != std::string::npos, local_cfg);
    BOOST_TEST(local_cfg.find("http digest password: 1234") != std::string::npos, local_cfg);
    BOOST_TEST(read_file(state / "server.cfg").find("http digest force login: 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unavailable_aastra_cfg_is_retried) {
    // Seed 9 rolls pass, fail, pass, pass for the four aastra.cfg requests: one 503 with
    // Retry-After: 1, then the 401 and the answer.
    auto mock = start_mock(R"(
random_seed: 9
faults:
  - {path: "*aastra.cfg", probability: 0.5, unavailable: 1s}
)");
    auto o = boot(mock.http_url());
    const auto start = std::chrono::steady_clock::now();
    auto r = run_boot(o);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    const auto j = journal(mock);
    std::size_t unavailable = 0;
    for (const auto& e : j) unavailable += e.status == 503 ? 1u : 0u;
    BOOST_TEST(unavailable == 1u);
    BOOST_TEST(requests_for(j, "aastra.cfg") == 4u);
    BOOST_TEST(r.stderr_text.find("Retry-After 1 s") != std::string::npos);
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() >= 950);
}

BOOST_AUTO_TEST_CASE(truncated_firmware_keeps_old_image) {
    const auto old_image = random_bytes(100000, 7);
    dir.write("state/firmware/9480i.st", old_image);
    dir.write("state/server.cfg", "# previous server layer\nfirmware version: 3.2.2.1000\n");
    auto mock = start_mock(R"(
faults:
  - {path: "*.st", truncate: true}
)");
    auto o = boot(mock.http_url());
    o.firmware = "3.2.2.1000";
    o.sets.push_back("retry.max_attempts=2");
    auto r = run_boot(o);
    // A body shorter than its Content-Length is a network failure (exit 3), retried then given up.
    BOOST_TEST((r.exit_code && *r.exit_code == 3), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("truncated") != std::string::npos);
    BOOST_TEST(requests_for(journal(mock), "9480i.st") >= 2u);
    BOOST_TEST(temp_files_in(state / "firmware").empty());
    BOOST_TEST(read_file(state / "firmware" / "9480i.st") == old_image);
    BOOST_TEST(read_file(state / "server.cfg") == "# previous server layer\nfirmware version: 3.2.2.1000\n");
    BOOST_TEST(!fs::exists(state / "firmware.version"));
}

BOOST_AUTO_TEST_CASE(missing_aastra_cfg_keeps_previous_configuration) {
    fs::create_directories(dir / "empty-tree");
    const std::string previous = "# previous server layer\nfirmware version: 3.2.2.3077\n";
    dir.write("state/server.cfg", previous);
    auto mock = start_mock("", {"--root", (dir / "empty-tree").string()});
    auto r = run_boot(boot(mock.http_url()));
    BOOST_TEST((r.exit_code && *r.exit_code == 6), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(read_file(state / "server.cfg") == previous);
    const auto j = journal(mock);
    BOOST_TEST(requests_for(j, "aastra.cfg") == 2u);  // the 401, then the answer's 404: not retried
    BOOST_TEST_REQUIRE(!j.empty());
    BOOST_TEST(j.back().status == 404);
    BOOST_TEST(r.stderr_text.find("kept the last good configuration") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(untrusted_certificate_then_validation_off_in_local_cfg) {
    auto mock = start_mock("", {}, true);
    auto o = boot(mock.https_url());
    auto r = run_boot(o);  // no --ca: cms-mock's development CA is unknown
    BOOST_TEST((r.exit_code && *r.exit_code == 4), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("certificate verify failed") != std::string::npos, tail(r.stderr_text, 300));
    BOOST_TEST(r.stderr_text.find("Bad Certificate") != std::string::npos, tail(r.stderr_text, 300));
    BOOST_TEST(journal(mock).empty());  // nothing reached HTTP
    BOOST_TEST(!fs::exists(state / "server.cfg"));

    // The phone's local layer may switch validation off (`https validate certificates: 0`), and a
    // previously persisted local.cfg is the local layer of the next boot.
    dir.write("state/local.cfg", "https validate certificates: 0\n");
    auto second = run_boot(o);
    BOOST_TEST((second.exit_code && *second.exit_code == 0), "exit " << second.exit_code.value_or(-1) << ": " << tail(second.stderr_text));
    BOOST_TEST(read_file(state / "local.cfg").find("https validate certificates: 0") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
