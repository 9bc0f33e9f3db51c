// MAC parsing tables (all accepted spellings and the near misses), formats, ranges and hashing.
#include <boost/test/unit_test.hpp>

#include <string>
#include <unordered_set>
#include <variant>

#include "common/aastra/mac.hpp"

using common::aastra::mac_address;
using common::aastra::mac_error;

namespace {

mac_address parse_ok(std::string_view text) {
    auto parsed = mac_address::parse(text);
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_address>(parsed), "rejected: " << text);
    return std::get<mac_address>(parsed);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mac)

BOOST_AUTO_TEST_CASE(accepts_compact_colon_and_dash_spellings_in_any_case) {
    const char* inputs[] = {
        "00085d1a2b3c", "00085D1A2B3C", "00085D1a2B3c", "00:08:5D:1A:2B:3C",
        "00:08:5d:1a:2b:3c", "00-08-5D-1A-2B-3C", "00-08-5d-1A-2b-3C",
    };
    for (const char* input : inputs) {
        BOOST_TEST_CONTEXT("input " << input) {
            const mac_address mac = parse_ok(input);
            BOOST_TEST(mac.value() == 0x00085D1A2B3CULL);
            BOOST_TEST(mac.compact_upper() == "00085D1A2B3C");
            BOOST_TEST(mac.dashed_upper() == "00-08-5D-1A-2B-3C");
            BOOST_TEST(mac.colon_lower() == "00:08:5d:1a:2b:3c");
        }
    }
}

BOOST_AUTO_TEST_CASE(rejects_malformed_input_and_names_it) {
    const std::string inputs[] = {
        "",
        "00085d1a2b3",           // 11 digits
        "00085d1a2b3c0",         // 13 digits
        "00085d1a2b3g",          // not hex
        "00:08:5D-1A:2B:3C",     // mixed separators
        "00:08:5D:1A:2B:3C:",    // trailing separator
        "0:08:5D:1A:2B:3C:0",    // separator in the wrong place
        "000:8:5D:1A:2B:3C",     // separator in the wrong place, right length
        "00.08.5D.1A.2B.3C",     // unsupported separator
        "00 08 5D 1A 2B 3C",     // spaces
        " 00085d1a2b3c",         // leading space
        "00085d1a2b3c ",         // trailing space
        "0x085d1a2b3c",          // C prefix
        std::string("00085D1A\0\x32\x42\x33\x43", 13),
        "-0085d1a2b3c",          // sign
        "+0085d1a2b3c",
    };
    for (const std::string& input : inputs) {
        BOOST_TEST_CONTEXT("input '" << input << "'") {
            auto parsed = mac_address::parse(input);
            BOOST_TEST_REQUIRE(std::holds_alternative<mac_error>(parsed));
            const std::string& message = std::get<mac_error>(parsed).message;
            BOOST_TEST(message.find("invalid MAC address") != std::string::npos);
            if (!input.empty() && input.find('\0') == std::string::npos) {
                BOOST_TEST(message.find("'" + input + "'") != std::string::npos, message);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(error_message_escapes_control_bytes_and_cuts_long_input) {
    auto parsed = mac_address::parse(std::string("00:08\n5D:1A:2B:3C"));
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_error>(parsed));
    BOOST_TEST(std::get<mac_error>(parsed).message.find("00:08\\x0A5D") != std::string::npos);

    auto long_input = mac_address::parse(std::string(500, 'a'));
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_error>(long_input));
    BOOST_TEST(std::get<mac_error>(long_input).message.size() < 200U);
}

BOOST_AUTO_TEST_CASE(next_walks_a_fleet_range_and_refuses_to_overflow) {
    const mac_address first = parse_ok("00085D0000FE");
    auto second = first.next();
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_address>(second));
    BOOST_TEST(std::get<mac_address>(second).compact_upper() == "00085D0000FF");
    auto carried = first.next(2);
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_address>(carried));
    BOOST_TEST(std::get<mac_address>(carried).compact_upper() == "00085D000100");
    auto same = first.next(0);
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_address>(same));
    BOOST_TEST((std::get<mac_address>(same) == first));

    const mac_address last = parse_ok("FFFFFFFFFFFE");
    auto top = last.next(1);
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_address>(top));
    BOOST_TEST(std::get<mac_address>(top).value() == mac_address::max_value);

    auto past = last.next(2);
    BOOST_TEST_REQUIRE(std::holds_alternative<mac_error>(past));
    BOOST_TEST(std::get<mac_error>(past).message.find("FF-FF-FF-FF-FF-FE") != std::string::npos);
    auto huge = first.next(UINT64_MAX);
    BOOST_TEST(std::holds_alternative<mac_error>(huge));
}

BOOST_AUTO_TEST_CASE(from_value_rejects_more_than_48_bits) {
    BOOST_TEST(std::holds_alternative<mac_address>(mac_address::from_value(0)));
    BOOST_TEST(
        std::holds_alternative<mac_address>(mac_address::from_value(mac_address::max_value)));
    BOOST_TEST(std::holds_alternative<mac_error>(
        mac_address::from_value(mac_address::max_value + 1)));
    auto zero = mac_address::from_value(0);
    BOOST_TEST(std::get<mac_address>(zero).dashed_upper() == "00-00-00-00-00-00");
}

BOOST_AUTO_TEST_CASE(compares_and_hashes_by_value_whatever_the_spelling) {
    const mac_address a = parse_ok("00:08:5d:1a:2b:3c");
    const mac_address b = parse_ok("00085D1A2B3C");
    const mac_address c = parse_ok("00085D1A2B3D");
    BOOST_TEST((a == b));
    BOOST_TEST((a != c));
    BOOST_TEST((a < c));
    BOOST_TEST((c > b));

    std::unordered_set<mac_address> set{a, b, c};
    BOOST_TEST(set.size() == 2U);
    BOOST_TEST(set.count(parse_ok("00-08-5D-1A-2B-3D")) == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
