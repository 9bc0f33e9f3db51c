// The JSON control API: key requests in, screen and status JSON out.
#include "logic/control_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

using namespace phone_agent;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(control_api)

BOOST_AUTO_TEST_CASE(single_key_and_key_lists) {
    auto one = parse_key_request(R"({"key": "softkey3"})");
    BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<key_press>>(one));
    const auto& k = std::get<std::vector<key_press>>(one);
    BOOST_TEST_REQUIRE(k.size() == 1u);
    BOOST_TEST((k[0].kind == key_kind::softkey));
    BOOST_TEST(k[0].number == 3);

    auto many = parse_key_request(R"({"keys": ["1", "2", "select", "goodbye"]})");
    BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<key_press>>(many));
    const auto& m = std::get<std::vector<key_press>>(many);
    BOOST_TEST_REQUIRE(m.size() == 4u);
    BOOST_TEST(m[0].digit == '1');
    BOOST_TEST((m[2].kind == key_kind::select));
    BOOST_TEST((m[3].kind == key_kind::goodbye));
}

BOOST_AUTO_TEST_CASE(bad_requests_say_why) {
    struct bad_case {
        const char* body;
        const char* says;
    };
    const bad_case cases[] = {
        {"", "not JSON"},
        {"{", "not JSON"},
        {"[1]", "JSON object"},
        {"{}", "expected \"key\""},
        {R"({"key": 1})", "must be a string"},
        {R"({"keys": "1"})", "array of strings"},
        {R"({"keys": [1]})", "array of strings"},
        {R"({"key": "softkey11"})", "unknown key 'softkey11'"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body) {
            auto r = parse_key_request(c.body);
            BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(r));
            BOOST_TEST(std::get<std::string>(r).find(c.says) != std::string::npos, std::get<std::string>(r));
        }
    }
}

BOOST_AUTO_TEST_CASE(screen_json_carries_the_view) {
    screen_view view;
    view.kind = "AastraIPPhoneTextMenu";
    view.title = "Dir \"x\"";
    view.lines = {"a", "b"};
    view.selected = 1;
    view.softkeys = {{1, "Select"}};
    view.status_line = "Loading Page...";
    view.loading = true;
    view.depth = 2;
    auto v = json::parse(screen_json(view)).as_object();
    BOOST_TEST(v.at("kind").as_string() == "AastraIPPhoneTextMenu");
    BOOST_TEST(v.at("title").as_string() == "Dir \"x\"");
    BOOST_TEST(v.at("lines").as_array().size() == 2u);
    BOOST_TEST(v.at("selected").to_number<std::uint64_t>() == 1u);
    BOOST_TEST(v.at("softkeys").as_array()[0].as_object().at("label").as_string() == "Select");
    BOOST_TEST(v.at("loading").as_bool());
    BOOST_TEST(v.at("status_line").as_string() == "Loading Page...");
    BOOST_TEST(v.at("depth").to_number<std::uint64_t>() == 2u);

    screen_view idle;
    auto i = json::parse(screen_json(idle)).as_object();
    BOOST_TEST(i.at("selected").is_null());
    BOOST_TEST(!i.at("loading").as_bool());
}

BOOST_AUTO_TEST_CASE(status_and_error_json) {
    phone_status s;
    s.model = "9480i";
    s.provisioning = "provisioned";
    s.fetches_in_flight = 3;
    s.addresses = {"http://127.0.0.1:1"};
    auto v = json::parse(status_json(s)).as_object();
    BOOST_TEST(v.at("model").as_string() == "9480i");
    BOOST_TEST(v.at("provisioning").as_string() == "provisioned");
    BOOST_TEST(v.at("fetches_in_flight").to_number<std::uint64_t>() == 3u);
    BOOST_TEST(v.at("addresses").as_array()[0].as_string() == "http://127.0.0.1:1");
    auto e = json::parse(error_json("bad \"thing\"")).as_object();
    BOOST_TEST(e.at("error").as_string() == "bad \"thing\"");
}

BOOST_AUTO_TEST_CASE(telephony_events_and_line_states) {
    auto in = parse_event_request(R"({"event":"incoming","number":"201","name":"Bob"})");
    BOOST_TEST_REQUIRE(std::holds_alternative<event_request>(in));
    const auto& e = std::get<event_request>(in);
    BOOST_TEST((e.event == action_event::incoming));
    BOOST_TEST(e.number == "201");
    BOOST_TEST(e.name == "Bob");
    BOOST_TEST(line_state_after(action_event::incoming).value_or("") == "INCOMING");
    BOOST_TEST(line_state_after(action_event::onhook).value_or("") == "IDLE");
    BOOST_TEST(line_state_after(action_event::disconnected).value_or("") == "IDLE");
    BOOST_TEST(!line_state_after(action_event::registered).has_value());

    auto error_of = [](std::string_view body) {
        auto r = parse_event_request(body);
        BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(r), body);
        return std::get<std::string>(r);
    };
    BOOST_TEST(error_of("nope").find("not JSON") != std::string::npos);
    BOOST_TEST(error_of("{}") == "expected \"event\"");
    BOOST_TEST(error_of(R"({"event":"startup"})").find("unknown event 'startup'") == 0u);  // the phone's own
    BOOST_TEST(error_of(R"({"event":"poll"})").find("unknown event") == 0u);
    BOOST_TEST(error_of(R"({"event":"incoming","number":5})") == "\"number\" must be a string");
    BOOST_TEST(error_of(R"({"event":"incoming","name":")" + std::string(129, 'x') + "\"}").find("longer") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(clock_requests) {
    auto ok = parse_clock_request(R"({"advance_seconds":3600})");
    BOOST_TEST_REQUIRE(std::holds_alternative<std::chrono::seconds>(ok));
    BOOST_TEST(std::get<std::chrono::seconds>(ok).count() == 3600);
    for (const char* bad : {R"({"advance_seconds":-1})", R"({"advance_seconds":1.5})", R"({"advance":1})",
                            R"({"advance_seconds":99999999999})", "[]", "x"}) {
        BOOST_TEST(std::holds_alternative<std::string>(parse_clock_request(bad)), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()
