// `phone-agent validate` (run_validate in-process, its own io_context) against the real cms-mock:
// a default cms-mock passes every check over HTTP and HTTPS; then for each check cms-mock commits
// exactly the fault that check is about (a negative auth mode, an injected fault, a bad
// certificate, a wrong file in --root) and that check fails (or warns where the check only warns).
#include "validate_harness.hpp"

#include "common/net/dev_ca.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

using namespace test_support;
using namespace validate_harness;

namespace {

// The demo aastra.cfg sets `time server disabled` and `time server1`, real Aastra keys that
// common/aastra's known-key list does not have yet: PROV-004 may warn about exactly those two.
void demo_unknown_keys_only(const outcome& o) {
    const auto& status = o.result.at("PROV-004");
    if (status == "pass") return;
    expect(o, "PROV-004", "warn");
    BOOST_TEST(o.seen.at("PROV-004").starts_with("2 unknown key(s): "), o.seen.at("PROV-004"));
    BOOST_TEST(o.seen.at("PROV-004").find("'time server disabled'") != std::string::npos);
    BOOST_TEST(o.seen.at("PROV-004").find("'time server1'") != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(default_cms_mock_passes_over_http) {
    auto m = mock();
    auto o = validate(m.http_url() + dms);
    for (const auto& [id, status] : o.result) {
        if (id == "PROV-004") continue;
        // AUTH-008 needs --stale-after, TLS-006 --client-cert.
        expect(o, id, id.starts_with("TLS-") || id == "AUTH-008" ? "skip" : "pass");
    }
    demo_unknown_keys_only(o);
    BOOST_TEST(o.result.size() == 29u);
    BOOST_TEST(o.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(default_cms_mock_passes_over_https) {
    auto m = mock({}, {}, true);
    auto o = validate(m.https_url() + dms, m.ca_file());
    for (const auto& [id, status] : o.result) {
        if (id == "PROV-004") continue;
        expect(o, id, id == "AUTH-006" || id == "AUTH-008" || id == "TLS-006" ? "skip" : "pass");
    }
    demo_unknown_keys_only(o);
    BOOST_TEST(o.exit_code == 0);
}

// --tls-groups is what every exchange offers: a cms-mock that accepts only P-384 fails the TLS
// checks of a phone offering X25519 alone and passes them (and the boot) for one offering P-384;
// a group OpenSSL does not know is a usage error.
BOOST_AUTO_TEST_CASE(tls_groups_option_is_what_the_phone_offers) {
    auto m = mock("tls:\n  groups: P-384\n", {}, true);
    auto v = options_for(m.https_url() + dms, m.ca_file());
    v.only = {"TLS-002", "PROV-001"};
    v.tls_groups = "X25519";
    const auto refused = run_with(v);
    expect(refused, "TLS-002", "fail");
    BOOST_TEST(refused.seen.at("TLS-002").find("key exchange group") != std::string::npos, refused.seen.at("TLS-002"));
    expect(refused, "PROV-001", "fail");
    BOOST_TEST(refused.exit_code == 1);
    v.tls_groups = "P-384";
    const auto accepted = run_with(v);
    expect(accepted, "TLS-002", "pass");
    expect(accepted, "PROV-001", "pass");
    BOOST_TEST(accepted.exit_code == 0);
    v.tls_groups = "X25519:NOPE";
    BOOST_TEST(phone_agent::run_validate(v) == 2);
}

BOOST_AUTO_TEST_CASE(http_001_truncated_body_fails) {
    auto m = mock("faults:\n  - {path: \"*aastra.cfg\", truncate: true}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "HTTP-001", "fail");
    BOOST_TEST(o.exit_code == 1);
}

BOOST_AUTO_TEST_CASE(http_002_missing_file_not_404_fails) {
    auto m = mock("faults:\n  - {path: \"*validate-missing*\", unavailable: 30s}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "HTTP-002", "fail");
    expect(o, "HTTP-001", "pass");
    BOOST_TEST(o.seen["HTTP-002"] == "503");
}

BOOST_AUTO_TEST_CASE(http_007_server_not_closing_fails) {
    // stall: the headers go out, then nothing, and the connection stays open.
    auto m = mock("faults:\n  - {path: \"*aastra.cfg\", stall: 4s}\n");
    auto o = validate(m.http_url() + dms, {}, 1000);
    expect(o, "HTTP-007", "fail");
}

BOOST_AUTO_TEST_CASE(auth_001_no_challenge_fails) {
    auto m = mock("auth:\n  rules:\n    - {file: aastra_cfg, scheme: digest, credentials: shared, negative: no_challenge}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-001", "fail");
}

BOOST_AUTO_TEST_CASE(auth_001_unsupported_algorithm_fails) {
    auto m = mock(
        "auth:\n  rules:\n    - {file: aastra_cfg, scheme: digest, credentials: shared, negative: unsupported_algorithm}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-001", "fail");
}

BOOST_AUTO_TEST_CASE(auth_002_right_password_refused_fails) {
    auto m = mock("auth:\n  rules:\n    - {file: aastra_cfg, scheme: digest, credentials: shared, negative: endless_401}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-002", "fail");
    expect(o, "AUTH-003", "pass");
}

BOOST_AUTO_TEST_CASE(auth_004_nonce_single_use_fails) {
    auto m = mock("auth:\n  rules:\n    - {file: aastra_cfg, scheme: digest, credentials: shared, negative: nc_replay}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-002", "pass");
    expect(o, "AUTH-004", "fail");
}

BOOST_AUTO_TEST_CASE(auth_006_basic_over_http_warns) {
    auto m = mock("auth:\n  rules:\n    - {file: aastra_cfg, scheme: basic, credentials: shared}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-006", "warn");
    expect(o, "AUTH-001", "pass");
    expect(o, "AUTH-002", "pass");
    expect(o, "AUTH-003", "pass");
    expect(o, "AUTH-004", "skip");
}

BOOST_AUTO_TEST_CASE(tls_001_legacy_tls_accepted_warns) {
    auto m = mock("tls: {legacy_tls10: true, min_version: \"1.0\"}\n", {}, true);
    auto o = validate(m.https_url() + dms, m.ca_file());
    expect(o, "TLS-001", "warn");
    expect(o, "TLS-002", "pass");
}

namespace {

// A certificate from a CA of our own, broken in exactly one way, served by cms-mock.
struct bad_server {
    temp_dir dir{"validate-ca"};
    std::filesystem::path ca_file;
    std::string yaml;

    explicit bad_server(common::tls::bad_cert kind) {
        const auto now = std::chrono::system_clock::now();
        auto made = common::tls::dev_ca::load_or_create(dir.path() / "ca", now);
        BOOST_REQUIRE(std::holds_alternative<common::tls::dev_ca>(made));
        auto& ca = std::get<common::tls::dev_ca>(made);
        ca_file = ca.cert_file();
        auto leaf = ca.issue_bad_leaf(kind, {"localhost"}, {"127.0.0.1"}, now);
        BOOST_REQUIRE(std::holds_alternative<common::tls::issued_cert>(leaf));
        const auto& cert = std::get<common::tls::issued_cert>(leaf);
        auto cert_path = dir.write("server.pem", cert.cert_pem);
        auto key_path = dir.write("server.key", cert.key_pem);
        yaml = "tls: {cert_file: \"" + cert_path.string() + "\", key_file: \"" + key_path.string() + "\"}\n";
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(tls_002_unknown_issuer_fails) {
    bad_server bad(common::tls::bad_cert::unknown_ca);
    auto m = mock(bad.yaml, {}, true);
    auto o = validate(m.https_url() + dms, bad.ca_file);
    expect(o, "TLS-002", "fail");
    BOOST_TEST(o.exit_code == 1);
}

BOOST_AUTO_TEST_CASE(tls_003_wrong_host_fails) {
    bad_server bad(common::tls::bad_cert::wrong_host);
    auto m = mock(bad.yaml, {}, true);
    auto o = validate(m.https_url() + dms, bad.ca_file);
    expect(o, "TLS-002", "pass");
    expect(o, "TLS-003", "fail");
    expect(o, "TLS-004", "pass");
}

BOOST_AUTO_TEST_CASE(tls_004_expired_fails) {
    bad_server bad(common::tls::bad_cert::expired);
    auto m = mock(bad.yaml, {}, true);
    auto o = validate(m.https_url() + dms, bad.ca_file);
    expect(o, "TLS-002", "pass");
    expect(o, "TLS-003", "pass");
    expect(o, "TLS-004", "fail");
}

BOOST_AUTO_TEST_CASE(prov_001_boot_without_aastra_cfg_fails) {
    temp_dir root("validate-root");
    root.write("9480i.cfg", "firmware version: 3.2.2.3077\n");
    auto m = mock({}, {"--root", root.path().string()});
    auto o = validate(m.http_url() + dms);
    expect(o, "PROV-001", "fail");
    expect(o, "PROV-002", "fail");
}

BOOST_AUTO_TEST_CASE(prov_002_003_004_bad_files) {
    temp_dir root("validate-root");
    root.write("aastra.cfg",
               "http digest username: {{device.username}}\nhttp digest password: {{device.password}}\n"
               "this line has no separator\nfrobnicate level: 11\n");
    root.write("9480i.cfg", "firmware version: 3.2.2.3077\n");
    root.write("mac.cfg.template", "sip line1 auth name: 1001\nnot a key value line\n");
    auto m = mock({}, {"--root", root.path().string()});
    auto o = validate(m.http_url() + dms);
    expect(o, "PROV-001", "pass");  // a phone skips unreadable lines
    expect(o, "PROV-002", "fail");
    expect(o, "PROV-003", "fail");
    expect(o, "PROV-004", "warn");
    BOOST_TEST(o.seen["PROV-004"].find("frobnicate level") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(prov_002_empty_aastra_cfg_fails) {
    temp_dir root("validate-root");
    root.write("aastra.cfg", "\n\n");
    auto m = mock({}, {"--root", root.path().string()});
    auto o = validate(m.http_url() + dms);
    expect(o, "PROV-002", "fail");
    BOOST_TEST(o.seen["PROV-002"] == "an empty file");
}
