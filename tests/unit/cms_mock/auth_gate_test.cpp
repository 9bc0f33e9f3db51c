// auth_gate without sockets: rule matching, the three credential sources, Basic and Digest (qop
// auth, auth-int, RFC 2069, userhash), nonce expiry and nc replay, credential rotation with its
// overlap window, and the exact shape of every negative mode's answer. A fixed clock throughout.
#include "logic/auth_gate.hpp"

#include "common/auth/basic.hpp"
#include "common/auth/digest.hpp"
#include "common/auth/digest_client.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

using namespace cms_mock;
using namespace std::chrono;
using common::auth::digest_challenge;
using common::auth::digest_client;
using common::auth::qop;

namespace {

const system_clock::time_point t0 = system_clock::time_point{sys_days{year{2024} / May / 1}};
const std::string secret(32, 'k');

const std::string mac_a = "00085D000001";
const std::string mac_b = "00085D000002";
const std::string a_cfg = "/dms/Aastra9480i/aastra.cfg";
const std::string model_cfg = "/dms/Aastra9480i/9480i.cfg";
const std::string a_mac_cfg = "/dms/Aastra9480i/" + mac_a + ".cfg";
const std::string b_mac_cfg = "/dms/Aastra9480i/" + mac_b + ".cfg";
const std::string firmware = "/9480i.st";

// First WWW-Authenticate header, or nullopt.
std::optional<std::string> www(const auth_decision& d) {
    for (const auto& h : d.headers) {
        if (common::auth::iequals(h.name, "WWW-Authenticate")) return h.value;
    }
    return std::nullopt;
}

std::size_t www_count(const auth_decision& d) {
    std::size_t n = 0;
    for (const auto& h : d.headers) if (common::auth::iequals(h.name, "WWW-Authenticate")) ++n;
    return n;
}

// Every challenge of the first WWW-Authenticate header.
std::vector<common::auth::challenge> challenges_of(const auth_decision& d) {
    auto value = www(d);
    BOOST_REQUIRE_MESSAGE(value, "no WWW-Authenticate");
    auto parsed = common::auth::parse_challenges(*value);
    BOOST_REQUIRE(std::holds_alternative<std::vector<common::auth::challenge>>(parsed));
    return std::get<std::vector<common::auth::challenge>>(parsed);
}

// A parameter of the first challenge, as written (unquoted).
std::optional<std::string> param(const auth_decision& d, std::string_view name) {
    auto all = challenges_of(d);
    const auto* p = all.front().find(name);
    if (!p) return std::nullopt;
    return p->value;
}

digest_challenge digest_of(const auth_decision& d) {
    auto parsed = digest_challenge::from_challenge(challenges_of(d).front());
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<digest_challenge>(parsed), "not a usable Digest challenge");
    return std::get<digest_challenge>(parsed);
}

struct answer_options {
    std::uint32_t nc = 1;
    std::string cnonce = "0a4f113b";
    std::optional<qop> chosen;  // default: auth if offered, else auth-int, else none
    std::string body;
    bool userhash = false;
    std::string method = "GET";
};

// A hand-written Digest answer, so nc, cnonce, qop and the user name form are under test control.
std::string answer(const digest_challenge& c, const std::string& user, const std::string& password,
                   const std::string& uri, const answer_options& o = {}) {
    const qop q = o.chosen ? *o.chosen : c.qop_auth ? qop::auth : c.qop_auth_int ? qop::auth_int : qop::none;
    digest_challenge offered = c;
    if (q == qop::auth) offered.qop_auth = true;
    if (q == qop::auth_int) offered.qop_auth_int = true;
    const auto nc = common::auth::format_nc(o.nc);
    common::auth::digest_request r{o.method, uri, o.cnonce, nc, q, o.body};
    auto computed = common::auth::compute(offered, user, password, r);
    BOOST_REQUIRE(std::holds_alternative<common::auth::digest_values>(computed));
    common::auth::credentials cr;
    cr.scheme = "Digest";
    cr.params = {{"username", o.userhash ? common::auth::digest_userhash(c.algorithm, user, c.realm) : user, true},
                 {"realm", c.realm, true},
                 {"nonce", c.nonce, true},
                 {"uri", uri, true},
                 {"algorithm", std::string(common::auth::to_string(c.algorithm)), false},
                 {"response", std::get<common::auth::digest_values>(computed).response, true}};
    if (q != qop::none) {
        cr.params.push_back({"qop", std::string(common::auth::to_string(q)), false});
        cr.params.push_back({"nc", nc, false});
        cr.params.push_back({"cnonce", o.cnonce, true});
    }
    if (c.opaque) cr.params.push_back({"opaque", *c.opaque, true});
    if (o.userhash) cr.params.push_back({"userhash", "true", false});
    auto text = common::auth::serialize(cr);
    BOOST_REQUIRE(text);
    return *text;
}

std::string basic(const std::string& user, const std::string& password) {
    auto h = common::auth::basic_authorization(user, password);
    BOOST_REQUIRE(std::holds_alternative<std::string>(h));
    return std::get<std::string>(h);
}

struct gate_fixture {
    auth_settings settings;
    std::vector<device_credentials> devices{
        {mac_a, "dev000001", "pw000001", std::nullopt, "alice@example.com", "1111"},
        {mac_b, "dev000002", "pw000002", std::nullopt, "bob@example.com", "2222"},
    };
    std::unique_ptr<auth_gate> gate;

    void build(std::optional<system_clock::time_point> loaded_at = t0) {
        gate = std::make_unique<auth_gate>(settings, secret, loaded_at);
    }
    void rule(auth_rule r) { settings.rules.push_back(std::move(r)); }

    const device_credentials* device(const std::string& mac) const {
        for (const auto& d : devices) {
            if (d.mac == mac) return &d;
        }
        return nullptr;
    }

    // `mac`: the device the service resolved (from the path MAC or the User-Agent), "" = none.
    auth_decision ask(const std::string& path, file_selector kind, const std::string& mac,
                      std::optional<std::string> authorization, system_clock::time_point now = t0,
                      std::string body = {}) {
        request_view rv;
        rv.method = "GET";
        rv.target = path;
        rv.body = std::move(body);
        if (authorization) rv.headers.push_back({"Authorization", *authorization});
        auth_request req{&rv, path, kind, mac.empty() ? nullptr : device(mac)};
        device_by_username directory = [this](std::string_view user) -> const device_credentials* {
            for (const auto& d : devices) {
                if (d.device_username == user) return &d;
            }
            return nullptr;
        };
        return gate->check(req, directory, now);
    }

    // Challenge, then answer it with a fresh hand-written Authorization.
    auth_decision login(const std::string& path, file_selector kind, const std::string& mac, const std::string& user,
                        const std::string& password, system_clock::time_point now = t0) {
        auto first = ask(path, kind, mac, std::nullopt, now);
        BOOST_REQUIRE_EQUAL(first.status, 401u);
        return ask(path, kind, mac, answer(digest_of(first), user, password, path), now);
    }
};

auth_rule digest_rule(std::string path = "*", credential_source src = credential_source::shared) {
    auth_rule r;
    r.path = std::move(path);
    r.credentials = src;
    return r;
}

auth_rule negative_rule(auth_negative_mode mode) {
    auth_rule r = digest_rule();
    r.negative = mode;
    return r;
}

bool is_stale(const auth_decision& d) {
    auto s = param(d, "stale");
    return s && common::auth::iequals(*s, "true");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cms_mock_auth_gate, gate_fixture)

// ---------------------------------------------------------------- default rules and credentials

BOOST_AUTO_TEST_CASE(default_rules_challenge_with_md5_qop_auth_and_accept_the_shared_login) {
    build();
    BOOST_TEST(gate->rules().size() == 4u);
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(first.status == 401u);
    BOOST_TEST(first.result == auth_outcome::challenged);
    BOOST_TEST(first.scheme == "Digest");
    BOOST_TEST(www_count(first) == 1u);
    BOOST_TEST(challenges_of(first).front().scheme == "Digest");
    BOOST_TEST(param(first, "realm").value_or("") == "BroadWorks");
    BOOST_TEST(param(first, "algorithm").value_or("") == "MD5");
    BOOST_TEST(param(first, "qop").value_or("") == "auth");
    BOOST_TEST(param(first, "opaque").has_value());
    BOOST_TEST(!param(first, "stale").has_value());

    auto ok = ask(a_cfg, file_selector::aastra_cfg, "", answer(digest_of(first), "aastra", "aastra", a_cfg));
    BOOST_TEST(ok.allowed());
    BOOST_TEST(ok.result == auth_outcome::ok);
    BOOST_TEST(ok.user == "aastra");
    BOOST_TEST(!ok.as_user);

    auto bad = login(model_cfg, file_selector::model_cfg, "", "aastra", "nope");
    BOOST_TEST(bad.status == 401u);
    BOOST_TEST(bad.result == auth_outcome::bad_password);
    BOOST_TEST(!is_stale(bad));

    // Everything else is open.
    auto open = ask("/logo.png", file_selector::other, "", std::nullopt);
    BOOST_TEST(open.allowed());
    BOOST_TEST(open.result == auth_outcome::none);
    BOOST_TEST(open.headers.empty());
}

BOOST_AUTO_TEST_CASE(shared_rule_also_takes_any_known_devices_own_credentials) {
    build();
    BOOST_TEST(login(a_cfg, file_selector::aastra_cfg, "", "dev000002", "pw000002").allowed());
    BOOST_TEST(login(a_cfg, file_selector::aastra_cfg, mac_a, "dev000001", "pw000001").allowed());
    auto unknown = login(a_cfg, file_selector::aastra_cfg, "", "someone", "pw000001");
    BOOST_TEST(unknown.result == auth_outcome::unknown_user);
    BOOST_TEST(unknown.status == 401u);
}

BOOST_AUTO_TEST_CASE(mac_file_and_firmware_need_the_devices_own_credentials) {
    build();
    auto shared = login(a_mac_cfg, file_selector::mac_cfg, mac_a, "aastra", "aastra");
    BOOST_TEST(shared.status == 401u);
    BOOST_TEST(shared.result == auth_outcome::unknown_user);
    BOOST_TEST(login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001").allowed());
    // Device B's correct credentials are not good for device A's file.
    auto other = login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000002", "pw000002");
    BOOST_TEST(other.status == 401u);
    BOOST_TEST(!other.allowed());
    // Unknown device: nobody's credentials fit.
    BOOST_TEST(login("/00085DFFFFFF.cfg", file_selector::mac_cfg, "", "dev000001", "pw000001").status == 401u);
    // Firmware: the device comes from the User-Agent.
    BOOST_TEST(login(firmware, file_selector::firmware, mac_b, "dev000002", "pw000002").allowed());
    BOOST_TEST(!login(firmware, file_selector::firmware, mac_b, "dev000001", "pw000001").allowed());
    BOOST_TEST(!login(firmware, file_selector::firmware, "", "dev000001", "pw000001").allowed());
}

BOOST_AUTO_TEST_CASE(user_credentials_and_the_force_login_user_on_device_rules) {
    rule(digest_rule("*/user/*", credential_source::user));
    rule(digest_rule("*", credential_source::device));
    build();
    auto user = login("/user/x.cfg", file_selector::other, mac_a, "alice@example.com", "1111");
    BOOST_TEST(user.allowed());
    BOOST_TEST(user.as_user);
    BOOST_TEST(!login("/user/x.cfg", file_selector::other, mac_a, "dev000001", "pw000001").allowed());
    BOOST_TEST(!login("/user/x.cfg", file_selector::other, mac_a, "bob@example.com", "2222").allowed());
    // Without force_login a device rule knows only the Device Access credentials.
    BOOST_TEST(!login(a_mac_cfg, file_selector::mac_cfg, mac_a, "alice@example.com", "1111").allowed());

    settings.force_login = true;
    build();
    auto forced = login(a_mac_cfg, file_selector::mac_cfg, mac_a, "alice@example.com", "1111");
    BOOST_TEST(forced.allowed());
    BOOST_TEST(forced.as_user);
    auto dev = login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001");
    BOOST_TEST(dev.allowed());
    BOOST_TEST(!dev.as_user);
}

// ---------------------------------------------------------------- rule matching

BOOST_AUTO_TEST_CASE(first_matching_rule_by_file_kind_glob_and_mac) {
    auth_rule by_mac = digest_rule();
    by_mac.mac = "00:08:5d:00:00:02";  // any spelling, normalised
    by_mac.scheme = auth_scheme::basic;
    rule(by_mac);
    auth_rule by_kind;
    by_kind.file = file_selector::model_cfg;
    by_kind.scheme = auth_scheme::none;
    rule(by_kind);
    auth_rule by_glob = digest_rule("/open/*");
    by_glob.scheme = auth_scheme::none;
    rule(by_glob);
    auth_rule rest = digest_rule("*.cfg");
    rest.algorithms = {"SHA-256"};
    rule(rest);
    build();
    BOOST_TEST(gate->rules().front().mac.value_or("") == mac_b);

    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, mac_b, std::nullopt).scheme == "Basic");
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, mac_a, std::nullopt).scheme == "Digest");
    BOOST_TEST(ask(model_cfg, file_selector::model_cfg, mac_a, std::nullopt).allowed());
    BOOST_TEST(ask("/open/a.cfg", file_selector::other, "", std::nullopt).allowed());
    auto rest_answer = ask("/x.cfg", file_selector::other, "", std::nullopt);
    BOOST_TEST(param(rest_answer, "algorithm").value_or("") == "SHA-256");
    // No rule matches: open.
    auto none = ask("/x.txt", file_selector::other, "", std::nullopt);
    BOOST_TEST(none.allowed());
    BOOST_TEST(none.result == auth_outcome::none);
}

BOOST_AUTO_TEST_CASE(configuration_errors_name_the_rule) {
    auto fails_with = [&](auth_rule r, const std::string& needle) {
        settings.rules = {digest_rule(), std::move(r)};
        try {
            build();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what()).find(needle) != std::string::npos;
        }
        return false;
    };
    auth_rule r = digest_rule();
    r.algorithms = {"SHA-1"};
    BOOST_TEST(fails_with(r, "auth.rules[1].algorithms"));
    r = digest_rule();
    r.qop = {"auth-conf"};
    BOOST_TEST(fails_with(r, "auth.rules[1].qop"));
    r = digest_rule();
    r.algorithms.clear();
    BOOST_TEST(fails_with(r, "auth.rules[1].algorithms"));
    r = digest_rule();
    r.mac = "00085D00000";
    BOOST_TEST(fails_with(r, "auth.rules[1].mac"));
    r = digest_rule();
    r.scheme = auth_scheme::basic;
    r.negative = auth_negative_mode::stale_with_flag;
    BOOST_TEST(fails_with(r, "auth.rules[1].negative"));
    r.scheme = auth_scheme::none;
    r.negative = auth_negative_mode::endless_401;
    BOOST_TEST(fails_with(r, "auth.rules[1].negative"));
}

// ---------------------------------------------------------------- Basic, userhash, qop variants

BOOST_AUTO_TEST_CASE(basic_rule) {
    auth_rule r = digest_rule();
    r.scheme = auth_scheme::basic;
    rule(r);
    build();
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(first.status == 401u);
    BOOST_TEST(first.scheme == "Basic");
    BOOST_TEST(www(first).value_or("") == "Basic realm=\"BroadWorks\", charset=\"UTF-8\"");
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", basic("aastra", "aastra")).allowed());
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", basic("dev000001", "pw000001")).allowed());
    auto bad = ask(a_cfg, file_selector::aastra_cfg, "", basic("aastra", "aastra2"));
    BOOST_TEST(bad.result == auth_outcome::bad_password);
    BOOST_TEST(www_count(bad) == 1u);
    auto digest = ask(a_cfg, file_selector::aastra_cfg, "", std::string("Digest username=\"aastra\""));
    BOOST_TEST(digest.result == auth_outcome::malformed);
    BOOST_TEST(digest.status == 401u);
    // Outside RFC 7617's `Basic token68` the request itself is malformed: 400, no challenge.
    for (const std::string value : {"Basic YWFzdHJhOmFhc3RyYQ==,", "basic YWFzdHJhOmFhc3RyYQ== ,",
                                    "Basic", "Basic a b", "Basic YWFzdHJhOmFhc3RyYQ==, realm=\"x\""}) {
        auto malformed = ask(a_cfg, file_selector::aastra_cfg, "", value);
        BOOST_TEST(malformed.result == auth_outcome::malformed, value);
        BOOST_TEST(malformed.status == 400u, value);
        BOOST_TEST(www_count(malformed) == 0u, value);
    }
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", std::string("Basic YWFzdHJhOmFhc3RyYQ== \t")).allowed());
}

BOOST_AUTO_TEST_CASE(userhash_rule_sha256) {
    auth_rule r = digest_rule("*", credential_source::device);
    r.algorithms = {"SHA-256"};
    r.userhash = true;
    rule(r);
    build();
    auto first = ask(a_mac_cfg, file_selector::mac_cfg, mac_a, std::nullopt);
    BOOST_TEST(param(first, "userhash").value_or("") == "true");
    auto c = digest_of(first);
    BOOST_TEST(c.userhash);
    answer_options hashed;
    hashed.userhash = true;
    auto ok = ask(a_mac_cfg, file_selector::mac_cfg, mac_a, answer(c, "dev000001", "pw000001", a_mac_cfg, hashed));
    BOOST_TEST(ok.allowed());
    BOOST_TEST(ok.user == "dev000001");
    // The plain name still works; a hash of another device's name does not.
    auto plain = login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001");
    BOOST_TEST(plain.allowed());
    hashed.nc = 2;
    auto other = ask(a_mac_cfg, file_selector::mac_cfg, mac_a, answer(c, "dev000002", "pw000002", a_mac_cfg, hashed));
    BOOST_TEST(other.result == auth_outcome::unknown_user);

    // The shared login hashed, on a shared rule.
    settings.rules.front().credentials = credential_source::shared;
    build();
    auto shared = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    hashed.nc = 1;
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(digest_of(shared), "aastra", "aastra", a_cfg, hashed))
                   .allowed());
}

BOOST_AUTO_TEST_CASE(rfc2069_rule_without_qop) {
    auth_rule r = digest_rule();
    r.qop.clear();
    rule(r);
    build();
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(!param(first, "qop").has_value());
    auto c = digest_of(first);
    auto ok = ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg));
    BOOST_TEST(ok.allowed());
    BOOST_TEST(ok.message.find("authenticated") != std::string::npos);
    answer_options with_qop;
    with_qop.chosen = qop::auth;
    auto refused = ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg, with_qop));
    BOOST_TEST(refused.status == 400u);
    BOOST_TEST(refused.result == auth_outcome::malformed);
}

BOOST_AUTO_TEST_CASE(auth_int_hashes_the_body) {
    auth_rule r = digest_rule();
    r.qop = {"auth-int"};
    rule(r);
    build();
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt, t0, "payload");
    BOOST_TEST(param(first, "qop").value_or("") == "auth-int");
    auto c = digest_of(first);
    answer_options o;
    o.body = "payload";
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg, o), t0, "payload")
                   .allowed());
    o.nc = 2;
    o.body = "other";
    auto bad = ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg, o), t0, "payload");
    BOOST_TEST(bad.result == auth_outcome::bad_password);
    BOOST_TEST(bad.status == 401u);
}

// ---------------------------------------------------------------- nonce lifetime and nc

BOOST_AUTO_TEST_CASE(expired_nonce_is_stale_only_with_the_right_password) {
    settings.nonce_lifetime = seconds(60);
    build();
    auto c = digest_of(ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt));
    auto in_time = ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg), t0 + seconds(59));
    BOOST_TEST(in_time.allowed());
    answer_options o;
    o.nc = 2;
    auto late = ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg, o), t0 + seconds(61));
    BOOST_TEST(late.status == 401u);
    BOOST_TEST(late.result == auth_outcome::stale);
    BOOST_TEST(is_stale(late));
    BOOST_TEST(digest_of(late).nonce != c.nonce);
    o.nc = 3;
    auto late_wrong = ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "bad", a_cfg, o), t0 + seconds(61));
    BOOST_TEST(late_wrong.status == 401u);
    BOOST_TEST(late_wrong.result == auth_outcome::bad_password);
    BOOST_TEST(!is_stale(late_wrong));
}

BOOST_AUTO_TEST_CASE(nc_replay_is_refused_and_the_next_nc_accepted) {
    build();
    auto c = digest_of(ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt));
    const auto once = answer(c, "aastra", "aastra", a_cfg);
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", once).allowed());
    auto again = ask(a_cfg, file_selector::aastra_cfg, "", once);
    BOOST_TEST(again.status == 401u);
    BOOST_TEST(again.result == auth_outcome::replay);
    BOOST_TEST(!is_stale(again));
    answer_options o;
    o.nc = 2;
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg, o)).allowed());
}

// ---------------------------------------------------------------- credential rotation

BOOST_AUTO_TEST_CASE(previous_password_only_during_the_rotation_overlap) {
    devices[0].device_password = "new000001";
    devices[0].previous_password = "pw000001";
    settings.rotation_overlap = seconds(3600);
    build(t0);
    const auto inside = t0 + seconds(3599);
    const auto after = t0 + seconds(3600);
    auto old_inside = login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001", inside);
    BOOST_TEST(old_inside.allowed());
    BOOST_TEST(old_inside.message.find("previous password") != std::string::npos);
    BOOST_TEST(login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "new000001", inside).allowed());
    auto old_after = login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001", after);
    BOOST_TEST(old_after.status == 401u);
    BOOST_TEST(old_after.result == auth_outcome::bad_password);
    BOOST_TEST(login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "new000001", after).allowed());
    // Through the shared rule (aastra.cfg) as well, and never for another device's file.
    BOOST_TEST(login(a_cfg, file_selector::aastra_cfg, "", "dev000001", "pw000001", inside).allowed());
    BOOST_TEST(!login(a_cfg, file_selector::aastra_cfg, "", "dev000001", "pw000001", after).allowed());
    BOOST_TEST(!login(b_mac_cfg, file_selector::mac_cfg, mac_b, "dev000001", "pw000001", inside).allowed());
}

BOOST_AUTO_TEST_CASE(rotation_window_starts_at_the_first_check_without_a_load_time) {
    devices[0].device_password = "new000001";
    devices[0].previous_password = "pw000001";
    settings.rotation_overlap = seconds(60);
    build(std::nullopt);
    const auto start = t0 + hours(5);
    BOOST_TEST(login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001", start).allowed());
    BOOST_TEST(login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001", start + seconds(59)).allowed());
    BOOST_TEST(!login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001", start + seconds(60)).allowed());
}

BOOST_AUTO_TEST_CASE(zero_overlap_turns_the_previous_password_off) {
    devices[0].device_password = "new000001";
    devices[0].previous_password = "pw000001";
    settings.rotation_overlap = seconds(0);
    build(t0);
    BOOST_TEST(!login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "pw000001").allowed());
    BOOST_TEST(login(a_mac_cfg, file_selector::mac_cfg, mac_a, "dev000001", "new000001").allowed());
}

BOOST_AUTO_TEST_CASE(previous_password_on_an_expired_nonce_is_stale_and_works_with_basic) {
    devices[0].device_password = "new000001";
    devices[0].previous_password = "pw000001";
    settings.nonce_lifetime = seconds(10);
    build(t0);
    auto c = digest_of(ask(a_mac_cfg, file_selector::mac_cfg, mac_a, std::nullopt));
    auto late = ask(a_mac_cfg, file_selector::mac_cfg, mac_a, answer(c, "dev000001", "pw000001", a_mac_cfg),
                    t0 + seconds(11));
    BOOST_TEST(late.result == auth_outcome::stale);
    BOOST_TEST(is_stale(late));

    auth_rule r = digest_rule("*", credential_source::device);
    r.scheme = auth_scheme::basic;
    settings.rules = {r};
    build(t0);
    BOOST_TEST(ask(a_mac_cfg, file_selector::mac_cfg, mac_a, basic("dev000001", "pw000001"), t0 + seconds(10)).allowed());
    BOOST_TEST(!ask(a_mac_cfg, file_selector::mac_cfg, mac_a, basic("dev000001", "pw000001"), t0 + hours(2)).allowed());
}

// ---------------------------------------------------------------- negative modes

BOOST_AUTO_TEST_CASE(negative_stale_with_flag) {
    rule(negative_rule(auth_negative_mode::stale_with_flag));
    build();
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(first.result == auth_outcome::challenged);
    BOOST_TEST(!is_stale(first));
    auto c1 = digest_of(first);
    // A wrong password is an ordinary 401.
    answer_options o;
    o.nc = 1;
    auto wrong = ask(a_cfg, file_selector::aastra_cfg, "", answer(c1, "aastra", "x", a_cfg, o));
    BOOST_TEST(wrong.result == auth_outcome::bad_password);
    BOOST_TEST(!is_stale(wrong));
    // The right password on the first nonce is declared stale, with the flag and a new nonce.
    auto stale = ask(a_cfg, file_selector::aastra_cfg, "", answer(c1, "aastra", "aastra", a_cfg, o));
    BOOST_TEST(stale.status == 401u);
    BOOST_TEST(stale.result == auth_outcome::stale);
    BOOST_TEST(is_stale(stale));
    auto c2 = digest_of(stale);
    BOOST_TEST(c2.nonce != c1.nonce);
    // That nonce is accepted, and keeps working with the next nc.
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(c2, "aastra", "aastra", a_cfg)).allowed());
    o.nc = 2;
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(c2, "aastra", "aastra", a_cfg, o)).allowed());
    // The first nonce stays refused.
    o.nc = 3;
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(c1, "aastra", "aastra", a_cfg, o)).result ==
               auth_outcome::stale);
}

BOOST_AUTO_TEST_CASE(negative_stale_with_flag_a_conforming_client_retries_once) {
    rule(negative_rule(auth_negative_mode::stale_with_flag));
    build();
    auto client = std::get<digest_client>(digest_client::create("aastra", "aastra"));
    auto r = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    for (int round = 0; round < 3 && r.status == 401; ++round) {
        BOOST_REQUIRE(!client.on_challenges(challenges_of(r)));
        auto h = client.authorization("GET", a_cfg, "cn" + std::to_string(round));
        BOOST_REQUIRE(std::holds_alternative<std::string>(h));
        r = ask(a_cfg, file_selector::aastra_cfg, "", std::get<std::string>(h));
    }
    BOOST_TEST(r.allowed());
}

BOOST_AUTO_TEST_CASE(negative_stale_without_flag) {
    rule(negative_rule(auth_negative_mode::stale_without_flag));
    build();
    auto client = std::get<digest_client>(digest_client::create("aastra", "aastra"));
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_REQUIRE(!client.on_challenges(challenges_of(first)));
    auto h = client.authorization("GET", a_cfg, "cn1");
    BOOST_REQUIRE(std::holds_alternative<std::string>(h));
    auto refused = ask(a_cfg, file_selector::aastra_cfg, "", std::get<std::string>(h));
    BOOST_TEST(refused.status == 401u);
    BOOST_TEST(refused.result == auth_outcome::stale);
    BOOST_TEST(!param(refused, "stale").has_value());
    // A conforming client takes this as "credentials rejected" and stops.
    BOOST_TEST(client.on_challenges(challenges_of(refused)).has_value());
    // A client that does retry with the new nonce gets in.
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(digest_of(refused), "aastra", "aastra", a_cfg)).allowed());
}

BOOST_AUTO_TEST_CASE(negative_expired_nonce) {
    rule(negative_rule(auth_negative_mode::expired_nonce));
    build();
    auto client = std::get<digest_client>(digest_client::create("aastra", "aastra"));
    auto r = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    auto later = t0;
    int stale_answers = 0;
    for (int round = 0; round < 2; ++round) {
        BOOST_REQUIRE(!client.on_challenges(challenges_of(r)));
        auto h = client.authorization("GET", a_cfg, "cn" + std::to_string(round));
        BOOST_REQUIRE(std::holds_alternative<std::string>(h));
        later += milliseconds(1);
        r = ask(a_cfg, file_selector::aastra_cfg, "", std::get<std::string>(h), later);
        BOOST_TEST(r.status == 401u);
        if (r.result == auth_outcome::stale && is_stale(r)) ++stale_answers;
    }
    BOOST_TEST(stale_answers == 2);
    BOOST_TEST(client.on_challenges(challenges_of(r)).has_value());  // a second stale: give up
    // The wrong password is not called stale.
    auto wrong = ask(a_cfg, file_selector::aastra_cfg, "", answer(digest_of(r), "aastra", "x", a_cfg),
                     later + milliseconds(1));
    BOOST_TEST(wrong.result == auth_outcome::bad_password);
    BOOST_TEST(!is_stale(wrong));
}

BOOST_AUTO_TEST_CASE(negative_nc_replay) {
    rule(negative_rule(auth_negative_mode::nc_replay));
    build();
    auto c = digest_of(ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt));
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg)).allowed());
    answer_options o;
    o.nc = 2;  // a correct client's next request
    auto second = ask(a_cfg, file_selector::aastra_cfg, "", answer(c, "aastra", "aastra", a_cfg, o));
    BOOST_TEST(second.status == 401u);
    BOOST_TEST(second.result == auth_outcome::replay);
    BOOST_TEST(!is_stale(second));
    BOOST_TEST(ask(a_cfg, file_selector::aastra_cfg, "", answer(digest_of(second), "aastra", "aastra", a_cfg)).allowed());
}

BOOST_AUTO_TEST_CASE(negative_no_challenge) {
    rule(negative_rule(auth_negative_mode::no_challenge));
    build();
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(first.status == 401u);
    BOOST_TEST(first.result == auth_outcome::challenged);
    BOOST_TEST(www_count(first) == 0u);
    auto with_creds = ask(a_cfg, file_selector::aastra_cfg, "", basic("aastra", "aastra"));
    BOOST_TEST(with_creds.status == 401u);
    BOOST_TEST(www_count(with_creds) == 0u);

    auth_rule b = negative_rule(auth_negative_mode::no_challenge);
    b.scheme = auth_scheme::basic;
    settings.rules = {b};
    build();
    auto basic_first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(basic_first.status == 401u);
    BOOST_TEST(www_count(basic_first) == 0u);
    auto basic_right = ask(a_cfg, file_selector::aastra_cfg, "", basic("aastra", "aastra"));
    BOOST_TEST(basic_right.status == 401u);
    BOOST_TEST(www_count(basic_right) == 0u);
}

BOOST_AUTO_TEST_CASE(negative_wrong_realm) {
    rule(negative_rule(auth_negative_mode::wrong_realm));
    build();
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(param(first, "realm").value_or("") == "BroadWorks-elsewhere");
    auto r = ask(a_cfg, file_selector::aastra_cfg, "", answer(digest_of(first), "aastra", "aastra", a_cfg));
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(r.result == auth_outcome::bad_password);
    BOOST_TEST(!is_stale(r));
    BOOST_TEST(param(r, "realm").value_or("") == "BroadWorks-elsewhere");
}

BOOST_AUTO_TEST_CASE(negative_unsupported_algorithm) {
    auth_rule r = negative_rule(auth_negative_mode::unsupported_algorithm);
    r.algorithms.clear();  // allowed for this mode only
    rule(r);
    build();
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_TEST(first.status == 401u);
    BOOST_TEST(www_count(first) == 1u);
    BOOST_TEST(param(first, "algorithm").value_or("") == "SHA-1024");
    BOOST_TEST(param(first, "realm").value_or("") == "BroadWorks");
    BOOST_TEST(!param(first, "nonce").value_or("").empty());
    BOOST_TEST(std::holds_alternative<common::auth::digest_error>(
        digest_challenge::from_challenge(challenges_of(first).front())));
    auto client = std::get<digest_client>(digest_client::create("aastra", "aastra"));
    BOOST_TEST(client.on_challenges(challenges_of(first)).has_value());
    // Whatever comes back is refused with the same challenge.
    auto md5 = first;
    md5.headers = {{"WWW-Authenticate", "Digest realm=\"BroadWorks\", nonce=\"" + *param(first, "nonce") +
                                            "\", qop=\"auth\", algorithm=MD5"}};
    auto guessed = ask(a_cfg, file_selector::aastra_cfg, "", answer(digest_of(md5), "aastra", "aastra", a_cfg));
    BOOST_TEST(guessed.status == 401u);
    BOOST_TEST(!guessed.allowed());
    BOOST_TEST(param(guessed, "algorithm").value_or("") == "SHA-1024");
}

BOOST_AUTO_TEST_CASE(negative_endless_401) {
    rule(negative_rule(auth_negative_mode::endless_401));
    build();
    auto client = std::get<digest_client>(digest_client::create("aastra", "aastra"));
    auto first = ask(a_cfg, file_selector::aastra_cfg, "", std::nullopt);
    BOOST_REQUIRE(!client.on_challenges(challenges_of(first)));
    auto h = client.authorization("GET", a_cfg, "cn1");
    BOOST_REQUIRE(std::holds_alternative<std::string>(h));
    auto right = ask(a_cfg, file_selector::aastra_cfg, "", std::get<std::string>(h));
    BOOST_TEST(right.status == 401u);
    BOOST_TEST(right.result == auth_outcome::forbidden);
    BOOST_TEST(www_count(right) == 1u);
    BOOST_TEST(!is_stale(right));
    BOOST_TEST(client.on_challenges(challenges_of(right)).has_value());  // no loop
    auto wrong = login(a_cfg, file_selector::aastra_cfg, "", "aastra", "x");
    BOOST_TEST(wrong.result == auth_outcome::bad_password);

    auth_rule b = negative_rule(auth_negative_mode::endless_401);
    b.scheme = auth_scheme::basic;
    settings.rules = {b};
    build();
    auto basic_right = ask(a_cfg, file_selector::aastra_cfg, "", basic("aastra", "aastra"));
    BOOST_TEST(basic_right.status == 401u);
    BOOST_TEST(basic_right.result == auth_outcome::forbidden);
    BOOST_TEST(www_count(basic_right) == 1u);
}

BOOST_AUTO_TEST_CASE(negative_mode_per_device) {
    auth_rule only_a = negative_rule(auth_negative_mode::endless_401);
    only_a.mac = mac_a;
    rule(only_a);
    rule(digest_rule());
    build();
    BOOST_TEST(!login(a_cfg, file_selector::aastra_cfg, mac_a, "aastra", "aastra").allowed());
    BOOST_TEST(login(a_cfg, file_selector::aastra_cfg, mac_b, "aastra", "aastra").allowed());
    BOOST_TEST(login(a_cfg, file_selector::aastra_cfg, "", "aastra", "aastra").allowed());
}

BOOST_AUTO_TEST_SUITE_END()
