// `phone-agent validate` against servers nobody in this project wrote: Apache httpd with
// mod_auth_digest over HTTP, and nginx with auth_basic over HTTPS (a private CA made at test time).
// The verdicts asserted here are the table in the README ("validate" section).
#include "validate_harness.hpp"

#include "apache_digest.hpp"
#include "nginx_server.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

using namespace test_support;
using namespace validate_harness;

namespace {

std::string firmware_bytes() {
    std::string s(200 * 1024, '\0');
    unsigned x = 7;
    for (auto& c : s) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

// The same files on both servers; aastra.cfg hands out the device login as cms-mock's does.
std::map<std::string, std::string> files() {
    return {{"aastra.cfg", "http digest username: dev1\nhttp digest password: secret\n"},
            {"9480i.cfg", "firmware version: 3.2.2.3077\n"},
            {"00085D000003.cfg", "sip line1 auth name: 1001\nsip line1 display name: Carol\n"},
            {"9480i.st", firmware_bytes()}};
}

// Every check passes except those named (the README's table).
void expect_all(const outcome& o, std::map<std::string, std::string> exceptions) {
    BOOST_TEST(o.result.size() == 29u);
    for (const auto& [id, status] : o.result) {
        auto it = exceptions.find(id);
        expect(o, id, it == exceptions.end() ? "pass" : it->second);
    }
    BOOST_TEST(o.exit_code == 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(apache_mod_auth_digest_over_http) {
    auto missing = apache_server::missing();
    BOOST_TEST_REQUIRE(!missing, "not installed: " << missing.value_or("") << " (scripts/install-deps.sh)");
    apache_options a;
    a.files = files();
    a.users = {{"aastra", "aastra"}, {"dev1", "secret"}};
    a.nonce_lifetime_seconds = 2;
    apache_server apache(a);
    auto v = options_for(apache.url() + "/", {}, 5000);
    v.stale_after_seconds = 4;
    auto o = run_with(v);
    // No Content-Type for .cfg (no MIME mapping), replays accepted (AuthDigestNcCheck is Off by
    // default), one user file for every file; TLS skips over http.
    expect_all(o, {{"HTTP-003", "fail"}, {"AUTH-005", "fail"}, {"AUTH-007", "fail"}, {"TLS-001", "skip"},
                   {"TLS-002", "skip"}, {"TLS-003", "skip"}, {"TLS-004", "skip"}, {"TLS-005", "skip"},
                   {"TLS-006", "skip"}});
    BOOST_TEST(o.seen["HTTP-003"] == "none");
    BOOST_TEST(o.seen["AUTH-005"] == "200 (replay accepted)");
}

BOOST_AUTO_TEST_CASE(nginx_auth_basic_over_https) {
    auto missing = nginx_server::missing();
    BOOST_TEST_REQUIRE(!missing, "not installed: " << missing.value_or("") << " (scripts/install-deps.sh)");
    nginx_options n;
    n.files = files();
    n.users = {{"aastra", "aastra"}, {"dev1", "secret"}};
    nginx_server nginx(n);
    auto o = run_with(options_for(nginx.url() + "/", nginx.ca_file(), 5000));
    // Basic has no nonce (AUTH-004/005/008 skip) and over https does not warn; one user file for
    // every file.
    expect_all(o, {{"AUTH-004", "skip"}, {"AUTH-005", "skip"}, {"AUTH-006", "skip"}, {"AUTH-007", "fail"},
                   {"AUTH-008", "skip"}, {"TLS-006", "skip"}});
}
