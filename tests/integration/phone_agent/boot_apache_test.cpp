// `phone-agent boot` against Apache httpd's mod_auth_digest: a Digest server written by others
// (nonces with a 5 s lifetime, Authentication-Info with nextnonce), files from a plain DocumentRoot.
#include "apache_digest.hpp"
#include "phone_agent_runner.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <sstream>
#include <string>

using namespace test_support;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string user_agent = "Aastra9480i MAC:00-08-5D-00-00-03 V:3.2.2.3077-SIP";

std::string firmware_bytes() {
    std::string s(300 * 1024, '\0');
    unsigned x = 12345;
    for (auto& c : s) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

apache_options tree(const std::string& device_password_in_aastra_cfg) {
    apache_options o;
    o.files["aastra.cfg"] = "http digest username: dev1\nhttp digest password: " + device_password_in_aastra_cfg + "\n";
    o.files["9480i.cfg"] = "firmware version: 3.2.2.4000\n";
    o.files["00085D000003.cfg"] = "sip line1 auth name: 1001\nsip line1 display name: \"Carol\"\n";
    o.files["9480i.st"] = firmware_bytes();
    o.users = {{"aastra", "aastra"}, {"dev1", "secret"}};
    return o;
}

std::size_t log_lines_for(const std::string& log, const std::string& path) {
    return count_occurrences(log, "\"GET " + path + " HTTP/1.1\"");
}

struct require_apache {
    require_apache() {
        auto missing = apache_server::missing();
        BOOST_TEST_REQUIRE(!missing, "not installed: " << missing.value_or("") << " (scripts/install-deps.sh)");
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(phone_agent_boot_apache, require_apache)

BOOST_AUTO_TEST_CASE(digest_boot_with_firmware) {
    apache_server apache(tree("secret"));
    temp_dir phone("pa-apache-phone");
    boot_options o;
    o.server = apache.url() + "/";
    o.state_dir = phone / "state";
    o.firmware = "3.2.2.3077";
    o.sets = {"retry.initial_delay=100ms"};
    auto r = run_boot(o);
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0),
                       "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text) << " | " << tail(apache.error_log(), 200));
    BOOST_TEST(read_file(phone / "state" / "firmware" / "9480i.st") == firmware_bytes());
    BOOST_TEST(read_file(phone / "state" / "firmware.version") == "3.2.2.4000\n");
    BOOST_TEST(read_file(phone / "state" / "server.cfg").find("sip line1 auth name: 1001") != std::string::npos);

    const auto log = apache.access_log();
    std::istringstream lines(log);
    std::size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) {
        BOOST_TEST(line.find("\"" + user_agent + "\"") != std::string::npos, line.substr(0, 160));
        BOOST_TEST((line.find("\" 200 ") != std::string::npos || line.find("\" 401 ") != std::string::npos),
                   line.substr(0, 160));
    }
    BOOST_TEST(n >= 4u);
    BOOST_TEST(log.find("\"GET /aastra.cfg HTTP/1.1\" 200 56 \"" + user_agent + "\" user=aastra") != std::string::npos,
               tail(log, 300));
    BOOST_TEST(log.find("\"GET /9480i.st HTTP/1.1\" 200 " + std::to_string(300 * 1024)) != std::string::npos, tail(log, 300));
    BOOST_TEST(log.find("user=dev1") != std::string::npos);
    BOOST_TEST(log_lines_for(log, "/9480i.st") <= 2u);
    BOOST_TEST(apache.error_log().find("nonce") == std::string::npos, tail(apache.error_log(), 300));
}

BOOST_AUTO_TEST_CASE(wrong_password_fails_without_loop) {
    apache_server apache(tree("not-the-password"));
    temp_dir phone("pa-apache-phone");
    boot_options o;
    o.server = apache.url() + "/";
    o.state_dir = phone / "state";
    o.firmware = "3.2.2.3077";
    auto r = run_boot(o);
    BOOST_TEST((r.exit_code && *r.exit_code == 5), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("BroadWorks") != std::string::npos);
    BOOST_TEST(r.stderr_text.find("dev1") != std::string::npos);
    const auto log = apache.access_log();
    BOOST_TEST(log_lines_for(log, "/aastra.cfg") == 2u);
    BOOST_TEST(log_lines_for(log, "/9480i.cfg") == 2u, tail(log, 300));
    BOOST_TEST(log_lines_for(log, "/00085D000003.cfg") == 0u);
    BOOST_TEST(!fs::exists(phone / "state" / "server.cfg"));
}

BOOST_AUTO_TEST_SUITE_END()
