// The checks whose fault cms-mock cannot commit by design, proven against a tiny server written
// here: ROB-001/002 against a server that dies after one incomplete request (a slow client or a
// dropped connection), HTTP-008 against one that echoes the decoded request target into a
// Location header (cms-mock's response writer drops any header value with CR or LF). The same
// checks pass against a correct cms-mock (validate_cms_mock_test.cpp).
#include "validate_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using namespace validate_harness;

namespace {

enum class behaviour {
    dies_on_incomplete_request,  // a request head that stalls 100 ms or ends early kills it
    echoes_target_in_location,   // 302 with Location: <percent-decoded target>
};

std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Serves one connection at a time on 127.0.0.1 from its own thread, until it dies or is destroyed.
class fragile_server {
public:
    explicit fragile_server(behaviour b) : behaviour_(b) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        BOOST_REQUIRE(listener_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        BOOST_REQUIRE(::listen(listener_, 16) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~fragile_server() {
        stop_ = true;
        thread_.join();
        if (listener_ >= 0) ::close(listener_);
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
    bool died() const { return died_; }

private:
    void serve() {
        while (!stop_ && listener_ >= 0) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int conn = ::accept(listener_, nullptr, nullptr);
            if (conn < 0) continue;
            std::string head;
            const bool complete = read_head(conn, head);
            if (!complete && behaviour_ == behaviour::dies_on_incomplete_request) {
                ::close(conn);
                ::close(listener_);  // the "crash": nothing listens any more
                listener_ = -1;
                died_ = true;
                return;
            }
            answer(conn, head);
            ::close(conn);
        }
    }

    // True when the blank line arrived with no pause over 100 ms.
    static bool read_head(int fd, std::string& head) {
        char buf[1024];
        while (head.find("\r\n\r\n") == std::string::npos) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) return false;
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return false;
            head.append(buf, static_cast<std::size_t>(n));
        }
        return true;
    }

    void answer(int fd, const std::string& head) {
        std::string response;
        if (behaviour_ == behaviour::echoes_target_in_location) {
            const auto start = head.find(' ') + 1;
            const auto target = head.substr(start, head.find(' ', start) - start);
            response = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1" + percent_decode(target) +
                       "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        } else {
            response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
        }
        ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
    }

    behaviour behaviour_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> died_{false};
    std::thread thread_;
};

outcome only(const std::string& server, const std::string& id) {
    auto v = options_for(server);
    v.only = {id};
    return run_with(v);
}

}  // namespace

BOOST_AUTO_TEST_CASE(rob_001_server_dying_on_a_slow_client_fails) {
    fragile_server server(behaviour::dies_on_incomplete_request);
    auto o = only(server.url(), "ROB-001");
    BOOST_TEST(server.died());
    expect(o, "ROB-001", "fail");
    BOOST_TEST(o.seen["ROB-001"].find("connect") != std::string::npos, o.seen["ROB-001"]);
    BOOST_TEST(o.result.size() == 1u);
    BOOST_TEST(o.exit_code == 1);
}

BOOST_AUTO_TEST_CASE(rob_002_server_dying_on_a_dropped_connection_fails) {
    fragile_server server(behaviour::dies_on_incomplete_request);
    auto o = only(server.url(), "ROB-002");
    BOOST_TEST(server.died());
    expect(o, "ROB-002", "fail");
}

BOOST_AUTO_TEST_CASE(http_008_target_echoed_into_a_header_fails) {
    fragile_server server(behaviour::echoes_target_in_location);
    auto o = only(server.url(), "HTTP-008");
    expect(o, "HTTP-008", "fail");
    BOOST_TEST(o.seen["HTTP-008"] == "X-Phone-Agent-Injected: yes");
}
