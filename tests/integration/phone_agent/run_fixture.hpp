// Shared by the run_*_test files: `phone-agent run`'s runtime in-process on its own io_context
// thread (reached from the test only over loopback HTTP), a server that accepts and never
// answers, and small HTTP helpers. Header-only; each test executable includes it once.
#pragma once

#include "run/phone_runtime.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/net/dev_ca.hpp"
#include "common/net/tls_context.hpp"
#include "logic/server_url.hpp"

#include "child_process.hpp"
#include "raw_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace run_fixture {

using namespace phone_agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;

inline const std::string admin_auth = "Authorization: Basic YWRtaW46MjIyMjI=\r\n";  // admin:22222
inline const std::string user_auth = "Authorization: Basic dXNlcjo=\r\n";           // user:
inline const std::string ua_9480i = "Aastra9480i MAC:00-08-5D-00-00-03 V:3.2.2.3077-SIP";

struct reply {
    unsigned status = 0;
    std::string head;
    std::string body;
};

inline reply call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& auth,
           const std::string& body = {}, const std::string& content_type = "application/x-www-form-urlencoded") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + auth;
    if (!body.empty() || method == "POST") {
        req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    auto r = test_support::raw_exchange("127.0.0.1", port, req, 10s);
    reply out;
    const auto end = r.received.find("\r\n\r\n");
    if (r.received.size() > 12 && end != std::string::npos) {
        out.status = static_cast<unsigned>(std::stoi(r.received.substr(9, 3)));
        out.head = r.received.substr(0, end);
        out.body = r.received.substr(end + 4);
    }
    return out;
}

inline bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

inline std::size_t occurrences(std::string_view text, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + needle.size())) ++n;
    return n;
}

inline std::string last_part(const std::string& text) { return text.size() > 600 ? text.substr(text.size() - 600) : text; }

// The phone service: its runtime on its own io_context thread. Only HTTP reaches it from the test.
class phone_under_test {
public:
    using settings_tweak = std::function<void(run_settings&)>;

    // `tweak` changes the settings before the runtime is built; `http_address` is where the
    // HTTP listener binds (0.0.0.0 to test the wildcard case).
    explicit phone_under_test(const std::filesystem::path& state_dir, std::optional<std::string> server = {},
                              bool https = false, const settings_tweak& tweak = {},
                              const std::string& http_address = "127.0.0.1")
        : ioc_(1), runtime_(ioc_, tweaked(settings(state_dir, std::move(server)), tweak)) {
        http_port_ = test_support::port_of(runtime_.listen("http", {asio::ip::make_address(http_address), 0}, nullptr));
        if (https) {
            auto ca = std::get<common::tls::dev_ca>(
                common::tls::dev_ca::load_or_create(state_dir / "web-tls", std::chrono::system_clock::now()));
            ca_file_ = ca.cert_file();
            auto files = std::get<common::tls::server_cert_files>(ca.ensure_server_cert(
                state_dir / "web-tls", common::tls::dev_ca::default_sans(), std::chrono::system_clock::now()));
            common::tls::tls_config tls;
            tls.certificate = common::tls::pem_source::from_file(files.cert_file);
            tls.private_key = common::tls::pem_source::from_file(files.key_file);
            auto ctx = std::make_shared<asio::ssl::context>(
                std::move(std::get<asio::ssl::context>(common::tls::make_server_context(tls))));
            https_url_ = runtime_.listen("https", {asio::ip::make_address("127.0.0.1"), 0}, ctx);
        }
        runtime_.start();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~phone_under_test() {
        asio::post(ioc_, [this] { runtime_.stop([this] { ioc_.stop(); }); });
        thread_.join();
    }

    std::uint16_t port() const { return http_port_; }
    const std::string& https_url() const { return https_url_; }
    const std::filesystem::path& ca_file() const { return ca_file_; }

    std::string status() { return call(http_port_, "GET", "/api/status", admin_auth).body; }
    std::string screen() { return call(http_port_, "GET", "/api/screen", admin_auth).body; }
    reply key(const std::string& name) {
        return call(http_port_, "POST", "/api/key", admin_auth, R"({"key":")" + name + R"("})", "application/json");
    }
    // Polls /api/status until it contains `needle`.
    bool wait_status(std::string_view needle, std::chrono::milliseconds timeout = 15s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (contains(status(), needle)) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    bool wait_screen(std::string_view needle, std::chrono::milliseconds timeout = 15s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (contains(screen(), needle)) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    // Runs `f` on the phone's thread and waits for it (for state the HTTP API does not show).
    template <class F>
    auto on_phone_thread(F f) {
        std::promise<decltype(f(runtime_))> done;
        asio::post(ioc_, [&] { done.set_value(f(runtime_)); });
        return done.get_future().get();
    }

private:
    static run_settings tweaked(run_settings s, const settings_tweak& tweak) {
        if (tweak) tweak(s);
        return s;
    }
    static run_settings settings(const std::filesystem::path& state_dir, std::optional<std::string> server) {
        run_settings s{phone_identity{std::get<common::aastra::model_info>(common::aastra::find_model("9480i")),
                                      std::get<common::aastra::mac_address>(
                                          common::aastra::mac_address::parse("00085D000003")),
                                      "3.2.2.3077"},
                       boot_settings{}, agent_config{}, state_dir, std::nullopt, std::nullopt, push_limits{},
                       common::http::server_limits{}};
        s.agent.use_system_roots = false;
        s.agent.retry.max_attempts = 1;
        s.boot.retry = s.agent.retry;
        if (server) {
            s.boot.local_settings = settings_for(std::get<server_location>(parse_server_url(*server)));
        }
        return s;
    }

    asio::io_context ioc_;
    phone_runtime runtime_;
    std::uint16_t http_port_ = 0;
    std::string https_url_;
    std::filesystem::path ca_file_;
    std::thread thread_;
};

// A server that accepts connections and never answers; it reads what arrives, and closes its end
// as soon as the client closes. Runs on a plain thread with poll(), not Asio.
class silent_server {
public:
    silent_server() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        BOOST_TEST_REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        BOOST_TEST_REQUIRE(::listen(listen_fd_, 512) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~silent_server() {
        stop_ = true;
        thread_.join();
        for (auto& c : conns_) ::close(c.fd);
        ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }
    std::size_t accepted() const { return accepted_; }
    std::size_t closed_by_client() const { return closed_; }
    std::size_t open() const { return accepted_ - closed_; }
    std::string first_request() {
        std::lock_guard lock(mutex_);
        return first_request_;
    }
    bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (pred()) return true;
            std::this_thread::sleep_for(10ms);
        }
        return pred();
    }

private:
    struct conn {
        int fd;
        std::string data;
    };
    void loop() {
        while (!stop_) {
            std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
            for (auto& c : conns_) fds.push_back({c.fd, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
            if (fds[0].revents & POLLIN) {
                int fd = ::accept(listen_fd_, nullptr, nullptr);
                if (fd >= 0) {
                    conns_.push_back({fd, {}});
                    ++accepted_;
                }
            }
            for (std::size_t i = 1; i < fds.size(); ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                auto it = std::find_if(conns_.begin(), conns_.end(), [&](const conn& c) { return c.fd == fds[i].fd; });
                char buf[4096];
                auto n = ::recv(it->fd, buf, sizeof buf, 0);
                if (n > 0) {
                    it->data.append(buf, static_cast<std::size_t>(n));
                    std::lock_guard lock(mutex_);
                    if (first_request_.empty() && contains(it->data, "\r\n\r\n")) first_request_ = it->data;
                } else {
                    ::close(it->fd);
                    conns_.erase(it);
                    ++closed_;
                }
            }
        }
    }

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> accepted_{0};
    std::atomic<std::size_t> closed_{0};
    std::vector<conn> conns_;
    std::mutex mutex_;
    std::string first_request_;
};

inline std::size_t open_fds() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}


}  // namespace run_fixture
