// Every fault mode of cms-mock observed from a raw socket, and the request shapes Beast 1.81 would
// accept but cms-mock must refuse (smuggling, missing or duplicate Host, obs-fold, huge headers).
#include "cms_mock_runner.hpp"
#include "raw_socket.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>

using namespace test_support;
using namespace std::chrono_literals;

namespace {

const std::string no_auth_yaml = R"(
auth:
  rules:
    - path: "*"
      scheme: none
)";

const std::string faults_config = no_auth_yaml + R"(faults:
  - path: "*delay*"
    delay: 400ms
  - path: "*throttle*"
    throttle: 8KiB
  - path: "*stall*"
    stall: 1s
  - path: "*close*"
    close_after: 100
  - path: "*truncate*"
    truncate: true
  - path: "*reset*"
    reset: true
  - path: "*busy*"
    unavailable: 7s
  - path: "*never*"
    probability: 0
    reset: true
)";

struct fault_fixture {
    temp_dir dir{"cms-faults"};
    std::unique_ptr<cms_mock_runner> mock;
    fault_fixture() {
        const std::string body(16 * 1024, 'x');
        for (const char* name : {"delay", "throttle", "stall", "close", "truncate", "reset", "busy", "never"}) {
            dir.write(std::string("tree/") + name + ".bin", body);
        }
        cms_mock_options o;
        o.config_yaml = faults_config;
        o.extra_args = {"--root", (dir.path() / "tree").string()};
        o.https = false;
        mock = std::make_unique<cms_mock_runner>(o);
    }
    raw_result get(const std::string& target, std::chrono::milliseconds timeout = 10s) {
        return raw_exchange("127.0.0.1", port_of(mock->http_url()),
                            "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout);
    }
    raw_result send(const std::string& raw) {
        return raw_exchange("127.0.0.1", port_of(mock->http_url()), raw, 5s);
    }
};

std::size_t body_size(const raw_result& r) {
    auto pos = r.received.find("\r\n\r\n");
    return pos == std::string::npos ? 0 : r.received.size() - pos - 4;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cms_mock_faults, fault_fixture)

BOOST_AUTO_TEST_CASE(delay_before_headers) {
    auto r = get("/delay.bin");
    BOOST_TEST(r.received.starts_with("HTTP/1.1 200"));
    BOOST_TEST(r.first_byte.count() >= 380);
    BOOST_TEST(body_size(r) == 16u * 1024);
}

BOOST_AUTO_TEST_CASE(bandwidth_throttle) {
    auto r = get("/throttle.bin");
    BOOST_TEST(body_size(r) == 16u * 1024);
    BOOST_TEST(r.elapsed.count() >= 1500);  // 16 KiB at 8 KiB/s
}

BOOST_AUTO_TEST_CASE(stall_after_headers) {
    auto r = get("/stall.bin");
    BOOST_TEST(r.first_byte.count() < 800);
    BOOST_TEST(r.elapsed.count() >= 950);
    BOOST_TEST(body_size(r) == 16u * 1024);
}

BOOST_AUTO_TEST_CASE(close_mid_body_and_truncation_under_full_length) {
    auto closed = get("/close.bin");
    BOOST_TEST(closed.received.find("Content-Length: 16384") != std::string::npos);
    BOOST_TEST(body_size(closed) == 100u);
    BOOST_TEST((closed.closed_by_peer || closed.reset));
    auto truncated = get("/truncate.bin");
    BOOST_TEST(truncated.received.find("Content-Length: 16384") != std::string::npos);
    BOOST_TEST(body_size(truncated) == 8u * 1024);
}

BOOST_AUTO_TEST_CASE(tcp_reset_and_503) {
    auto reset = get("/reset.bin");
    BOOST_TEST(reset.received.empty());
    BOOST_TEST((reset.reset || reset.closed_by_peer));
    auto busy = get("/busy.bin");
    BOOST_TEST(busy.received.starts_with("HTTP/1.1 503"));
    BOOST_TEST(busy.received.find("Retry-After: 7") != std::string::npos);
    auto never = get("/never.bin");  // probability 0: never fires
    BOOST_TEST(never.received.starts_with("HTTP/1.1 200"));
}

BOOST_AUTO_TEST_CASE(faults_are_journalled) {
    get("/delay.bin");
    auto j = raw_exchange("127.0.0.1", port_of(mock->admin_url()),
                          "GET /_admin/journal?path=delay HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
    BOOST_TEST(j.received.find("\"fault\":\"delay\"") != std::string::npos, j.received);
}

BOOST_AUTO_TEST_CASE(smuggling_shapes_get_400_and_close) {
    const char* bad[] = {
        "GET /never.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /never.bin HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /never.bin HTTP/1.1\r\n\r\n",
        "GET /never.bin HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /never.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /never.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
    };
    for (const char* raw : bad) {
        BOOST_TEST_CONTEXT("request " << raw) {
            auto r = send(raw);
            BOOST_TEST(r.received.starts_with("HTTP/1.1 400"), r.received.substr(0, 120));
            BOOST_TEST(r.received.find("HTTP/1.1 200") == std::string::npos);
            BOOST_TEST((r.closed_by_peer || r.reset));
        }
    }
    // obs-fold: Beast 1.81 replaces the fold with a space, which RFC 9112 §5.2 allows as the
    // alternative to a 400; what matters is that exactly one response comes back.
    auto folded = send("GET /never.bin HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nConnection: close\r\n\r\n");
    BOOST_TEST(folded.received.find("HTTP/1.1", 1) == std::string::npos);
    auto huge = send("GET /never.bin HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    BOOST_TEST(huge.received.starts_with("HTTP/1.1 431"), huge.received.substr(0, 100));
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_several_requests_on_one_connection) {
    auto r = send("GET /never.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /never.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::size_t count = 0;
    for (auto pos = r.received.find("HTTP/1.1 200"); pos != std::string::npos; pos = r.received.find("HTTP/1.1 200", pos + 1)) ++count;
    BOOST_TEST(count == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(connection_cap_refuses_or_queues_extra_connections) {
    for (bool queue : {false, true}) {
        BOOST_TEST_CONTEXT("queue_when_full " << queue) {
            cms_mock_options o;
            o.https = false;
            o.config_yaml = std::string("limits:\n  max_connections: 2\n  queue_when_full: ") +
                            (queue ? "true" : "false") + "\n  idle_timeout: 2s\n  request_timeout: 2s\n";
            cms_mock_runner mock(o);
            const auto port = port_of(mock.http_url());
            idle_connection a("127.0.0.1", port), b("127.0.0.1", port);
            std::this_thread::sleep_for(200ms);  // both accepted and holding their slots
            auto third = raw_exchange("127.0.0.1", port, "GET /aastra.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
            if (queue) {
                // Served once an idle connection times out (2 s) and frees a slot.
                BOOST_TEST(third.received.starts_with("HTTP/1.1 401"));
                BOOST_TEST(third.first_byte.count() >= 1000);
            } else {
                BOOST_TEST(third.received.empty());
                BOOST_TEST(third.elapsed.count() < 1000);
            }
        }
    }
}

// Time limits are checked by one sweeper per server, against deadlines that run whether or not a
// socket operation is pending: planned pauses must not count against the client, and an idle
// keep-alive connection must still be closed on time.
BOOST_AUTO_TEST_CASE(deadlines_time_the_client_not_planned_pauses) {
    temp_dir dir{"cms-deadlines"};
    const std::string body(4 * 1024, 'x');
    for (const char* name : {"delay", "stall", "plain"}) dir.write(std::string("tree/") + name + ".bin", body);
    cms_mock_options o;
    o.https = false;
    o.config_yaml = no_auth_yaml + R"(faults:
  - path: "*delay*"
    delay: 1500ms
  - path: "*stall*"
    stall: 1500ms
limits:
  request_timeout: 1s
  idle_timeout: 1s
  write_timeout: 1s
)";
    o.extra_args = {"--root", (dir.path() / "tree").string()};
    cms_mock_runner mock(o);
    const auto port = port_of(mock.http_url());
    for (const char* name : {"delay", "stall"}) {
        BOOST_TEST_CONTEXT(name) {
            auto r = raw_exchange("127.0.0.1", port,
                                  std::string("GET /") + name + ".bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
            BOOST_TEST(r.received.starts_with("HTTP/1.1 200"), r.received.substr(0, 60));
            BOOST_TEST(body_size(r) == body.size());
            BOOST_TEST(r.elapsed.count() >= 1450);
        }
    }
    // Keep-alive: one answer, then silence; the server closes after idle_timeout, not before.
    auto idle = raw_exchange("127.0.0.1", port, "GET /plain.bin HTTP/1.1\r\nHost: x\r\n\r\n", 5s);
    BOOST_TEST(idle.received.starts_with("HTTP/1.1 200"));
    BOOST_TEST(idle.elapsed.count() >= 900);
    BOOST_TEST(idle.elapsed.count() < 2500);
    // A request that never completes is cut at request_timeout.
    auto partial = raw_exchange("127.0.0.1", port, "GET /plain.bin HTTP/1.1\r\nHost: x\r\n", 5s);
    BOOST_TEST(partial.received.empty());
    BOOST_TEST(partial.elapsed.count() >= 900);
    BOOST_TEST(partial.elapsed.count() < 2500);
}
