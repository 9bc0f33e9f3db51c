// Digest client: challenge choice, nc bookkeeping, stale/failure rules, header safety, and the
// client against the verifier in memory.
#include "common/auth/digest_client.hpp"
#include "common/auth/digest_server.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <variant>

using namespace common::auth;
using namespace std::chrono_literals;

namespace {

challenge digest(std::string_view algorithm, std::string_view nonce = "n1", bool stale = false,
                 std::string_view qop_value = "auth") {
    challenge c{"Digest", std::nullopt, {{"realm", "cms", true}, {"nonce", std::string(nonce), true}}};
    if (!algorithm.empty()) c.params.push_back({"algorithm", std::string(algorithm), false});
    if (!qop_value.empty()) c.params.push_back({"qop", std::string(qop_value), true});
    if (stale) c.params.push_back({"stale", "true", false});
    return c;
}

const challenge basic{"Basic", std::nullopt, {{"realm", "cms", true}}};

digest_client make_client(digest_client_policy policy = {}, std::string user = "phone") {
    auto created = digest_client::create(std::move(user), "s3cret", policy);
    BOOST_REQUIRE(std::holds_alternative<digest_client>(created));
    return std::get<digest_client>(std::move(created));
}

credentials parsed_authorization(digest_client& client, std::string_view method = "GET",
                                 std::string_view uri = "/cfg/aastra.cfg",
                                 std::optional<std::string_view> body = std::nullopt) {
    auto value = client.authorization(method, uri, "cn0nce", body);
    if (const auto* error = std::get_if<digest_error>(&value)) BOOST_FAIL(error->message);
    auto parsed = parse_credentials(std::get<std::string>(value));
    BOOST_REQUIRE(std::holds_alternative<credentials>(parsed));
    return std::get<credentials>(parsed);
}

std::string param(const credentials& creds, std::string_view name) {
    const auto* p = creds.find(name);
    return p != nullptr ? p->value : std::string("<absent>");
}

std::string error_of(const digest_status& status) { return status ? status->message : ""; }

}  // namespace

BOOST_AUTO_TEST_SUITE(choice)

BOOST_AUTO_TEST_CASE(strongest_supported_challenge_wins) {
    struct row {
        std::vector<challenge> offered;
        std::string expected;
    };
    const std::vector<row> table{
        {{digest("MD5"), digest("SHA-256"), digest("SHA-512-256")}, "SHA-512-256"},
        {{digest("SHA-256"), digest("MD5")}, "SHA-256"},
        {{digest(""), digest("SHA-256-sess")}, "SHA-256-sess"},
        {{digest("SHA-256-sess"), digest("SHA-256")}, "SHA-256-sess"},  // server order among equals
        {{digest("SHA-1"), digest("MD5")}, "MD5"},                      // unknown ones skipped
        {{basic, digest("MD5")}, "MD5"},                                // Digest over Basic
        {{digest("")}, "MD5"},                                          // absent means MD5
    };
    for (const auto& r : table) {
        auto client = make_client();
        BOOST_TEST_CONTEXT(r.expected) {
            BOOST_TEST(error_of(client.on_challenges(r.offered)) == "");
            BOOST_TEST_REQUIRE(client.current().has_value());
            BOOST_TEST(to_string(client.current()->algorithm) == r.expected);
            BOOST_TEST(param(parsed_authorization(client), "algorithm") == r.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(qop_preference) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n1", false, "auth-int, auth")}));
    BOOST_TEST(param(parsed_authorization(client), "qop") == "auth");
    BOOST_TEST(param(parsed_authorization(client, "POST", "/x", "body"), "qop") == "auth-int");

    auto int_only = make_client();
    BOOST_TEST(!int_only.on_challenges({digest("SHA-256", "n1", false, "auth-int")}));
    BOOST_TEST(std::holds_alternative<digest_error>(int_only.authorization("GET", "/", "c")));
    BOOST_TEST(param(parsed_authorization(int_only, "GET", "/", ""), "qop") == "auth-int");

    auto rfc2069 = make_client();
    BOOST_TEST(!rfc2069.on_challenges({digest("MD5", "n1", false, "")}));
    const auto creds = parsed_authorization(rfc2069);
    BOOST_TEST(param(creds, "qop") == "<absent>");
    BOOST_TEST(param(creds, "nc") == "<absent>");
}

BOOST_AUTO_TEST_CASE(nothing_usable_is_an_error) {
    auto client = make_client();
    BOOST_TEST(error_of(client.on_challenges({digest("SHA-1")})).find("SHA-1") != std::string::npos);
    BOOST_TEST(error_of(client.on_challenges({})) != "");
    // Digest present but unusable: no silent fallback to Basic.
    BOOST_TEST(error_of(client.on_challenges({digest("SHA-1"), basic})) != "");

    auto no_md5 = make_client({.allow_md5 = false});
    BOOST_TEST(error_of(no_md5.on_challenges({digest("MD5")})).find("MD5") != std::string::npos);
    auto no_basic = make_client({.allow_basic = false});
    BOOST_TEST(error_of(no_basic.on_challenges({basic})).find("Basic") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(basic_when_it_is_the_only_scheme) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({basic}));
    BOOST_TEST(client.uses_basic());
    auto value = client.authorization("GET", "/", "unused");
    BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(value));
    BOOST_TEST(std::get<std::string>(value) == "Basic cGhvbmU6czNjcmV0");
    // Basic has no stale: a second 401 means rejected.
    BOOST_TEST(error_of(client.on_challenges({basic})).find("rejected") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(downgrade_after_success_is_refused) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256")}));
    parsed_authorization(client);
    BOOST_TEST(!client.on_success());
    BOOST_TEST(error_of(client.on_challenges({digest("MD5", "n2")})).find("downgrade") !=
               std::string::npos);
    BOOST_TEST(error_of(client.on_challenges({basic})).find("downgrade") != std::string::npos);
    BOOST_TEST(!client.on_challenges({digest("SHA-512-256", "n3")}));

    auto lax = make_client({.refuse_downgrade = false});
    BOOST_TEST(!lax.on_challenges({digest("SHA-256")}));
    parsed_authorization(lax);
    BOOST_TEST(!lax.on_success());
    BOOST_TEST(!lax.on_challenges({digest("MD5", "n2")}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(state)

BOOST_AUTO_TEST_CASE(nc_counts_per_nonce) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n1")}));
    BOOST_TEST(param(parsed_authorization(client), "nc") == "00000001");
    BOOST_TEST(!client.on_success());
    BOOST_TEST(param(parsed_authorization(client), "nc") == "00000002");
    BOOST_TEST(!client.on_success());
    // The server answers the reused nonce with stale=true: new nonce, counter restarts.
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n2", true)}));
    const auto creds = parsed_authorization(client);
    BOOST_TEST(param(creds, "nonce") == "n2");
    BOOST_TEST(param(creds, "nc") == "00000001");
}

BOOST_AUTO_TEST_CASE(stale_allows_one_retry_then_fails) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n1")}));
    parsed_authorization(client);
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n2", true)}));
    parsed_authorization(client);
    const auto second_stale = error_of(client.on_challenges({digest("SHA-256", "n3", true)}));
    BOOST_TEST(second_stale.find("credentials for user 'phone' rejected in realm 'cms'") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(second_401_without_stale_is_a_failure_not_a_loop) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n1")}));
    parsed_authorization(client);
    const auto failure = error_of(client.on_challenges({digest("SHA-256", "n2")}));
    BOOST_TEST(failure.find("rejected") != std::string::npos);
    BOOST_TEST(failure.find("'cms'") != std::string::npos);
    BOOST_TEST(failure.find("'phone'") != std::string::npos);
    // It keeps refusing until the caller deliberately starts over.
    BOOST_TEST(error_of(client.on_challenges({digest("SHA-256", "n3")})) != "");
    client.start_over();
    BOOST_TEST(!client.ready());
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n4")}));
    BOOST_TEST(param(parsed_authorization(client), "nc") == "00000001");
}

BOOST_AUTO_TEST_CASE(next_nonce_from_authentication_info) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n1")}));
    parsed_authorization(client);
    BOOST_TEST(!client.on_success(std::string_view(R"(nextnonce="n9", qop=auth)")));
    const auto creds = parsed_authorization(client);
    BOOST_TEST(param(creds, "nonce") == "n9");
    BOOST_TEST(param(creds, "nc") == "00000001");
    BOOST_TEST(error_of(client.on_success(std::string_view("nextnonce=\"unterminated"))) != "");
}

BOOST_AUTO_TEST_CASE(rspauth_is_checked) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256", "n1")}));
    parsed_authorization(client, "GET", "/a");
    const auto ha1 = digest_ha1(digest_algorithm::sha256, "phone", "cms", "s3cret", "n1", "cn0nce");
    const auto ha2 = digest_ha2(digest_algorithm::sha256, qop::auth, "", "/a", "");
    const auto good = digest_response(digest_algorithm::sha256, ha1, "n1", "00000001", "cn0nce",
                                      qop::auth, ha2);
    BOOST_TEST(!client.on_success("rspauth=\"" + good + "\""));
    parsed_authorization(client, "GET", "/a");
    BOOST_TEST(error_of(client.on_success("rspauth=\"" + good + "\"")).find("rspauth") !=
               std::string::npos);  // computed for nc 1, this was nc 2
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(header_safety)

BOOST_AUTO_TEST_CASE(control_characters_in_user_names_are_refused) {
    for (const char* user : {"pho\r\nne", "phone\n", "a\rb", "tab\there"}) {
        BOOST_TEST(std::holds_alternative<digest_error>(digest_client::create(user, "pw")));
    }
    BOOST_TEST(std::holds_alternative<digest_error>(digest_client::create({"a\0b", 3}, "pw")));
}

BOOST_AUTO_TEST_CASE(crlf_in_uri_is_refused) {
    auto client = make_client();
    BOOST_TEST(!client.on_challenges({digest("SHA-256")}));
    BOOST_TEST(std::holds_alternative<digest_error>(
        client.authorization("GET", "/x\r\nX-Evil: 1", "c")));
}

BOOST_AUTO_TEST_CASE(quoting_and_user_name_forms) {
    auto quoted = make_client({}, "a\"b\\c");
    BOOST_TEST(!quoted.on_challenges({digest("SHA-256")}));
    BOOST_TEST(param(parsed_authorization(quoted), "username") == "a\"b\\c");

    auto utf8 = make_client({}, "J\xc3\xa4s\xc3\xb8n Doe");
    BOOST_TEST(!utf8.on_challenges({digest("SHA-256")}));
    const auto ext = parsed_authorization(utf8);
    BOOST_TEST(param(ext, "username*") == "UTF-8''J%C3%A4s%C3%B8n%20Doe");
    BOOST_TEST(param(ext, "username") == "<absent>");

    auto hashed = make_client({}, "J\xc3\xa4s\xc3\xb8n Doe");
    auto c = digest("SHA-512-256");
    c.params.push_back({"userhash", "true", false});
    BOOST_TEST(!hashed.on_challenges({c}));
    const auto uh = parsed_authorization(hashed);
    BOOST_TEST(param(uh, "username") ==
               digest_userhash(digest_algorithm::sha512_256, "J\xc3\xa4s\xc3\xb8n Doe", "cms"));
    BOOST_TEST(param(uh, "userhash") == "true");
    BOOST_TEST(param(uh, "username*") == "<absent>");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(end_to_end)

BOOST_AUTO_TEST_CASE(client_against_verifier_for_every_algorithm_and_qop) {
    const digest_clock::time_point t0{std::chrono::seconds{1'700'000'000}};
    const auto lookup = [](std::string_view user) -> std::optional<std::string> {
        if (user == "phone") return std::string("s3cret");
        return std::nullopt;
    };
    const auto users = [] { return std::vector<std::string>{"phone"}; };
    for (auto algorithm : {digest_algorithm::md5, digest_algorithm::md5_sess, digest_algorithm::sha256,
                           digest_algorithm::sha256_sess, digest_algorithm::sha512_256,
                           digest_algorithm::sha512_256_sess}) {
        for (auto chosen : {qop::none, qop::auth, qop::auth_int}) {
            if (chosen == qop::none && is_session(algorithm)) continue;
            for (bool userhash : {false, true}) {
                BOOST_TEST_CONTEXT(to_string(algorithm) << " qop=" << to_string(chosen)
                                                        << " userhash=" << userhash) {
                    digest_server_config config;
                    config.realm = "cms";
                    config.algorithms = {algorithm};
                    config.qop_auth = chosen == qop::auth;
                    config.qop_auth_int = chosen == qop::auth_int;
                    config.opaque = "0paque";
                    config.userhash = userhash;
                    digest_verifier server(config, nonce_issuer(std::string(32, 'k'), 30s), 16);
                    auto client = make_client();

                    BOOST_TEST(!client.on_challenges(server.challenges(t0, false)));
                    const std::string body = "firmware image";
                    for (int i = 0; i < 2; ++i) {  // the second request reuses the nonce
                        auto value = client.authorization("PUT", "/fw", "abc123", body);
                        BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(value));
                        auto creds = parse_credentials(std::get<std::string>(value));
                        BOOST_TEST_REQUIRE(std::holds_alternative<credentials>(creds));
                        const auto result = server.verify(std::get<credentials>(creds),
                                                          {"PUT", "/fw", body}, lookup, t0 + 1s,
                                                          users);
                        // Without qop there is no nc, so a reused nonce is indistinguishable from
                        // a replay; RFC 2069 servers accept it until the nonce expires.
                        BOOST_TEST(result.ok(), to_string(result.outcome) << ": " << result.message);
                        BOOST_TEST(!client.on_success());
                    }
                    // Expired nonce: stale, then the client retries once and succeeds.
                    auto late = client.authorization("PUT", "/fw", "abc124", body);
                    auto late_creds = parse_credentials(std::get<std::string>(late));
                    const auto stale = server.verify(std::get<credentials>(late_creds),
                                                     {"PUT", "/fw", body}, lookup, t0 + 60s, users);
                    BOOST_TEST((stale.outcome == digest_outcome::stale));
                    BOOST_TEST(!client.on_challenges(server.challenges(t0 + 60s, true)));
                    auto retry = client.authorization("PUT", "/fw", "abc125", body);
                    auto retry_creds = parse_credentials(std::get<std::string>(retry));
                    const auto ok = server.verify(std::get<credentials>(retry_creds),
                                                  {"PUT", "/fw", body}, lookup, t0 + 61s, users);
                    BOOST_TEST(ok.ok(), ok.message);
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(wrong_password_ends_after_one_round_trip) {
    const digest_clock::time_point t0{std::chrono::seconds{1'700'000'000}};
    digest_server_config config;
    config.realm = "cms";
    digest_verifier server(config, nonce_issuer(std::string(32, 'k'), 30s));
    auto created = digest_client::create("phone", "wrong");
    auto& client = std::get<digest_client>(created);
    const auto lookup = [](std::string_view) -> std::optional<std::string> { return "s3cret"; };

    BOOST_TEST(!client.on_challenges(server.challenges(t0, false)));
    auto value = client.authorization("GET", "/cfg", "c1");
    auto creds = parse_credentials(std::get<std::string>(value));
    const auto result = server.verify(std::get<credentials>(creds), {"GET", "/cfg", std::nullopt},
                                      lookup, t0 + 1s);
    BOOST_TEST((result.outcome == digest_outcome::bad_password));
    BOOST_TEST(client.on_challenges(server.challenges(t0 + 1s, false)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
