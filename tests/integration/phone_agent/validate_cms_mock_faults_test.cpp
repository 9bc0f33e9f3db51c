// `phone-agent validate` against cms-mock committing the faults that need cms-mock's content faults,
// its accepting negative modes or its TLS settings: each check named in the test fails (or warns
// where the check only warns) while the checks around it still pass. The correct cms-mock passing
// every check is in validate_cms_mock_test.cpp.
#include "validate_harness.hpp"

#include "child_process.hpp"

#include "common/net/dev_ca.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <string>

using namespace test_support;
using namespace validate_harness;

namespace {

// The BroadSoft defaults written out, with one rule changed.
std::string rules_with(const std::string& aastra_cfg_extra, const std::string& mac_cfg_credentials = "device") {
    return "auth:\n  rules:\n"
           "    - {file: aastra_cfg, credentials: shared" + aastra_cfg_extra + "}\n"
           "    - {file: model_cfg, credentials: shared}\n"
           "    - {file: mac_cfg, credentials: " + mac_cfg_credentials + "}\n"
           "    - {file: firmware, credentials: device}\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(http_003_html_or_missing_content_type_fails) {
    auto m = mock("faults:\n  - {path: \"*aastra.cfg\", content_type: \"text/html; charset=utf-8\"}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "HTTP-003", "fail");
    BOOST_TEST(o.seen["HTTP-003"] == "Content-Type: text/html; charset=utf-8");
    expect(o, "HTTP-001", "pass");
    BOOST_TEST(o.exit_code == 1);

    auto none = mock("faults:\n  - {path: \"*aastra.cfg\", content_type: \"\"}\n");
    auto n = validate(none.http_url() + dms);
    expect(n, "HTTP-003", "fail");
    BOOST_TEST(n.seen["HTTP-003"] == "none");
}

BOOST_AUTO_TEST_CASE(http_004_head_content_length_differs_fails) {
    auto m = mock("faults:\n  - {path: \"*aastra.cfg\", head_mismatch: true}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "HTTP-004", "fail");
    BOOST_TEST(o.seen["HTTP-004"].starts_with("Content-Length: "), o.seen["HTTP-004"]);
    expect(o, "HTTP-001", "pass");
}

BOOST_AUTO_TEST_CASE(http_005_wrong_content_range_fails_and_ignored_range_warns) {
    auto m = mock("faults:\n  - {path: \"*aastra.cfg\", range: wrong}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "HTTP-005", "fail");
    BOOST_TEST(o.seen["HTTP-005"].starts_with("Content-Range: bytes 1-10/"), o.seen["HTTP-005"]);

    auto ignoring = mock("faults:\n  - {path: \"*aastra.cfg\", range: ignore}\n");
    auto i = validate(ignoring.http_url() + dms);
    expect(i, "HTTP-005", "warn");
    BOOST_TEST(i.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(http_006_304_for_another_etag_fails_and_ignored_conditionals_warn) {
    auto m = mock("faults:\n  - {path: \"*aastra.cfg\", conditional: always_304}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "HTTP-006", "fail");
    BOOST_TEST(o.seen["HTTP-006"] == "304 Not Modified");
    expect(o, "HTTP-001", "pass");

    auto ignoring = mock("faults:\n  - {path: \"*aastra.cfg\", conditional: ignore}\n");
    auto i = validate(ignoring.http_url() + dms);
    expect(i, "HTTP-006", "warn");
}

BOOST_AUTO_TEST_CASE(auth_003_wrong_password_accepted_fails) {
    auto m = mock(rules_with(", negative: wrong_password_accepted"));
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-003", "fail");
    BOOST_TEST(o.seen["AUTH-003"] == "200 (wrong password accepted)");
    expect(o, "AUTH-002", "pass");
    expect(o, "AUTH-005", "pass");
}

BOOST_AUTO_TEST_CASE(auth_005_replayed_nc_accepted_fails) {
    auto m = mock(rules_with(", negative: replay_accepted"));
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-005", "fail");
    expect(o, "AUTH-004", "pass");
    expect(o, "AUTH-003", "pass");
}

BOOST_AUTO_TEST_CASE(auth_007_mac_cfg_open_to_the_shared_login_fails) {
    auto m = mock(rules_with("", "shared"));
    auto o = validate(m.http_url() + dms);
    expect(o, "AUTH-007", "fail");
    BOOST_TEST(o.seen["AUTH-007"] == "200 (served to the shared login)");
    expect(o, "PROV-001", "pass");
}

BOOST_AUTO_TEST_CASE(auth_008_expired_nonce_with_and_without_stale_flag) {
    auto good = mock("auth: {nonce_lifetime: 2s}\n");
    auto v = options_for(good.http_url() + dms);
    v.stale_after_seconds = 4;
    auto o = run_with(v);
    expect(o, "AUTH-008", "pass");

    auto bad = mock("auth:\n  nonce_lifetime: 2s\n" + rules_with(", negative: no_stale_flag").substr(6));
    v = options_for(bad.http_url() + dms);
    v.stale_after_seconds = 4;
    auto b = run_with(v);
    expect(b, "AUTH-008", "fail");
    BOOST_TEST(b.seen["AUTH-008"] == "401 without stale=true");
}

BOOST_AUTO_TEST_CASE(prov_005_firmware_cut_short_fails) {
    auto m = mock("faults:\n  - {path: \"*.st\", truncate: true}\n");
    auto o = validate(m.http_url() + dms);
    expect(o, "PROV-005", "fail");
    BOOST_TEST(o.seen["PROV-005"].find("truncated") != std::string::npos, o.seen["PROV-005"]);
    expect(o, "PROV-002", "pass");
}

BOOST_AUTO_TEST_CASE(baseline_known_failure_passes_the_run_and_fixed_entries_are_reported) {
    auto m = mock(rules_with(", negative: replay_accepted"));
    auto first = validate(m.http_url() + dms);
    BOOST_TEST(first.exit_code == 1);

    temp_dir dir("validate-baseline");
    // The previous JSON report as the baseline: AUTH-005 is known.
    auto v = options_for(m.http_url() + dms);
    v.baseline_file = dir.write("previous.json", first.json_text).string();
    auto again = run_with(v);
    expect(again, "AUTH-005", "fail");
    BOOST_TEST(again.exit_code == 0);
    BOOST_TEST(again.json_text.find("\"known_failure\":true") != std::string::npos);
    BOOST_TEST(again.junit_text.find("failures=\"0\"") != std::string::npos);

    // A list that also names a check that passes now: reported as fixed.
    v.baseline_file = dir.write("known.txt", "# vendor ticket 42\nAUTH-005\nHTTP-003 fixed in 2.1\n").string();
    auto listed = run_with(v);
    BOOST_TEST(listed.exit_code == 0);
    BOOST_TEST(listed.json_text.find("\"fixed\":[\"HTTP-003\"]") != std::string::npos, listed.json_text);

    // A correct server: nothing known, so the baseline changes nothing.
    auto good = mock();
    v = options_for(good.http_url() + dms);
    v.baseline_file = dir.write("typo.txt", "AUTH-05\n").string();
    BOOST_TEST(phone_agent::run_validate(v) == 2);
}

namespace {

// A leaf with a 1024-bit RSA key, which Debian's OpenSSL only loads at security level 0 (cms-mock's
// legacy TLS mode).
struct small_key_server {
    temp_dir dir{"validate-rsa1024"};
    std::string yaml;

    small_key_server() {
        auto r = test_support::run({"openssl", "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-days", "2", "-subj",
                              "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                              (dir / "server.key").string(), "-out", (dir / "server.pem").string()},
                             std::chrono::milliseconds(60000));
        BOOST_REQUIRE_MESSAGE(r.exit_code == std::optional<int>(0), r.stderr_text);
        yaml = "tls: {legacy_tls10: true, min_version: \"1.0\", cert_file: \"" + (dir / "server.pem").string() +
               "\", key_file: \"" + (dir / "server.key").string() + "\"}\n";
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(tls_005_rsa_1024_warns) {
    small_key_server key;
    auto m = mock(key.yaml, {}, true);
    auto o = validate(m.https_url() + dms, key.dir / "server.pem");
    expect(o, "TLS-005", "warn");
    BOOST_TEST(o.seen["TLS-005"] == "RSA 1024 bits");

    auto normal = mock({}, {}, true);
    auto n = validate(normal.https_url() + dms, normal.ca_file());
    expect(n, "TLS-005", "pass");
    BOOST_TEST(n.result.count("TLS-005") == 1u);
}

BOOST_AUTO_TEST_CASE(tls_006_client_certificate_required) {
    auto m = mock("tls: {client_certificates: require}\n", {}, true);
    const auto now = std::chrono::system_clock::now();
    // A client certificate from cms-mock's own CA (the one it verifies clients against) ...
    auto made = common::tls::dev_ca::load_or_create(m.state().path() / "state", now);
    BOOST_REQUIRE(std::holds_alternative<common::tls::dev_ca>(made));
    auto leaf = std::get<common::tls::dev_ca>(made).issue_leaf({"phone.example"}, {}, now - std::chrono::hours(1),
                                                               now + std::chrono::hours(24));
    BOOST_REQUIRE(std::holds_alternative<common::tls::issued_cert>(leaf));
    temp_dir dir("validate-client-cert");
    auto v = options_for(m.https_url() + dms, m.ca_file());
    v.client_cert = dir.write("phone.pem", std::get<common::tls::issued_cert>(leaf).cert_pem).string();
    v.client_key = dir.write("phone.key", std::get<common::tls::issued_cert>(leaf).key_pem).string();
    v.only = {"TLS-006"};
    auto o = run_with(v);
    expect(o, "TLS-006", "pass");
    BOOST_TEST(o.result.size() == 1u);

    // ... and one from a CA cms-mock does not know.
    auto stranger = common::tls::dev_ca::load_or_create(dir.path() / "other-ca", now);
    BOOST_REQUIRE(std::holds_alternative<common::tls::dev_ca>(stranger));
    auto other = std::get<common::tls::dev_ca>(stranger).issue_leaf({"phone.example"}, {}, now - std::chrono::hours(1),
                                                                    now + std::chrono::hours(24));
    BOOST_REQUIRE(std::holds_alternative<common::tls::issued_cert>(other));
    v.client_cert = dir.write("other.pem", std::get<common::tls::issued_cert>(other).cert_pem).string();
    v.client_key = dir.write("other.key", std::get<common::tls::issued_cert>(other).key_pem).string();
    auto refused = run_with(v);
    expect(refused, "TLS-006", "fail");
    BOOST_TEST(refused.exit_code == 1);
}
