// RFC 7617 Basic: known answers, strict decoding, refusals and the constant-time comparison.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "common/auth/basic.hpp"

namespace auth = common::auth;
using namespace std::string_literals;

namespace {

struct known_answer {
    std::string user;
    std::string password;
    std::string header;
};

// RFC 7617 §2 and §2.1 examples; the others exercise the first-colon split and empty fields.
const std::vector<known_answer> known_answers = {
    {"Aladdin", "open sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
    {"test", "123\xc2\xa3", "Basic dGVzdDoxMjPCow=="},
    {"admin", "a:b:c", "Basic YWRtaW46YTpiOmM="},
    {"aastra", "", "Basic YWFzdHJhOg=="},
    {"", "", "Basic Og=="},
};

auth::credentials token68(std::string value) { return {"Basic", value, {}}; }

std::string decode_error(const auth::credentials& c) {
    const auto result = auth::decode_basic(c);
    if (const auto* e = std::get_if<auth::parse_error>(&result)) return e->to_string();
    return "<accepted>";
}

}  // namespace

BOOST_AUTO_TEST_CASE(known_answers_encode_and_decode) {
    for (const auto& k : known_answers) {
        BOOST_TEST_CONTEXT("user '" << k.user << "' password '" << k.password << "'") {
            const auto header = auth::basic_authorization(k.user, k.password);
            BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(header));
            BOOST_TEST(std::get<std::string>(header) == k.header);

            const auto parsed = auth::parse_credentials(k.header);
            BOOST_TEST_REQUIRE(std::holds_alternative<auth::credentials>(parsed));
            const auto decoded = auth::decode_basic(std::get<auth::credentials>(parsed));
            BOOST_TEST_REQUIRE(std::holds_alternative<auth::basic_credentials>(decoded));
            const auto& got = std::get<auth::basic_credentials>(decoded);
            BOOST_TEST(got.user == k.user);
            BOOST_TEST(got.password == k.password);
        }
    }
}

BOOST_AUTO_TEST_CASE(scheme_name_is_case_insensitive) {
    const auto decoded = auth::decode_basic({"bASIC", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", {}});
    BOOST_TEST_REQUIRE(std::holds_alternative<auth::basic_credentials>(decoded));
    BOOST_TEST(std::get<auth::basic_credentials>(decoded).user == "Aladdin");
}

BOOST_AUTO_TEST_CASE(encoding_refuses_unrepresentable_credentials) {
    struct refusal {
        std::string user;
        std::string password;
        std::size_t offset;
        std::string fragment;
    };
    const std::vector<refusal> refusals = {
        {"ad:min", "x", 2, "user id contains ':'"},
        {"ad\nmin", "x", 2, "control character in user id"},
        {"admin\r", "x", 5, "control character in user id"},
        {"admin", "pa\0ss"s, 2, "control character in password"},
        {"admin", "pass\x7f", 4, "control character in password"},
        {"admin", std::string(auth::max_header_value, 'p'), 0, "longer than 8192"},
    };
    for (const auto& r : refusals) {
        BOOST_TEST_CONTEXT("user '" << r.user << "'") {
            const auto result = auth::basic_authorization(r.user, r.password);
            const auto* e = std::get_if<auth::parse_error>(&result);
            BOOST_TEST_REQUIRE(e != nullptr);
            BOOST_TEST(e->offset == r.offset, e->to_string());
            BOOST_TEST(e->message.find(r.fragment) != std::string::npos, e->to_string());
        }
    }
}

BOOST_AUTO_TEST_CASE(decoding_is_strict) {
    struct bad_case {
        auth::credentials item;
        std::string fragment;
    };
    const std::vector<bad_case> bad = {
        {{"Digest", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", {}}, "is not Basic"},
        {{"Basic", std::nullopt, {}}, "missing"},
        {{"Basic", std::nullopt, {{"realm", "x", true}}}, "must be a token68"},
        {token68("QWxhZGRpbjpvcGVuIHNlc2FtZQ"), "at byte 26: base64 length 26"},
        {token68("QWxhZGRpbjpvcGVuIHNlc2FtZQ="), "not a positive multiple of 4"},
        {token68("QWxh-GRpbjpvcGVuIHNlc2FtZQ=="), "at byte 4: invalid base64 character '-'"},
        {token68("QW=hZGRpbjpvcGVuIHNlc2FtZQ=="), "at byte 2: invalid base64 character '='"},
        {token68("QQ==="), "not a positive multiple of 4"},
        {token68("Q==="), "at byte 1: invalid base64 character '='"},
        {token68("===="), "at byte 0: invalid base64 character '='"},
        {token68("QR=="), "non-canonical base64"},
        {token68("YWFzdHJh"), "no ':'"},
        {token68("YWQNbWluOng="), "at byte 2: control character in user id"},  // "ad\rmin:x"
        {token68("YWRtaW46YQpi"), "at byte 7: control character in password"},  // "admin:a\nb"
        {token68(std::string(auth::max_header_value + 4, 'A')), "longer than 8192"},
    };
    for (const auto& b : bad) {
        BOOST_TEST_CONTEXT("token68 '" << b.item.token68.value_or("<none>") << "'") {
            const std::string error = decode_error(b.item);
            BOOST_TEST(error.find(b.fragment) != std::string::npos, error);
        }
    }
}

// parse_credentials lets list syntax through after a token68; Basic has none (RFC 7617 §2).
BOOST_AUTO_TEST_CASE(syntax_is_one_token68_after_the_scheme) {
    for (const std::string good : {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "basic   QQ==", "BASIC a-._~+/b==",
                                   "Basic QQ== \t"}) {
        const auto error = auth::check_basic_syntax(good);
        BOOST_TEST(!error.has_value(), good << ": " << (error ? error->to_string() : ""));
    }
    struct bad_case {
        std::string value;
        std::string expected;  // parse_error::to_string()
    };
    const std::vector<bad_case> bad = {
        {"Basic QQ==,", "at byte 10: unexpected ',' after the Basic token68 (RFC 7617 allows one token68 only)"},
        {"Basic QQ== ,", "at byte 11: unexpected ',' after the Basic token68 (RFC 7617 allows one token68 only)"},
        {"Basic QQ==, realm=\"x\"", "at byte 10: unexpected ','"},
        {"Basic QQ== QQ==", "at byte 11: unexpected 'Q'"},
        {"Basic QQ==;", "at byte 10: unexpected ';'"},
        {"Basic Q\x01", "at byte 7: unexpected 0x01"},
        {"Basic", "at byte 5: Basic without credentials"},
        {"Basic   ", "at byte 8: Basic without credentials"},
        {"Basic\tQQ==", "at byte 5: expected a space after 'Basic'"},
        {"Basic,QQ==", "at byte 5: expected a space after 'Basic'"},
        {"Basic user=\"a\"", "at byte 11: unexpected '\"'"},
        {"Basic !!!!", "at byte 6: Basic credentials are not a token68"},
        {"Digest QQ==", "at byte 0: auth-scheme is not Basic"},
        {"Bas", "at byte 0: auth-scheme is not Basic"},
    };
    for (const auto& b : bad) {
        const auto error = auth::check_basic_syntax(b.value);
        BOOST_TEST_REQUIRE(error.has_value(), b.value);
        BOOST_TEST(error->to_string().starts_with(b.expected), b.value << " -> " << error->to_string());
    }
}

BOOST_AUTO_TEST_CASE(password_with_colons_splits_at_the_first) {
    const auto decoded = auth::decode_basic(token68("dXNlcjpwYTpzczo="));  // "user:pa:ss:"
    BOOST_TEST_REQUIRE(std::holds_alternative<auth::basic_credentials>(decoded));
    const auto& got = std::get<auth::basic_credentials>(decoded);
    BOOST_TEST(got.user == "user");
    BOOST_TEST(got.password == "pa:ss:");
}

BOOST_AUTO_TEST_CASE(challenge_carries_realm_and_optional_charset) {
    const auto plain = auth::basic_challenge("Aastra \"lab\"", false);
    BOOST_TEST(auth::serialize(plain).value_or("<refused>") == R"(Basic realm="Aastra \"lab\"")");
    BOOST_TEST(plain.find("charset") == nullptr);

    const auto utf8 = auth::basic_challenge("lab", true);
    BOOST_TEST(auth::serialize(utf8).value_or("<refused>") ==
               R"(Basic realm="lab", charset="UTF-8")");

    BOOST_TEST(!auth::serialize(auth::basic_challenge("lab\r\nX-Evil: 1", false)).has_value());
}

BOOST_AUTO_TEST_CASE(matches_compares_both_fields_exactly) {
    const auth::basic_credentials got{"aastra", "secret"};
    BOOST_TEST(auth::basic_matches(got, "aastra", "secret"));
    BOOST_TEST(!auth::basic_matches(got, "aastra", "Secret"));
    BOOST_TEST(!auth::basic_matches(got, "aastra", "secret2"));
    BOOST_TEST(!auth::basic_matches(got, "aastra", "secre"));
    BOOST_TEST(!auth::basic_matches(got, "Aastra", "secret"));
    BOOST_TEST(!auth::basic_matches(got, "aastra2", "secret"));
    BOOST_TEST(!auth::basic_matches(got, "", ""));
    BOOST_TEST(auth::basic_matches({"", ""}, "", ""));
}
