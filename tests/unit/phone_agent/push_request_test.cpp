// XML push decisions: the post list, raw and URL-encoded bodies, the size limit.
#include "logic/push_request.hpp"

#include <boost/test/unit_test.hpp>

using namespace phone_agent;

namespace {

const char* screen = "<AastraIPPhoneTextScreen><Title>T</Title><Text>a+b 100%</Text></AastraIPPhoneTextScreen>";

}  // namespace

BOOST_AUTO_TEST_SUITE(push_request)

BOOST_AUTO_TEST_CASE(post_list_matches_exact_addresses) {
    BOOST_TEST(peer_in_post_list("10.0.0.1", "10.0.0.1"));
    BOOST_TEST(peer_in_post_list(" 10.0.0.2 , 127.0.0.1 ", "127.0.0.1"));
    BOOST_TEST(peer_in_post_list("127.0.0.1", "::ffff:127.0.0.1"));
    BOOST_TEST(peer_in_post_list("[::1]", "::1"));
    BOOST_TEST(peer_in_post_list("FE80::1", "fe80::1"));
    BOOST_TEST(!peer_in_post_list("", "127.0.0.1"));
    BOOST_TEST(!peer_in_post_list("127.0.0.10", "127.0.0.1"));
    BOOST_TEST(!peer_in_post_list("127.0.0.1", "127.0.0.10"));
    BOOST_TEST(!peer_in_post_list("127.0.0.1,", ""));
    BOOST_TEST(!peer_in_post_list("10.0.0.0/8", "10.0.0.1"));
}

BOOST_AUTO_TEST_CASE(raw_body_is_taken_verbatim) {
    // Raw XML may contain '+' and '%' that URL-decoding would corrupt.
    BOOST_TEST(extract_push_xml(std::string("xml=") + screen) == screen);
    BOOST_TEST(extract_push_xml(std::string("xml=\r\n") + screen + "\r\n") == screen);
}

BOOST_AUTO_TEST_CASE(urlencoded_body_is_decoded) {
    const std::string encoded =
        "xml=%3CAastraIPPhoneTextScreen%3E%3CTitle%3ET%3C%2FTitle%3E%3CText%3Ea%2Bb+100%25%3C%2FText%3E"
        "%3C%2FAastraIPPhoneTextScreen%3E";
    BOOST_TEST(extract_push_xml(encoded) ==
               "<AastraIPPhoneTextScreen><Title>T</Title><Text>a+b 100%</Text></AastraIPPhoneTextScreen>");
    BOOST_TEST(extract_push_xml("other=1&xml=%3CA%2F%3E") == "<A/>");
    BOOST_TEST(extract_push_xml("nothing=here").empty());
    BOOST_TEST(extract_push_xml("").empty());
}

BOOST_AUTO_TEST_CASE(evaluate_applies_list_then_size) {
    push_limits limits;
    auto ok = evaluate_push("127.0.0.1", "127.0.0.1", std::string("xml=") + screen, limits);
    BOOST_TEST_REQUIRE(std::holds_alternative<push_accepted>(ok));
    BOOST_TEST(std::get<push_accepted>(ok).xml == screen);

    auto forbidden = evaluate_push("10.0.0.1", "127.0.0.1", std::string("xml=") + screen, limits);
    BOOST_TEST_REQUIRE(std::holds_alternative<push_refused>(forbidden));
    BOOST_TEST(std::get<push_refused>(forbidden).status == 403u);
    BOOST_TEST(std::get<push_refused>(forbidden).reason.find("127.0.0.1") != std::string::npos);

    auto empty = evaluate_push("127.0.0.1", "127.0.0.1", "foo=bar", limits);
    BOOST_TEST(std::get<push_refused>(empty).status == 400u);

    // Exactly the limit passes; one byte more is 413.
    std::string big = "<A>" + std::string(limits.max_object_size - 7, 'x') + "</A>";
    BOOST_TEST_REQUIRE(big.size() == limits.max_object_size);
    BOOST_TEST(std::holds_alternative<push_accepted>(evaluate_push("127.0.0.1", "127.0.0.1", "xml=" + big, limits)));
    big.insert(3, "y");
    auto too_large = evaluate_push("127.0.0.1", "127.0.0.1", "xml=" + big, limits);
    BOOST_TEST_REQUIRE(std::holds_alternative<push_refused>(too_large));
    BOOST_TEST(std::get<push_refused>(too_large).status == 413u);

    // The limit counts the decoded object: an encoded body three times larger still fits.
    std::string encoded = "xml=%3CA%3E";
    for (int i = 0; i < 4000; ++i) encoded += "%41";
    encoded += "%3C%2FA%3E";
    BOOST_TEST(std::holds_alternative<push_accepted>(evaluate_push("127.0.0.1", "127.0.0.1", encoded, limits)));

    push_limits old_firmware{2150};
    auto old = evaluate_push("127.0.0.1", "127.0.0.1", "xml=<A>" + std::string(2200, 'x') + "</A>", old_firmware);
    BOOST_TEST(std::get<push_refused>(old).status == 413u);
}

BOOST_AUTO_TEST_SUITE_END()
