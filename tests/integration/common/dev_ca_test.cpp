// The development CA, cross-checked with the openssl command line so the certificates are judged
// by an implementation other than the one that made them.
#include "common/net/dev_ca.hpp"

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <chrono>
#include <string>
#include <variant>

using namespace std::chrono_literals;
using namespace common::tls;

namespace {

template <class T, class E>
T take(std::variant<T, E> v) {
    if (auto* e = std::get_if<E>(&v)) BOOST_FAIL(e->message);
    return std::move(std::get<T>(v));
}

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
    return static_cast<unsigned>(st.st_mode) & 0777U;
}

std::string openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const auto r = test_support::run(std::move(args), 10s);
    BOOST_REQUIRE(r.exit_code.has_value());
    return r.stdout_text + r.stderr_text;
}

// `openssl verify` output for `cert_pem` against the CA's exported file.
std::string verify_with_openssl(const test_support::temp_dir& dir, const dev_ca& ca,
                                const std::string& cert_pem) {
    const auto leaf = dir.write("leaf.pem", cert_pem);
    return openssl({"verify", "-CAfile", ca.cert_file().string(), leaf.string()});
}

struct ca_fixture {
    test_support::temp_dir dir{"apl-dev-ca"};
    std::filesystem::path state = dir / "state";
    sys_time now = std::chrono::system_clock::now();
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dev_ca_suite, ca_fixture)

BOOST_AUTO_TEST_CASE(creates_private_state_and_reuses_it) {
    auto ca = take(dev_ca::load_or_create(state, now));
    BOOST_TEST(ca.created());
    BOOST_TEST(ca.cert_file() == state / "ca.pem");
    BOOST_TEST(mode_of(state) == 0700U);
    BOOST_TEST(mode_of(state / "ca.key") == 0600U);
    BOOST_TEST(test_support::read_file(state / "ca.pem") == ca.cert_pem());
    BOOST_TEST((ca.not_after() - now > std::chrono::days(3640)));

    auto again = take(dev_ca::load_or_create(state, now + std::chrono::days(100)));
    BOOST_TEST(!again.created());
    BOOST_TEST(again.cert_pem() == ca.cert_pem());
}

BOOST_AUTO_TEST_CASE(ca_certificate_has_ca_extensions) {
    auto ca = take(dev_ca::load_or_create(state, now));
    const auto text = openssl({"x509", "-in", ca.cert_file().string(), "-noout", "-text"});
    BOOST_TEST(text.find("X509v3 Basic Constraints: critical") != std::string::npos);
    BOOST_TEST(text.find("CA:TRUE") != std::string::npos);
    BOOST_TEST(text.find("Certificate Sign, CRL Sign") != std::string::npos);
    BOOST_TEST(text.find("X509v3 Subject Key Identifier") != std::string::npos);
    BOOST_TEST(text.find("X509v3 Authority Key Identifier") != std::string::npos);
    BOOST_TEST(text.find("prime256v1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(renews_a_ca_close_to_expiry) {
    auto ca = take(dev_ca::load_or_create(state, now));
    const auto late = ca.not_after() - std::chrono::days(10);
    auto renewed = take(dev_ca::load_or_create(state, late));
    BOOST_TEST(renewed.created());
    BOOST_TEST(renewed.cert_pem() != ca.cert_pem());
    BOOST_TEST(test_support::read_file(state / "ca.pem") == renewed.cert_pem());
    BOOST_TEST((renewed.not_after() > late + std::chrono::days(3600)));
}

BOOST_AUTO_TEST_CASE(corrupt_state_is_an_error_naming_the_file) {
    (void)take(dev_ca::load_or_create(state, now));
    dir.write("state/ca.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n");
    auto r = dev_ca::load_or_create(state, now);
    BOOST_REQUIRE(std::holds_alternative<ca_error>(r));
    const auto& message = std::get<ca_error>(r).message;
    BOOST_TEST(message.find((state / "ca.pem").string()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(leaf_verifies_and_carries_sans_and_eku) {
    auto ca = take(dev_ca::load_or_create(state, now));
    auto leaf = take(ca.issue_leaf({"localhost", "cms.example"}, {"127.0.0.1", "::1"}, now - 1h,
                                   now + std::chrono::days(30)));
    BOOST_TEST(verify_with_openssl(dir, ca, leaf.cert_pem).find(": OK") != std::string::npos);
    const auto text = openssl({"x509", "-in", (dir / "leaf.pem").string(), "-noout", "-text"});
    BOOST_TEST(text.find("DNS:localhost, DNS:cms.example, IP Address:127.0.0.1, "
                         "IP Address:0:0:0:0:0:0:0:1") != std::string::npos);
    BOOST_TEST(text.find("TLS Web Server Authentication, TLS Web Client Authentication") !=
               std::string::npos);
    BOOST_TEST(text.find("CA:FALSE") != std::string::npos);
    const auto key = dir.write("leaf.key", leaf.key_pem);
    BOOST_TEST(openssl({"pkey", "-in", key.string(), "-noout", "-check"}).find("valid") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_leaves_fail_the_intended_check) {
    auto ca = take(dev_ca::load_or_create(state, now));
    const std::vector<std::string> dns{"localhost"};
    const std::vector<std::string> ips{"127.0.0.1"};
    const std::pair<bad_cert, const char*> cases[] = {
        {bad_cert::expired, "certificate has expired"},
        {bad_cert::not_yet_valid, "certificate is not yet valid"},
        {bad_cert::self_signed, "self-signed certificate"},
        {bad_cert::unknown_ca, "unable to get local issuer certificate"},
    };
    for (const auto& [kind, expected] : cases) {
        BOOST_TEST_CONTEXT("expecting " << expected) {
            auto leaf = take(ca.issue_bad_leaf(kind, dns, ips, now));
            BOOST_TEST(verify_with_openssl(dir, ca, leaf.cert_pem).find(expected) !=
                       std::string::npos);
        }
    }
    auto wrong = take(ca.issue_bad_leaf(bad_cert::wrong_host, dns, ips, now));
    const auto leaf = dir.write("wrong.pem", wrong.cert_pem);
    const auto out = openssl({"verify", "-CAfile", ca.cert_file().string(), "-verify_hostname",
                              "localhost", leaf.string()});
    BOOST_TEST(out.find("hostname mismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(invalid_names_are_errors) {
    auto ca = take(dev_ca::load_or_create(state, now));
    auto r = ca.issue_leaf({}, {"300.1.1.1"}, now, now + 24h);
    BOOST_REQUIRE(std::holds_alternative<ca_error>(r));
    BOOST_TEST(std::get<ca_error>(r).message.find("300.1.1.1") != std::string::npos);
    BOOST_TEST(std::holds_alternative<ca_error>(ca.issue_leaf({}, {}, now, now + 24h)));
}

BOOST_AUTO_TEST_CASE(server_cert_is_reused_until_it_must_change) {
    auto ca = take(dev_ca::load_or_create(state, now));
    auto first = take(ca.ensure_server_cert(state, dev_ca::default_sans(), now));
    BOOST_TEST(first.reissued);
    BOOST_TEST(mode_of(first.key_file) == 0600U);
    const auto pem = test_support::read_file(first.cert_file);
    BOOST_TEST(verify_with_openssl(dir, ca, pem).find(": OK") != std::string::npos);

    // Same SANs in another order and spelling of ::1: still the same certificate.
    auto same = take(ca.ensure_server_cert(state, {"0:0::1", "127.0.0.1", "LOCALHOST"},
                                           now + std::chrono::days(200)));
    BOOST_TEST(!same.reissued);
    BOOST_TEST(test_support::read_file(same.cert_file) == pem);

    auto other_names = take(ca.ensure_server_cert(state, {"localhost", "cms.lab"}, now));
    BOOST_TEST(other_names.reissued);

    auto near_expiry = take(ca.ensure_server_cert(state, {"localhost", "cms.lab"},
                                                  now + std::chrono::days(350)));
    BOOST_TEST(near_expiry.reissued);

    // A renewed CA must not keep serving a leaf signed by the old one.
    auto other_ca = take(dev_ca::load_or_create(dir / "other", now));
    auto foreign = take(other_ca.ensure_server_cert(state, {"localhost", "cms.lab"},
                                                    now + std::chrono::days(350)));
    BOOST_TEST(foreign.reissued);
}

BOOST_AUTO_TEST_SUITE_END()
