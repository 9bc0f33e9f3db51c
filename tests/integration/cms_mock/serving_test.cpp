// cms-mock as a file server: layouts, HEAD, conditional and range requests, firmware, traversal
// attempts against a canary outside the root, start-up errors, the TLS offer settings and a clean
// SIGTERM.
#include "cms_mock_runner.hpp"
#include "phone_agent_runner.hpp"
#include "raw_socket.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;

namespace {

const std::string open_tree_config = R"(
auth:
  rules:
    - path: "*"
      scheme: none
)";

std::string get(const cms_mock_runner& mock, const std::string& target, const std::string& extra = "",
                const std::string& method = "GET") {
    auto r = raw_exchange("127.0.0.1", port_of(mock.http_url()), method + " " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n", 5s);
    return r.received;
}

// openssl s_client against cms-mock's HTTPS port, verifying against its CA (an independent client).
run_result s_client(const cms_mock_runner& mock, std::vector<std::string> extra) {
    std::vector<std::string> argv{"openssl", "s_client", "-connect",
                                  "127.0.0.1:" + std::to_string(port_of(mock.https_url())), "-CAfile",
                                  mock.ca_file().string(), "-verify_return_error"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run(argv, 20s, "");
    BOOST_TEST_MESSAGE("s_client " << extra.front() << ": exit " << r.exit_code.value_or(-1) << "\n"
                                    << r.stdout_text << r.stderr_text);
    return r;
}

std::string header_value(const std::string& response, const std::string& name) {
    auto pos = response.find("\r\n" + name + ": ");
    if (pos == std::string::npos) return {};
    pos += name.size() + 4;
    return response.substr(pos, response.find("\r\n", pos) - pos);
}

std::string body_of(const std::string& response) {
    auto pos = response.find("\r\n\r\n");
    return pos == std::string::npos ? std::string() : response.substr(pos + 4);
}

struct tree_fixture {
    temp_dir outside{"cms-tree"};
    std::filesystem::path root = outside.path() / "tree";
    tree_fixture() {
        outside.write("canary.txt", "CANARY-SECRET\n");
        outside.write("tree/aastra.cfg", "download protocol: HTTP\n");
        outside.write("tree/Aastra9480i/9480i.cfg", "softkey1 type: xml\n");
        outside.write("tree/notes.txt", "0123456789abcdefghij");
        std::filesystem::create_symlink(outside.path() / "canary.txt", root / "link.txt");
    }
    cms_mock_options options() const {
        cms_mock_options o;
        o.config_yaml = open_tree_config;
        o.extra_args = {"--root", root.string()};
        o.https = false;
        return o;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cms_mock_serving)

BOOST_AUTO_TEST_CASE(prints_listeners_and_ca_then_ready) {
    cms_mock_runner mock;
    BOOST_TEST(mock.http_url().starts_with("http://127.0.0.1:"));
    BOOST_TEST(mock.https_url().starts_with("https://127.0.0.1:"));
    BOOST_TEST(mock.admin_url().starts_with("http://127.0.0.1:"));
    BOOST_TEST(std::filesystem::exists(mock.ca_file()));
    auto health = raw_exchange("127.0.0.1", port_of(mock.admin_url()),
                               "GET /_admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
    BOOST_TEST(health.received.find("200 OK") != std::string::npos);
    BOOST_TEST(health.received.find("\"status\":\"ok\"") != std::string::npos);
    // The admin API is not reachable on the provisioning port.
    auto leak = get(mock, "/_admin/health");
    BOOST_TEST(leak.find("\"status\":\"ok\"") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(flat_and_dms_layouts_head_conditional_and_range, tree_fixture) {
    cms_mock_runner mock(options());
    auto flat = get(mock, "/aastra.cfg");
    BOOST_TEST(flat.starts_with("HTTP/1.1 200"));
    BOOST_TEST(body_of(flat) == "download protocol: HTTP\n");
    BOOST_TEST(header_value(flat, "Content-Type").starts_with("text/plain"));
    auto dms = get(mock, "/dms/Aastra9480i/9480i.cfg");
    BOOST_TEST(dms.starts_with("HTTP/1.1 200"));
    BOOST_TEST(body_of(dms) == "softkey1 type: xml\n");

    auto head = get(mock, "/notes.txt", "", "HEAD");
    BOOST_TEST(head.starts_with("HTTP/1.1 200"));
    BOOST_TEST(header_value(head, "Content-Length") == "20");
    BOOST_TEST(body_of(head).empty());

    auto etag = header_value(flat, "ETag");
    BOOST_REQUIRE(!etag.empty());
    auto not_modified = get(mock, "/aastra.cfg", "If-None-Match: " + etag + "\r\n");
    BOOST_TEST(not_modified.starts_with("HTTP/1.1 304"));

    auto part = get(mock, "/notes.txt", "Range: bytes=5-9\r\n");
    BOOST_TEST(part.starts_with("HTTP/1.1 206"));
    BOOST_TEST(body_of(part) == "56789");
    BOOST_TEST(header_value(part, "Content-Range") == "bytes 5-9/20");
    auto suffix = get(mock, "/notes.txt", "Range: bytes=-3\r\n");
    BOOST_TEST(body_of(suffix) == "hij");
    auto beyond = get(mock, "/notes.txt", "Range: bytes=100-\r\n");
    BOOST_TEST(beyond.starts_with("HTTP/1.1 416"));
    BOOST_TEST(header_value(beyond, "Content-Range") == "bytes */20");

    BOOST_TEST(get(mock, "/missing.cfg").starts_with("HTTP/1.1 404"));
    BOOST_TEST(get(mock, "/aastra.cfg", "", "POST").starts_with("HTTP/1.1 405"));
}

BOOST_FIXTURE_TEST_CASE(no_request_reads_outside_the_root, tree_fixture) {
    cms_mock_runner mock(options());
    const char* attempts[] = {
        "/../canary.txt",       "/%2e%2e/canary.txt",        "/%2E%2E/canary.txt",
        "/.%2e/canary.txt",     "/dms/..%2fcanary.txt",      "/dms/Aastra9480i/../../canary.txt",
        "/..%5ccanary.txt",     "/%252e%252e/canary.txt",    "//canary.txt",
        "/link.txt",            "/dms/Aastra9480i/link.txt", "/aastra.cfg%00/../../canary.txt",
        "/./../canary.txt",     "/%2e%2e%2fcanary.txt",      "/tree/../../canary.txt",
    };
    for (const char* target : attempts) {
        BOOST_TEST_CONTEXT("target " << target) {
            auto r = get(mock, target);
            BOOST_TEST(r.find("CANARY-SECRET") == std::string::npos);
            BOOST_TEST(!r.starts_with("HTTP/1.1 200"));
        }
    }
    auto backslash = raw_exchange("127.0.0.1", port_of(mock.http_url()),
                                  "GET /..\\canary.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 5s);
    BOOST_TEST(backslash.received.find("CANARY-SECRET") == std::string::npos);
    auto absolute = raw_exchange("127.0.0.1", port_of(mock.http_url()),
                                 "GET http://x/../canary.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 5s);
    BOOST_TEST(absolute.received.find("CANARY-SECRET") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(firmware_is_streamed_and_its_hash_is_published) {
    cms_mock_options o;
    o.config_yaml = R"(
firmware:
  - model: 9480i
    version: 3.2.2.3077
    size: 3MiB
)";
    cms_mock_runner mock(o);
    auto out = mock.state().path() / "fw.st";
    auto r = run({"curl", "-s", "--digest", "-u", "dev000001:pw000001", "-A",
                  "Aastra9480i MAC:00-08-5D-00-00-01 V:3.2.2.3077-SIP", "-o", out.string(), "-w", "%{http_code}",
                  mock.http_url() + "/dms/Aastra9480i/9480i.st"},
                 30s, "");
    BOOST_TEST(r.stdout_text == "200");
    BOOST_TEST(std::filesystem::file_size(out) == 3u * 1024 * 1024);
    auto sum = run({"sha256sum", out.string()}, 10s, "");
    auto published = run({"curl", "-s", mock.admin_url() + "/_admin/firmware"}, 10s, "");
    BOOST_TEST(published.stdout_text.find(sum.stdout_text.substr(0, 64)) != std::string::npos,
               published.stdout_text);
}

BOOST_AUTO_TEST_CASE(reload_rereads_devices_without_dropping_the_journal) {
    cms_mock_options o;
    o.config_yaml = "devices:\n  - mac: 00085D0000AA\n    model: 9480i\n";
    o.https = false;
    cms_mock_runner mock(o);
    auto admin = [&](const std::string& method, const std::string& target) {
        return raw_exchange("127.0.0.1", port_of(mock.admin_url()),
                            method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            5s).received;
    };
    BOOST_TEST(admin("GET", "/_admin/devices").find("00085D0000AA") != std::string::npos);
    get(mock, "/aastra.cfg");
    mock.state().write("cms-mock.yaml", "devices:\n  - mac: 00085D0000BB\n    model: 6731i\n");
    BOOST_TEST(admin("POST", "/_admin/reload").starts_with("HTTP/1.1 200"));
    auto devices = admin("GET", "/_admin/devices");
    BOOST_TEST(devices.find("00085D0000BB") != std::string::npos);
    BOOST_TEST(devices.find("00085D0000AA") == std::string::npos);
    BOOST_TEST(admin("GET", "/_admin/journal").find("/aastra.cfg") != std::string::npos);
    // A broken file is refused and the running state stays.
    mock.state().write("cms-mock.yaml", "devices:\n  - mac: nonsense\n");
    BOOST_TEST(admin("POST", "/_admin/reload").starts_with("HTTP/1.1 400"));
    BOOST_TEST(admin("GET", "/_admin/devices").find("00085D0000BB") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_config_exits_2_naming_the_key_and_line) {
    temp_dir dir;
    auto file = dir.write("bad.yaml", "listen:\n  http: 127.0.0.1:0\nauth:\n  realmm: x\n");
    auto r = run({binary_path("cms-mock/cms-mock").string(), "--config", file.string(), "--state-dir",
                  (dir.path() / "s").string()},
                 10s, "");
    BOOST_TEST(r.exit_code.value_or(-1) == 2);
    BOOST_TEST(r.stderr_text.find("realmm") != std::string::npos, r.stderr_text);
    BOOST_TEST(r.stderr_text.find(":4:") != std::string::npos, r.stderr_text);
    BOOST_TEST(r.stdout_text.find("ready") == std::string::npos);

    auto port = run({binary_path("cms-mock/cms-mock").string(), "--http", "127.0.0.1:99999", "--state-dir",
                     (dir.path() / "s").string()},
                    10s, "");
    BOOST_TEST(port.exit_code.value_or(-1) == 2);
    BOOST_TEST(port.stderr_text.find("listen.http") != std::string::npos, port.stderr_text);
}

// tls.groups, tls.ciphersuites and tls.cipher_list narrow what the server accepts, as an independent
// client finds (openssl s_client): only P-384, only ChaCha20 in TLS 1.3, only AES-256-GCM in 1.2.
BOOST_AUTO_TEST_CASE(tls_offer_settings_narrow_what_the_server_accepts) {
    temp_dir dir{"cms-tls-offer"};
    dir.write("tree/aastra.cfg", "x: 1\n");
    cms_mock_options o;
    o.config_yaml = open_tree_config +
                    "tls:\n  groups: P-384\n  ciphersuites: TLS_CHACHA20_POLY1305_SHA256\n"
                    "  cipher_list: ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384\n";
    o.extra_args = {"--root", (dir.path() / "tree").string()};
    cms_mock_runner mock(o);
    auto has = [](const run_result& r, const std::string& needle) {
        return (r.stdout_text + r.stderr_text).find(needle) != std::string::npos;
    };
    const auto tls13 = s_client(mock, {"-tls1_3"});
    BOOST_TEST(tls13.exit_code.value_or(-1) == 0);
    BOOST_TEST(has(tls13, "Cipher is TLS_CHACHA20_POLY1305_SHA256"));
    BOOST_TEST(has(tls13, "Server Temp Key: ECDH, secp384r1"));
    const auto tls12 = s_client(mock, {"-tls1_2"});
    BOOST_TEST(tls12.exit_code.value_or(-1) == 0);
    BOOST_TEST(has(tls12, "-AES256-GCM-SHA384"));
    BOOST_TEST(has(tls12, "Server Temp Key: ECDH, secp384r1"));
    // Refused: a client without P-384, and a TLS 1.2 client without AES-256-GCM.
    const auto x25519 = s_client(mock, {"-groups", "X25519"});
    BOOST_TEST(x25519.exit_code.value_or(0) != 0);
    BOOST_TEST(has(x25519, "handshake failure"));
    const auto aes128 =
        s_client(mock, {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"});
    BOOST_TEST(aes128.exit_code.value_or(0) != 0);
    BOOST_TEST(has(aes128, "handshake failure"));

    // A value OpenSSL refuses stops the start, naming it.
    auto file = dir.write("bad.yaml", "tls:\n  groups: X25519:NOPE\n");
    auto bad = run({binary_path("cms-mock/cms-mock").string(), "--config", file.string(), "--state-dir",
                    (dir.path() / "s").string(), "--http", "off", "--https", "127.0.0.1:0", "--admin", "off"},
                   20s, "");
    BOOST_TEST(bad.exit_code.value_or(-1) == 2);
    BOOST_TEST(bad.stderr_text.find("groups 'X25519:NOPE'") != std::string::npos, bad.stderr_text);
    BOOST_TEST(bad.stdout_text.find("ready") == std::string::npos);
}

// The development certificate goes out alone: the CA is a root the client must hold anyway, so
// openssl s_client sees one certificate, which verifies against the CA file and not without it.
BOOST_AUTO_TEST_CASE(development_certificate_is_sent_without_its_root) {
    temp_dir dir{"cms-tls-leaf"};
    dir.write("tree/aastra.cfg", "x: 1\n");
    cms_mock_options o;
    o.config_yaml = open_tree_config;
    o.extra_args = {"--root", (dir.path() / "tree").string()};
    cms_mock_runner mock(o);
    for (const char* version : {"-tls1_3", "-tls1_2"}) {
        const auto r = s_client(mock, {version, "-showcerts"});
        BOOST_TEST(r.exit_code.value_or(-1) == 0, version);
        BOOST_TEST(count_occurrences(r.stdout_text, "-----BEGIN CERTIFICATE-----") == 1u, version);
        BOOST_TEST(r.stdout_text.find("Verify return code: 0 (ok)") != std::string::npos, version);
    }
    const std::string target = "127.0.0.1:" + std::to_string(port_of(mock.https_url()));
    const auto untrusted =
        run({"openssl", "s_client", "-connect", target, "-verify_return_error", "-CApath", dir.path().string()},
            20s, "");
    BOOST_TEST(untrusted.exit_code.value_or(0) != 0);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_cleanly_with_exit_0) {
    temp_dir dir;
    process_options opts;
    opts.argv = {binary_path("cms-mock/cms-mock").string(), "--http", "127.0.0.1:0", "--https", "off",
                 "--admin", "127.0.0.1:0", "--state-dir", (dir.path() / "s").string()};
    child_process p(opts);
    BOOST_REQUIRE(p.wait_for_line("ready", 20s));
    p.terminate(SIGTERM);
    BOOST_TEST(p.wait(10s).value_or(-1) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// Over TLS a small answer leaves as head + body gathered by ssl::stream (at most 8 KiB), a larger
// one with the first body piece appended to the head: bodies on both sides of that line, and
// around the 16 KiB chunk size, arrive byte for byte, one after another on one connection (curl).
// A TLS client that sends 24 pipelined requests and then reads nothing for a second, through a
// 4 KiB receive window: the server's writes find the socket full and must resume later, both a
// head and body gathered into one record (12,000 bytes) and a larger answer written piece by
// piece (40,000). Python's ssl module is the peer; every body must arrive byte-exact, in order.
BOOST_AUTO_TEST_CASE(https_answers_that_wait_for_a_full_socket_arrive_intact) {
    temp_dir dir{"cms-tls-full"};
    for (std::size_t n : {std::size_t{12000}, std::size_t{40000}}) {
        std::string body(n, '\0');
        for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>((i * 7 + n) % 253);
        dir.write("tree/f" + std::to_string(n) + ".bin", body);
    }
    const auto script = dir.write("pipeline.py", R"PY(
import socket, ssl, sys, time
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect((host, port))
s = ctx.wrap_socket(raw, server_hostname=host)
names = ["/f12000.bin", "/f40000.bin"] * 12
wire = b"".join(b"GET " + n.encode() + b" HTTP/1.1\r\nHost: x\r\n" +
                (b"Connection: close\r\n" if i == len(names) - 1 else b"") + b"\r\n"
                for i, n in enumerate(names))
s.sendall(wire)
time.sleep(1.0)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
expected = {n: bytes((i * 7 + int(n[2:-4])) % 253 for i in range(int(n[2:-4]))) for n in set(names)}
for i, n in enumerate(names):
    head, sep, data = data.partition(b"\r\n\r\n")
    assert sep and head.startswith(b"HTTP/1.1 200"), (i, head[:80])
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    body, data = data[:length], data[length:]
    assert body == expected[n], (i, n, len(body))
assert data == b"", len(data)
print("ok", len(names))
)PY");
    cms_mock_options o;
    o.config_yaml = open_tree_config;
    o.extra_args = {"--root", (dir.path() / "tree").string()};
    cms_mock_runner mock(o);
    auto r = run({"python3", script.string(), "127.0.0.1", std::to_string(port_of(mock.https_url())),
                  mock.ca_file().string()},
                 30s, "");
    BOOST_TEST(r.exit_code.value_or(-1) == 0, r.stderr_text);
    BOOST_TEST(r.stdout_text == "ok 24\n");
}

BOOST_AUTO_TEST_CASE(https_bodies_around_the_write_boundaries_arrive_intact) {
    temp_dir dir{"cms-tls-sizes"};
    const std::vector<std::size_t> sizes{1, 2048, 4096, 4097, 7900, 8192, 16384, 16385, 100000};
    std::vector<std::string> argv{"curl", "-s", "-S", "--max-time", "20"};
    for (std::size_t n : sizes) {
        std::string body(n, '\0');
        for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>((i * 131 + n) % 251);
        dir.write("tree/f" + std::to_string(n) + ".bin", body);
    }
    cms_mock_options o;
    o.config_yaml = open_tree_config;
    o.extra_args = {"--root", (dir.path() / "tree").string()};
    cms_mock_runner mock(o);
    argv.push_back("--cacert");
    argv.push_back(mock.ca_file().string());
    for (std::size_t n : sizes) {
        argv.push_back(mock.https_url() + "/f" + std::to_string(n) + ".bin");
        argv.push_back("-o");
        argv.push_back((dir.path() / ("got" + std::to_string(n))).string());
    }
    auto r = run(argv, 30s, "");
    BOOST_TEST(r.exit_code.value_or(-1) == 0, r.stderr_text);
    for (std::size_t n : sizes) {
        BOOST_TEST_CONTEXT("size " << n) {
            const bool same = read_file(dir / ("got" + std::to_string(n))) ==
                              read_file(dir / ("tree/f" + std::to_string(n) + ".bin"));
            BOOST_TEST(same);
        }
    }
    // curl reused one connection for all of them: one TLS handshake.
    auto health = raw_exchange("127.0.0.1", port_of(mock.admin_url()),
                               "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
    BOOST_TEST(health.received.find("cms_mock_tls_handshakes_total{result=\"ok\"} 1\n") != std::string::npos,
               health.received.substr(0, 2000));
}
