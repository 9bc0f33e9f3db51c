// TLS posture of cms-mock's and the phone's HTTPS listeners as a scanner sees it: sslscan lists
// only TLS 1.2 and 1.3, no cipher under 128 bits or from the weak families, no compression;
// sslscan's client-initiated renegotiation attempt is refused; and 1,000 TCP connections that never
// send a ClientHello are all closed by the handshake timeout, after which the server's fd count is
// back at its baseline.
#include "reliability_support.hpp"

#include "child_process.hpp"
#include "cms_mock_runner.hpp"
#include "phone_agent_runner.hpp"
#include "raw_socket.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <thread>

using namespace test_support;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct scan_report {
    std::vector<std::string> protocols_enabled;
    std::vector<std::string> accepted_ciphers;  // "TLSv1.2 256 bits ECDHE-RSA-AES256-GCM-SHA384"
    bool compression_disabled = false;
    bool renegotiation_refused = false;
    std::string text;
};

scan_report sslscan(std::uint16_t port) {
    auto r = run({"sslscan", "--no-colour", "--no-heartbleed", "127.0.0.1:" + std::to_string(port)}, 120s);
    BOOST_TEST_REQUIRE(r.exit_code.has_value(), "sslscan did not finish");
    scan_report out;
    out.text = r.stdout_text;
    std::istringstream in(r.stdout_text);
    std::string line;
    const std::regex protocol(R"(^(SSLv2|SSLv3|TLSv1\.[0-3])\s+enabled)");
    const std::regex cipher(R"(^(Preferred|Accepted)\s+(\S+)\s+(\d+) bits\s+(\S+))");
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_search(line, m, protocol)) out.protocols_enabled.push_back(m[1]);
        if (std::regex_search(line, m, cipher)) {
            out.accepted_ciphers.push_back(std::string(m[2]) + " " + std::string(m[3]) + " bits " + std::string(m[4]));
        }
        // sslscan says the second when its OpenSSL cannot even offer compression.
        if (line.find("Compression disabled") != std::string::npos ||
            line.find("OpenSSL version does not support compression") != std::string::npos) {
            out.compression_disabled = true;
        }
        // sslscan tries a client-initiated renegotiation on TLS 1.2.
        if (line.find("Session renegotiation not supported") != std::string::npos) out.renegotiation_refused = true;
    }
    return out;
}

void check_scan(const std::string& name, std::uint16_t port) {
    const auto scan = sslscan(port);
    std::ostringstream summary;
    for (const auto& p : scan.protocols_enabled) summary << p << ' ';
    BOOST_TEST_MESSAGE(name << ": protocols " << summary.str() << "; " << scan.accepted_ciphers.size() << " ciphers");
    BOOST_TEST((scan.protocols_enabled == std::vector<std::string>{"TLSv1.2", "TLSv1.3"}), name << ": " << tail(scan.text, 3000));
    BOOST_TEST(!scan.accepted_ciphers.empty());
    const std::regex weak("NULL|RC4|DES|EXP|MD5|ADH|AECDH|anon|PSK|SRP|IDEA|SEED|CAMELLIA|ARIA");
    for (const auto& c : scan.accepted_ciphers) {
        const auto bits = std::stoi(c.substr(c.find(' ') + 1));
        BOOST_TEST(bits >= 128, name << ": weak cipher " << c);
        BOOST_TEST(!std::regex_search(c, weak), name << ": weak cipher " << c);
    }
    BOOST_TEST(scan.compression_disabled, name << ": " << tail(scan.text, 2000));
    BOOST_TEST(scan.renegotiation_refused, name << ": " << tail(scan.text, 2000));
}

int connect_plain(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// 1,000 connections that never send a byte; all must be closed within handshake timeout + 2 s.
void check_silent_connections(const std::string& name, std::uint16_t port, int pid,
                              std::chrono::milliseconds handshake_timeout) {
    BOOST_TEST_REQUIRE(reliability::raise_fd_limit(8192) >= 2048u);
    const int baseline = reliability::open_fds(pid);
    std::vector<pollfd> fds;
    const auto opened = clock_type::now();
    for (int i = 0; i < 1000; ++i) {
        const int fd = connect_plain(port);
        BOOST_TEST_REQUIRE(fd >= 0, name << ": connect " << i << " failed");
        fds.push_back({fd, POLLIN, 0});
    }
    const auto all_open = clock_type::now();
    const auto deadline = all_open + handshake_timeout + 2s;
    std::size_t closed = 0;
    std::vector<bool> done(fds.size(), false);
    while (closed < fds.size() && clock_type::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (done[i] || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char b;
            if (::recv(fds[i].fd, &b, 1, MSG_DONTWAIT) <= 0) {
                done[i] = true;
                fds[i].events = 0;
                ++closed;
            }
        }
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - opened);
    for (auto& p : fds) ::close(p.fd);
    const bool back = reliability::eventually([&] { return reliability::open_fds(pid) <= baseline; }, 5s);
    BOOST_TEST_MESSAGE(name << ": " << closed << "/1000 silent connections closed by the server after "
                            << took.count() << " ms (handshake timeout " << handshake_timeout.count()
                            << " ms); fds baseline " << baseline << ", after " << reliability::open_fds(pid));
    BOOST_TEST(closed == fds.size());
    BOOST_TEST(back);
}

}  // namespace

BOOST_AUTO_TEST_CASE(cms_mock_https) {
    cms_mock_options o;
    o.config_yaml = "limits: {handshake_timeout: 2s, max_connections: 2000}\n";
    cms_mock_runner mock(o);
    const auto port = port_of(mock.https_url());
    check_scan("cms-mock", port);
    check_silent_connections("cms-mock", port, mock.process().pid(), 2000ms);
    BOOST_TEST(mock.process().running());
}

BOOST_AUTO_TEST_CASE(phone_agent_https) {
    cms_mock_options o;
    o.https = false;
    cms_mock_runner mock(o);
    temp_dir state("reliability-tls-phone");
    process_options p;
    p.argv = {binary_path("phone-agent/phone-agent").string(), "run", "--server", mock.http_url() + "/",
              "--mac", "00085D000003", "--model", "9480i", "--http", "off", "--https", "127.0.0.1:0",
              "--state-dir", state.path().string()};
    child_process phone(p);
    const auto listening = phone.wait_for_line("listening https://", 60s);
    BOOST_TEST_REQUIRE(listening.has_value(), "phone-agent did not start: " << tail(phone.stderr_text()));
    const auto port = port_of(listening->substr(listening->find("https://")));
    check_scan("phone-agent", port);
    // The phone's web server keeps the library default handshake timeout (10 s).
    check_silent_connections("phone-agent", port, phone.pid(), 10000ms);
    BOOST_TEST(phone.running());
}
