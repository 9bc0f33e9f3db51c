// The negative modes that let through what a server must refuse (wrong_password_accepted,
// replay_accepted) or hide why it refuses (no_stale_flag): exactly the fault each commits, and
// that the right behaviour around it is unchanged. A fixed clock, no sockets.
#include "logic/auth_gate.hpp"

#include "common/auth/basic.hpp"
#include "common/auth/digest.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <variant>

using namespace cms_mock;
using namespace std::chrono;

namespace {

const system_clock::time_point t0 = system_clock::time_point{sys_days{year{2024} / May / 1}};
const std::string a_cfg = "/dms/Aastra9480i/aastra.cfg";

common::auth::digest_challenge challenge_of(const auth_decision& d) {
    BOOST_REQUIRE(!d.headers.empty());
    auto parsed = common::auth::parse_challenges(d.headers.front().value);
    BOOST_REQUIRE(std::holds_alternative<std::vector<common::auth::challenge>>(parsed));
    auto c = common::auth::digest_challenge::from_challenge(std::get<std::vector<common::auth::challenge>>(parsed).front());
    BOOST_REQUIRE(std::holds_alternative<common::auth::digest_challenge>(c));
    return std::get<common::auth::digest_challenge>(c);
}

bool says_stale(const auth_decision& d) {
    return !d.headers.empty() && d.headers.front().value.find("stale=true") != std::string::npos;
}

std::string digest_answer(const common::auth::digest_challenge& c, const std::string& password, std::uint32_t nc) {
    using namespace common::auth;
    const auto nc_text = format_nc(nc);
    auto computed = compute(c, "aastra", password, digest_request{"GET", a_cfg, "c0ffee", nc_text, qop::auth, ""});
    BOOST_REQUIRE(std::holds_alternative<digest_values>(computed));
    credentials cr;
    cr.scheme = "Digest";
    cr.params = {{"username", "aastra", true}, {"realm", c.realm, true}, {"nonce", c.nonce, true},
                 {"uri", a_cfg, true}, {"algorithm", std::string(to_string(c.algorithm)), false},
                 {"response", std::get<digest_values>(computed).response, true}, {"qop", "auth", false},
                 {"nc", nc_text, false}, {"cnonce", "c0ffee", true}};
    if (c.opaque) cr.params.push_back({"opaque", *c.opaque, true});
    auto text = serialize(cr);
    BOOST_REQUIRE(text);
    return *text;
}

struct gate_with_mode {
    auth_settings settings;
    std::unique_ptr<auth_gate> gate;

    explicit gate_with_mode(auth_negative_mode mode, auth_scheme scheme = auth_scheme::digest) {
        auth_rule r;
        r.scheme = scheme;
        r.negative = mode;
        settings.rules.push_back(r);
        settings.nonce_lifetime = seconds(60);
        gate = std::make_unique<auth_gate>(settings, std::string(32, 'k'), t0);
    }

    auth_decision ask(std::optional<std::string> authorization, system_clock::time_point now = t0) {
        request_view rv;
        rv.method = "GET";
        rv.target = a_cfg;
        if (authorization) rv.headers.push_back({"Authorization", *authorization});
        auth_request req{&rv, a_cfg, file_selector::aastra_cfg, nullptr};
        return gate->check(req, {}, now);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(wrong_password_accepted_digest_and_basic) {
    gate_with_mode g(auth_negative_mode::wrong_password_accepted);
    auto c = challenge_of(g.ask(std::nullopt));
    auto wrong = g.ask(digest_answer(c, "not-aastra", 1));
    BOOST_TEST(wrong.allowed());
    BOOST_TEST(wrong.message.find("wrong_password_accepted") != std::string::npos);
    BOOST_TEST(g.ask(digest_answer(c, "aastra", 2)).allowed());

    // An unknown user is still refused: the mode is about passwords.
    auto text = common::auth::basic_authorization("nobody", "x");
    gate_with_mode b(auth_negative_mode::wrong_password_accepted, auth_scheme::basic);
    BOOST_TEST(b.ask(std::get<std::string>(common::auth::basic_authorization("aastra", "wrong"))).allowed());
    BOOST_TEST(!b.ask(std::get<std::string>(text)).allowed());
}

BOOST_AUTO_TEST_CASE(replay_accepted_lets_the_same_nc_in_twice_but_not_a_wrong_password) {
    gate_with_mode g(auth_negative_mode::replay_accepted);
    auto c = challenge_of(g.ask(std::nullopt));
    const auto once = digest_answer(c, "aastra", 1);
    BOOST_TEST(g.ask(once).allowed());
    auto again = g.ask(once);
    BOOST_TEST(again.allowed());
    BOOST_TEST(again.message.find("replay_accepted") != std::string::npos);
    BOOST_TEST(!g.ask(digest_answer(c, "wrong", 1)).allowed());

    gate_with_mode normal(auth_negative_mode::none);
    auto n = challenge_of(normal.ask(std::nullopt));
    const auto first = digest_answer(n, "aastra", 1);
    BOOST_TEST(normal.ask(first).allowed());
    BOOST_TEST(normal.ask(first).result == auth_outcome::replay);
}

BOOST_AUTO_TEST_CASE(no_stale_flag_hides_the_expiry) {
    gate_with_mode g(auth_negative_mode::no_stale_flag);
    auto c = challenge_of(g.ask(std::nullopt));
    BOOST_TEST(g.ask(digest_answer(c, "aastra", 1), t0 + seconds(10)).allowed());
    auto late = g.ask(digest_answer(c, "aastra", 2), t0 + seconds(61));
    BOOST_TEST(late.status == 401u);
    BOOST_TEST(late.result == auth_outcome::stale);
    BOOST_TEST(!says_stale(late));

    gate_with_mode normal(auth_negative_mode::none);
    auto n = challenge_of(normal.ask(std::nullopt));
    BOOST_TEST(says_stale(normal.ask(digest_answer(n, "aastra", 1), t0 + seconds(61))));
}

BOOST_AUTO_TEST_CASE(modes_that_do_not_fit_basic_are_configuration_errors) {
    for (auto mode : {auth_negative_mode::replay_accepted, auth_negative_mode::no_stale_flag}) {
        auth_settings s;
        auth_rule r;
        r.scheme = auth_scheme::basic;
        r.negative = mode;
        s.rules.push_back(r);
        try {
            auth_gate gate(s, std::string(32, 'k'), t0);
            BOOST_FAIL("accepted a Digest-only mode on a Basic rule");
        } catch (const std::invalid_argument& e) {
            BOOST_TEST(std::string(e.what()).find("auth.rules[0].negative") == 0u, e.what());
        }
    }
}
