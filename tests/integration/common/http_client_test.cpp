// The client against peers that are not our own code.
//
// Time limits, each against a peer that stops in that phase, plain and TLS: connect (a listener
// whose accept queue is full drops the SYN), TLS handshake (a TCP server that never speaks),
// response header and body gap (Python's ssl module as the TLS server, which completes the
// handshake and then goes quiet). A limit must end the fetch with its own error, close to the
// limit, and must not close a kept-alive connection that waits for its next request.
//
// TLS connection objects are reused after SSL_clear: nothing of one connection (the server name
// checked, a session to resume) may carry over to the next.
//
// The client sends its handshake's last flight with its request: the server counts the TCP
// segments with data it received (TCP_INFO) up to the request, over TLS 1.3 and 1.2, with a
// request that fits the held area and one that does not.
#include "common/net/dev_ca.hpp"
#include "common/net/http_client.hpp"
#include "common/net/tls_context.hpp"

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace net = boost::asio;
using namespace std::chrono_literals;
using common::net::fetch_error;
using common::net::fetch_result;
using tcp = net::ip::tcp;

namespace common::net {
// Boost.Test prints the values of a failed comparison.
std::ostream& boost_test_print_type(std::ostream& out, fetch_error e) { return out << to_string(e); }
}  // namespace common::net

namespace {

template <class T, class E>
T take(std::variant<T, E> v) {
    if (auto* e = std::get_if<E>(&v)) BOOST_FAIL(e->message);
    return std::move(std::get<T>(v));
}

struct timeouts_fixture {
    test_support::temp_dir dir{"apl-client-timeouts"};
    common::tls::dev_ca ca = take(common::tls::dev_ca::load_or_create(dir / "state", std::chrono::system_clock::now()));
    common::tls::server_cert_files server_files =
        take(ca.ensure_server_cert(dir / "state", common::tls::dev_ca::default_sans(), std::chrono::system_clock::now()));
    common::tls::tls_config client_settings = [this] {
        common::tls::tls_config cfg;
        cfg.ca_files.push_back(common::tls::pem_source::from_file(ca.cert_file()));
        return cfg;
    }();
    net::ssl::context client_tls = take(common::tls::make_client_context(client_settings));
    net::io_context ioc;
    std::vector<std::string> peer_options;                    // more arguments for the next peer
    std::vector<common::net::http_header> request_headers;  // sent by run_fetch

    // The Python peer in `mode`, over TLS or not (with `cert`/`key`, or the default server pair);
    // returns it with its port read from its first line.
    std::pair<test_support::child_process, unsigned short> start_peer(const std::string& mode, bool tls,
                                                                      std::filesystem::path cert = {},
                                                                      std::filesystem::path key = {}) {
        const auto script = std::filesystem::path(__FILE__).parent_path() / "stalling_server.py";
        test_support::process_options opts;
        opts.argv = {"python3", script.string(), mode};
        if (tls) {
            if (cert.empty()) cert = server_files.cert_file;
            if (key.empty()) key = server_files.key_file;
            opts.argv.insert(opts.argv.end(), {"--cert", cert.string(), "--key", key.string()});
        }
        opts.argv.insert(opts.argv.end(), peer_options.begin(), peer_options.end());
        test_support::child_process peer(std::move(opts));
        const auto line = peer.wait_for_line("port ", 10s);
        BOOST_TEST_REQUIRE(line.has_value(), "stalling_server.py did not start: " << peer.stderr_text());
        return {std::move(peer), static_cast<unsigned short>(std::stoi(line->substr(5)))};
    }

    // Runs one fetch to its end (at most 20 s) and reports how long it took.
    fetch_result run_fetch(const std::string& url, const common::net::fetch_limits& limits,
                           std::chrono::milliseconds& took, common::net::client_session* session = nullptr) {
        common::net::fetch_request req;
        req.url = *common::net::parse_url(url);
        req.headers = request_headers;
        std::optional<fetch_result> result;
        const auto started = std::chrono::steady_clock::now();
        net::co_spawn(
            ioc,
            [&]() -> net::awaitable<void> {
                std::string body;
                const auto ex = co_await net::this_coro::executor;
                result = co_await common::net::fetch_to_string(ex, req, limits, &client_tls, client_settings, body,
                                                               session);
            },
            net::detached);
        ioc.restart();
        ioc.run_for(20s);
        took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        BOOST_TEST_REQUIRE(result.has_value(), "fetch of " << url << " did not end within 20 s");
        BOOST_TEST_MESSAGE(url << ": " << common::net::to_string(result->error) << " after " << took.count()
                               << " ms: " << result->detail);
        return *result;
    }
};

common::net::fetch_limits generous() {
    common::net::fetch_limits limits;
    limits.connect_timeout = limits.tls_timeout = limits.response_timeout = limits.body_idle_timeout = 15s;
    return limits;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(http_client_timeouts, timeouts_fixture)

BOOST_AUTO_TEST_CASE(connect_limit_ends_a_connect_the_server_never_answers) {
    // Backlog 0 queues one connection; the next SYN is dropped and retried by the kernel.
    tcp::acceptor full(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    full.listen(0);
    const auto port = std::to_string(full.local_endpoint().port());
    tcp::socket first(ioc);
    first.connect(full.local_endpoint());
    auto limits = generous();
    limits.connect_timeout = 400ms;
    std::chrono::milliseconds took{};
    for (const std::string scheme : {"http", "https"}) {
        const auto r = run_fetch(scheme + "://127.0.0.1:" + port + "/aastra.cfg", limits, took);
        BOOST_TEST(r.error == fetch_error::connect_timeout);
        BOOST_TEST(took >= 390ms);
        BOOST_TEST(took < 5s);
    }
}

BOOST_AUTO_TEST_CASE(tls_limit_ends_a_handshake_the_server_never_answers) {
    // Connected by the kernel, never accepted: nothing answers the ClientHello.
    tcp::acceptor mute(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    mute.listen(8);
    auto limits = generous();
    limits.tls_timeout = 400ms;
    std::chrono::milliseconds took{};
    const auto r =
        run_fetch("https://127.0.0.1:" + std::to_string(mute.local_endpoint().port()) + "/aastra.cfg", limits, took);
    BOOST_TEST(r.error == fetch_error::tls_timeout);
    BOOST_TEST(took >= 390ms);
    BOOST_TEST(took < 5s);
}

BOOST_AUTO_TEST_CASE(response_limit_ends_a_wait_for_the_header) {
    for (const bool tls : {false, true}) {
        BOOST_TEST_CONTEXT("tls " << tls) {
            auto [peer, port] = start_peer("silent", tls);
            auto limits = generous();
            limits.response_timeout = 500ms;
            std::chrono::milliseconds took{};
            const auto r = run_fetch(std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port) +
                                         "/aastra.cfg",
                                     limits, took);
            BOOST_TEST(r.error == fetch_error::response_timeout);
            BOOST_TEST(took >= 490ms);
            BOOST_TEST(took < 5s);
            if (tls) BOOST_TEST(!r.tls_version.empty());  // the handshake was complete
        }
    }
}

BOOST_AUTO_TEST_CASE(body_limit_ends_a_body_that_stops) {
    for (const bool tls : {false, true}) {
        BOOST_TEST_CONTEXT("tls " << tls) {
            auto [peer, port] = start_peer("partial-body", tls);
            auto limits = generous();
            limits.body_idle_timeout = 500ms;
            std::chrono::milliseconds took{};
            const auto r = run_fetch(std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port) +
                                         "/aastra.cfg",
                                     limits, took);
            BOOST_TEST(r.error == fetch_error::body_timeout);
            BOOST_TEST(r.status == 200u);
            BOOST_TEST(r.body_bytes == 10u);
            BOOST_TEST(took >= 490ms);
            BOOST_TEST(took < 5s);
        }
    }
}

BOOST_AUTO_TEST_CASE(limits_do_not_close_a_kept_alive_connection_between_requests) {
    for (const bool tls : {false, true}) {
        BOOST_TEST_CONTEXT("tls " << tls) {
            auto [peer, port] = start_peer("keep-alive", tls);
            auto limits = generous();
            limits.connect_timeout = limits.tls_timeout = limits.response_timeout = limits.body_idle_timeout = 300ms;
            common::net::connection_options options;
            options.keep_alive = true;
            common::net::client_session session(options);
            const auto url = std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port) + "/a.cfg";
            std::chrono::milliseconds took{};
            const auto first = run_fetch(url, limits, took, &session);
            BOOST_TEST_REQUIRE(first.ok());
            // Idle for longer than every limit; the timer of the first exchange has fired by now.
            net::steady_timer pause(ioc, 1s);
            pause.async_wait([](boost::system::error_code) {});
            ioc.restart();
            ioc.run();
            const auto second = run_fetch(url, limits, took, &session);
            BOOST_TEST(second.ok());
            BOOST_TEST(second.connection_reused);
            BOOST_TEST(peer.wait_for_line("accepted 1", 2s).has_value());
            BOOST_TEST(peer.stdout_text().find("accepted 2") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(http_client_tls_reuse, timeouts_fixture)

BOOST_AUTO_TEST_CASE(each_connection_checks_its_own_host) {
    // Two servers, one with a certificate for the name localhost only, one for 127.0.0.1 only,
    // fetched in turn on this thread, so each connection object checked the other server's name
    // before. A check left over from the last connection would refuse the next server.
    const auto now = std::chrono::system_clock::now();
    auto start_with = [&](const std::string& stem, std::vector<std::string> names, std::vector<std::string> ips) {
        const auto leaf = take(ca.issue_leaf(names, ips, now - std::chrono::hours(1), now + std::chrono::hours(24)));
        std::ofstream(dir / (stem + ".pem")) << leaf.cert_pem;
        std::ofstream(dir / (stem + ".key")) << leaf.key_pem;
        return start_peer("keep-alive", true, dir / (stem + ".pem"), dir / (stem + ".key"));
    };
    auto [name_peer, name_port] = start_with("name-only", {"localhost"}, {});
    auto [ip_peer, ip_port] = start_with("ip-only", {}, {"127.0.0.1"});
    const auto by_name = "https://localhost:" + std::to_string(name_port) + "/a.cfg";
    const auto by_ip = "https://127.0.0.1:" + std::to_string(ip_port) + "/a.cfg";
    std::chrono::milliseconds took{};
    for (int i = 0; i < 3; ++i) {
        const auto named = run_fetch(by_name, generous(), took);
        BOOST_TEST(named.ok(), named.detail);
        const auto numbered = run_fetch(by_ip, generous(), took);
        BOOST_TEST(numbered.ok(), numbered.detail);
    }
    // Each certificate is still refused for the other kind of name.
    const auto refused = run_fetch("https://127.0.0.1:" + std::to_string(name_port) + "/a.cfg", generous(), took);
    BOOST_TEST(refused.error == fetch_error::tls);
    BOOST_TEST(refused.detail.find("IP address mismatch") != std::string::npos, refused.detail);
    const auto refused_name = run_fetch("https://localhost:" + std::to_string(ip_port) + "/a.cfg", generous(), took);
    BOOST_TEST(refused_name.error == fetch_error::tls);
    BOOST_TEST(refused_name.detail.find("hostname mismatch") != std::string::npos, refused_name.detail);
}

BOOST_AUTO_TEST_CASE(a_session_is_offered_only_when_resumption_is_on) {
    auto [peer, port] = start_peer("keep-alive", true);
    const auto url = "https://127.0.0.1:" + std::to_string(port) + "/a.cfg";
    std::chrono::milliseconds took{};
    for (int i = 0; i < 3; ++i) {
        const auto r = run_fetch(url, generous(), took);
        BOOST_TEST_REQUIRE(r.ok());
        BOOST_TEST(!r.tls_session_offered);
        BOOST_TEST(!r.tls_resumed);
    }
    // The same server resumes when asked, so the checks above could have failed.
    common::net::connection_options options;
    options.tls_resumption = true;
    common::net::client_session session(options);
    BOOST_TEST_REQUIRE(run_fetch(url, generous(), took, &session).ok());
    const auto second = run_fetch(url, generous(), took, &session);
    BOOST_TEST_REQUIRE(second.ok());
    BOOST_TEST(second.tls_session_offered);
    BOOST_TEST(second.tls_resumed);
    const auto third = run_fetch(url, generous(), took);
    BOOST_TEST(!third.tls_session_offered);
    BOOST_TEST(!third.tls_resumed);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(http_client_tls_packing, timeouts_fixture)

BOOST_AUTO_TEST_CASE(the_last_handshake_flight_goes_with_the_request) {
    struct run {
        const char* max_tls;
        std::size_t header_bytes;
        bool resume;
        int segments;  // with data, client to server, up to the request
    };
    // TLS 1.3: ClientHello, then Finished and the request together; a request too large to hold
    // sends the Finished first. TLS 1.2: the client's second flight waits for the server's
    // Finished, so it cannot wait for the request; a resumed 1.2 handshake ends with the client's
    // Finished, which goes with the request again.
    for (const run r : {run{"1.3", 0, false, 2}, run{"1.3", 0, true, 2}, run{"1.3", 3000, false, 3},
                        run{"1.2", 0, false, 3}, run{"1.2", 0, true, 2}, run{"1.2", 3000, true, 3}}) {
        BOOST_TEST_CONTEXT("TLS " << r.max_tls << ", header " << r.header_bytes << " bytes, resumed " << r.resume) {
            peer_options = {"--max-tls", r.max_tls};
            auto [peer, port] = start_peer("keep-alive", true);
            request_headers.clear();
            if (r.header_bytes > 0) request_headers.push_back({"X-Padding", std::string(r.header_bytes, 'p')});
            const auto url = "https://127.0.0.1:" + std::to_string(port) + "/a.cfg";
            common::net::connection_options options;
            options.tls_resumption = r.resume;
            common::net::client_session session(options);
            std::chrono::milliseconds took{};
            if (r.resume) {
                BOOST_TEST_REQUIRE(run_fetch(url, generous(), took, &session).ok());
                BOOST_TEST_REQUIRE(peer.wait_for_line("data segments", 5s).has_value());
            }
            const auto result = run_fetch(url, generous(), took, &session);
            BOOST_TEST_REQUIRE(result.ok());
            BOOST_TEST(result.tls_resumed == r.resume);
            BOOST_TEST(result.tls_version == std::string("TLSv") + r.max_tls);
            // This connection's count (the first connection's line was read above).
            const auto line = peer.wait_for_line("data segments ", 5s);
            BOOST_TEST_REQUIRE(line.has_value(), "no data segment count: " << peer.stdout_text());
            BOOST_TEST(std::stoi(line->substr(line->find("data segments ") + 14)) == r.segments);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
