// Known-answer tests for the Digest computation (RFC 2617 §3.5, RFC 7616 §3.9 with errata 4495
// and 4897) and the challenge model.
#include "common/auth/digest.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <variant>

using namespace common::auth;

namespace {

digest_challenge rfc2617_challenge(digest_algorithm algorithm = digest_algorithm::md5) {
    digest_challenge c;
    c.realm = "testrealm@host.com";
    c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
    c.opaque = "5ccc069c403ebaf9f0171e9517f40e41";
    c.algorithm = algorithm;
    c.qop_auth = true;
    c.qop_auth_int = true;
    return c;
}

digest_challenge rfc7616_challenge(digest_algorithm algorithm) {
    digest_challenge c;
    c.realm = "http-auth@example.org";
    c.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    c.opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
    c.algorithm = algorithm;
    c.qop_auth = true;
    c.qop_auth_int = true;
    return c;
}

digest_values must_compute(const digest_challenge& c, std::string_view user, std::string_view pass,
                           const digest_request& r) {
    auto result = compute(c, user, pass, r);
    if (const auto* error = std::get_if<digest_error>(&result)) {
        BOOST_FAIL("compute failed: " << error->message);
    }
    return std::get<digest_values>(result);
}

std::string compute_error(const digest_challenge& c, const digest_request& r) {
    auto result = compute(c, "Mufasa", "Circle Of Life", r);
    const auto* error = std::get_if<digest_error>(&result);
    return error != nullptr ? error->message : std::string();
}

const digest_request rfc2617_request{"GET", "/dir/index.html", "0a4f113b", "00000001", qop::auth, ""};

const std::string jason = "J\xc3\xa4s\xc3\xb8n Doe";  // "Jäsøn Doe" in UTF-8

}  // namespace

BOOST_AUTO_TEST_SUITE(digest_compute)

BOOST_AUTO_TEST_CASE(rfc2617_section_3_5_md5_auth) {
    const auto v = must_compute(rfc2617_challenge(), "Mufasa", "Circle Of Life", rfc2617_request);
    BOOST_TEST(v.ha1 == "939e7578ed9e3c518a452acee763bce9");
    BOOST_TEST(v.ha2 == "39aff3a2bab6126f332b942af96d3366");
    BOOST_TEST(v.response == "6629fae49393a05397450978507c4ef1");
}

BOOST_AUTO_TEST_CASE(rfc7616_section_3_9_1_md5_and_sha256) {
    const digest_request r{"GET", "/dir/index.html", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                           "00000001", qop::auth, ""};
    // Erratum 4495: the password is "Circle of Life" with a lower-case "of".
    const auto md5 =
        must_compute(rfc7616_challenge(digest_algorithm::md5), "Mufasa", "Circle of Life", r);
    BOOST_TEST(md5.ha1 == "3d78807defe7de2157e2b0b6573a855f");
    BOOST_TEST(md5.response == "8ca523f5e9506fed4657c9700eebdbec");

    const auto sha =
        must_compute(rfc7616_challenge(digest_algorithm::sha256), "Mufasa", "Circle of Life", r);
    BOOST_TEST(sha.ha1 == "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
    BOOST_TEST(sha.ha2 == "9a3fdae9a622fe8de177c24fa9c070f2b181ec85e15dcbdc32e10c82ad450b04");
    BOOST_TEST(sha.response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

BOOST_AUTO_TEST_CASE(rfc7616_section_3_9_2_sha512_256_per_erratum_4897) {
    digest_challenge c;
    c.realm = "api@example.org";
    c.nonce = "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK";
    c.algorithm = digest_algorithm::sha512_256;
    c.qop_auth = true;
    c.userhash = true;
    c.charset_utf8 = true;
    const digest_request r{"GET", "/doe.json", "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
                           "00000001", qop::auth, ""};

    const auto userhash = digest_userhash(c.algorithm, jason, c.realm);
    const auto v = must_compute(c, jason, "Secret, or not?", r);
    BOOST_TEST(userhash == "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b");
    BOOST_TEST(v.response == "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5");

    // The RFC's printed values come from SHA-512 truncated to 256 bits; we must not produce them.
    BOOST_TEST(userhash != "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec");
    BOOST_TEST(v.response != "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd");
}

BOOST_AUTO_TEST_CASE(derived_md5_sess_and_auth_int_vectors) {
    const auto sess = must_compute(rfc2617_challenge(digest_algorithm::md5_sess), "Mufasa",
                                   "Circle Of Life", rfc2617_request);
    BOOST_TEST(sess.response == "8e3825c57e897f5a0dec6c2d4e5059d0");

    auto int_request = rfc2617_request;
    int_request.chosen = qop::auth_int;
    const auto auth_int = must_compute(rfc2617_challenge(), "Mufasa", "Circle Of Life", int_request);
    BOOST_TEST(auth_int.response == "5e6610ecf9ba3017a4870ad48e3ad30b");

    int_request.entity_body = "firmware";
    const auto with_body = must_compute(rfc2617_challenge(), "Mufasa", "Circle Of Life", int_request);
    BOOST_TEST(with_body.response != auth_int.response);
}

BOOST_AUTO_TEST_CASE(rfc2069_without_qop) {
    auto c = rfc2617_challenge();
    c.qop_auth = false;
    c.qop_auth_int = false;
    digest_request r{"GET", "/dir/index.html", "", "", qop::none, ""};
    const auto v = must_compute(c, "Mufasa", "Circle Of Life", r);
    // H(HA1:nonce:HA2), the nc and cnonce play no part.
    BOOST_TEST(v.response == common::crypto::hex_digest(common::crypto::hash_algorithm::md5,
                                                        v.ha1 + ":" + c.nonce + ":" + v.ha2));
}

BOOST_AUTO_TEST_CASE(compute_rejects_inconsistent_requests) {
    auto sess = rfc2617_challenge(digest_algorithm::sha256_sess);
    sess.qop_auth = false;
    sess.qop_auth_int = false;
    BOOST_TEST(compute_error(sess, {"GET", "/", "", "", qop::none, ""}).find("requires a qop") !=
               std::string::npos);

    auto only_auth = rfc2617_challenge();
    only_auth.qop_auth_int = false;
    BOOST_TEST(!compute_error(only_auth, {"GET", "/", "c", "00000001", qop::auth_int, ""}).empty());
    BOOST_TEST(!compute_error(only_auth, {"GET", "/", "", "", qop::none, ""}).empty());
    BOOST_TEST(!compute_error(only_auth, {"GET", "/", "", "00000001", qop::auth, ""}).empty());
    BOOST_TEST(!compute_error(only_auth, {"GET", "/", "c", "1", qop::auth, ""}).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(digest_model)

BOOST_AUTO_TEST_CASE(algorithm_names_round_trip_case_insensitively) {
    for (auto a : {digest_algorithm::md5, digest_algorithm::md5_sess, digest_algorithm::sha256,
                   digest_algorithm::sha256_sess, digest_algorithm::sha512_256,
                   digest_algorithm::sha512_256_sess}) {
        BOOST_TEST((parse_digest_algorithm(to_string(a)) == a));
    }
    BOOST_TEST((parse_digest_algorithm("sha-512-256-SESS") == digest_algorithm::sha512_256_sess));
    BOOST_TEST(!parse_digest_algorithm("SHA-1").has_value());
    BOOST_TEST(!parse_digest_algorithm("").has_value());
    BOOST_TEST(strength(digest_algorithm::sha512_256) > strength(digest_algorithm::sha256_sess));
    BOOST_TEST(strength(digest_algorithm::sha256) > strength(digest_algorithm::md5_sess));
}

BOOST_AUTO_TEST_CASE(nc_format_and_parse) {
    BOOST_TEST(format_nc(1) == "00000001");
    BOOST_TEST(format_nc(0xffffffffU) == "ffffffff");
    BOOST_TEST((parse_nc("0000000A") == 10U));
    BOOST_TEST((parse_nc("ffffffff") == 0xffffffffU));
    for (const char* bad : {"", "1", "00000000", "000000001", "0000000g", "-0000001", "0x000001"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!parse_nc(bad).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(challenge_from_params) {
    challenge item{"digest", std::nullopt,
                   {{"REALM", "r", true},
                    {"nonce", "n", true},
                    {"qop", "auth-conf, auth-int ,auth", true},
                    {"algorithm", "sha-256", false},
                    {"stale", "TRUE", false},
                    {"userhash", "true", false},
                    {"charset", "utf-8", true},
                    {"domain", "/a  /b", true},
                    {"future", "x", false}}};
    auto parsed = digest_challenge::from_challenge(item);
    BOOST_TEST_REQUIRE(std::holds_alternative<digest_challenge>(parsed));
    const auto& c = std::get<digest_challenge>(parsed);
    BOOST_TEST(c.realm == "r");
    BOOST_TEST(c.nonce == "n");
    BOOST_TEST(!c.opaque.has_value());
    BOOST_TEST((c.algorithm == digest_algorithm::sha256));
    BOOST_TEST(c.qop_auth);
    BOOST_TEST(c.qop_auth_int);
    BOOST_TEST(c.stale);
    BOOST_TEST(c.userhash);
    BOOST_TEST(c.charset_utf8);
    BOOST_TEST(c.domain.size() == 2U);

    // Serialised and read back, the model is unchanged.
    auto again = digest_challenge::from_challenge(c.to_challenge());
    BOOST_TEST_REQUIRE(std::holds_alternative<digest_challenge>(again));
    const auto& c2 = std::get<digest_challenge>(again);
    BOOST_TEST(c2.realm == c.realm);
    BOOST_TEST((c2.algorithm == c.algorithm));
    BOOST_TEST(c2.qop_auth_int);
    BOOST_TEST(c2.stale);
    BOOST_TEST(c2.domain == c.domain);
}

BOOST_AUTO_TEST_CASE(challenge_defaults_to_md5_without_qop) {
    challenge item{"Digest", std::nullopt, {{"realm", "r", true}, {"nonce", "n", true}}};
    auto parsed = digest_challenge::from_challenge(item);
    BOOST_TEST_REQUIRE(std::holds_alternative<digest_challenge>(parsed));
    BOOST_TEST((std::get<digest_challenge>(parsed).algorithm == digest_algorithm::md5));
    BOOST_TEST(std::get<digest_challenge>(parsed).offers(qop::none));
}

BOOST_AUTO_TEST_CASE(challenge_errors_name_the_parameter) {
    const auto error_of = [](const challenge& item) {
        auto parsed = digest_challenge::from_challenge(item);
        const auto* error = std::get_if<digest_error>(&parsed);
        return error != nullptr ? error->message : std::string("<no error>");
    };
    const auth_param realm{"realm", "r", true};
    const auth_param nonce{"nonce", "n", true};
    BOOST_TEST(error_of({"Basic", std::nullopt, {realm}}).find("Basic") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::nullopt, {nonce}}).find("realm") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::nullopt, {realm}}).find("nonce") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::nullopt, {realm, nonce, {"algorithm", "SHA-1", false}}})
                   .find("unsupported algorithm 'SHA-1'") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::nullopt, {realm, nonce, {"qop", "auth-conf", true}}})
                   .find("qop") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::nullopt, {realm, nonce, {"nonce", "m", true}}})
                   .find("duplicate parameter 'nonce'") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::nullopt, {realm, nonce, {"algorithm", "MD5-sess", false}}})
                   .find("without qop") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::nullopt, {realm, {"nonce", std::string(2000, 'a'), true}}})
                   .find("longer than") != std::string::npos);
    BOOST_TEST(error_of({"Digest", std::string("abc=="), {}}).find("token68") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
