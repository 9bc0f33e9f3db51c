// provisioning_fsm authentication: the RFC 2617 known answer, nonce reuse with nc + 1 across
// files, fresh and refused challenges, Basic, backoff and Retry-After as actions, and the CMS
// force-login flow.
#include <boost/test/unit_test.hpp>

#include "boot_script.hpp"

using namespace boot_test;

namespace {

// aastra.cfg without firmware or certificates, so a run is the three .cfg files and persist.
const std::string plain_global = "download protocol: HTTPS\n";

}  // namespace

BOOST_AUTO_TEST_CASE(digest_answer_matches_the_rfc_2617_known_answer) {
    // RFC 2617 §3.5: Mufasa / "Circle Of Life", GET /dir/index.html, nc 1, cnonce 0a4f113b.
    auto s = settings(4, "http://host/dir/");
    s.order = {boot_step::global_cfg, boot_step::user_certificates};
    s.local_settings.push_back({"http digest username", "Mufasa"});
    s.local_settings.push_back({"http digest password", "Circle Of Life"});
    auto fsm = make_fsm(s, {});
    fsm.resume(event::start{}, inputs());
    auto act = fsm.resume(ok("https user certificates: index.html\n"), inputs());
    expect(act, boot_action_type::send_request, "index.html");
    BOOST_TEST(std::get<action::send_request>(act).target == "/dir/index.html");
    act = fsm.resume(status(401, {{"WWW-Authenticate",
                                   "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                                   "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                                   "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""}}),
                     inputs("0a4f113b"));
    expect(act, boot_action_type::send_request, "index.html");
    BOOST_TEST(auth_param(act, "username") == "Mufasa");
    BOOST_TEST(auth_param(act, "uri") == "/dir/index.html");
    BOOST_TEST(auth_param(act, "qop") == "auth");
    BOOST_TEST(auth_param(act, "nc") == "00000001");
    BOOST_TEST(auth_param(act, "cnonce") == "0a4f113b");
    BOOST_TEST(auth_param(act, "opaque") == "5ccc069c403ebaf9f0171e9517f40e41");
    BOOST_TEST(auth_param(act, "response") == "6629fae49393a05397450978507c4ef1");
}

BOOST_AUTO_TEST_CASE(a_nonce_that_worked_is_reused_on_later_files_with_nc_plus_one) {
    auto fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    auto act = fsm.resume(challenge("n1"), inputs("c1"));
    BOOST_TEST(auth_param(act, "nc") == "00000001");
    BOOST_TEST(auth_param(act, "username") == "aastra");
    act = fsm.resume(ok(global_cfg), inputs("c2"));
    expect(act, boot_action_type::send_request, "9480i.cfg");
    BOOST_TEST(auth_param(act, "nonce") == "n1");
    BOOST_TEST(auth_param(act, "nc") == "00000002");
    BOOST_TEST(auth_param(act, "cnonce") == "c2");
    BOOST_TEST(auth_param(act, "uri") == "/dms/Aastra9480i/9480i.cfg");
    act = fsm.resume(ok(""), inputs("c3"));
    BOOST_TEST(auth_param(act, "nc") == "00000003");
    act = fsm.resume(ok(""), inputs("c4"));
    expect(act, boot_action_type::download_to_file, "9480i.st");
    BOOST_TEST(auth_param(act, "nc") == "00000004");
    act = fsm.resume(image(), inputs());
    act = fsm.resume(op_ok, inputs("c5"));
    BOOST_TEST(auth_param(act, "nc") == "00000005");
    act = fsm.resume(ok(pem), inputs());
    act = fsm.resume(op_ok, inputs());
    const auto& outcome = outcome_of(fsm.resume(op_ok, inputs()));
    BOOST_TEST(outcome.status == boot_status::provisioned);
    const std::vector<std::string> global_story{"401 Digest realm 'BroadWorks' (MD5, qop auth)",
                                                "answered as 'aastra' nc=00000001"};
    BOOST_TEST(outcome.steps.at(0).auth == global_story, boost::test_tools::per_element());
    const std::vector<std::string> model_story{"pre-emptive as 'aastra' nc=00000002"};
    BOOST_TEST(outcome.steps.at(1).auth == model_story, boost::test_tools::per_element());
    BOOST_TEST(outcome.steps.at(0).attempts.size() == 2U);
    BOOST_TEST(!outcome.steps.at(0).attempts.at(0).authorized);
    BOOST_TEST(outcome.steps.at(0).attempts.at(1).authorized);
}

BOOST_AUTO_TEST_CASE(without_preemptive_reuse_each_file_waits_for_its_challenge) {
    auto s = settings();
    s.preemptive_auth = false;
    auto fsm = make_fsm(s);
    fsm.resume(event::start{}, inputs());
    fsm.resume(challenge("n1"), inputs());
    auto act = fsm.resume(ok(plain_global), inputs());
    BOOST_TEST(!authorization_of(act).has_value());
    act = fsm.resume(challenge("n2"), inputs());
    BOOST_TEST(auth_param(act, "nonce") == "n2");
    BOOST_TEST(auth_param(act, "nc") == "00000001");
}

BOOST_AUTO_TEST_CASE(a_fresh_challenge_to_a_preemptive_request_is_answered_once) {
    auto fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    fsm.resume(challenge("n1"), inputs());
    auto act = fsm.resume(ok(plain_global), inputs());
    BOOST_TEST(auth_param(act, "nc") == "00000002");
    // The server forgot n1: a new nonce, not stale.
    act = fsm.resume(challenge("n2"), inputs());
    expect(act, boot_action_type::send_request, "9480i.cfg");
    BOOST_TEST(auth_param(act, "nonce") == "n2");
    BOOST_TEST(auth_param(act, "nc") == "00000001");
    act = fsm.resume(ok(""), inputs());
    BOOST_TEST(auth_param(act, "nonce") == "n2");
    BOOST_TEST(auth_param(act, "nc") == "00000002");

    // ... but a refusal of that answer ends the run.
    fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    fsm.resume(challenge("n1"), inputs());
    fsm.resume(ok(plain_global), inputs());
    fsm.resume(challenge("n2"), inputs());
    const auto& outcome = outcome_of(fsm.resume(challenge("n2"), inputs()));
    BOOST_TEST(outcome.status == boot_status::auth_failed);
    BOOST_TEST(outcome.reason ==
               "9480i.cfg: 401 after Digest answer as 'aastra' in realm 'BroadWorks': "
               "credentials refused");
}

BOOST_AUTO_TEST_CASE(basic_challenges_get_the_default_login) {
    auto fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    const auto basic = status(401, {{"WWW-Authenticate", "Basic realm=\"CMS\""}});
    auto act = fsm.resume(basic, inputs());
    BOOST_TEST(authorization_of(act).value_or("") == "Basic YWFzdHJhOmFhc3RyYQ==");
    const auto& outcome = outcome_of(fsm.resume(basic, inputs()));
    BOOST_TEST(outcome.reason ==
               "aastra.cfg: 401 after Basic answer as 'aastra' in realm 'CMS': credentials "
               "refused");
}

BOOST_AUTO_TEST_CASE(unanswerable_challenges_are_auth_failures) {
    for (const auto& [headers, fragment] :
         std::vector<std::pair<std::vector<header_field>, std::string>>{
             {{}, "401 without WWW-Authenticate"},
             {{{"WWW-Authenticate", "Digest realm=\"x"}}, "unreadable WWW-Authenticate"},
             {{{"WWW-Authenticate", "Negotiate"}}, "no Digest or Basic challenge"},
         }) {
        auto fsm = make_fsm();
        fsm.resume(event::start{}, inputs());
        const auto& outcome = outcome_of(fsm.resume(status(401, headers), inputs()));
        BOOST_TEST(outcome.status == boot_status::auth_failed);
        BOOST_TEST(outcome.reason.find(fragment) != std::string::npos, outcome.reason);
    }
}

BOOST_AUTO_TEST_CASE(retries_back_off_exponentially_then_give_up) {
    auto fsm = make_fsm();
    auto act = fsm.resume(event::start{}, inputs());
    for (auto expected : {1000ms, 2000ms, 4000ms}) {
        act = fsm.resume(status(503), inputs());
        expect(act, boot_action_type::wait);
        BOOST_TEST(std::get<action::wait>(act).duration == expected);
        act = fsm.resume(event::timer_fired{}, inputs());
        expect(act, boot_action_type::send_request, "aastra.cfg");
    }
    const auto& outcome = outcome_of(fsm.resume(status(503), inputs()));
    BOOST_TEST(outcome.status == boot_status::server_error);
    BOOST_TEST(exit_code(outcome.status) == 6);
    BOOST_TEST(outcome.reason == "aastra.cfg: HTTP 503: gave up after 4 attempts");
    BOOST_TEST(outcome.steps.at(0).attempts.size() == 4U);

    // The jitter input shortens the wait within the policy's band.
    fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    act = fsm.resume(event::transport_error{transport_failure::connect, "refused", {}},
                     inputs("c", 0.5));
    BOOST_TEST(std::get<action::wait>(act).duration == 750ms);
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_in_both_forms_and_capped) {
    const std::vector<std::pair<std::string, std::chrono::milliseconds>> table{
        {"30", 30s}, {"Fri, 01 Mar 2024 00:00:45 GMT", 45s}};
    for (const auto& [value, expected] : table) {
        auto fsm = make_fsm();
        fsm.resume(event::start{}, inputs());
        const auto act = fsm.resume(status(503, {{"Retry-After", value}}), inputs());
        BOOST_TEST(std::get<action::wait>(act).duration == expected, value);
    }
    auto fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    const auto& outcome =
        outcome_of(fsm.resume(status(429, {{"Retry-After", "3600"}}), inputs()));
    BOOST_TEST(outcome.reason.find("more than the 300 s limit") != std::string::npos,
               outcome.reason);
}

BOOST_AUTO_TEST_CASE(force_login_then_login_then_the_user_profile) {
    auto fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    fsm.resume(challenge("n1"), inputs());
    fsm.resume(ok(plain_global), inputs());
    fsm.resume(status(404), inputs());
    auto outcome = outcome_of(fsm.resume(ok("http digest force login: 1\n"), inputs()));
    BOOST_TEST(outcome.status == boot_status::force_login_required);
    BOOST_TEST(exit_code(outcome.status) == 7);
    BOOST_TEST(outcome.kept_last_good);
    BOOST_TEST(fsm.idle());
    BOOST_TEST(fsm.config().get_string("http digest username") == "aastra");

    auto act = fsm.resume(event::login{"alice@example.com", "s3cret"}, inputs());
    expect(act, boot_action_type::send_request, "aastra.cfg");
    act = fsm.resume(challenge("n3"), inputs());
    BOOST_TEST(auth_param(act, "username") == "aastra");  // aastra.cfg keeps the shared login
    // Later files use the stored user login; a new credential pair waits for its challenge.
    act = fsm.resume(ok(plain_global), inputs());
    expect(act, boot_action_type::send_request, "9480i.cfg");
    BOOST_TEST(!authorization_of(act).has_value());
    act = fsm.resume(status(404), inputs());
    expect(act, boot_action_type::send_request, "00085D1A2B3C.cfg");
    BOOST_TEST(!authorization_of(act).has_value());
    act = fsm.resume(challenge("n4"), inputs());
    BOOST_TEST(auth_param(act, "username") == "alice@example.com");
    BOOST_TEST(auth_param(act, "nc") == "00000001");
    act = fsm.resume(ok("http digest force login: 0\nsip line1 auth name: alice\n"), inputs());
    const auto& saved = std::get<action::persist>(act);
    BOOST_TEST(saved.local_cfg.find("http digest username: alice@example.com") !=
               std::string::npos);
    BOOST_TEST(saved.local_cfg.find("http digest password: s3cret") != std::string::npos);
    outcome = outcome_of(fsm.resume(op_ok, inputs()));
    BOOST_TEST(outcome.status == boot_status::provisioned);
    BOOST_TEST(fsm.config().get_string("sip line1 auth name") == "alice");
    BOOST_TEST(fsm.config().get_string("http digest username") == "alice@example.com");
}

BOOST_AUTO_TEST_CASE(a_refused_login_names_the_user_and_stores_nothing) {
    auto fsm = make_fsm();
    fsm.resume(event::login{"bob", "wrong"}, inputs());
    fsm.resume(ok(plain_global), inputs());
    fsm.resume(status(404), inputs());
    fsm.resume(challenge("n1"), inputs());
    const auto& outcome = outcome_of(fsm.resume(challenge("n1"), inputs()));
    BOOST_TEST(outcome.status == boot_status::auth_failed);
    BOOST_TEST(outcome.reason ==
               "00085D1A2B3C.cfg: 401 after Digest answer as 'bob' in realm 'BroadWorks': "
               "credentials refused");
    BOOST_TEST(fsm.config().get_string("http digest username") == "aastra");
}

BOOST_AUTO_TEST_CASE(login_input_is_checked_against_the_phone_limits) {
    for (const auto& [user, pass] : std::vector<std::pair<std::string, std::string>>{
             {"", "p"}, {std::string(41, 'u'), "p"}, {"u", std::string(21, 'p')}, {"a\nb", "p"}}) {
        auto fsm = make_fsm();
        const auto& outcome = outcome_of(fsm.resume(event::login{user, pass}, inputs()));
        BOOST_TEST(outcome.status == boot_status::usage_error);
        BOOST_TEST(outcome.reason.starts_with("login: "), outcome.reason);
    }
}
