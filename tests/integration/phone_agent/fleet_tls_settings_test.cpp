// A fleet phone's TLS settings follow its configuration from one boot to the next, although each
// phone reuses the settings and client context it built for its last HTTPS request while the keys
// they come from are unchanged. The settings come from the configuration in force, the one the
// last successful boot applied (as on the phone): cms-mock's aastra.cfg switching `https client
// method` to SSL 3.0 (a context Debian's OpenSSL cannot build) leaves the boot that fetched it
// alone and fails the first request of the next, with and without TLS session resumption. Real
// cms-mock over HTTPS with its development CA given with --ca; the file is switched once the
// journal shows the first boot's three files.
#include "cms_mock_runner.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string mac = "00085D0A0001";

struct fleet_run {
    int exit_code = -1;
    std::string out;
    json::value report;
};

fleet_run run_fleet(const cms_mock_runner& mock, const temp_dir& dir, std::vector<std::string> extra) {
    std::vector<std::string> argv{binary_path("phone-agent/phone-agent").string(), "fleet", "--server",
                                  mock.https_url() + "/", "--ca", mock.ca_file().string(), "--mac-start", mac,
                                  "--count", "1", "--model", "6731i", "--firmware", "3.2.2.3077",
                                  "--json", (dir / "fleet.json").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::filesystem::remove(dir / "fleet.json");
    auto r = run(argv, 60s);
    BOOST_TEST_MESSAGE("fleet stdout:\n" << r.stdout_text << "\nstderr:\n" << r.stderr_text);
    fleet_run out{r.exit_code.value_or(-1), r.stdout_text, {}};
    if (std::filesystem::exists(dir / "fleet.json")) out.report = json::parse(read_file(dir / "fleet.json"));
    return out;
}

std::int64_t num(const json::value& v, std::initializer_list<const char*> path) {
    const json::value* cur = &v;
    for (const char* key : path) cur = &cur->as_object().at(key);
    return cur->is_int64() ? cur->as_int64() : static_cast<std::int64_t>(cur->to_number<double>());
}

// The files cms-mock answered with 200, in order.
std::vector<std::string> served(const cms_mock_runner& mock) {
    auto r = run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=1000"}, 20s, "");
    std::vector<std::string> files;
    const std::regex entry("\"target\":\"/([^\"]+)\"[^}]*\"status\":200");
    for (std::sregex_iterator it(r.stdout_text.begin(), r.stdout_text.end(), entry), end; it != end; ++it) {
        files.push_back((*it)[1].str());
    }
    return files;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_changed_client_method_reaches_the_next_boot) {
    for (bool resumption : {true, false}) {
        BOOST_TEST_CONTEXT("tls resumption " << resumption) {
            temp_dir dir("fleet-tls-settings");
            dir.write("tree/aastra.cfg", "https client method: TLS 1.2\n");
            dir.write("tree/6731i.cfg", "firmware version: 3.2.2.3077\n");
            cms_mock_runner mock(cms_mock_options{"log_level: warn\nauth: {rules: [{path: \"*\", scheme: none}]}\n",
                                                  {"--root", (dir / "tree").string()}, true});
            std::atomic<bool> switched = false;
            std::thread edit([&] {
                for (int i = 0; i < 500 && served(mock).empty(); ++i) std::this_thread::sleep_for(20ms);
                dir.write("tree/aastra.cfg", "https client method: SSL 3.0\n");
                switched = true;
            });
            std::vector<std::string> args{"--resyncs", "2", "--resync-interval", "2s"};
            if (resumption) args.push_back("--tls-resumption");
            auto r = run_fleet(mock, dir, args);
            edit.join();
            BOOST_TEST_REQUIRE(switched.load());
            BOOST_TEST_REQUIRE(r.report.is_object());
            // Boot 1 and boot 2 (which fetched the SSL 3.0 file over TLS 1.2) provision; boot 3
            // must not send a byte.
            BOOST_TEST(num(r.report, {"phones", "provisioned"}) == 2);
            BOOST_TEST(num(r.report, {"phones", "failed"}) == 1);
            BOOST_TEST(num(r.report, {"errors", "tls"}) == 1);
            BOOST_TEST(r.out.find("SSL 3.0 requested") != std::string::npos);
            // aastra.cfg and 6731i.cfg twice (cms-mock has no <MAC>.cfg here: a 404, no error).
            const std::vector<std::string> expected{"aastra.cfg", "6731i.cfg", "aastra.cfg", "6731i.cfg"};
            BOOST_TEST(served(mock) == expected, boost::test_tools::per_element());
        }
    }
}
