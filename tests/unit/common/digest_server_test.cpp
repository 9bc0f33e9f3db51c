// Server side of Digest: stateless nonces, nc replay windows and the verifier's outcomes.
#include "common/auth/digest_server.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <variant>

using namespace common::auth;
using namespace std::chrono_literals;

namespace {

const digest_clock::time_point t0{std::chrono::seconds{1'700'000'000}};
const std::string secret(32, 's');

// Builds Authorization credentials the way a correct client would, with every field overridable
// by editing the returned params.
struct client_request {
    std::string user = "phone";
    std::string password = "s3cret";
    std::string realm = "cms";
    std::string nonce;
    std::string uri = "/cfg/aastra.cfg";
    std::string method = "GET";
    digest_algorithm algorithm = digest_algorithm::sha256;
    qop chosen = qop::auth;
    std::string nc = "00000001";
    std::string cnonce = "c0ffee";
    std::string body;
    std::optional<std::string> opaque = std::string("op");

    credentials build() const {
        digest_challenge c;
        c.realm = realm;
        c.nonce = nonce;
        c.algorithm = algorithm;
        c.qop_auth = chosen == qop::auth;
        c.qop_auth_int = chosen == qop::auth_int;
        auto values = compute(c, user, password, {method, uri, cnonce, nc, chosen, body});
        std::string response = std::holds_alternative<digest_values>(values)
                                   ? std::get<digest_values>(values).response
                                   : std::string(64, '0');
        credentials out{"Digest", std::nullopt,
                        {{"username", user, true},
                         {"realm", realm, true},
                         {"nonce", nonce, true},
                         {"uri", uri, true},
                         {"algorithm", std::string(to_string(algorithm)), false},
                         {"response", response, true}}};
        if (chosen != qop::none) {
            out.params.push_back({"qop", std::string(to_string(chosen)), false});
            out.params.push_back({"nc", nc, false});
            out.params.push_back({"cnonce", cnonce, true});
        }
        if (opaque) out.params.push_back({"opaque", *opaque, true});
        return out;
    }
};

std::optional<std::string> lookup(std::string_view user) {
    if (user == "phone") return std::string("s3cret");
    if (user == "J\xc3\xa4s\xc3\xb8n") return std::string("pw");
    return std::nullopt;
}

digest_server_config config() {
    digest_server_config c;
    c.realm = "cms";
    c.algorithms = {digest_algorithm::sha512_256, digest_algorithm::sha256, digest_algorithm::md5,
                    digest_algorithm::sha256_sess};
    c.qop_auth = true;
    c.qop_auth_int = true;
    c.opaque = "op";
    c.userhash = true;
    return c;
}

struct fixture {
    digest_verifier verifier{config(), nonce_issuer(secret, 60s), 8};
    client_request req;

    fixture() { req.nonce = nonce_issuer(secret, 60s).issue("cms", t0); }

    digest_verification check(const credentials& creds, digest_clock::time_point now = t0 + 1s,
                               std::string_view target = "/cfg/aastra.cfg") {
        return verifier.verify(creds, {"GET", target, std::nullopt}, lookup, now,
                               [] { return std::vector<std::string>{"other", "phone"}; });
    }
    digest_outcome outcome(const credentials& creds, digest_clock::time_point now = t0 + 1s) {
        return check(creds, now).outcome;
    }
};

void set_param(credentials& creds, std::string_view name, std::string value) {
    for (auto& p : creds.params) {
        if (p.name == name) p.value = std::move(value);
    }
}

void drop_param(credentials& creds, std::string_view name) {
    std::erase_if(creds.params, [&](const auth_param& p) { return p.name == name; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nonces)

BOOST_AUTO_TEST_CASE(round_trip_and_expiry) {
    nonce_issuer issuer(secret, 60s);
    const auto nonce = issuer.issue("cms", t0);
    BOOST_TEST(nonce.size() == 56U);
    BOOST_TEST((issuer.verify(nonce, "cms", t0).status == nonce_status::valid));
    BOOST_TEST((issuer.verify(nonce, "cms", t0 + 60s).status == nonce_status::valid));
    const auto late = issuer.verify(nonce, "cms", t0 + 61s);
    BOOST_TEST((late.status == nonce_status::expired));
    BOOST_TEST((late.issued_at == t0));
    // Bound to the realm.
    BOOST_TEST((issuer.verify(nonce, "other", t0).status == nonce_status::forged));
    // Another secret (server restart) does not accept it.
    BOOST_TEST((nonce_issuer(std::string(32, 't'), 60s).verify(nonce, "cms", t0).status ==
                nonce_status::forged));
}

BOOST_AUTO_TEST_CASE(nonces_issued_in_the_same_instant_differ) {
    nonce_issuer issuer(secret, 60s);
    const auto a = issuer.issue("cms", t0);
    const auto b = issuer.issue("cms", t0);
    BOOST_TEST(a != b);
    BOOST_TEST((issuer.verify(b, "cms", t0).status == nonce_status::valid));
}

BOOST_AUTO_TEST_CASE(tampered_nonce_is_forged_or_malformed) {
    nonce_issuer issuer(secret, 60s);
    const auto nonce = issuer.issue("cms", t0);
    auto raw = *common::crypto::base64_decode(nonce);
    for (std::size_t i : {std::size_t{0}, std::size_t{7}, std::size_t{8}, raw.size() - 1}) {
        auto flipped = raw;
        flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
        BOOST_TEST_CONTEXT("byte " << i) {
            BOOST_TEST((issuer.verify(common::crypto::base64_encode(flipped), "cms", t0).status ==
                        nonce_status::forged));
        }
    }
    BOOST_TEST((issuer.verify("", "cms", t0).status == nonce_status::malformed));
    BOOST_TEST((issuer.verify("not base64!", "cms", t0).status == nonce_status::malformed));
    BOOST_TEST((issuer.verify(common::crypto::base64_encode(raw.substr(0, 39)), "cms", t0).status ==
                nonce_status::malformed));
}

BOOST_AUTO_TEST_CASE(future_timestamp_is_refused_beyond_the_skew) {
    nonce_issuer issuer(secret, 60s, 2s);
    const auto nonce = issuer.issue("cms", t0 + 10s);
    BOOST_TEST((issuer.verify(nonce, "cms", t0).status == nonce_status::from_future));
    BOOST_TEST((issuer.verify(nonce, "cms", t0 + 8s).status == nonce_status::valid));
}

BOOST_AUTO_TEST_CASE(check_age_agrees_with_verify) {
    nonce_issuer issuer(secret, 60s, 2s);
    const auto nonce = issuer.issue("cms", t0);
    for (auto now : {t0 - 3s, t0 - 1s, t0, t0 + 60s, t0 + 61s}) {
        const auto full = issuer.verify(nonce, "cms", now);
        const auto age = issuer.check_age(full.issued_at, now);
        BOOST_TEST((age.status == full.status));
        BOOST_TEST((age.issued_at == full.issued_at));
    }
    BOOST_TEST((issuer.check_age(t0, t0 - 3s).status == nonce_status::from_future));
    BOOST_TEST((issuer.check_age(t0, t0 + 61s).status == nonce_status::expired));
}

BOOST_AUTO_TEST_CASE(short_secret_is_a_programming_error) {
    BOOST_CHECK_THROW(nonce_issuer(std::string(8, 'x'), 60s), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(nc_tracking)

BOOST_AUTO_TEST_CASE(replay_and_window) {
    nc_window w(4);
    BOOST_TEST((w.record("n", t0, 1) == nc_status::fresh));
    BOOST_TEST((w.record("n", t0, 1) == nc_status::replay));
    BOOST_TEST((w.record("n", t0, 3) == nc_status::fresh));
    BOOST_TEST((w.record("n", t0, 2) == nc_status::fresh));  // out of order is fine
    BOOST_TEST((w.record("n", t0, 2) == nc_status::replay));
    BOOST_TEST((w.record("n", t0, 100) == nc_status::fresh));
    BOOST_TEST((w.record("n", t0, 37) == nc_status::fresh));     // 100 - 63: inside
    BOOST_TEST((w.record("n", t0, 36) == nc_status::too_old));   // 100 - 64: below
    BOOST_TEST((w.record("n", t0, 3) == nc_status::too_old));
    BOOST_TEST((w.record("other", t0, 1) == nc_status::fresh));  // independent per nonce
}

BOOST_AUTO_TEST_CASE(last_counter_does_not_wrap) {
    nc_window w(4);
    BOOST_TEST((w.record("n", t0, 0xfffffffeU) == nc_status::fresh));
    BOOST_TEST((w.record("n", t0, 0xffffffffU) == nc_status::fresh));
    BOOST_TEST((w.record("n", t0, 0xffffffffU) == nc_status::replay));
    BOOST_TEST((w.record("n", t0, 1) == nc_status::too_old));
}

BOOST_AUTO_TEST_CASE(memory_is_bounded_and_evicted_nonces_are_not_reopened) {
    nc_window w(3);
    for (int i = 0; i < 10; ++i) {
        BOOST_TEST((w.record("n" + std::to_string(i), t0 + std::chrono::seconds{i}, 1) ==
                    nc_status::fresh));
        BOOST_TEST(w.size() <= 3U);
    }
    BOOST_TEST(w.size() == 3U);
    // n0 was evicted: replaying nc 1 must not look fresh.
    BOOST_TEST((w.record("n0", t0, 1) == nc_status::evicted));
    BOOST_TEST((w.record("n0", t0, 2) == nc_status::evicted));
    // Still tracked and a brand-new nonce both behave normally.
    BOOST_TEST((w.record("n9", t0 + 9s, 1) == nc_status::replay));
    BOOST_TEST((w.record("n10", t0 + 10s, 1) == nc_status::fresh));
}

BOOST_AUTO_TEST_CASE(issued_at_reports_tracked_nonces_only) {
    nc_window w(2);
    BOOST_TEST(!w.issued_at("a").has_value());
    BOOST_TEST((w.record("a", t0, 1) == nc_status::fresh));
    BOOST_TEST((w.record("b", t0 + 1s, 1) == nc_status::fresh));
    BOOST_TEST((w.issued_at("a") == std::optional(t0)));
    // record() after issued_at() of another nonce still updates the right one.
    BOOST_TEST((w.issued_at("b") == std::optional(t0 + 1s)));
    BOOST_TEST((w.record("a", t0, 2) == nc_status::fresh));
    BOOST_TEST((w.record("b", t0 + 1s, 1) == nc_status::replay));
    BOOST_TEST((w.issued_at("a").has_value()));
    BOOST_TEST((w.record("a", t0, 2) == nc_status::replay));
    // An eviction forgets the nonce; issued_at() then says so.
    BOOST_TEST((w.issued_at("a").has_value()));
    BOOST_TEST((w.record("c", t0 + 2s, 1) == nc_status::fresh));  // evicts b, the least recent
    BOOST_TEST(!w.issued_at("b").has_value());
    BOOST_TEST((w.record("b", t0 + 1s, 2) == nc_status::evicted));
}

BOOST_AUTO_TEST_CASE(least_recently_used_goes_first) {
    nc_window w(2);
    w.record("a", t0, 1);
    w.record("b", t0 + 1s, 1);
    w.record("a", t0, 2);  // touch a
    w.record("c", t0 + 2s, 1);  // evicts b
    BOOST_TEST((w.record("a", t0, 1) == nc_status::replay));
    BOOST_TEST((w.record("b", t0 + 1s, 2) == nc_status::evicted));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(verifier, fixture)

BOOST_AUTO_TEST_CASE(valid_credentials_then_replay) {
    const auto creds = req.build();
    const auto first = check(creds);
    BOOST_TEST(first.ok(), first.message);
    BOOST_TEST(first.username == "phone");
    BOOST_TEST((outcome(creds) == digest_outcome::replay));
    req.nc = "00000002";
    BOOST_TEST((outcome(req.build()) == digest_outcome::ok));
}

BOOST_AUTO_TEST_CASE(a_parsed_header_is_verified_without_copies) {
    // The server's path: the header text parsed into views, verified, and a success says no more
    // than "authenticated" (the user is in `username`).
    const auto header = serialize(req.build());
    BOOST_TEST_REQUIRE(header.has_value());
    credentials_view view;
    BOOST_TEST_REQUIRE(!parse_credentials(*header, view).has_value());
    const auto ok = verifier.verify(view, {"GET", "/cfg/aastra.cfg", std::nullopt}, lookup, t0 + 1s);
    BOOST_TEST(ok.ok(), ok.message);
    BOOST_TEST(ok.message == "authenticated");
    BOOST_TEST(ok.username == "phone");
    const auto again = verifier.verify(view, {"GET", "/cfg/aastra.cfg", std::nullopt}, lookup, t0 + 1s);
    BOOST_TEST((again.outcome == digest_outcome::replay));

    // Escaped characters in a quoted value are unescaped before they are compared.
    req.nc = "00000002";
    auto escaped = *serialize(req.build());
    const auto at = escaped.find("realm=\"cms\"");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    escaped.replace(at, 11, "realm=\"c\\ms\"");
    BOOST_TEST_REQUIRE(!parse_credentials(escaped, view).has_value());
    BOOST_TEST(view.find("realm")->value == "cms");
    const auto unescaped = verifier.verify(view, {"GET", "/cfg/aastra.cfg", std::nullopt}, lookup, t0 + 1s);
    BOOST_TEST(unescaped.ok(), unescaped.message);
}

BOOST_AUTO_TEST_CASE(parameter_names_are_matched_case_insensitively_and_exactly) {
    // Names are told apart by length and first letter, then compared in full: any case goes,
    // a look-alike of the same length is an unknown parameter (ignored), not the one it resembles.
    auto creds = req.build();
    for (auto& p : creds.params) {
        if (p.name == "username") p.name = "UserName";
        if (p.name == "response") p.name = "RESPONSE";
        if (p.name == "cnonce") p.name = "cNonce";
    }
    creds.params.push_back({"usernamE*x", "ignored", false});
    creds.params.push_back({"responsx", "ignored", false});
    creds.params.push_back({"userhasx", "true", false});
    creds.params.push_back({"Userhash", "false", false});
    const auto ok = check(creds);
    BOOST_TEST(ok.ok(), ok.message);

    auto twice = req.build();
    twice.params.push_back({"REALM", "cms", true});
    BOOST_TEST((outcome(twice) == digest_outcome::malformed));  // duplicate realm
}

BOOST_AUTO_TEST_CASE(more_parameters_than_a_header_can_carry_are_malformed) {
    auto creds = req.build();
    while (creds.params.size() <= max_params) creds.params.push_back({"x" + std::to_string(creds.params.size()), "v", false});
    const auto result = check(creds);
    BOOST_TEST((result.outcome == digest_outcome::malformed));
    BOOST_TEST(result.message.find("more than 64 parameters") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stale_only_with_the_right_password) {
    const auto late = t0 + 120s;
    BOOST_TEST((outcome(req.build(), late) == digest_outcome::stale));
    req.password = "wrong";
    BOOST_TEST((outcome(req.build(), late) == digest_outcome::bad_password));
    BOOST_TEST((outcome(req.build()) == digest_outcome::bad_password));
}

BOOST_AUTO_TEST_CASE(a_tracked_nonce_still_expires_and_its_forgeries_still_fail) {
    // Once a nonce is in the nc window its MAC is not recomputed; the time checks still apply,
    // and a nonce that differs from the tracked one in any byte is checked in full.
    BOOST_TEST((outcome(req.build()) == digest_outcome::ok));
    req.nc = "00000002";
    BOOST_TEST((outcome(req.build(), t0 + 120s) == digest_outcome::stale));
    const std::string tracked = req.nonce;
    auto forged = tracked;
    forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
    req.nonce = forged;
    req.nc = "00000003";
    BOOST_TEST((outcome(req.build()) == digest_outcome::bad_nonce));
    req.nonce = tracked;
    BOOST_TEST((outcome(req.build()) == digest_outcome::ok));
}

BOOST_AUTO_TEST_CASE(foreign_or_future_nonce_is_bad_nonce_not_stale) {
    req.nonce = nonce_issuer(std::string(32, 'x'), 60s).issue("cms", t0);
    BOOST_TEST((outcome(req.build()) == digest_outcome::bad_nonce));
    req.nonce = nonce_issuer(secret, 60s).issue("cms", t0 + 3600s);
    BOOST_TEST((outcome(req.build()) == digest_outcome::bad_nonce));
    req.nonce = "abc";
    BOOST_TEST((outcome(req.build()) == digest_outcome::bad_nonce));
}

BOOST_AUTO_TEST_CASE(directive_errors) {
    auto wrong_alg = req;
    wrong_alg.algorithm = digest_algorithm::md5_sess;  // not configured
    BOOST_TEST((outcome(wrong_alg.build()) == digest_outcome::algorithm_mismatch));

    auto creds = req.build();
    set_param(creds, "algorithm", "SHA-1");
    BOOST_TEST((outcome(creds) == digest_outcome::algorithm_mismatch));

    BOOST_TEST((check(req.build(), t0 + 1s, "/other").outcome == digest_outcome::uri_mismatch));
    BOOST_TEST(http_status(digest_outcome::uri_mismatch) == 400);

    auto no_opaque = req;
    no_opaque.opaque.reset();
    BOOST_TEST((outcome(no_opaque.build()) == digest_outcome::opaque_mismatch));
    auto other_opaque = req;
    other_opaque.opaque = "xx";
    BOOST_TEST((outcome(other_opaque.build()) == digest_outcome::opaque_mismatch));

    auto wrong_realm = req;
    wrong_realm.realm = "elsewhere";
    BOOST_TEST((outcome(wrong_realm.build()) == digest_outcome::wrong_realm));

    auto stranger = req;
    stranger.user = "nobody";
    BOOST_TEST((outcome(stranger.build()) == digest_outcome::unknown_user));
}

BOOST_AUTO_TEST_CASE(qop_rules) {
    auto sess_no_qop = req;
    sess_no_qop.algorithm = digest_algorithm::sha256_sess;
    sess_no_qop.chosen = qop::none;
    BOOST_TEST((outcome(sess_no_qop.build()) == digest_outcome::qop_invalid));

    auto no_qop = req;
    no_qop.chosen = qop::none;  // qop is configured, so RFC 2069 answers are refused
    BOOST_TEST((outcome(no_qop.build()) == digest_outcome::qop_invalid));

    auto creds = req.build();
    set_param(creds, "qop", "auth-conf");
    BOOST_TEST((outcome(creds) == digest_outcome::qop_invalid));

    // auth-int needs the body, which this request did not buffer.
    auto auth_int = req;
    auth_int.chosen = qop::auth_int;
    BOOST_TEST((outcome(auth_int.build()) == digest_outcome::qop_invalid));
    auth_int.body = "payload";
    auth_int.method = "POST";
    const auto ok = verifier.verify(auth_int.build(), {"POST", auth_int.uri, "payload"}, lookup,
                                    t0 + 1s);
    BOOST_TEST(ok.ok(), ok.message);
    auth_int.nc = "00000002";
    const auto tampered = verifier.verify(auth_int.build(), {"POST", auth_int.uri, "payl0ad"},
                                          lookup, t0 + 1s);
    BOOST_TEST((tampered.outcome == digest_outcome::bad_password));
}

BOOST_AUTO_TEST_CASE(missing_or_bad_fields_are_malformed) {
    for (const char* name : {"username", "realm", "nonce", "uri", "response", "cnonce", "nc"}) {
        auto creds = req.build();
        drop_param(creds, name);
        BOOST_TEST_CONTEXT(name) { BOOST_TEST((outcome(creds) == digest_outcome::malformed)); }
    }
    for (const char* nc : {"1", "0000000g", "000000001", "00000000"}) {
        auto creds = req.build();
        set_param(creds, "nc", nc);
        BOOST_TEST_CONTEXT(nc) { BOOST_TEST((outcome(creds) == digest_outcome::malformed)); }
    }
    auto creds = req.build();
    set_param(creds, "response", "zz");
    BOOST_TEST((outcome(creds) == digest_outcome::malformed));

    auto dup = req.build();
    dup.params.push_back({"nonce", req.nonce, true});
    const auto result = check(dup);
    BOOST_TEST((result.outcome == digest_outcome::malformed));
    BOOST_TEST(result.message.find("duplicate parameter 'nonce'") != std::string::npos);

    BOOST_TEST((outcome(credentials{"Basic", std::string("abc="), {}}) == digest_outcome::malformed));
    BOOST_TEST(http_status(digest_outcome::malformed) == 400);
}

BOOST_AUTO_TEST_CASE(upper_case_response_hex_is_accepted) {
    auto creds = req.build();
    for (auto& p : creds.params) {
        if (p.name == "response") {
            for (auto& c : p.value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    BOOST_TEST((outcome(creds) == digest_outcome::ok));
}

BOOST_AUTO_TEST_CASE(userhash_and_extended_user_names) {
    auto creds = req.build();
    set_param(creds, "username", digest_userhash(req.algorithm, "phone", "cms"));
    creds.params.push_back({"userhash", "true", false});
    const auto hashed = check(creds);
    BOOST_TEST(hashed.ok(), hashed.message);
    BOOST_TEST(hashed.username == "phone");

    auto unknown = req.build();
    set_param(unknown, "username", digest_userhash(req.algorithm, "ghost", "cms"));
    unknown.params.push_back({"userhash", "true", false});
    BOOST_TEST((outcome(unknown) == digest_outcome::unknown_user));

    auto ext = req;
    ext.user = "J\xc3\xa4s\xc3\xb8n";
    ext.password = "pw";
    ext.nc = "00000002";  // same nonce as above, so the next counter
    auto ext_creds = ext.build();
    drop_param(ext_creds, "username");
    ext_creds.params.push_back({"username*", "UTF-8''J%C3%A4s%c3%b8n", false});
    const auto decoded = check(ext_creds);
    BOOST_TEST(decoded.ok(), decoded.message);

    ext_creds.params.push_back({"username", "x", true});
    BOOST_TEST((outcome(ext_creds) == digest_outcome::malformed));
}

BOOST_AUTO_TEST_CASE(challenges_list_every_algorithm_in_order) {
    const auto list = verifier.challenges(t0, true);
    BOOST_TEST_REQUIRE(list.size() == 4U);
    std::vector<digest_algorithm> seen;
    for (const auto& item : list) {
        auto parsed = digest_challenge::from_challenge(item);
        BOOST_TEST_REQUIRE(std::holds_alternative<digest_challenge>(parsed));
        const auto& c = std::get<digest_challenge>(parsed);
        seen.push_back(c.algorithm);
        BOOST_TEST(c.stale);
        BOOST_TEST(c.userhash);
        BOOST_TEST(c.opaque.value_or("") == "op");
        BOOST_TEST(c.qop_auth);
        BOOST_TEST(c.qop_auth_int);
        BOOST_TEST(c.nonce == list.front().find("nonce")->value);
    }
    BOOST_TEST((seen == config().algorithms));
    BOOST_TEST(verifier.challenges(t0, false).front().find("stale") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
