// User-Agent build and parse, with the two real headers from the field as fixed points.
#include <boost/test/unit_test.hpp>

#include <string>
#include <variant>

#include "common/aastra/user_agent.hpp"

namespace aastra = common::aastra;

namespace {

aastra::model_info model(std::string_view name) {
    return std::get<aastra::model_info>(aastra::find_model(name));
}

aastra::mac_address mac(std::string_view text) {
    return std::get<aastra::mac_address>(aastra::mac_address::parse(text));
}

std::string format_ok(std::string_view model_name, std::string_view mac_text,
                      std::string_view firmware) {
    auto formatted = aastra::format_user_agent(model(model_name), mac(mac_text), firmware);
    BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(formatted));
    return std::get<std::string>(formatted);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(user_agent)

BOOST_AUTO_TEST_CASE(real_examples_round_trip) {
    struct example {
        const char* header;
        const char* model;
        const char* mac;
        const char* firmware;
    };
    const example examples[] = {
        {"Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP", "6731i", "00085D237429", "3.2.0.70"},
        {"Aastra6735i MAC:00-08-5D-2E-A0-94 V:3.2.2.6038-SIP", "6735i", "00085D2EA094",
         "3.2.2.6038"},
    };
    for (const example& e : examples) {
        BOOST_TEST_CONTEXT(e.header) {
            const auto parsed = aastra::parse_user_agent(e.header);
            BOOST_TEST_REQUIRE(parsed.has_value());
            BOOST_TEST(parsed->model.name == e.model);
            BOOST_TEST(parsed->mac.compact_upper() == e.mac);
            BOOST_TEST(parsed->firmware == e.firmware);
            BOOST_TEST(format_ok(e.model, e.mac, e.firmware) == e.header);
        }
    }
}

BOOST_AUTO_TEST_CASE(legacy_models_send_their_short_token) {
    BOOST_TEST(format_ok("6757i", "00:08:5d:10:20:30", "3.2.2.3077") ==
               "Aastra57i MAC:00-08-5D-10-20-30 V:3.2.2.3077-SIP");
    BOOST_TEST(format_ok("6757iCT", "00085d102030", "3.2.2.3077") ==
               "Aastra57iCT MAC:00-08-5D-10-20-30 V:3.2.2.3077-SIP");
    const auto parsed =
        aastra::parse_user_agent("Aastra53i MAC:00-08-5D-10-20-30 V:3.2.2.3077-SIP");
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->model.name == "6753i");
}

BOOST_AUTO_TEST_CASE(every_model_round_trips) {
    for (const auto& m : aastra::known_models()) {
        BOOST_TEST_CONTEXT("model " << m.name) {
            const std::string header = format_ok(m.name, "00085D1610DE", "3.2.2.7137");
            const auto parsed = aastra::parse_user_agent(header);
            BOOST_TEST_REQUIRE(parsed.has_value());
            BOOST_TEST((parsed->model == m));
            BOOST_TEST(parsed->mac.compact_upper() == "00085D1610DE");
            BOOST_TEST(parsed->firmware == "3.2.2.7137");
        }
    }
}

BOOST_AUTO_TEST_CASE(accepts_what_the_wazo_pattern_accepts) {
    // [^ ]+ takes any MAC spelling and a firmware that itself contains "-SIP".
    const auto lower = aastra::parse_user_agent("Aastra6731i MAC:00085d237429 V:3.2.2-SIP-SIP");
    BOOST_TEST_REQUIRE(lower.has_value());
    BOOST_TEST(lower->mac.compact_upper() == "00085D237429");
    BOOST_TEST(lower->firmware == "3.2.2-SIP");
}

BOOST_AUTO_TEST_CASE(other_agents_and_near_misses_give_nothing) {
    const char* headers[] = {
        "",
        "curl/7.88.1",
        "Mozilla/5.0 (X11; Linux x86_64)",
        "Aastra6731i",
        "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70",          // no -SIP
        "Aastra6731i MAC:00-08-5D-23-74-29 V:-SIP",              // empty firmware
        "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2 0.70-SIP",      // space in firmware
        "Aastra6731i MAC:00-08-5D-23-74-29  V:3.2.0.70-SIP",     // double space
        "Aastra6731i MAC: V:3.2.0.70-SIP",                       // empty MAC
        "Aastra6731i MAC:00-08-5D-23-74 V:3.2.0.70-SIP",         // short MAC
        "Aastra6731i MAC:zz-08-5D-23-74-29 V:3.2.0.70-SIP",      // bad MAC
        "Aastra MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",           // no model
        "Aastra67-31i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",     // \w+ stops at '-'
        "Aastra6867i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",      // model we do not know
        "aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",      // prefix is case-sensitive
        " Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",     // anchored at the start
        "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP ",     // anchored at the end
        "Aastra6731i mac:00-08-5D-23-74-29 V:3.2.0.70-SIP",
        "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70\x01-SIP",  // control byte
        "Aastra-SIP",
    };
    for (const char* header : headers) {
        BOOST_TEST_CONTEXT("header '" << header << "'") {
            BOOST_TEST(!aastra::parse_user_agent(header).has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_firmware_that_would_break_the_header) {
    const char* firmwares[] = {"", "3.2 2", "3.2.2\r\nX-Injected: 1", "3.2.2\t", "3.2.2\xC3\xA9"};
    for (const char* firmware : firmwares) {
        BOOST_TEST_CONTEXT("firmware '" << firmware << "'") {
            auto formatted =
                aastra::format_user_agent(model("6731i"), mac("00085D237429"), firmware);
            BOOST_TEST_REQUIRE(std::holds_alternative<aastra::user_agent_error>(formatted));
            BOOST_TEST(std::get<aastra::user_agent_error>(formatted).message.find("firmware") !=
                       std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
