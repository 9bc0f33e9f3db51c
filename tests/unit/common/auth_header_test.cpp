// RFC 9110 §11 grammar: tables of accepted and rejected header values, limits and serialisation.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "common/auth/auth_header.hpp"

namespace auth = common::auth;
using namespace std::string_literals;

namespace {

struct valid_case {
    std::string input;
    std::vector<auth::challenge> expected;
};

auth::auth_param q(std::string name, std::string value) { return {name, value, true}; }
auth::auth_param t(std::string name, std::string value) { return {name, value, false}; }

auth::challenge with_params(std::string scheme, std::vector<auth::auth_param> params) {
    return {scheme, std::nullopt, params};
}

auth::challenge with_token68(std::string scheme, std::string token68) {
    return {scheme, token68, {}};
}

std::string describe(const std::vector<auth::challenge>& items) {
    std::string out;
    for (const auto& c : items) {
        out += "[" + c.scheme;
        if (c.token68) out += " t68=" + *c.token68;
        for (const auto& p : c.params) out += " " + p.name + (p.quoted ? "=\"" : "=") + p.value;
        out += "]";
    }
    return out;
}

const std::vector<valid_case> valid_cases = {
    {R"(Basic realm="a", Digest realm="b", nonce="x", qop="auth,auth-int")",
     {with_params("Basic", {q("realm", "a")}),
      with_params("Digest", {q("realm", "b"), q("nonce", "x"), q("qop", "auth,auth-int")})}},
    // curl test 1095: escaped quotes inside the realm.
    {R"(Digest realm="test \"this\" realm!!", nonce="1053604145")",
     {with_params("Digest", {q("realm", R"(test "this" realm!!)"), q("nonce", "1053604145")})}},
    // curl test 2091 style: escapes plus OWS around '=' and commas.
    {"Digest realm = \"a\\\\b\\\"c\" ,\tnonce= \"n\" , algorithm =MD5",
     {with_params("Digest", {q("realm", "a\\b\"c"), q("nonce", "n"), t("algorithm", "MD5")})}},
    {"Bearer mF_9.B5f-4.1JqM", {with_token68("Bearer", "mF_9.B5f-4.1JqM")}},
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", {with_token68("Basic", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==")}},
    {"Negotiate a/b+c==  , Basic realm=x",
     {with_token68("Negotiate", "a/b+c=="), with_params("Basic", {t("realm", "x")})}},
    // curl test 1437: duplicated parameters are kept for the scheme to judge.
    {"Digest algorithm=MD5, nonce=\"1\", algorithm=SHA-256, nonce=\"2\"",
     {with_params("Digest", {t("algorithm", "MD5"), q("nonce", "1"), t("algorithm", "SHA-256"),
                             q("nonce", "2")})}},
    {R"(DIGEST REALM="x", QOP=auth)", {with_params("DIGEST", {q("REALM", "x"), t("QOP", "auth")})}},
    {R"(, Basic realm="a" ,, , Digest nonce=1,)",
     {with_params("Basic", {q("realm", "a")}), with_params("Digest", {t("nonce", "1")})}},
    {"Basic, Negotiate,NTLM",
     {with_params("Basic", {}), with_params("Negotiate", {}), with_params("NTLM", {})}},
    // RFC 9110 §11.6.1 example.
    {R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")",
     {with_params("Newauth", {q("realm", "apps"), t("type", "1"), q("title", "Login to \"apps\"")}),
      with_params("Basic", {q("realm", "simple")})}},
    {"Digest realm=\"caf\xc3\xa9\tx\", opaque=\"\"",
     {with_params("Digest", {q("realm", "caf\xc3\xa9\tx"), q("opaque", "")})}},
    {"  Basic  ", {with_params("Basic", {})}},
    // A token68 that looks like a parameter name, then a lone token: two challenges.
    {"Foo realm, Bar", {with_token68("Foo", "realm"), with_params("Bar", {})}},
    {"Foo abc=", {with_token68("Foo", "abc=")}},
    // Not quite the grammar (no space after the scheme) but unambiguous, so accepted.
    {"Basic,realm=x", {with_params("Basic", {t("realm", "x")})}},
};

struct invalid_case {
    std::string input;
    std::size_t offset;
    std::string fragment;
};

const std::vector<invalid_case> invalid_cases = {
    {R"(Digest realm="abc)", 13, "unterminated quoted-string in parameter 'realm'"},
    {R"(Digest realm=")", 13, "unterminated quoted-string in parameter 'realm'"},
    {R"(Digest realm="abc\)", 17, "ends in a lone backslash"},
    {R"(Digest realm="abc\")", 13, "unterminated quoted-string"},
    {R"(Digest nonce="x", realm=)", 24, "parameter 'realm' has no value"},
    {R"(Digest nonce="x", realm= , a=b)", 25, "parameter 'realm' has no value"},
    {R"(Digest realm, nonce="x")", 14, "parameter 'nonce' follows the token68"},
    {"Digest a b", 9, "parameter 'a' has no '='"},
    {"Basic abc def", 10, "parameter 'abc' has no '='"},
    {"Digest =x", 7, "'=' without a parameter name"},
    {R"(Digest realm="a", =x)", 18, "'=' without a parameter name"},
    {R"(Digest realm="a",, = x)", 19, "'=' without a parameter name"},
    {R"(realm="x")", 5, "expected a space or ',' after auth-scheme 'realm'"},
    {"=abc", 0, "'=' without a parameter name"},
    {"Digest realm=a\0b"s, 14, "expected ',' after parameter 'realm', found control character 0x00"},
    {"Digest realm=\"a\r\nb\"", 15, "control character 0x0d in quoted-string of parameter 'realm'"},
    {"Digest realm=\"a\\\nb\"", 16, "control character 0x0a escaped"},
    {"Digest realm=\"a\x7f\"", 15, "control character 0x7f"},
    {R"(Digest realm="a" nonce="b")", 17, "expected ',' after parameter 'realm'"},
    {R"(Digest realm=a"b")", 14, "expected ',' after parameter 'realm', found '\"'"},
    {"Digest realm=\xc3\xa9", 13, "has no value (expected a token or quoted-string, found byte 0xc3"},
    {"", 0, "no challenge"},
    {" , ,\t", 5, "no challenge"},
    {R"("Basic")", 0, "expected an auth-scheme, found '\"'"},
    {"Basic\x01", 5, "found control character 0x01"},
    {"Basic\r\n realm=x", 5, "control character 0x0d"},
    {"Bearer abc\"", 10, "parameter 'abc' has no '='"},
    {"Basic abc, def=1", 11, "parameter 'def' follows the token68 of auth-scheme 'Basic'"},
};

std::string big_params(std::size_t n) {
    std::string s = "Digest ";
    for (std::size_t i = 0; i < n; ++i) s += (i ? ", p" : "p") + std::to_string(i) + "=v";
    return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_challenges_parse_to_the_expected_structs) {
    for (const auto& c : valid_cases) {
        BOOST_TEST_CONTEXT("input: " << c.input) {
            const auto result = auth::parse_challenges(c.input);
            const auto* items = std::get_if<std::vector<auth::challenge>>(&result);
            if (!items) {
                BOOST_ERROR(std::get<auth::parse_error>(result).to_string());
                continue;
            }
            BOOST_TEST(describe(*items) == describe(c.expected));
            BOOST_TEST((*items == c.expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_values_report_offset_and_cause) {
    for (const auto& c : invalid_cases) {
        BOOST_TEST_CONTEXT("input: " << c.input) {
            const auto result = auth::parse_challenges(c.input);
            const auto* error = std::get_if<auth::parse_error>(&result);
            BOOST_TEST_REQUIRE(error != nullptr);
            BOOST_TEST(error->offset == c.offset, error->to_string());
            BOOST_TEST(error->message.find(c.fragment) != std::string::npos, error->to_string());
        }
    }
}

BOOST_AUTO_TEST_CASE(find_and_count_ignore_case) {
    const auto result = auth::parse_challenges(
        "Digest Realm=\"r\", nonce=a, NONCE=b, algorithm=MD5");
    const auto& items = std::get<std::vector<auth::challenge>>(result);
    BOOST_TEST_REQUIRE(items.size() == 1u);
    const auto& d = items.front();
    BOOST_TEST(d.count("nonce") == 2u);
    BOOST_TEST(d.count("REALM") == 1u);
    BOOST_TEST(d.count("qop") == 0u);
    BOOST_TEST_REQUIRE(d.find("NoNcE") != nullptr);
    BOOST_TEST(d.find("nonce")->value == "a");
    BOOST_TEST(d.find("realm")->name == "Realm");
    BOOST_TEST(d.find("opaque") == nullptr);
    BOOST_TEST(auth::iequals(d.scheme, "digest"));
}

BOOST_AUTO_TEST_CASE(credentials_allow_exactly_one_item) {
    const auto ok = auth::parse_credentials(R"(Digest username="Mufasa", nc=00000001)");
    BOOST_TEST_REQUIRE(std::holds_alternative<auth::credentials>(ok));
    BOOST_TEST(std::get<auth::credentials>(ok).find("nc")->value == "00000001");

    const auto t68 = auth::parse_credentials("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    BOOST_TEST_REQUIRE(std::holds_alternative<auth::credentials>(t68));
    BOOST_TEST(*std::get<auth::credentials>(t68).token68 == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");

    const std::vector<invalid_case> bad = {
        {R"(Digest username="a", Basic abc)", 21, "second auth-scheme 'Basic'"},
        {R"(Digest username="a", response)", 21, "second auth-scheme 'response'"},
        {"Basic abc, Digest x=y", 11, "second auth-scheme 'Digest'"},
        {"", 0, "no credentials"},
        {R"(Digest username="a)", 16, "unterminated quoted-string in parameter 'username'"},
    };
    for (const auto& c : bad) {
        BOOST_TEST_CONTEXT("input: " << c.input) {
            const auto result = auth::parse_credentials(c.input);
            const auto* error = std::get_if<auth::parse_error>(&result);
            BOOST_TEST_REQUIRE(error != nullptr);
            BOOST_TEST(error->offset == c.offset, error->to_string());
            BOOST_TEST(error->message.find(c.fragment) != std::string::npos, error->to_string());
        }
    }
}

BOOST_AUTO_TEST_CASE(size_and_parameter_limits) {
    const std::string at_limit = "Basic " + std::string(auth::max_header_value - 6, 'A');
    BOOST_TEST(at_limit.size() == auth::max_header_value);
    BOOST_TEST(std::holds_alternative<auth::credentials>(auth::parse_credentials(at_limit)));

    const auto over = auth::parse_challenges(at_limit + "A");
    BOOST_TEST_REQUIRE(std::holds_alternative<auth::parse_error>(over));
    BOOST_TEST(std::get<auth::parse_error>(over).offset == auth::max_header_value);
    BOOST_TEST(std::get<auth::parse_error>(over).message.find("limit is 8192") !=
               std::string::npos);

    const auto sixty_four = auth::parse_challenges(big_params(64));
    BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<auth::challenge>>(sixty_four));
    BOOST_TEST(std::get<std::vector<auth::challenge>>(sixty_four).front().params.size() == 64u);

    const std::string too_many = big_params(65);
    const auto sixty_five = auth::parse_challenges(too_many);
    BOOST_TEST_REQUIRE(std::holds_alternative<auth::parse_error>(sixty_five));
    const auto& error = std::get<auth::parse_error>(sixty_five);
    BOOST_TEST(error.message.find("more than 64 parameters (at 'p64')") != std::string::npos);
    BOOST_TEST(error.offset == too_many.rfind("p64"));

    std::string challenges = "A";
    for (int i = 0; i < 64; ++i) challenges += ", A";
    const auto many = auth::parse_challenges(challenges);
    BOOST_TEST_REQUIRE(std::holds_alternative<auth::parse_error>(many));
    BOOST_TEST(std::get<auth::parse_error>(many).message.find("more than 64 challenges") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(error_to_string_names_the_offset) {
    const auth::parse_error e{17, "unterminated quoted-string in parameter 'realm'"};
    BOOST_TEST(e.to_string() == "at byte 17: unterminated quoted-string in parameter 'realm'");
}

BOOST_AUTO_TEST_CASE(serialize_quotes_and_escapes) {
    const auth::challenge c = with_params(
        "Digest", {q("realm", "v 2"), t("algorithm", "MD5"), q("nonce", R"(a"b\c)"),
                   t("opaque", "not a token"), t("empty", "")});
    BOOST_TEST(auth::serialize(c).value_or("<refused>") ==
               R"(Digest realm="v 2", algorithm=MD5, nonce="a\"b\\c", opaque="not a token", empty="")");
    BOOST_TEST(auth::serialize(with_token68("Basic", "QQ==")).value_or("<refused>") ==
               "Basic QQ==");
    BOOST_TEST(auth::serialize(with_params("Negotiate", {})).value_or("<refused>") ==
               "Negotiate");

    const std::string example =
        R"(Basic realm="a", Digest realm="b", nonce="x", qop="auth,auth-int")";
    const auto parsed = std::get<std::vector<auth::challenge>>(auth::parse_challenges(example));
    BOOST_TEST(auth::serialize(parsed).value_or("<refused>") == example);
}

BOOST_AUTO_TEST_CASE(serialize_refuses_what_cannot_be_written_safely) {
    const std::vector<std::pair<std::string, auth::challenge>> refused = {
        {"CR in value", with_params("Basic", {q("realm", "a\rb")})},
        {"LF in value", with_params("Basic", {q("realm", "a\nSet-Cookie: x=y")})},
        {"NUL in value", with_params("Basic", {t("realm", "a\0b"s)})},
        {"other CTL in value", with_params("Basic", {q("realm", "a\x01")})},
        {"CRLF in scheme", with_params("Basic\r\n", {})},
        {"space in scheme", with_params("Bad Scheme", {})},
        {"empty scheme", with_params("", {})},
        {"non-token name", with_params("Digest", {q("na me", "x")})},
        {"empty name", with_params("Digest", {q("", "x")})},
        {"token68 with params", {"Basic", "QQ==", {q("realm", "x")}}},
        {"bad token68", with_token68("Basic", "a b")},
        {"token68 padding only", with_token68("Basic", "==")},
        {"token68 CRLF", with_token68("Basic", "QQ==\r\nX: y")},
    };
    for (const auto& [what, c] : refused) {
        BOOST_TEST_CONTEXT(what) {
            BOOST_TEST(!auth::serialize(c).has_value());
            BOOST_TEST(!auth::serialize(std::vector<auth::challenge>{with_params("A", {}), c})
                            .has_value());
        }
    }
    BOOST_TEST(!auth::serialize(std::vector<auth::challenge>{}).has_value());
}

BOOST_AUTO_TEST_CASE(serialize_round_trips_every_valid_case) {
    for (const auto& c : valid_cases) {
        BOOST_TEST_CONTEXT("input: " << c.input) {
            const auto first = auth::parse_challenges(c.input);
            BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<auth::challenge>>(first));
            const auto& items = std::get<std::vector<auth::challenge>>(first);
            const auto text = auth::serialize(items);
            BOOST_TEST_REQUIRE(text.has_value());
            const auto second = auth::parse_challenges(*text);
            BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<auth::challenge>>(second),
                               *text);
            BOOST_TEST((std::get<std::vector<auth::challenge>>(second) == items), *text);
            BOOST_TEST((auth::serialize(std::get<std::vector<auth::challenge>>(second)) == text));
        }
    }
}

// ---------------------------------------------------------------- credentials_view

namespace {

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

BOOST_AUTO_TEST_CASE(credentials_view_points_into_the_header_and_unescapes_apart) {
    const std::string header =
        R"(Digest username="Mufasa", realm="a \"b\" c", nc=00000001, uri="/x", opaque="")";
    auth::credentials_view view;
    const auto error = auth::parse_credentials(header, view);
    BOOST_TEST_REQUIRE(!error.has_value(), (error ? error->to_string() : std::string()));
    BOOST_TEST(view.scheme() == "Digest");
    BOOST_TEST(!view.token68().has_value());
    BOOST_TEST_REQUIRE(view.params().size() == 5u);
    BOOST_TEST(view.find("USERNAME")->value == "Mufasa");
    BOOST_TEST(inside(view.find("username")->value, header));
    BOOST_TEST(inside(view.find("username")->name, header));
    BOOST_TEST(view.find("realm")->value == R"(a "b" c)");
    BOOST_TEST(!inside(view.find("realm")->value, header));  // rebuilt without its backslashes
    BOOST_TEST(view.find("nc")->value == "00000001");
    BOOST_TEST(!view.find("nc")->quoted);
    BOOST_TEST(view.find("opaque")->value.empty());
    BOOST_TEST(view.find("opaque")->quoted);

    // Moving keeps every view valid, the unescaped ones included.
    auth::credentials_view moved = std::move(view);
    BOOST_TEST(moved.find("realm")->value == R"(a "b" c)");
    BOOST_TEST(moved.find("username")->value == "Mufasa");
}

BOOST_AUTO_TEST_CASE(credentials_view_agrees_with_the_owning_parser) {
    // Every single-item valid case gives the same struct through both entry points.
    for (const auto& c : valid_cases) {
        if (c.expected.size() != 1) continue;
        BOOST_TEST_CONTEXT("input: " << c.input) {
            auth::credentials_view view;
            const auto error = auth::parse_credentials(c.input, view);
            BOOST_TEST_REQUIRE(!error.has_value(), (error ? error->to_string() : std::string()));
            BOOST_TEST((view.to_owned() == c.expected.front()));
        }
    }
    // Every malformed value is refused with the same offset and message as by the owning parser.
    for (const auto& c : invalid_cases) {
        BOOST_TEST_CONTEXT("input: " << c.input) {
            auth::credentials_view view;
            const auto error = auth::parse_credentials(c.input, view);
            BOOST_TEST_REQUIRE(error.has_value());
            const auto owned = auth::parse_credentials(c.input);
            BOOST_TEST_REQUIRE(std::holds_alternative<auth::parse_error>(owned));
            BOOST_TEST(error->offset == std::get<auth::parse_error>(owned).offset);
            BOOST_TEST(error->message == std::get<auth::parse_error>(owned).message);
            BOOST_TEST(view.params().empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(credentials_view_malformed_quoting_and_values) {
    const std::vector<invalid_case> bad = {
        {R"(Digest nonce="abc)", 13, "unterminated quoted-string in parameter 'nonce'"},
        {R"(Digest nonce="a\"b)", 13, "unterminated quoted-string in parameter 'nonce'"},
        {R"(Digest nonce="a\)", 15, "ends in a lone backslash"},
        {"Digest nonce=\"a\\\x01\"", 16, "control character 0x01 escaped"},
        {"Digest nonce=\"a\\b\x7f\"", 17, "control character 0x7f in quoted-string"},
        // ("Digest nonce=" alone is a token68, so the empty values follow a parameter.)
        {R"(Digest realm="r", nonce=, a=b)", 24, "parameter 'nonce' has no value"},
        {R"(Digest realm="r", nonce=)", 24, "parameter 'nonce' has no value"},
        {R"(Digest nonce="x"y)", 16, "expected ',' after parameter 'nonce'"},
        {R"(Digest ="x")", 7, "'=' without a parameter name"},
    };
    for (const auto& c : bad) {
        BOOST_TEST_CONTEXT("input: " << c.input) {
            auth::credentials_view view;
            const auto error = auth::parse_credentials(c.input, view);
            BOOST_TEST_REQUIRE(error.has_value());
            BOOST_TEST(error->offset == c.offset, error->to_string());
            BOOST_TEST(error->message.find(c.fragment) != std::string::npos, error->to_string());
        }
    }
}

BOOST_AUTO_TEST_CASE(credentials_view_keeps_duplicates_for_the_scheme_to_judge) {
    auth::credentials_view view;
    BOOST_TEST_REQUIRE(!auth::parse_credentials(R"(Digest nonce="1", NONCE=2, nonce="\3")", view));
    BOOST_TEST(view.count("nonce") == 3u);
    BOOST_TEST(view.find("nonce")->value == "1");
    BOOST_TEST(view.params()[2].value == "3");
}

BOOST_AUTO_TEST_CASE(credentials_view_can_be_reused_for_a_longer_value) {
    // The buffer of unescaped values belongs to one parse: a second, longer one must not write
    // past what the first allocated.
    auth::credentials_view view;
    BOOST_TEST_REQUIRE(!auth::parse_credentials(R"(D a="\x")", view));
    BOOST_TEST(view.find("a")->value == "x");
    const std::string longer = R"(Digest realm=")" + std::string(300, 'r') + R"(\"", nonce="\)" +
                               std::string(300, 'n') + R"(")";
    BOOST_TEST_REQUIRE(!auth::parse_credentials(longer, view));
    BOOST_TEST(view.find("realm")->value == std::string(300, 'r') + "\"");
    BOOST_TEST(view.find("nonce")->value == std::string(300, 'n'));
    BOOST_TEST(view.find("a") == nullptr);
    // A failed parse leaves nothing behind.
    BOOST_TEST(auth::parse_credentials(R"(Digest x="y)", view).has_value());
    BOOST_TEST(view.params().empty());
    BOOST_TEST(view.scheme().empty());
}

BOOST_AUTO_TEST_CASE(credentials_view_of_owned_credentials) {
    const auth::credentials owned{"Digest", std::nullopt, {q("realm", "r"), t("nc", "00000001")}};
    const auth::credentials_view view(owned);
    BOOST_TEST(view.scheme() == "Digest");
    BOOST_TEST(!view.truncated());
    BOOST_TEST((view.to_owned() == owned));

    auth::credentials many{"Digest", std::nullopt, {}};
    for (std::size_t i = 0; i <= auth::max_params; ++i) many.params.push_back(t("p" + std::to_string(i), "v"));
    const auth::credentials_view cut(many);
    BOOST_TEST(cut.truncated());
    BOOST_TEST(cut.params().size() == auth::max_params);

    const auth::credentials t68{"Basic", std::string("QQ=="), {}};
    BOOST_TEST(auth::credentials_view(t68).token68().value_or("") == "QQ==");
}
