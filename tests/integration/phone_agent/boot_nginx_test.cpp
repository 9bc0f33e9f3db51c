// `phone-agent boot` against nginx over HTTPS (a private CA issued at test time) with auth_basic:
// the phone answers Basic, trusts the server only through --ca, and never loops on a 401.
#include "nginx_server.hpp"
#include "phone_agent_runner.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

using namespace test_support;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string user_agent = "Aastra9480i MAC:00-08-5D-00-00-03 V:3.2.2.3077-SIP";

nginx_options tree(const std::string& device_password_in_aastra_cfg) {
    nginx_options o;
    o.files["aastra.cfg"] = "http digest username: dev1\nhttp digest password: " + device_password_in_aastra_cfg + "\n";
    o.files["9480i.cfg"] = "firmware version: 3.2.2.4000\n";
    o.files["00085D000003.cfg"] = "sip line1 auth name: 1001\n";
    o.files["9480i.st"] = std::string(200 * 1024, 'F');
    o.users = {{"aastra", "aastra"}, {"dev1", "s3cret"}};
    return o;
}

boot_options phone_boot(const nginx_server& nginx, const fs::path& state) {
    boot_options o;
    o.server = nginx.url() + "/";
    o.state_dir = state;
    o.firmware = "3.2.2.3077";
    o.sets = {"retry.initial_delay=100ms"};
    return o;
}

struct require_nginx {
    require_nginx() {
        auto missing = nginx_server::missing();
        BOOST_TEST_REQUIRE(!missing, "not installed: " << missing.value_or("") << " (scripts/install-deps.sh)");
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(phone_agent_boot_nginx, require_nginx)

BOOST_AUTO_TEST_CASE(https_basic_with_private_ca) {
    nginx_server nginx(tree("s3cret"));
    temp_dir phone("pa-nginx-phone");
    auto o = phone_boot(nginx, phone / "state");
    o.ca = nginx.ca_file();
    o.json = phone / "boot.json";
    auto r = run_boot(o);
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0),
                       "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text) << " | " << tail(nginx.error_log(), 200));
    BOOST_TEST(r.stderr_text.find("Basic realm 'BroadWorks'") != std::string::npos);
    BOOST_TEST(read_file(phone / "state" / "firmware" / "9480i.st") == std::string(200 * 1024, 'F'));
    BOOST_TEST(read_file(phone / "state" / "local.cfg").find("download protocol: HTTPS") != std::string::npos);
    const auto log = nginx.access_log();
    BOOST_TEST(count_occurrences(log, "\"" + user_agent + "\"") >= 5u, tail(log, 300));
    BOOST_TEST(log.find(" - aastra [") != std::string::npos, tail(log, 300));
    BOOST_TEST(log.find("\"GET /9480i.st HTTP/1.1\" 200 " + std::to_string(200 * 1024)) != std::string::npos, tail(log, 300));
    BOOST_TEST(read_file(phone / "boot.json").find("\"tls_version\":\"TLSv1.") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_ca_the_certificate_is_refused) {
    nginx_server nginx(tree("s3cret"));
    temp_dir phone("pa-nginx-phone");
    auto r = run_boot(phone_boot(nginx, phone / "state"));
    BOOST_TEST((r.exit_code && *r.exit_code == 4), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("certificate verify failed") != std::string::npos, tail(r.stderr_text, 300));
    BOOST_TEST(r.stderr_text.find("Bad Certificate") != std::string::npos, tail(r.stderr_text, 300));
    BOOST_TEST(nginx.access_log().empty());  // no HTTP request after the refused handshake
    BOOST_TEST(!fs::exists(phone / "state" / "server.cfg"));
}

BOOST_AUTO_TEST_CASE(wrong_basic_password_fails_without_loop) {
    nginx_server nginx(tree("wrong"));
    temp_dir phone("pa-nginx-phone");
    auto o = phone_boot(nginx, phone / "state");
    o.ca = nginx.ca_file();
    auto r = run_boot(o);
    BOOST_TEST((r.exit_code && *r.exit_code == 5), "exit " << r.exit_code.value_or(-1) << ": " << tail(r.stderr_text));
    BOOST_TEST(r.stderr_text.find("dev1") != std::string::npos);
    const auto log = nginx.access_log();
    BOOST_TEST(count_occurrences(log, "\"GET /9480i.cfg HTTP/1.1\"") == 2u, tail(log, 300));
    BOOST_TEST(count_occurrences(log, "\"GET /00085D000003.cfg HTTP/1.1\"") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
