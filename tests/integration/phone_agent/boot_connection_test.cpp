// `phone-agent boot`'s connection options, judged by the servers: by default one new connection
// per request (cms-mock's journal shows a new peer port each time, nginx a new connection serial);
// --keep-alive sends the whole boot over one connection; --tls-resumption makes nginx log
// `$ssl_session_reused = r` from the second connection on, over TLS 1.2 and TLS 1.3; a client
// certificate is accepted by nginx (`ssl_verify_client on`) and by cms-mock (`require`), and its
// absence is a TLS failure (exit 4) with a reason; tls.cipher_list, tls.ciphersuites and tls.groups
// shape the ClientHello nginx logs.
#include "cms_mock_runner.hpp"
#include "nginx_server.hpp"
#include "phone_agent_runner.hpp"

#include "common/net/dev_ca.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::string mac = "00085D000003";

std::string str(const json::value& v) {
    const auto& s = v.as_string();
    return std::string(s.data(), s.size());
}

run_result boot_with(const boot_options& o, const std::vector<std::string>& extra) {
    auto argv = boot_argv(o);
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, 60s);
}

std::string describe(const run_result& r) {
    return "exit " + std::to_string(r.exit_code.value_or(-1)) + ": " + tail(r.stderr_text, 600);
}

// cms-mock's view: the peer (address:port) of every journalled request.
std::vector<std::string> journal_peers(const cms_mock_runner& mock) {
    std::vector<std::string> peers;
    const auto parsed = json::parse(http_get_body(mock.admin_url(), "/_admin/journal"));
    for (const auto& v : parsed.as_array()) peers.push_back(str(v.as_object().at("peer")));
    return peers;
}

std::size_t distinct(const std::vector<std::string>& v) { return std::set<std::string>(v.begin(), v.end()).size(); }

// nginx's view, from the access-log fields nginx_server appends.
struct log_line {
    std::string request, tls, reused, conn, req;
    std::string cipher, curve, offered_ciphers, offered_curves;  // nginx's view of the ClientHello
};

std::vector<log_line> nginx_log(const nginx_server& nginx) {
    std::vector<log_line> out;
    const auto text = nginx.access_log();
    auto field = [](const std::string& line, const std::string& name) {
        auto at = line.find(" " + name + "=");
        if (at == std::string::npos) return std::string();
        at += name.size() + 2;
        return line.substr(at, line.find(' ', at) - at);
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        const auto line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (line.empty()) continue;
        const auto q = line.find('"');
        log_line l{line.substr(q + 1, line.find('"', q + 1) - q - 1),
                   field(line, "tls"),
                   field(line, "reused"),
                   field(line, "conn"),
                   field(line, "req"),
                   field(line, "cipher"),
                   field(line, "curve"),
                   field(line, "offered_ciphers"),
                   field(line, "offered_curves")};
        out.push_back(l);
    }
    return out;
}

nginx_options open_tree() {
    nginx_options o;
    o.files["aastra.cfg"] = "sip line1 screen name: Lab\n";
    o.files["9480i.cfg"] = "time server disabled: 1\n";
    o.files[mac + ".cfg"] = "sip line1 auth name: 1001\n";
    return o;
}

boot_options phone_boot(const std::string& server, const fs::path& state, const std::optional<fs::path>& ca) {
    boot_options o;
    o.server = server;
    o.state_dir = state;
    o.firmware = "3.2.2.3077";
    o.ca = ca;
    o.sets = {"retry.initial_delay=100ms"};
    return o;
}

struct require_nginx {
    require_nginx() {
        auto missing = nginx_server::missing();
        BOOST_TEST_REQUIRE(!missing, "not installed: " << missing.value_or("") << " (scripts/install-deps.sh)");
    }
};

void check_resumption(const std::string& protocol, const std::string& openssl_name) {
    auto opts = open_tree();
    opts.ssl_protocols = protocol;
    nginx_server nginx(opts);
    temp_dir phone("pa-conn");
    auto o = phone_boot(nginx.url() + "/", phone / "state", nginx.ca_file());
    o.json = phone / "boot.json";
    auto r = boot_with(o, {"--tls-resumption"});
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), describe(r));
    const auto log = nginx_log(nginx);
    BOOST_TEST_REQUIRE(log.size() == 3u, nginx.access_log());
    std::set<std::string> connections;
    for (std::size_t i = 0; i < log.size(); ++i) {
        BOOST_TEST(log[i].tls == openssl_name, log[i].request);
        BOOST_TEST(log[i].reused == (i == 0 ? "." : "r"), "request " << i << ": " << log[i].request);
        BOOST_TEST(log[i].req == "1");
        connections.insert(log[i].conn);
    }
    BOOST_TEST(connections.size() == 3u);  // resumption, not keep-alive
    // The phone's own view agrees, in the stderr lines and in --json.
    BOOST_TEST(count_occurrences(r.stderr_text, openssl_name + " resumed") == 2u, tail(r.stderr_text, 800));
    const auto report = json::parse(read_file(phone / "boot.json"));
    const auto& exchanges = report.at("exchanges").as_array();
    BOOST_TEST_REQUIRE(exchanges.size() == 3u);
    BOOST_TEST(exchanges[0].at("tls_resumed").as_bool() == false);
    BOOST_TEST(exchanges[0].at("tls_session_offered").as_bool() == false);
    BOOST_TEST(exchanges[1].at("tls_resumed").as_bool() == true);
    BOOST_TEST(exchanges[2].at("tls_resumed").as_bool() == true);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phone_agent_boot_connection_cms_mock)

BOOST_AUTO_TEST_CASE(default_is_one_connection_per_request) {
    cms_mock_runner mock(cms_mock_options{"", {}, false});
    temp_dir phone("pa-conn");
    auto r = boot_with(phone_boot(mock.http_url() + "/dms/Aastra9480i/", phone / "state", std::nullopt), {});
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), describe(r));
    const auto peers = journal_peers(mock);
    BOOST_TEST(peers.size() >= 4u);
    BOOST_TEST(distinct(peers) == peers.size());
    BOOST_TEST(r.stderr_text.find("reused connection") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(keep_alive_uses_one_connection_for_the_whole_boot) {
    for (const bool https : {false, true}) {
        BOOST_TEST_CONTEXT((https ? "https" : "http")) {
            cms_mock_runner mock(cms_mock_options{"", {}, https});
            temp_dir phone("pa-conn");
            const auto base = https ? mock.https_url() : mock.http_url();
            auto o = phone_boot(base + "/dms/Aastra9480i/", phone / "state",
                                https ? std::optional<fs::path>(mock.ca_file()) : std::nullopt);
            o.firmware = "3.2.2.1000";  // the firmware travels on the same connection
            auto r = boot_with(o, {"--keep-alive"});
            BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), describe(r));
            const auto peers = journal_peers(mock);
            BOOST_TEST(peers.size() >= 5u);  // three .cfg files, the firmware, and at least one 401
            BOOST_TEST(distinct(peers) == 1u, "peers: " << peers.size() << ", distinct " << distinct(peers));
            BOOST_TEST(count_occurrences(r.stderr_text, "reused connection") == peers.size() - 1, tail(r.stderr_text, 800));
            BOOST_TEST(fs::file_size(phone / "state" / "firmware" / "9480i.st") == 256u * 1024);
        }
    }
}

BOOST_AUTO_TEST_CASE(client_certificate_required_by_cms_mock) {
    cms_mock_runner mock(cms_mock_options{"tls: {client_certificates: require}\n", {}, true});
    temp_dir phone("pa-conn");
    const auto server = mock.https_url() + "/dms/Aastra9480i/";

    auto without = boot_with(phone_boot(server, phone / "s1", mock.ca_file()), {});
    BOOST_TEST((without.exit_code && *without.exit_code == 4), describe(without));
    BOOST_TEST(without.stderr_text.find("client certificate") != std::string::npos, tail(without.stderr_text, 600));

    // A certificate from cms-mock's own development CA, the one it verifies clients against.
    auto ca = common::tls::dev_ca::load_or_create(mock.ca_file().parent_path(), std::chrono::system_clock::now());
    BOOST_TEST_REQUIRE(std::holds_alternative<common::tls::dev_ca>(ca));
    const auto now = std::chrono::system_clock::now();
    auto leaf = std::get<common::tls::dev_ca>(ca).issue_leaf({"phone.example"}, {}, now - 1h, now + 24h);
    BOOST_TEST_REQUIRE(std::holds_alternative<common::tls::issued_cert>(leaf));
    const auto& issued = std::get<common::tls::issued_cert>(leaf);
    const auto cert = phone.write("client.pem", issued.cert_pem);
    const auto key = phone.write("client.key", issued.key_pem);
    auto with = boot_with(phone_boot(server, phone / "s2", mock.ca_file()),
                          {"--client-cert", cert.string(), "--client-key", key.string()});
    BOOST_TEST((with.exit_code && *with.exit_code == 0), describe(with));
}

BOOST_AUTO_TEST_CASE(unreadable_client_certificate_is_a_usage_error) {
    temp_dir phone("pa-conn");
    auto r = boot_with(phone_boot("https://127.0.0.1:9/", phone / "state", std::nullopt),
                       {"--client-cert", (phone / "missing.pem").string()});
    BOOST_TEST((r.exit_code && *r.exit_code == 2), describe(r));
    BOOST_TEST(r.stderr_text.find("missing.pem") != std::string::npos, r.stderr_text);
}

// Refused before any connection, naming the setting and OpenSSL's reason.
BOOST_AUTO_TEST_CASE(tls_offer_openssl_refuses_is_a_usage_error) {
    temp_dir phone("pa-conn");
    const std::vector<std::pair<std::string, std::string>> cases{
        {"tls.groups=X25519:NOPE", "tls.groups 'X25519:NOPE'"},
        {"tls.cipher_list=NO-SUCH-CIPHER", "tls.cipher_list 'NO-SUCH-CIPHER'"},
        {"tls.ciphersuites=TLS_NOPE", "tls.ciphersuites 'TLS_NOPE'"}};
    for (const auto& [setting, named] : cases) {
        auto o = phone_boot("https://127.0.0.1:9/", phone / "state", std::nullopt);
        o.sets.push_back(setting);
        auto r = boot_with(o, {});
        BOOST_TEST((r.exit_code && *r.exit_code == 2), setting << ": " << describe(r));
        BOOST_TEST(r.stderr_text.find(named) != std::string::npos, r.stderr_text);
        BOOST_TEST(r.stderr_text.find("connect") == std::string::npos, r.stderr_text);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(phone_agent_boot_connection_nginx, require_nginx)

BOOST_AUTO_TEST_CASE(default_no_reuse_no_resumption) {
    nginx_server nginx(open_tree());
    temp_dir phone("pa-conn");
    auto r = boot_with(phone_boot(nginx.url() + "/", phone / "state", nginx.ca_file()), {});
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), describe(r));
    const auto log = nginx_log(nginx);
    BOOST_TEST_REQUIRE(log.size() == 3u, nginx.access_log());
    std::set<std::string> connections;
    for (const auto& l : log) {
        BOOST_TEST(l.reused == ".");
        BOOST_TEST(l.req == "1");
        connections.insert(l.conn);
    }
    BOOST_TEST(connections.size() == 3u);
}

BOOST_AUTO_TEST_CASE(tls12_session_resumed) { check_resumption("TLSv1.2", "TLSv1.2"); }

BOOST_AUTO_TEST_CASE(tls13_session_resumed) { check_resumption("TLSv1.3", "TLSv1.3"); }

BOOST_AUTO_TEST_CASE(keep_alive_one_connection) {
    nginx_server nginx(open_tree());
    temp_dir phone("pa-conn");
    auto r = boot_with(phone_boot(nginx.url() + "/", phone / "state", nginx.ca_file()), {"--keep-alive", "--tls-resumption"});
    BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), describe(r));
    const auto log = nginx_log(nginx);
    BOOST_TEST_REQUIRE(log.size() == 3u, nginx.access_log());
    for (std::size_t i = 0; i < log.size(); ++i) {
        BOOST_TEST(log[i].conn == log[0].conn);
        BOOST_TEST(log[i].req == std::to_string(i + 1));
    }
}

BOOST_AUTO_TEST_CASE(client_certificate_required_by_nginx) {
    auto opts = open_tree();
    opts.require_client_certificate = true;
    nginx_server nginx(opts);
    temp_dir phone("pa-conn");
    const auto server = nginx.url() + "/";
    const auto good = nginx.client_certificate();
    auto with = boot_with(phone_boot(server, phone / "s1", nginx.ca_file()),
                          {"--client-cert", good.certificate.string(), "--client-key", good.key.string()});
    BOOST_TEST((with.exit_code && *with.exit_code == 0), describe(with));

    auto without = boot_with(phone_boot(server, phone / "s2", nginx.ca_file()), {});
    BOOST_TEST((without.exit_code && *without.exit_code == 4), describe(without));
    BOOST_TEST(without.stderr_text.find("No required SSL certificate was sent") != std::string::npos,
               tail(without.stderr_text, 600));

    const auto foreign = nginx.foreign_client_certificate();
    auto refused = boot_with(phone_boot(server, phone / "s3", nginx.ca_file()),
                             {"--client-cert", foreign.certificate.string(), "--client-key", foreign.key.string()});
    BOOST_TEST((refused.exit_code && *refused.exit_code == 4), describe(refused));
    BOOST_TEST(refused.stderr_text.find("client certificate") != std::string::npos, tail(refused.stderr_text, 600));
    BOOST_TEST(!fs::exists(phone / "s2" / "server.cfg"));
}

// tls.cipher_list, tls.ciphersuites and tls.groups are what the ClientHello offers, as nginx logs
// it ($ssl_ciphers, $ssl_curves), and what is negotiated ($ssl_cipher, $ssl_curve).
BOOST_AUTO_TEST_CASE(tls_offer_settings_shape_the_client_hello) {
    const std::vector<std::string> offer{"tls.groups=P-384:P-256",
                                         "tls.cipher_list=ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384",
                                         "tls.ciphersuites=TLS_CHACHA20_POLY1305_SHA256"};
    for (const std::string protocol : {"TLSv1.2", "TLSv1.3"}) {
        BOOST_TEST_CONTEXT(protocol) {
            auto opts = open_tree();
            opts.ssl_protocols = protocol;
            nginx_server nginx(opts);
            temp_dir phone("pa-offer");
            auto o = phone_boot(nginx.url() + "/", phone / "state", nginx.ca_file());
            o.sets.insert(o.sets.end(), offer.begin(), offer.end());
            auto r = boot_with(o, {});
            BOOST_TEST_REQUIRE((r.exit_code && *r.exit_code == 0), describe(r));
            const auto log = nginx_log(nginx);
            BOOST_TEST_REQUIRE(log.size() == 3u, nginx.access_log());
            for (const auto& l : log) {
                BOOST_TEST(l.offered_curves == "secp384r1:prime256v1", nginx.access_log());
                BOOST_TEST(l.curve == "secp384r1");
                BOOST_TEST(l.offered_ciphers.find("TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                                  "ECDHE-RSA-AES256-GCM-SHA384") == 0,
                           l.offered_ciphers);
                BOOST_TEST(l.offered_ciphers.find("TLS_AES_128_GCM_SHA256") == std::string::npos, l.offered_ciphers);
                BOOST_TEST(l.offered_ciphers.find("CBC") == std::string::npos, l.offered_ciphers);
                if (protocol == "TLSv1.3") {
                    BOOST_TEST(l.cipher == "TLS_CHACHA20_POLY1305_SHA256");
                } else {
                    BOOST_TEST(l.cipher.find("-AES256-GCM-SHA384") != std::string::npos, l.cipher);
                }
            }
        }
    }
    // Without the settings the ClientHello is OpenSSL's default offer, with X25519 first.
    nginx_server nginx(open_tree());
    temp_dir phone("pa-offer");
    auto plain = boot_with(phone_boot(nginx.url() + "/", phone / "state", nginx.ca_file()), {});
    BOOST_TEST_REQUIRE((plain.exit_code && *plain.exit_code == 0), describe(plain));
    const auto log = nginx_log(nginx);
    BOOST_TEST_REQUIRE(!log.empty());
    BOOST_TEST(log[0].offered_curves.find("X25519:") == 0, log[0].offered_curves);
    BOOST_TEST(log[0].offered_ciphers.find("TLS_AES_128_GCM_SHA256") != std::string::npos, log[0].offered_ciphers);
}

BOOST_AUTO_TEST_SUITE_END()
