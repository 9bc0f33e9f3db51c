// Real TLS handshakes on 127.0.0.1: an in-test Asio server built with make_server_context, our
// client built with make_client_context, and `openssl s_client` as an independent peer. One
// io_context per test, always driven with run_one_for under a deadline, so nothing can hang.
#include "common/net/dev_ca.hpp"
#include "common/net/tls_context.hpp"

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using namespace common::tls;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

template <class T, class E>
T take(std::variant<T, E> v) {
    if (auto* e = std::get_if<E>(&v)) BOOST_FAIL(e->message);
    return std::move(std::get<T>(v));
}

bool contains(const std::string& text, std::string_view needle) {
    return text.find(needle) != std::string::npos;
}

template <class Pred>
bool run_until(net::io_context& ioc, Pred done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        if (ioc.stopped()) ioc.restart();
        ioc.run_one_for(20ms);
    }
    return done();
}

struct server_outcome {
    error_code ec;
    std::string reason;
    tls_session_info info;
};

// Accepts connections forever, handshakes, then holds each connection until the peer closes.
// Handlers share state through shared_ptrs, so the server may die before its io_context.
class test_server {
public:
    test_server(net::io_context& ioc, ssl::context ctx)
        : ctx_(std::make_shared<ssl::context>(std::move(ctx))),
          acceptor_(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        accept();
    }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    const std::vector<server_outcome>& outcomes() const { return *outcomes_; }

private:
    void accept() {
        auto stream = std::make_shared<ssl::stream<tcp::socket>>(acceptor_.get_executor(), *ctx_);
        acceptor_.async_accept(
            stream->next_layer(), [this, stream, ctx = ctx_, out = outcomes_](error_code ec) {
                if (ec) return;  // acceptor closed: `this` may be gone, touch nothing
                accept();
                stream->async_handshake(ssl::stream_base::server, [stream, out](error_code hec) {
                    if (hec) {
                        out->push_back({hec, describe_handshake_error(*stream, hec), {}});
                        return;
                    }
                    out->push_back({hec, {}, session_info(stream->native_handle())});
                    auto buf = std::make_shared<std::array<char, 256>>();
                    stream->async_read_some(net::buffer(*buf), [stream, buf](error_code, auto) {});
                });
            });
    }

    std::shared_ptr<ssl::context> ctx_;
    tcp::acceptor acceptor_;
    std::shared_ptr<std::vector<server_outcome>> outcomes_ =
        std::make_shared<std::vector<server_outcome>>();
};

struct client_outcome {
    bool ok = false;
    std::string reason;
    tls_session_info info;
};

client_outcome connect_client(net::io_context& ioc, unsigned short port, const tls_config& cfg,
                              const std::string& host = "127.0.0.1") {
    auto ctx = take(make_client_context(cfg));
    ssl::stream<tcp::socket> stream(ioc, ctx);
    if (auto err = prepare_client_stream(stream, host, cfg)) return {false, err->message, {}};
    std::optional<error_code> result;
    stream.next_layer().async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](error_code ec) {
            if (ec) {
                result = ec;
                return;
            }
            stream.async_handshake(ssl::stream_base::client, [&](error_code hec) { result = hec; });
        });
    if (!run_until(ioc, [&] { return result.has_value(); })) {
        // The handlers reference locals: cancel and let them finish before returning.
        error_code ignored;
        stream.next_layer().close(ignored);
        run_until(ioc, [&] { return result.has_value(); }, 2s);
        return {false, "handshake timed out", {}};
    }
    client_outcome out{!result->failed(), {}, session_info(stream.native_handle())};
    if (!out.ok) out.reason = describe_handshake_error(stream, *result);
    BOOST_TEST_MESSAGE("client " << host << ": " << (out.ok ? out.info.version : out.reason));
    return out;
}

struct tls_fixture {
    test_support::temp_dir dir{"apl-tls"};
    sys_time now = std::chrono::system_clock::now();
    dev_ca ca = take(dev_ca::load_or_create(dir / "state", now));
    std::vector<std::string> dns{"localhost"};
    std::vector<std::string> ips{"127.0.0.1", "::1"};
    net::io_context ioc;

    issued_cert good_leaf() const {
        return take(ca.issue_leaf(dns, ips, now - 1h, now + std::chrono::days(30)));
    }
    issued_cert bad_leaf(bad_cert kind) const {
        return take(ca.issue_bad_leaf(kind, dns, ips, now));
    }
    static tls_config server_config(const issued_cert& leaf) {
        tls_config cfg;
        cfg.certificate = pem_source::from_memory(leaf.cert_pem);
        cfg.private_key = pem_source::from_memory(leaf.key_pem);
        return cfg;
    }
    tls_config client_config() const {
        tls_config cfg;
        cfg.ca_files = {pem_source::from_file(ca.cert_file())};
        return cfg;
    }
    std::unique_ptr<test_server> serve(const tls_config& cfg) {
        return std::make_unique<test_server>(ioc, take(make_server_context(cfg)));
    }
    std::unique_ptr<test_server> serve(const issued_cert& leaf) {
        return serve(server_config(leaf));
    }

    // Runs `openssl s_client` against the server until it exits; stdin is closed at once, so
    // s_client ends after the handshake.
    test_support::run_result s_client(unsigned short port, std::vector<std::string> extra) {
        std::vector<std::string> argv{"openssl", "s_client", "-connect",
                                      "127.0.0.1:" + std::to_string(port)};
        argv.insert(argv.end(), extra.begin(), extra.end());
        test_support::child_process p(test_support::process_options{argv, {}, true, {}});
        p.close_stdin();
        std::optional<int> code;
        run_until(ioc, [&] { return (code = p.wait(1ms)).has_value(); }, 20s);
        return {code, p.stdout_text(), p.stderr_text()};
    }

    // Server-side handshakes finish after the client's (TLS 1.3 client certificates are checked
    // last), so wait for the server to report.
    const server_outcome& server_result(const test_server& server, std::size_t index = 0) {
        BOOST_REQUIRE(run_until(ioc, [&] { return server.outcomes().size() > index; }));
        const auto& out = server.outcomes()[index];
        BOOST_TEST_MESSAGE("server: " << (out.ec ? out.reason : out.info.version));
        return out;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(tls_handshake, tls_fixture)

BOOST_AUTO_TEST_CASE(valid_certificate_is_accepted_by_ip_and_by_name) {
    auto server = serve(good_leaf());
    const auto by_ip = connect_client(ioc, server->port(), client_config());
    BOOST_TEST(by_ip.ok, by_ip.reason);
    BOOST_TEST(by_ip.info.version == "TLSv1.3");
    BOOST_TEST(!by_ip.info.cipher.empty());
    const auto by_name = connect_client(ioc, server->port(), client_config(), "localhost");
    BOOST_TEST(by_name.ok, by_name.reason);
    BOOST_TEST(server_result(*server, 1).info.version == "TLSv1.3");
}

BOOST_AUTO_TEST_CASE(self_signed_is_refused_unless_verification_is_off) {
    auto server = serve(bad_leaf(bad_cert::self_signed));
    const auto strict = connect_client(ioc, server->port(), client_config());
    BOOST_TEST(!strict.ok);
    BOOST_TEST(contains(strict.reason, "self-signed certificate"), strict.reason);
    auto lax = client_config();
    lax.verify_peer = false;
    const auto accepted = connect_client(ioc, server->port(), lax);
    BOOST_TEST(accepted.ok, accepted.reason);
}

BOOST_AUTO_TEST_CASE(unknown_ca_is_refused_unless_verification_is_off) {
    auto server = serve(bad_leaf(bad_cert::unknown_ca));
    const auto strict = connect_client(ioc, server->port(), client_config());
    BOOST_TEST(!strict.ok);
    BOOST_TEST(contains(strict.reason, "unable to get local issuer certificate"), strict.reason);
    // Forgiving expiry must not forgive anything else.
    auto no_expiry = client_config();
    no_expiry.check_expiry = false;
    BOOST_TEST(!connect_client(ioc, server->port(), no_expiry).ok);
    auto lax = client_config();
    lax.verify_peer = false;
    const auto accepted = connect_client(ioc, server->port(), lax);
    BOOST_TEST(accepted.ok, accepted.reason);
}

BOOST_AUTO_TEST_CASE(expired_and_not_yet_valid_are_refused_unless_expiry_check_is_off) {
    const std::pair<bad_cert, const char*> cases[] = {
        {bad_cert::expired, "certificate has expired"},
        {bad_cert::not_yet_valid, "certificate is not yet valid"},
    };
    for (const auto& [kind, expected] : cases) {
        BOOST_TEST_CONTEXT(expected) {
            auto server = serve(bad_leaf(kind));
            const auto strict = connect_client(ioc, server->port(), client_config());
            BOOST_TEST(!strict.ok);
            BOOST_TEST(contains(strict.reason, expected), strict.reason);
            auto no_expiry = client_config();
            no_expiry.check_expiry = false;
            const auto accepted = connect_client(ioc, server->port(), no_expiry, "localhost");
            BOOST_TEST(accepted.ok, accepted.reason);
        }
    }
}

BOOST_AUTO_TEST_CASE(wrong_host_is_refused_unless_hostname_check_is_off) {
    auto server = serve(bad_leaf(bad_cert::wrong_host));
    const auto by_name = connect_client(ioc, server->port(), client_config(), "localhost");
    BOOST_TEST(!by_name.ok);
    BOOST_TEST(contains(by_name.reason, "hostname mismatch"), by_name.reason);
    const auto by_ip = connect_client(ioc, server->port(), client_config());
    BOOST_TEST(!by_ip.ok);
    BOOST_TEST(contains(by_ip.reason, "IP address mismatch"), by_ip.reason);
    auto lax = client_config();
    lax.verify_hostname = false;
    const auto accepted = connect_client(ioc, server->port(), lax, "localhost");
    BOOST_TEST(accepted.ok, accepted.reason);
}

BOOST_AUTO_TEST_CASE(server_name_overrides_the_connect_host) {
    auto server = serve(good_leaf());
    auto cfg = client_config();
    cfg.server_name = "wrong-host.invalid";
    const auto refused = connect_client(ioc, server->port(), cfg);
    BOOST_TEST(contains(refused.reason, "hostname mismatch"), refused.reason);
}

BOOST_AUTO_TEST_CASE(openssl_s_client_verifies_against_the_exported_ca) {
    const auto files = take(ca.ensure_server_cert(dir / "state", dev_ca::default_sans(), now));
    tls_config cfg;
    cfg.certificate = pem_source::from_file(files.cert_file);
    cfg.private_key = pem_source::from_file(files.key_file);
    auto server = serve(cfg);
    const auto r = s_client(server->port(), {"-CAfile", ca.cert_file().string(),
                                             "-verify_return_error", "-verify_ip", "127.0.0.1"});
    BOOST_TEST(r.exit_code.value_or(-1) == 0, r.stderr_text);
    BOOST_TEST(contains(r.stdout_text, "Verify return code: 0 (ok)"), r.stdout_text);
    // Negative control: the same client refuses a certificate from a CA it was not given.
    auto stranger = serve(bad_leaf(bad_cert::unknown_ca));
    const auto refused = s_client(stranger->port(), {"-CAfile", ca.cert_file().string(),
                                                     "-verify_return_error"});
    BOOST_TEST(refused.exit_code.value_or(0) != 0);
}

// ALPN clients (h2load, curl) get "http/1.1" confirmed; one offering only h2 still connects,
// without an ALPN answer, rather than being refused.
BOOST_AUTO_TEST_CASE(server_confirms_http11_by_alpn_and_ignores_other_protocols) {
    auto server = serve(good_leaf());
    const auto both = s_client(server->port(), {"-alpn", "h2,http/1.1"});
    BOOST_TEST(both.exit_code.value_or(-1) == 0, both.stderr_text);
    BOOST_TEST(contains(both.stdout_text, "ALPN protocol: http/1.1"), both.stdout_text);
    const auto h2_only = s_client(server->port(), {"-alpn", "h2"});
    BOOST_TEST(h2_only.exit_code.value_or(-1) == 0, h2_only.stderr_text);
    BOOST_TEST(contains(h2_only.stdout_text, "No ALPN negotiated"), h2_only.stdout_text);
    BOOST_TEST(!server_result(*server, 1).ec.failed(), server_result(*server, 1).reason);
}

// Clients use SECLEVEL=0 so only the server's minimum version can be what refuses them
// (Debian's default level already rejects TLS 1.0/1.1, which would make this pass vacuously).
BOOST_AUTO_TEST_CASE(default_server_refuses_tls10_and_tls11) {
    auto server = serve(good_leaf());
    std::size_t index = 0;
    for (const char* flag : {"-tls1", "-tls1_1"}) {
        BOOST_TEST_CONTEXT(flag) {
            const auto r = s_client(server->port(), {flag, "-cipher", "DEFAULT@SECLEVEL=0"});
            BOOST_TEST(r.exit_code.value_or(0) != 0);
            const auto& outcome = server_result(*server, index++);
            BOOST_TEST(outcome.ec.failed());
            BOOST_TEST(contains(outcome.reason, "unsupported protocol"), outcome.reason);
        }
    }
}

BOOST_AUTO_TEST_CASE(legacy_server_accepts_tls10) {
    auto cfg = server_config(good_leaf());
    cfg.legacy_tls10 = true;
    auto server = serve(cfg);
    const auto r = s_client(server->port(), {"-tls1", "-cipher", "DEFAULT@SECLEVEL=0"});
    BOOST_TEST(r.exit_code.value_or(-1) == 0, r.stderr_text);
    const auto& outcome = server_result(*server);
    BOOST_TEST(!outcome.ec.failed(), outcome.reason);
    BOOST_TEST(outcome.info.version == "TLSv1");
}

BOOST_AUTO_TEST_CASE(our_client_needs_legacy_mode_for_a_tls10_only_server) {
    auto cfg = server_config(good_leaf());
    cfg.legacy_tls10 = true;
    cfg.max_version = tls_version::tls1_0;
    auto server = serve(cfg);
    const auto strict = connect_client(ioc, server->port(), client_config());
    BOOST_TEST(!strict.ok);
    BOOST_TEST(contains(strict.reason, "does not accept the offered TLS versions"), strict.reason);
    auto legacy = client_config();
    legacy.legacy_tls10 = true;
    const auto accepted = connect_client(ioc, server->port(), legacy);
    BOOST_TEST(accepted.ok, accepted.reason);
    BOOST_TEST(accepted.info.version == "TLSv1");
}

BOOST_AUTO_TEST_CASE(min_tls13_server_refuses_a_tls12_client) {
    auto cfg = server_config(good_leaf());
    cfg.min_version = tls_version::tls1_3;
    auto server = serve(cfg);
    auto old_client = client_config();
    old_client.max_version = tls_version::tls1_2;
    const auto refused = connect_client(ioc, server->port(), old_client);
    BOOST_TEST(!refused.ok);
    BOOST_TEST(contains(server_result(*server).reason, "unsupported protocol"),
               server_result(*server).reason);
    const auto r = s_client(server->port(), {"-tls1_2"});
    BOOST_TEST(r.exit_code.value_or(0) != 0);
    const auto accepted = connect_client(ioc, server->port(), client_config());
    BOOST_TEST(accepted.ok, accepted.reason);
}

BOOST_AUTO_TEST_CASE(required_client_certificate) {
    auto cfg = server_config(good_leaf());
    cfg.client_cert = client_cert_mode::require;
    cfg.ca_files = {pem_source::from_memory(ca.cert_pem())};
    auto server = serve(cfg);

    (void)connect_client(ioc, server->port(), client_config());
    const auto& anonymous = server_result(*server, 0);
    BOOST_TEST(anonymous.ec.failed());
    BOOST_TEST(contains(anonymous.reason, "peer did not return a certificate"), anonymous.reason);

    const auto phone = take(ca.issue_leaf({"phone.lab"}, {}, now - 1h, now + 24h));
    auto with_cert = client_config();
    with_cert.certificate = pem_source::from_file(dir.write("phone.pem", phone.cert_pem));
    with_cert.private_key = pem_source::from_file(dir.write("phone.key", phone.key_pem));
    const auto accepted = connect_client(ioc, server->port(), with_cert);
    BOOST_TEST(accepted.ok, accepted.reason);
    const auto& admitted = server_result(*server, 1);
    BOOST_TEST(!admitted.ec.failed(), admitted.reason);

    const auto stranger = bad_leaf(bad_cert::unknown_ca);
    auto foreign = client_config();
    foreign.certificate = pem_source::from_memory(stranger.cert_pem);
    foreign.private_key = pem_source::from_memory(stranger.key_pem);
    (void)connect_client(ioc, server->port(), foreign);
    const auto& rejected = server_result(*server, 2);
    BOOST_TEST(contains(rejected.reason, "unable to get local issuer certificate"),
               rejected.reason);
}

BOOST_AUTO_TEST_CASE(requested_client_certificate_is_optional_but_checked) {
    auto cfg = server_config(good_leaf());
    cfg.client_cert = client_cert_mode::request;
    cfg.ca_files = {pem_source::from_file(ca.cert_file())};
    auto server = serve(cfg);
    (void)connect_client(ioc, server->port(), client_config());
    const auto& anonymous = server_result(*server, 0);
    BOOST_TEST(!anonymous.ec.failed(), anonymous.reason);

    const auto stranger = bad_leaf(bad_cert::unknown_ca);
    auto foreign = client_config();
    foreign.certificate = pem_source::from_memory(stranger.cert_pem);
    foreign.private_key = pem_source::from_memory(stranger.key_pem);
    (void)connect_client(ioc, server->port(), foreign);
    BOOST_TEST(server_result(*server, 1).ec.failed());
}

BOOST_AUTO_TEST_CASE(ssl3_request_is_refused_with_an_explanation) {
    auto cfg = client_config();
    cfg.request_ssl3 = true;
    for (const auto& r : {make_client_context(cfg), make_server_context(cfg)}) {
        BOOST_REQUIRE(std::holds_alternative<tls_error>(r));
        BOOST_TEST(contains(std::get<tls_error>(r).message, "built without SSLv3"),
                   std::get<tls_error>(r).message);
    }
}

BOOST_AUTO_TEST_CASE(configuration_errors_name_what_failed) {
    const auto leaf = good_leaf();
    auto message_of = [](context_result r) {
        auto* err = std::get_if<tls_error>(&r);
        return err != nullptr ? err->message : std::string("<no error>");
    };

    auto missing = server_config(leaf);
    missing.certificate = pem_source::from_file(dir / "absent.pem");
    const auto absent = message_of(make_server_context(missing));
    BOOST_TEST(contains(absent, (dir / "absent.pem").string()), absent);

    auto mismatched = server_config(leaf);
    mismatched.private_key = pem_source::from_memory(good_leaf().key_pem);
    const auto mismatch = message_of(make_server_context(mismatched));
    BOOST_TEST(contains(mismatch, "does not match"), mismatch);

    auto garbage = server_config(leaf);
    garbage.certificate = pem_source::from_file(dir.write("garbage.pem", "hello\n"));
    BOOST_TEST(contains(message_of(make_server_context(garbage)), "garbage.pem"));

    auto ciphers = client_config();
    ciphers.offer.cipher_list = "NO-SUCH-CIPHER";
    const auto bad_ciphers = message_of(make_client_context(ciphers));
    BOOST_TEST(contains(bad_ciphers, "cipher_list 'NO-SUCH-CIPHER'"), bad_ciphers);

    auto too_old = client_config();
    too_old.min_version = tls_version::tls1_0;
    BOOST_TEST(contains(message_of(make_client_context(too_old)), "legacy_tls10"));

    auto inverted = client_config();
    inverted.min_version = tls_version::tls1_3;
    inverted.max_version = tls_version::tls1_2;
    BOOST_TEST(contains(message_of(make_client_context(inverted)), "below min_version"));

    auto no_roots = server_config(leaf);
    no_roots.client_cert = client_cert_mode::require;
    BOOST_TEST(contains(message_of(make_server_context(no_roots)), "ca_files"));
}

BOOST_AUTO_TEST_SUITE_END()
