// A real browser against the phone's Web UI: headless Chromium (driven over the DevTools protocol
// by run_browser_cdp.py) opens https://127.0.0.1:PORT/phone.html trusting the phone's development
// certificate by its key pin, logs in through the Basic challenge, presses softkey 1 and sees
// "Loading Page..." and then the page a slow server sends after 2 s, then presses softkey 2 (a
// server that never answers) and GOODBYE and sees the idle screen come back. The screenshots are
// kept in run_browser_artifacts/ next to the test (their names are in the log).
#include "run_fixture.hpp"

#include "temp_dir.hpp"

using namespace run_fixture;

namespace {

// Answers each request 2 s after reading it, one connection at a time, with a TextScreen.
class delayed_server {
public:
    explicit delayed_server(std::string body) : body_(std::move(body)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_TEST_REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        BOOST_TEST_REQUIRE(::listen(listen_fd_, 16) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~delayed_server() {
        stop_ = true;
        thread_.join();
        ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }
    std::size_t answered() const { return answered_; }

private:
    void loop() {
        while (!stop_) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) continue;
            std::string request;
            const auto until = std::chrono::steady_clock::now() + 5s;
            while (request.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < until &&
                   !stop_) {
                pollfd c{fd, POLLIN, 0};
                if (::poll(&c, 1, 50) <= 0) continue;
                char buf[2048];
                const auto n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0) break;
                request.append(buf, static_cast<std::size_t>(n));
            }
            const auto answer_at = std::chrono::steady_clock::now() + 2s;
            while (std::chrono::steady_clock::now() < answer_at && !stop_) std::this_thread::sleep_for(20ms);
            const auto reply = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " +
                               std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
            (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
            ::close(fd);
            ++answered_;
        }
    }

    std::string body_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> answered_{0};
};

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(run_browser)

BOOST_AUTO_TEST_CASE(chromium_logs_in_presses_softkeys_and_goodbye) {
    test_support::temp_dir state("run-browser");
    delayed_server slow_page(
        "<AastraIPPhoneTextScreen><Title>Weather</Title><Text>Hello from XML</Text></AastraIPPhoneTextScreen>");
    silent_server never;
    state.write("local.cfg", "softkey1 type: xml\nsoftkey1 label: Weather\nsoftkey1 value: http://127.0.0.1:" +
                                 std::to_string(slow_page.port()) + "/weather.xml\nsoftkey2 type: xml\n" +
                                 "softkey2 label: Stuck\nsoftkey2 value: http://127.0.0.1:" +
                                 std::to_string(never.port()) + "/stuck.xml\nxml get timeout: 0\nsip screen name: Lab Phone\n");
    phone_under_test phone(state.path(), std::nullopt, true);
    BOOST_TEST_REQUIRE(phone.wait_screen("\"label\":\"Stuck\""), phone.screen());

    // The pin Chromium trusts: base64 SHA-256 of the certificate's SubjectPublicKeyInfo.
    const auto cert = state.path() / "web-tls" / "server.pem";
    BOOST_TEST_REQUIRE(std::filesystem::exists(cert));
    auto spki = test_support::run({"sh", "-c",
                                   "openssl x509 -in '" + cert.string() +
                                       "' -pubkey -noout | openssl pkey -pubin -outform der | "
                                       "openssl dgst -sha256 -binary | base64"},
                                  30s);
    BOOST_TEST_REQUIRE((spki.exit_code == 0), spki.stderr_text);

    const auto artifacts = std::filesystem::current_path() / "run_browser_artifacts";
    std::error_code ec;
    std::filesystem::remove_all(artifacts, ec);
    const auto script = std::filesystem::path(__FILE__).parent_path() / "run_browser_cdp.py";
    // The Debian interpreter, where python3-websocket is installed, even when another python3
    // (pyenv, a venv) comes first in PATH.
    const std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    auto r = test_support::run({python, script.string(), "--url", phone.https_url(), "--spki",
                                trimmed(spki.stdout_text), "--out", artifacts.string(), "--idle-title",
                                "Lab Phone", "--page-text", "Hello from XML"},
                               150s);
    BOOST_TEST_MESSAGE("browser:\n" << r.stdout_text);
    BOOST_TEST_REQUIRE((r.exit_code == 0), r.stderr_text);

    const auto& out = r.stdout_text;
    auto step = [&](const std::string& name) {
        const auto at = out.find("STEP " + name + " ");
        if (at == std::string::npos) return std::string();
        return out.substr(at, out.find('\n', at) - at);
    };
    BOOST_TEST(contains(step("idle"), "Weather"), step("idle"));
    BOOST_TEST(!contains(step("idle"), "Loading Page"));
    BOOST_TEST(contains(step("loading"), "Loading Page..."), step("loading"));
    BOOST_TEST(contains(step("page"), "Hello from XML"), step("page"));
    BOOST_TEST(contains(step("slow-loading"), "Loading Page..."), step("slow-loading"));
    BOOST_TEST(!contains(step("after-goodbye"), "Loading Page"), step("after-goodbye"));
    BOOST_TEST(contains(step("after-goodbye"), "Lab Phone"), step("after-goodbye"));
    BOOST_TEST(slow_page.answered() >= 1u);
    // GOODBYE closed the stuck fetch's socket.
    BOOST_TEST(never.wait([&] { return never.closed_by_client() == 1; }, 10s), never.closed_by_client());
    for (const char* shot : {"01-idle.png", "02-loading.png", "03-page.png", "04-slow-loading.png",
                             "05-after-goodbye.png"}) {
        BOOST_TEST(std::filesystem::file_size(artifacts / shot, ec) > 1000u, shot);
    }
}

BOOST_AUTO_TEST_SUITE_END()
