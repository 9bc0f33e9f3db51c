// The real `phone-agent run` binary: start-up lines, provisioning from the real cms-mock, the Web
// UI and control API over its listeners, page fetches that are cancelled with GOODBYE (the
// process's file descriptors return to their baseline), and SIGTERM -> exit 0.
#include "child_process.hpp"
#include "cms_mock_runner.hpp"
#include "raw_socket.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <thread>

using namespace std::chrono_literals;

namespace {

const std::string admin_auth = "Authorization: Basic YWRtaW46MjIyMjI=\r\n";  // admin:22222

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

std::string call(std::uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + admin_auth;
    if (method == "POST") {
        req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    return test_support::raw_exchange("127.0.0.1", port, req, 10s).received;
}

std::size_t fds_of(int pid) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        (void)e;
        ++n;
    }
    return n;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

// Accepts connections and never answers; the kernel backlog is enough for that.
class black_hole {
public:
    black_hole() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_TEST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        BOOST_TEST_REQUIRE(::listen(fd_, 512) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~black_hole() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(run_cli)

BOOST_AUTO_TEST_CASE(runs_provisions_serves_and_stops_on_sigterm) {
    test_support::cms_mock_runner mock;
    test_support::temp_dir state("run-cli");
    black_hole slow;
    state.write("local.cfg", "softkey1 type: xml\nsoftkey1 label: Slow\nsoftkey1 value: http://127.0.0.1:" +
                                 std::to_string(slow.port()) + "/slow.xml\n");
    test_support::process_options options;
    options.argv = {test_support::binary_path("phone-agent/phone-agent").string(), "run", "--server",
                    mock.http_url() + "/dms/Aastra9480i/", "--mac", "00085D000003", "--model", "9480i",
                    "--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--state-dir", state.path().string()};
    test_support::child_process phone(std::move(options));
    auto http_line = phone.wait_for_line("listening http://", 20s);
    BOOST_TEST_REQUIRE(http_line.has_value(), phone.stderr_text());
    auto https_line = phone.wait_for_line("listening https://", 5s);
    BOOST_TEST_REQUIRE(https_line.has_value());
    BOOST_TEST_REQUIRE(phone.wait_for_line("ready", 5s).has_value());
    const auto port = test_support::port_of(http_line->substr(10));

    BOOST_TEST_REQUIRE(eventually([&] { return contains(call(port, "GET", "/api/status"), "\"provisioning\":\"provisioned\""); }, 20s),
                       call(port, "GET", "/api/status"));
    auto journal = test_support::run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?mac=00085D000003"}, 20s);
    BOOST_TEST(contains(journal.stdout_text, "Aastra9480i MAC:00-08-5D-00-00-03 V:3.2.2.3077-SIP"));

    // The Web UI over HTTPS with the certificate the phone issued itself.
    const auto ca = state.path() / "web-tls" / "ca.pem";
    auto https = test_support::run({"curl", "-s", "-i", "--max-time", "10", "--cacert", ca.string(), "-u", "admin:22222",
                                    https_line->substr(10) + "/sysinfo.html"}, 20s);
    BOOST_TEST(contains(https.stdout_text, "Server: Aragorn"), https.stdout_text);

    // 100 page fetches against a server that never answers, then GOODBYE: the fds come back.
    BOOST_TEST_REQUIRE(eventually([&] { return contains(call(port, "GET", "/api/screen"), "Slow"); }, 10s));
    // Warm-up: the first fetch creates Asio's resolver thread and its descriptors, which stay.
    call(port, "POST", "/api/key", R"({"key":"softkey1"})");
    std::this_thread::sleep_for(200ms);
    call(port, "POST", "/api/key", R"({"key":"goodbye"})");
    BOOST_TEST_REQUIRE(eventually([&] { return contains(call(port, "GET", "/api/status"), "\"fetches_in_flight\":0"); }, 5s));
    const auto baseline = fds_of(phone.pid());
    for (int i = 0; i < 100; ++i) call(port, "POST", "/api/key", R"({"key":"softkey1"})");
    BOOST_TEST(contains(call(port, "GET", "/api/screen"), "\"loading\":true"));
    auto bye = call(port, "POST", "/api/key", R"({"key":"goodbye"})");
    BOOST_TEST(contains(bye, "\"loading\":false"), bye);
    BOOST_TEST(eventually([&] { return fds_of(phone.pid()) <= baseline; }, 5s), fds_of(phone.pid()) << " > " << baseline);

    phone.terminate(SIGTERM);
    auto code = phone.wait(15s);
    BOOST_TEST_REQUIRE(code.has_value());
    BOOST_TEST(*code == 0);
}

BOOST_AUTO_TEST_CASE(bad_options_exit_2) {
    test_support::temp_dir state("run-cli-bad");
    const auto bin = test_support::binary_path("phone-agent/phone-agent").string();
    auto bad_mac = test_support::run({bin, "run", "--mac", "xyz", "--state-dir", state.path().string()}, 20s);
    BOOST_TEST((bad_mac.exit_code == 2));
    BOOST_TEST(contains(bad_mac.stderr_text, "--mac"));
    auto bad_listen = test_support::run({bin, "run", "--mac", "00085D000003", "--http", "127.0.0.1:notaport",
                                         "--state-dir", state.path().string()}, 20s);
    BOOST_TEST((bad_listen.exit_code == 2));
    BOOST_TEST(contains(bad_listen.stderr_text, "--http"));
    auto bad_group = test_support::run({bin, "run", "--mac", "00085D000003", "--set", "tls.groups=NOPE",
                                        "--state-dir", state.path().string()}, 20s);
    BOOST_TEST((bad_group.exit_code == 2));
    BOOST_TEST(contains(bad_group.stderr_text, "tls.groups 'NOPE'"), bad_group.stderr_text);
}

// The running phone offers the agent's tls.groups, in provisioning and in XML page fetches: a
// cms-mock that accepts only P-384 refuses a phone offering X25519 alone (tls_error; the page
// cannot load) and serves one offering P-384 (provisioned; the missing page is a 404).
BOOST_AUTO_TEST_CASE(provisioning_offers_the_agent_tls_groups) {
    test_support::cms_mock_options mock_options;
    mock_options.config_yaml = "tls:\n  groups: P-384\n";
    test_support::cms_mock_runner mock(mock_options);
    const std::vector<std::pair<std::string, std::string>> cases{{"X25519", "\"provisioning\":\"tls_error"},
                                                                 {"P-384", "\"provisioning\":\"provisioned\""}};
    for (const auto& item : cases) {
        // Named copies: clang 14 cannot capture structured bindings in the lambdas below.
        const std::string groups = item.first;
        const std::string expected = item.second;
        BOOST_TEST_CONTEXT(groups) {
            test_support::temp_dir state("run-cli-groups");
            state.write("local.cfg", "softkey1 type: xml\nsoftkey1 label: Menu\nsoftkey1 value: " + mock.https_url() +
                                         "/dms/Aastra9480i/menu.xml\n");
            test_support::process_options options;
            options.argv = {test_support::binary_path("phone-agent/phone-agent").string(), "run", "--server",
                            mock.https_url() + "/dms/Aastra9480i/", "--ca", mock.ca_file().string(), "--mac",
                            "00085D000003", "--model", "9480i", "--http", "127.0.0.1:0", "--https", "off",
                            "--state-dir", state.path().string(), "--set", "tls.groups=" + groups, "--set",
                            "retry.max_attempts=1"};
            test_support::child_process phone(std::move(options));
            auto http_line = phone.wait_for_line("listening http://", 20s);
            BOOST_TEST_REQUIRE(http_line.has_value(), phone.stderr_text());
            const auto port = test_support::port_of(http_line->substr(10));
            BOOST_TEST(eventually([&] { return contains(call(port, "GET", "/api/status"), expected); }, 20s),
                       call(port, "GET", "/api/status"));
            call(port, "POST", "/api/key", R"({"key":"softkey1"})");
            const std::string page = groups == "P-384" ? "HTTP error 404" : "Cannot load page";
            BOOST_TEST(eventually([&] { return contains(call(port, "GET", "/api/screen"), page); }, 10s),
                       call(port, "GET", "/api/screen"));
            phone.terminate(SIGTERM);
            BOOST_TEST(phone.wait(15s).has_value());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
