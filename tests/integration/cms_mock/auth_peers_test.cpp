// cms-mock's Digest and Basic challenges answered by real clients: curl --digest (MD5, SHA-256),
// Python's urllib HTTPDigestAuthHandler, plain and over TLS with the exported development CA.
#include "cms_mock_runner.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;

namespace {

const std::string ua = "Aastra9480i MAC:00-08-5D-00-00-01 V:3.2.2.3077-SIP";

run_result curl(const cms_mock_runner& mock, std::vector<std::string> args) {
    std::vector<std::string> argv{"curl", "-s", "-S", "--max-time", "10", "-A", ua, "-w", "\n%{http_code}"};
    if (!mock.ca_file().empty()) {
        argv.push_back("--cacert");
        argv.push_back(mock.ca_file().string());
    }
    for (auto& a : args) argv.push_back(std::move(a));
    return run(argv, 20s, "");
}

// The status code curl printed last (after -w), or "" when curl failed.
std::string status_of(const run_result& r) {
    auto pos = r.stdout_text.rfind('\n');
    return pos == std::string::npos ? "" : r.stdout_text.substr(pos + 1);
}

std::string journal(const cms_mock_runner& mock, const std::string& query = "") {
    auto r = run({"curl", "-s", "--max-time", "5", mock.admin_url() + "/_admin/journal" + query}, 10s, "");
    return r.stdout_text;
}

const char* python_digest = R"(
import sys, urllib.request, ssl
url, user, password, cafile = sys.argv[1:5]
mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
mgr.add_password(None, url, user, password)
handlers = [urllib.request.HTTPDigestAuthHandler(mgr)]
if cafile:
    handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=cafile)))
opener = urllib.request.build_opener(*handlers)
opener.addheaders = [("User-Agent", "Aastra9480i MAC:00-08-5D-00-00-01 V:3.2.2.3077-SIP")]
try:
    body = opener.open(url, timeout=10).read().decode()
    print("200")
    print(body)
except urllib.error.HTTPError as e:
    print(e.code)
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(cms_mock_auth_with_real_clients)

BOOST_AUTO_TEST_CASE(curl_digest_md5_shared_login_for_aastra_cfg) {
    cms_mock_runner mock;
    auto ok = curl(mock, {"--digest", "-u", "aastra:aastra", mock.http_url() + "/dms/Aastra9480i/aastra.cfg"});
    BOOST_TEST(status_of(ok) == "200");
    BOOST_TEST(ok.stdout_text.find("download protocol") != std::string::npos);
    // A known device's aastra.cfg carries its own Device Access credentials.
    BOOST_TEST(ok.stdout_text.find("http digest username: dev000001") != std::string::npos);

    auto bad = curl(mock, {"--digest", "-u", "aastra:wrong", mock.http_url() + "/dms/Aastra9480i/aastra.cfg"});
    BOOST_TEST(status_of(bad) == "401");

    auto none = curl(mock, {mock.http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(none) == "401");

    auto j = journal(mock, "?mac=00085D000001");
    BOOST_TEST(j.find("\"challenged\"") != std::string::npos);
    BOOST_TEST(j.find("\"ok\"") != std::string::npos);
    BOOST_TEST(j.find("\"bad_password\"") != std::string::npos);
    // The peer comes from the accept itself: address and a real port.
    BOOST_TEST(j.find("\"peer\":\"127.0.0.1:") != std::string::npos);
    BOOST_TEST(j.find("\"peer\":\"127.0.0.1:0\"") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(curl_digest_over_https_with_the_exported_ca) {
    cms_mock_runner mock;
    BOOST_REQUIRE(!mock.ca_file().empty());
    auto ok = curl(mock, {"--digest", "-u", "aastra:aastra", mock.https_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(ok) == "200", ok.stderr_text);
    auto j = journal(mock);
    BOOST_TEST(j.find("TLSv1.3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(curl_digest_sha256) {
    cms_mock_options o;
    o.config_yaml = R"(
auth:
  rules:
    - path: "*"
      algorithms: [SHA-256]
)";
    cms_mock_runner mock(o);
    auto ok = curl(mock, {"--digest", "-u", "aastra:aastra", mock.http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(ok) == "200");
    auto bad = curl(mock, {"--digest", "-u", "aastra:nope", mock.http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(bad) == "401");
}

BOOST_AUTO_TEST_CASE(device_credentials_for_mac_cfg_and_firmware) {
    cms_mock_runner mock;
    auto shared = curl(mock, {"--digest", "-u", "aastra:aastra", mock.http_url() + "/dms/Aastra9480i/00085D000001.cfg"});
    BOOST_TEST(status_of(shared) == "401");
    auto own = curl(mock, {"--digest", "-u", "dev000001:pw000001", mock.http_url() + "/dms/Aastra9480i/00-08-5d-00-00-01.cfg"});
    BOOST_TEST(status_of(own) == "200");
    BOOST_TEST(own.stdout_text.find("sip line1 auth name:") != std::string::npos);
    auto other = curl(mock, {"--digest", "-u", "dev000002:pw000002", mock.http_url() + "/00085D000001.cfg"});
    BOOST_TEST(status_of(other) == "401");
    auto unknown = curl(mock, {"--digest", "-u", "dev000001:pw000001", mock.http_url() + "/00085DFFFFFF.cfg"});
    BOOST_TEST(status_of(unknown) == "401");  // no such device: nobody's credentials fit
}

BOOST_AUTO_TEST_CASE(python_urllib_digest_handler) {
    cms_mock_runner mock;
    auto script = mock.state().write("digest.py", python_digest);
    auto ok = run({"python3", script.string(), mock.http_url() + "/aastra.cfg", "aastra", "aastra", ""}, 20s, "");
    BOOST_TEST(ok.stdout_text.starts_with("200"), ok.stdout_text + ok.stderr_text);
    auto tls = run({"python3", script.string(), mock.https_url() + "/dms/Aastra9480i/00085D000001.cfg", "dev000001",
                    "pw000001", mock.ca_file().string()},
                   20s, "");
    BOOST_TEST(tls.stdout_text.starts_with("200"), tls.stdout_text + tls.stderr_text);
    auto bad = run({"python3", script.string(), mock.http_url() + "/aastra.cfg", "aastra", "bad", ""}, 20s, "");
    BOOST_TEST(bad.stdout_text.starts_with("401"), bad.stdout_text + bad.stderr_text);
}

BOOST_AUTO_TEST_CASE(basic_rule_with_curl) {
    cms_mock_options o;
    o.config_yaml = R"(
auth:
  rules:
    - path: "*"
      scheme: basic
)";
    cms_mock_runner mock(o);
    auto ok = curl(mock, {"-u", "aastra:aastra", mock.http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(ok) == "200");
    auto bad = curl(mock, {"-u", "aastra:x", mock.http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(bad) == "401");
}

BOOST_AUTO_TEST_CASE(force_login_serves_default_profile_until_the_user_logs_in) {
    cms_mock_options o;
    o.config_yaml = "auth:\n  force_login: true\n";
    cms_mock_runner mock(o);
    const auto url = mock.http_url() + "/dms/Aastra9480i/00085D000001.cfg";
    auto before = curl(mock, {"--digest", "-u", "dev000001:pw000001", url});
    BOOST_TEST(status_of(before) == "200");
    BOOST_TEST(before.stdout_text.find("http digest force login: 1") != std::string::npos);
    auto wrong_user = curl(mock, {"--digest", "-u", "nobody@example.com:1234", url});
    BOOST_TEST(status_of(wrong_user) == "401");
    auto devices = run({"curl", "-s", mock.admin_url() + "/_admin/devices/00085D000001"}, 10s, "");
    auto user_pos = devices.stdout_text.find("\"user_username\":\"");
    BOOST_REQUIRE(user_pos != std::string::npos);
    auto start = user_pos + 17;
    auto user = devices.stdout_text.substr(start, devices.stdout_text.find('"', start) - start);
    auto login = curl(mock, {"--digest", "-u", user + ":1234", url});
    BOOST_TEST(status_of(login) == "200");
    BOOST_TEST(login.stdout_text.find("http digest force login: 0") != std::string::npos);
    auto after = curl(mock, {"--digest", "-u", "dev000001:pw000001", url});
    BOOST_TEST(after.stdout_text.find("http digest force login: 0") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
