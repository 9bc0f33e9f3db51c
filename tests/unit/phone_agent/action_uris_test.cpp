#include "logic/action_uris.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

using namespace phone_agent;
using namespace std::chrono_literals;

namespace {

// A mutable stand-in for the phone configuration.
struct fake_config {
    std::map<std::string, std::string, std::less<>> values;

    config_lookup lookup() {
        return [this](std::string_view key) -> std::optional<std::string> {
            const auto it = values.find(key);
            if (it == values.end()) return std::nullopt;
            return it->second;
        };
    }
};

action_uri_request request_of(const action_uri_outcome& outcome) {
    if (const auto* skip = std::get_if<action_uri_skip>(&outcome)) {
        BOOST_FAIL("skipped: " << skip->reason << " " << skip->detail);
    }
    return std::get<action_uri_request>(outcome);
}

skip_reason skip_of(const action_uri_outcome& outcome) {
    BOOST_TEST_REQUIRE(std::holds_alternative<action_uri_skip>(outcome));
    return std::get<action_uri_skip>(outcome).reason;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(action_uris_suite)

BOOST_AUTO_TEST_CASE(config_keys_match_the_firmware_spelling) {
    BOOST_TEST(config_key(action_event::startup) == "action uri startup");
    BOOST_TEST(config_key(action_event::registration_event) == "action uri registration event");
    BOOST_TEST(config_key(action_event::xml_sip_notify) == "action uri xml sip notify");
    BOOST_TEST(config_key(action_event::poll) == "action uri poll");
    BOOST_TEST(to_string(action_event::offhook) == "offhook");
}

BOOST_AUTO_TEST_CASE(every_event_reads_its_own_key_and_blocks) {
    fake_config cfg;
    for (int i = 0; i <= static_cast<int>(action_event::poll); ++i) {
        const auto e = static_cast<action_event>(i);
        cfg.values[std::string(config_key(e))] = "http://srv/" + std::string(to_string(e));
    }
    const action_uris uris(cfg.lookup());
    for (int i = 0; i <= static_cast<int>(action_event::poll); ++i) {
        const auto e = static_cast<action_event>(i);
        BOOST_TEST_CONTEXT(e) {
            const auto& r = request_of(uris.fire(e, {}));
            BOOST_TEST(r.event == e);
            BOOST_TEST(r.url == "http://srv/" + std::string(to_string(e)));
            BOOST_TEST(r.blocking);
        }
    }
}

BOOST_AUTO_TEST_CASE(incoming_call_substitutes_variables) {
    fake_config cfg;
    cfg.values["action uri incoming"] =
        "  http://10.50.10.140/incoming.php?number=$$REMOTENUMBER$$&name=$$INCOMINGNAME$$"
        "&state=$$LINESTATE$$ ";
    const action_uris uris(cfg.lookup());
    variable_values vars;
    vars.set(phone_variable::remote_number, "+4930123");
    vars.set(phone_variable::incoming_name, "Bob Smith");
    vars.set(phone_variable::line_state, "INCOMING");
    const auto& r = request_of(uris.fire(action_event::incoming, vars));
    BOOST_TEST(r.url ==
               "http://10.50.10.140/incoming.php?number=%2B4930123&name=Bob%20Smith"
               "&state=INCOMING");
}

BOOST_AUTO_TEST_CASE(unusable_values_are_skipped_with_a_reason) {
    fake_config cfg;
    cfg.values["action uri offhook"] = "";
    cfg.values["action uri onhook"] = "ftp://srv/x";
    cfg.values["action uri connected"] = "http://srv/" + std::string(120, 'a');
    cfg.values["action uri disconnected"] = "HTTPS://srv/ok";
    const action_uris uris(cfg.lookup());
    BOOST_TEST(skip_of(uris.fire(action_event::startup, {})) == skip_reason::not_configured);
    BOOST_TEST(skip_of(uris.fire(action_event::offhook, {})) == skip_reason::not_configured);
    BOOST_TEST(skip_of(uris.fire(action_event::onhook, {})) == skip_reason::not_http);
    BOOST_TEST(skip_of(uris.fire(action_event::connected, {})) == skip_reason::too_long);
    BOOST_TEST(request_of(uris.fire(action_event::disconnected, {})).url == "HTTPS://srv/ok");
    // An empty lookup function behaves as an empty configuration.
    const action_uris none(config_lookup{});
    BOOST_TEST(skip_of(none.fire(action_event::startup, {})) == skip_reason::not_configured);
}

BOOST_AUTO_TEST_CASE(configuration_changes_apply_immediately) {
    fake_config cfg;
    const action_uris uris(cfg.lookup());
    BOOST_TEST(skip_of(uris.fire(action_event::startup, {})) == skip_reason::not_configured);
    cfg.values["action uri startup"] = "http://srv/boot?ip=$$LOCALIP$$";
    variable_values vars;
    vars.set(phone_variable::local_ip, "192.168.1.20");
    BOOST_TEST(request_of(uris.fire(action_event::startup, vars)).url ==
               "http://srv/boot?ip=192.168.1.20");
}

BOOST_AUTO_TEST_CASE(registration_event_fires_on_changes_only) {
    fake_config cfg;
    cfg.values["action uri registration event"] =
        "http://srv/reg?s=$$REGISTRATIONSTATE$$&c=$$REGISTRATIONCODE$$";
    action_uris uris(cfg.lookup());
    BOOST_TEST(request_of(uris.registration_changed("registered", "001", {})).url ==
               "http://srv/reg?s=registered&c=001");
    BOOST_TEST(skip_of(uris.registration_changed("registered", "001", {})) ==
               skip_reason::repeated_state);
    BOOST_TEST(request_of(uris.registration_changed("refused", "403", {})).url ==
               "http://srv/reg?s=refused&c=403");
    BOOST_TEST(request_of(uris.registration_changed("registered", "001", {})).url ==
               "http://srv/reg?s=registered&c=001");
}

BOOST_AUTO_TEST_CASE(poll_every_interval) {
    fake_config cfg;
    cfg.values["action uri poll"] = "http://srv/poll?u=$$SIPUSERNAME$$";
    action_uris uris(cfg.lookup());
    const action_time t0{};

    BOOST_TEST(!uris.poll_interval().has_value());
    BOOST_TEST(!uris.poll_tick(t0).has_value());
    BOOST_TEST(!uris.next_poll().has_value());

    cfg.values["action uri poll interval"] = "30";
    BOOST_TEST((uris.poll_interval() == std::optional(30s)));
    BOOST_TEST(!uris.poll_tick(t0).has_value());  // schedules only
    BOOST_TEST((uris.next_poll() == std::optional(t0 + 30s)));
    BOOST_TEST(!uris.poll_tick(t0 + 29s).has_value());
    const auto due = uris.poll_tick(t0 + 30s);
    BOOST_TEST_REQUIRE(due.has_value());
    BOOST_TEST(request_of(*due).url == "http://srv/poll?u=");  // poll binds no variables
    BOOST_TEST(request_of(*due).event == action_event::poll);
    // Late by several periods: one poll, then a full interval from now.
    BOOST_TEST(uris.poll_tick(t0 + 200s).has_value());
    BOOST_TEST((uris.next_poll() == std::optional(t0 + 230s)));

    for (const char* off : {"0", "-5", "abc", ""}) {
        cfg.values["action uri poll interval"] = off;
        BOOST_TEST_CONTEXT(off) {
            BOOST_TEST(!uris.poll_tick(t0 + 500s).has_value());
            BOOST_TEST(!uris.next_poll().has_value());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
