#include "logic/phone_screen.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace phone_agent;
using namespace std::chrono_literals;

namespace {

const screen_time t0{};

std::vector<std::string> described(const std::vector<screen_action>& actions) {
    std::vector<std::string> out;
    for (const auto& a : actions) out.push_back(describe(a));
    return out;
}

template <typename T>
std::vector<T> only(const std::vector<screen_action>& actions) {
    std::vector<T> out;
    for (const auto& a : actions) {
        if (const auto* x = std::get_if<T>(&a)) out.push_back(*x);
    }
    return out;
}

// The one fetch an input must have produced.
fetch_action single_fetch(const std::vector<screen_action>& actions) {
    const auto fetches = only<fetch_action>(actions);
    BOOST_TEST_REQUIRE(fetches.size() == 1U, "actions: " << actions.size());
    return fetches.front();
}

fetch_done answer(std::uint64_t id, std::string body) {
    return fetch_done{id, 200, {}, std::move(body)};
}

const char* const menu_xml = R"(<AastraIPPhoneTextMenu>
  <Title>Main</Title>
  <MenuItem><Prompt>Weather</Prompt><URI>http://srv/weather.xml</URI></MenuItem>
  <MenuItem><Prompt>Desk</Prompt><URI>http://srv/desk.xml</URI><Dial line="2">4711</Dial>
    <Selection>desk&amp;1</Selection></MenuItem>
  <SoftKey index="1"><Label>Act</Label><URI>http://srv/act.php</URI></SoftKey>
  <SoftKey index="2"><Label>Act2</Label><URI>http://srv/act.php?x=1</URI></SoftKey>
  <SoftKey index="3"><Label>Go</Label><URI>SoftKey:Select</URI></SoftKey>
  <SoftKey index="4"><Label>Call</Label><URI>SoftKey:Dial</URI></SoftKey>
  <SoftKey index="6"><Label>Back</Label><URI>SoftKey:Exit</URI></SoftKey>
</AastraIPPhoneTextMenu>)";

const char* const text_xml =
    "<AastraIPPhoneTextScreen doneAction=\"http://srv/done\"><Title>Info</Title>"
    "<Text>Hello\nWorld</Text></AastraIPPhoneTextScreen>";

// A screen with one xml softkey configured on the idle screen.
struct fixture {
    phone_screen screen;

    fixture() {
        screen.set_idle_title("Alice");
        screen.set_idle_softkeys({{1, "xml", "Apps", "https://cms/apps.php?u=$$SIPUSERNAME$$"},
                                  {2, "speeddial", "Desk", "4711"},
                                  {3, "dnd", "DND", ""}});
        variable_values vars;
        vars.set(phone_variable::sip_user_name, "alice smith");
        screen.set_variables(vars);
    }

    // Opens `body` as if softkey 1 had fetched it; returns the fetch id used.
    std::uint64_t open(std::string_view body, screen_time now = t0) {
        const auto f = single_fetch(screen.press(key_press::softkey(1), now));
        screen.on_fetch_done(answer(f.id, std::string(body)), now);
        return f.id;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(phone_screen_suite, fixture)

BOOST_AUTO_TEST_CASE(softkey_fetch_loading_goodbye_and_late_answer) {
    BOOST_TEST(screen.render().kind == "idle");
    BOOST_TEST(screen.render().title == "Alice");
    BOOST_TEST(screen.render().softkeys.size() == 3U);

    const auto f = single_fetch(screen.press(key_press::softkey(1), t0));
    BOOST_TEST(f.url == "https://cms/apps.php?u=alice%20smith");
    BOOST_TEST(!f.blocking);
    BOOST_TEST(f.purpose == fetch_purpose::softkey);
    BOOST_TEST(screen.loading());
    BOOST_TEST(screen.render().loading);
    BOOST_TEST(screen.render().status_line == "Loading Page...");
    BOOST_TEST(!screen.next_deadline().has_value());

    const auto bye = screen.press(key_press::of(key_kind::goodbye), t0 + 1s);
    BOOST_TEST(described(bye) == std::vector<std::string>{"cancel_fetch#" + std::to_string(f.id)});
    BOOST_TEST(!screen.loading());
    BOOST_TEST(screen.render().kind == "idle");
    BOOST_TEST(screen.render().status_line.empty());

    // The I/O layer may still deliver the aborted result: exactly-once means it is dropped.
    BOOST_TEST(screen.on_fetch_done(answer(f.id, menu_xml), t0 + 2s).empty());
    BOOST_TEST(screen.on_fetch_failed({f.id, "late"}, t0 + 2s).empty());
    BOOST_TEST(screen.depth() == 0U);
    BOOST_TEST(screen.render().kind == "idle");
}

BOOST_AUTO_TEST_CASE(goodbye_while_loading_restores_the_object_below) {
    open(menu_xml);
    const auto f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    BOOST_TEST(screen.render().loading);
    const auto bye = screen.press(key_press::of(key_kind::goodbye), t0);
    BOOST_TEST(only<cancel_fetch_action>(bye).size() == 1U);
    BOOST_TEST(screen.depth() == 1U);  // GOODBYE aborted the fetch only
    BOOST_TEST(screen.render().kind == "AastraIPPhoneTextMenu");
    BOOST_TEST(screen.on_fetch_done(answer(f.id, text_xml), t0).empty());
    BOOST_TEST(screen.depth() == 1U);
}

BOOST_AUTO_TEST_CASE(other_key_aborts_and_then_acts) {
    const auto first = single_fetch(screen.press(key_press::softkey(1), t0));
    const auto actions = screen.press(key_press::softkey(2), t0);
    BOOST_TEST(described(actions) ==
               (std::vector<std::string>{"cancel_fetch#" + std::to_string(first.id), "dial 4711"}));
    BOOST_TEST(!screen.loading());

    // A new fetch supersedes the pending one; the old id is then ignored.
    const auto a = single_fetch(screen.press(key_press::softkey(1), t0));
    const auto b_actions = screen.open_url("http://srv/other.xml", t0);
    BOOST_TEST(only<cancel_fetch_action>(b_actions).at(0).id == a.id);
    const auto b = single_fetch(b_actions);
    BOOST_TEST(b.purpose == fetch_purpose::open);
    BOOST_TEST(screen.on_fetch_done(answer(a.id, text_xml), t0).empty());
    BOOST_TEST(screen.depth() == 0U);
    screen.on_fetch_done(answer(b.id, text_xml), t0);
    BOOST_TEST(screen.depth() == 1U);
}

BOOST_AUTO_TEST_CASE(unknown_softkey_types_are_reported) {
    const auto actions = screen.press(key_press::softkey(3), t0);
    BOOST_TEST(only<notice_action>(actions).size() == 1U);
    BOOST_TEST(screen.press(key_press::softkey(5), t0).empty());
}

BOOST_AUTO_TEST_CASE(menu_navigation_selection_and_stack) {
    open(menu_xml);
    auto view = screen.render();
    BOOST_TEST(view.title == "Main");
    BOOST_TEST(view.lines == (std::vector<std::string>{"1. Weather", "2. Desk"}));
    BOOST_TEST((view.selected == std::optional<std::size_t>(0)));
    BOOST_TEST(view.softkeys.size() == 5U);

    screen.press(key_press::of(key_kind::nav_down), t0);
    screen.press(key_press::of(key_kind::nav_down), t0);  // clamps at the last item
    BOOST_TEST((screen.render().selected == std::optional<std::size_t>(1)));

    // Custom softkeys carry `selection=` with '?' or '&' as needed.
    BOOST_TEST(single_fetch(screen.press(key_press::softkey(1), t0)).url ==
               "http://srv/act.php?selection=desk%261");
    BOOST_TEST(single_fetch(screen.press(key_press::softkey(2), t0)).url ==
               "http://srv/act.php?x=1&selection=desk%261");
    screen.press(key_press::of(key_kind::goodbye), t0);  // abort the pending fetch

    const auto dial = only<dial_action>(screen.press(key_press::softkey(4), t0));
    BOOST_TEST_REQUIRE(dial.size() == 1U);
    BOOST_TEST(dial[0].number == "4711");
    BOOST_TEST((dial[0].line == std::optional(2)));
    // A line key dials the item on that line.
    BOOST_TEST((only<dial_action>(screen.press(key_press::line(3), t0)).at(0).line ==
                std::optional(3)));

    const auto select = single_fetch(screen.press(key_press::softkey(3), t0));
    BOOST_TEST(select.url == "http://srv/desk.xml");
    BOOST_TEST(select.purpose == fetch_purpose::menu_select);
    screen.on_fetch_done(answer(select.id, text_xml), t0);
    BOOST_TEST(screen.depth() == 2U);  // the menu stays below (destroyOnExit="no")
    view = screen.render();
    BOOST_TEST(view.kind == "AastraIPPhoneTextScreen");
    BOOST_TEST(view.lines == (std::vector<std::string>{"Hello", "World"}));
    BOOST_TEST(view.softkeys.at(0).label == "Done");

    // Done leaves the screen and fetches its doneAction.
    const auto done = single_fetch(screen.press(key_press::softkey(6), t0));
    BOOST_TEST(done.url == "http://srv/done");
    BOOST_TEST(done.purpose == fetch_purpose::exit_action);
    BOOST_TEST(screen.depth() == 1U);
    screen.on_fetch_done(answer(done.id, ""), t0);  // empty answer: nothing to show
    BOOST_TEST(screen.render().kind == "AastraIPPhoneTextMenu");
    BOOST_TEST((screen.render().selected == std::optional<std::size_t>(1)));

    screen.press(key_press::softkey(6), t0);  // custom Exit
    BOOST_TEST(screen.depth() == 0U);
}

BOOST_AUTO_TEST_CASE(destroy_on_exit_replaces_the_caller) {
    open(R"(<AastraIPPhoneTextMenu destroyOnExit="yes">
      <MenuItem><Prompt>A</Prompt><URI>http://srv/a.xml</URI></MenuItem></AastraIPPhoneTextMenu>)");
    const auto f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    screen.on_fetch_done(answer(f.id, text_xml), t0);
    BOOST_TEST(screen.depth() == 1U);
    BOOST_TEST(screen.render().kind == "AastraIPPhoneTextScreen");
    screen.press(key_press::of(key_kind::goodbye), t0);
    BOOST_TEST(screen.render().kind == "idle");
}

BOOST_AUTO_TEST_CASE(trigger_destroy_on_exit_for_non_ui_answers) {
    const char* menu = R"(<AastraIPPhoneTextMenu destroyOnExit="yes">
      <MenuItem><Prompt>A</Prompt><URI>http://srv/a.xml</URI></MenuItem></AastraIPPhoneTextMenu>)";
    open(menu);
    auto f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    screen.on_fetch_done(answer(f.id, "<AastraIPPhoneExecute><ExecuteItem URI=\"Key:Line1\"/>"
                                      "</AastraIPPhoneExecute>"),
                         t0);
    BOOST_TEST(screen.depth() == 1U);  // a non-UI answer keeps the caller by default

    f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    const auto actions = screen.on_fetch_done(
        answer(f.id, "<AastraIPPhoneExecute triggerDestroyOnExit=\"yes\">"
                     "<ExecuteItem URI=\"Key:Line1\"/></AastraIPPhoneExecute>"),
        t0);
    BOOST_TEST(described(actions) == std::vector<std::string>{"key Line1"});
    BOOST_TEST(screen.depth() == 0U);
}

BOOST_AUTO_TEST_CASE(default_timeout_is_reset_by_keys) {
    open(menu_xml);
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 45s)));
    BOOST_TEST(screen.tick(t0 + 44s).empty());
    screen.press(key_press::of(key_kind::nav_down), t0 + 30s);
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 75s)));
    BOOST_TEST(screen.tick(t0 + 74s).empty());
    BOOST_TEST(screen.depth() == 1U);
    const auto actions = screen.tick(t0 + 75s);
    BOOST_TEST(only<notice_action>(actions).size() == 1U);
    BOOST_TEST(screen.depth() == 0U);
    BOOST_TEST(screen.render().kind == "idle");
}

BOOST_AUTO_TEST_CASE(explicit_and_disabled_timeouts) {
    open("<AastraIPPhoneTextScreen Timeout=\"0\"><Text>x</Text></AastraIPPhoneTextScreen>");
    BOOST_TEST(!screen.next_deadline().has_value());
    BOOST_TEST(screen.tick(t0 + 24h).empty());
    BOOST_TEST(screen.depth() == 1U);

    screen.press(key_press::of(key_kind::goodbye), t0);
    open("<AastraIPPhoneTextScreen Timeout=\"5\"><Text>x</Text></AastraIPPhoneTextScreen>");
    screen.tick(t0 + 5s);
    BOOST_TEST(screen.depth() == 0U);
}

BOOST_AUTO_TEST_CASE(lock_in_ignores_leaving_keys) {
    open(R"(<AastraIPPhoneTextScreen LockIn="yes"><Text>Locked</Text>
      <SoftKey index="1"><Label>OK</Label><URI>SoftKey:Exit</URI></SoftKey>
    </AastraIPPhoneTextScreen>)");
    BOOST_TEST(!screen.next_deadline().has_value());  // LockIn disables the default timeout
    BOOST_TEST(screen.press(key_press::of(key_kind::goodbye), t0).empty());
    BOOST_TEST(screen.press(key_press::of(key_kind::nav_left), t0).empty());
    BOOST_TEST(screen.press(key_press::line(1), t0).empty());
    screen.tick(t0 + 1h);
    BOOST_TEST(screen.depth() == 1U);
    // The object's own keys still work.
    screen.press(key_press::softkey(1), t0);
    BOOST_TEST(screen.depth() == 0U);
}

BOOST_AUTO_TEST_CASE(lock_in_goodbye_uri_and_incoming_call) {
    open(R"(<AastraIPPhoneTextScreen LockIn="yes" Timeout="20"
        GoodbyeLockInURI="http://srv/bye.xml"><Text>Locked</Text></AastraIPPhoneTextScreen>)");
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 20s)));
    const auto f = single_fetch(screen.press(key_press::of(key_kind::goodbye), t0));
    BOOST_TEST(f.url == "http://srv/bye.xml");
    BOOST_TEST(f.purpose == fetch_purpose::goodbye_lock_in);
    BOOST_TEST(screen.depth() == 1U);

    const auto actions = screen.incoming_call(t0);
    BOOST_TEST(described(actions) ==
               std::vector<std::string>{"cancel_fetch#" + std::to_string(f.id)});
    BOOST_TEST(screen.depth() == 0U);
}

BOOST_AUTO_TEST_CASE(input_screen_submit_builds_the_query) {
    open(R"(<AastraIPPhoneInputScreen type="string" destroyOnExit="yes">
      <Prompt>Name?</Prompt><URL>http://srv/find.php?dir=1</URL><Parameter>name</Parameter>
      <Default>Jo</Default></AastraIPPhoneInputScreen>)");
    BOOST_TEST(screen.render().lines == (std::vector<std::string>{"Name?", "Jo"}));
    screen.enter_text("hn & Mary", t0);
    screen.press(key_press::of(key_kind::nav_left), t0);  // backspace
    screen.press(key_press::keypad('7'), t0);
    const auto f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    BOOST_TEST(f.url == "http://srv/find.php?dir=1&name=John%20%26%20Mar7");
    BOOST_TEST(f.purpose == fetch_purpose::input_submit);
    screen.on_fetch_done(answer(f.id, text_xml), t0);
    BOOST_TEST(screen.depth() == 1U);  // destroyOnExit: the input screen is gone
}

BOOST_AUTO_TEST_CASE(input_screen_types_password_and_read_only) {
    open(R"(<AastraIPPhoneInputScreen type="IP" password="yes">
      <URL>http://srv/ip</URL><Parameter>addr</Parameter></AastraIPPhoneInputScreen>)");
    for (char c : std::string("10*0a*1")) screen.press(key_press::keypad(c), t0);
    BOOST_TEST(screen.render().lines.at(1) == "******");
    BOOST_TEST(single_fetch(screen.press(key_press::softkey(1), t0)).url ==
               "http://srv/ip?addr=10.0.1");
    screen.press(key_press::of(key_kind::goodbye), t0);
    screen.press(key_press::of(key_kind::goodbye), t0);

    open(R"(<AastraIPPhoneInputScreen editable="no"><URL>http://srv/ro</URL>
      <Parameter>p</Parameter><Default>fixed</Default></AastraIPPhoneInputScreen>)");
    screen.enter_text("more", t0);
    screen.press(key_press::of(key_kind::nav_left), t0);
    BOOST_TEST(single_fetch(screen.press(key_press::softkey(1), t0)).url ==
               "http://srv/ro?p=fixed");
}

BOOST_AUTO_TEST_CASE(refresh_header_refetches_in_place) {
    const auto f = single_fetch(screen.press(key_press::softkey(1), t0));
    fetch_done done = answer(f.id, text_xml);
    done.headers = {{"Content-Type", "text/xml"}, {"refresh", "5; url=http://srv/clock.xml"}};
    screen.on_fetch_done(done, t0);
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 5s)));
    BOOST_TEST(screen.tick(t0 + 4s).empty());

    const auto r = single_fetch(screen.tick(t0 + 5s));
    BOOST_TEST(r.url == "http://srv/clock.xml");
    BOOST_TEST(r.purpose == fetch_purpose::refresh);
    BOOST_TEST(!screen.loading());  // a background refresh does not show "Loading Page..."
    fetch_done again = answer(r.id, "<AastraIPPhoneTextScreen><Text>12:01</Text>"
                                    "</AastraIPPhoneTextScreen>");
    again.headers = {{"Refresh", "5; url=http://srv/clock.xml"}};
    screen.on_fetch_done(again, t0 + 6s);
    BOOST_TEST(screen.depth() == 1U);
    BOOST_TEST(screen.render().lines == std::vector<std::string>{"12:01"});
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 11s)));

    // A failed refresh stops refreshing but keeps the screen; its timeout runs from the last
    // answer that replaced it (t0 + 6 s).
    const auto r2 = single_fetch(screen.tick(t0 + 11s));
    screen.on_fetch_failed({r2.id, "timeout"}, t0 + 12s);
    BOOST_TEST(screen.depth() == 1U);
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 6s + 45s)));
}

BOOST_AUTO_TEST_CASE(bad_refresh_header_is_only_noted) {
    const auto f = single_fetch(screen.press(key_press::softkey(1), t0));
    fetch_done done = answer(f.id, text_xml);
    done.headers = {{"Refresh", "5"}};
    const auto actions = screen.on_fetch_done(done, t0);
    BOOST_TEST(only<notice_action>(actions).size() == 1U);
    BOOST_TEST(screen.depth() == 1U);
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 45s)));
}

BOOST_AUTO_TEST_CASE(execute_items_run_in_order_across_fetches) {
    const auto actions = screen.show_object(R"(<AastraIPPhoneExecute Beep="yes">
      <ExecuteItem URI="Led: softkey1=fastflash"/>
      <ExecuteItem URI="Key:KeyPad5"/>
      <ExecuteItem URI="http://srv/step.xml"/>
      <ExecuteItem URI="Dial:0301234"/>
      <ExecuteItem URI="RTPRx:239.0.0.1:10000"/>
      <ExecuteItem URI=""/>
      <ExecuteItem URI="Command: FastReboot"/>
    </AastraIPPhoneExecute>)",
                                            t0);
    const auto d = described(actions);
    BOOST_TEST_REQUIRE(d.size() == 4U);
    BOOST_TEST(d[0] == "beep");
    BOOST_TEST(d[1] == "led softkey1=fastflash");
    BOOST_TEST(d[2] == "key KeyPad5");
    const auto f = single_fetch(actions);
    BOOST_TEST(f.purpose == fetch_purpose::execute_item);
    // The rest waits for the fetch; its answer runs first, then the remaining items.
    const auto rest = screen.on_fetch_done(
        answer(f.id, "<AastraIPPhoneExecute><ExecuteItem URI=\"DialLine:2:99\"/>"
                     "</AastraIPPhoneExecute>"),
        t0);
    const auto r = described(rest);
    BOOST_TEST_REQUIRE(r.size() == 4U);
    BOOST_TEST(r[0] == "dial 99 line 2");
    BOOST_TEST(r[1] == "dial 0301234");
    BOOST_TEST(r[2].rfind("notice", 0) == 0U);
    BOOST_TEST(r[3] == "reboot fast");
}

BOOST_AUTO_TEST_CASE(aborting_an_execute_fetch_drops_the_remaining_items) {
    const auto actions = screen.show_object(
        "<AastraIPPhoneExecute><ExecuteItem URI=\"http://srv/a\"/>"
        "<ExecuteItem URI=\"Command: Reset\"/></AastraIPPhoneExecute>",
        t0);
    const auto f = single_fetch(actions);
    screen.press(key_press::of(key_kind::goodbye), t0);
    BOOST_TEST(screen.on_fetch_done(answer(f.id, ""), t0).empty());
    BOOST_TEST(screen.tick(t0 + 1s).empty());
}

BOOST_AUTO_TEST_CASE(execute_commands_map_to_actions) {
    const auto actions = screen.show_object(R"(<AastraIPPhoneExecute>
      <ExecuteItem URI="Command: Reset"/><ExecuteItem URI="Command: ClearLocal"/>
      <ExecuteItem URI="Command: Unlock"/><ExecuteItem URI="Command: UploadSystemInfo"/>
    </AastraIPPhoneExecute>)",
                                            t0);
    BOOST_TEST(described(actions) ==
               (std::vector<std::string>{"reboot", "reboot clear_local", "command Unlock",
                                         "command UploadSystemInfo"}));
}

BOOST_AUTO_TEST_CASE(configuration_each_set_type) {
    const auto actions = screen.show_object(R"(<AastraIPPhoneConfiguration>
      <ConfigurationItem setType="remote">
        <Parameter>time server1</Parameter>
        <Value>ntp1</Value>
      </ConfigurationItem>
      <ConfigurationItem setType="local">
        <Parameter>sip line1 screen name</Parameter>
        <Value>Alice</Value>
      </ConfigurationItem>
      <ConfigurationItem setType="override">
        <Parameter>xml get timeout</Parameter>
        <Value>10</Value>
      </ConfigurationItem>
      <ConfigurationItem setType="oneBoot">
        <Parameter>tone set</Parameter>
        <Value>Germany</Value>
      </ConfigurationItem>
      <ConfigurationItem>
        <Parameter firstItem="4" lastItem="5">softkey# type</Parameter>
        <Value>none</Value>
      </ConfigurationItem>
    </AastraIPPhoneConfiguration>)",
                                            t0);
    BOOST_TEST(described(actions) ==
               (std::vector<std::string>{
                   "config remote time server1: ntp1", "config local sip line1 screen name: Alice",
                   "config override xml get timeout: 10", "config oneBoot tone set: Germany",
                   "config remote softkey4 type: none", "config remote softkey5 type: none",
                   "reboot"}));

    const auto no_boot = screen.show_object(
        "<AastraIPPhoneConfiguration setType=\"local\"><ConfigurationItem><Parameter>a</Parameter>"
        "<Value>1</Value></ConfigurationItem></AastraIPPhoneConfiguration>",
        t0);
    BOOST_TEST(described(no_boot) == std::vector<std::string>{"config local a: 1"});

    const auto refused = screen.config_refused("sip line1 auth name", "locked");
    BOOST_TEST(only<error_action>(refused).size() == 1U);
    BOOST_TEST(screen.render().status_line.find("sip line1 auth name") != std::string::npos);
    screen.press(key_press::of(key_kind::nav_up), t0);
    BOOST_TEST(screen.render().status_line.empty());
}

BOOST_AUTO_TEST_CASE(status_messages_on_idle) {
    const auto actions = screen.show_object(R"(<AastraIPPhoneStatus Beep="yes">
      <Session>s1</Session>
      <Message index="1">Voicemail: 2</Message>
      <Message index="0" type="alert">Call me</Message>
      <Message index="2" Timeout="10">Soon gone</Message>
    </AastraIPPhoneStatus>)",
                                            t0);
    BOOST_TEST(only<beep_action>(actions).size() == 1U);
    BOOST_TEST(screen.render().lines ==
               (std::vector<std::string>{"! Call me", "Voicemail: 2", "Soon gone"}));
    BOOST_TEST((screen.next_deadline() == std::optional(t0 + 3s)));
    screen.tick(t0 + 3s);
    BOOST_TEST(screen.render().lines == (std::vector<std::string>{"Voicemail: 2", "Soon gone"}));
    screen.tick(t0 + 10s);
    BOOST_TEST(screen.render().lines == std::vector<std::string>{"Voicemail: 2"});

    // Same session and index with an empty text removes the message; other sessions stay.
    screen.show_object("<AastraIPPhoneStatus><Message index=\"1\">Other</Message>"
                       "</AastraIPPhoneStatus>",
                       t0);
    screen.show_object("<AastraIPPhoneStatus><Session>s1</Session><Message index=\"1\"/>"
                       "</AastraIPPhoneStatus>",
                       t0);
    BOOST_TEST(screen.render().lines == std::vector<std::string>{"Other"});
    BOOST_TEST(screen.idle_messages().at(0).session == "0");
}

BOOST_AUTO_TEST_CASE(errors_restore_the_screen) {
    open(menu_xml);
    auto f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    auto actions = screen.on_fetch_done({f.id, 404, {}, "not found"}, t0);
    BOOST_TEST(only<error_action>(actions).at(0).message == "HTTP error 404");
    BOOST_TEST(screen.render().status_line == "HTTP error 404");
    BOOST_TEST(screen.depth() == 1U);

    f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    actions = screen.on_fetch_failed({f.id, "Bad Certificate"}, t0);
    BOOST_TEST(screen.render().status_line == "Cannot load page: Bad Certificate");
    BOOST_TEST(!screen.loading());

    f = single_fetch(screen.press(key_press::of(key_kind::select), t0));
    actions = screen.on_fetch_done(answer(f.id, "<AastraIPPhoneTextMenu/>"), t0);
    BOOST_TEST(only<error_action>(actions).at(0).message.find("missing_element") == 0U);
    BOOST_TEST(screen.depth() == 1U);
}

BOOST_AUTO_TEST_CASE(oversized_push_is_refused) {
    phone_screen small({2150, 45s, 3s});
    std::string body = "<AastraIPPhoneTextScreen><Text>";
    body.append(2200, 'x');
    body += "</Text></AastraIPPhoneTextScreen>";
    const auto actions = small.show_object(body, t0);
    BOOST_TEST(only<error_action>(actions).at(0).message.find("too_large") == 0U);
    BOOST_TEST(small.depth() == 0U);
}

BOOST_AUTO_TEST_CASE(directory_and_image_menu) {
    open(R"(<AastraIPPhoneDirectory><MenuItem><Prompt>Alice</Prompt><URI>201</URI></MenuItem>
      <MenuItem><Prompt>Bob</Prompt><URI>202</URI></MenuItem></AastraIPPhoneDirectory>)");
    screen.press(key_press::of(key_kind::nav_down), t0);
    BOOST_TEST(described(screen.press(key_press::of(key_kind::select), t0)) ==
               std::vector<std::string>{"dial 202"});
    screen.press(key_press::of(key_kind::goodbye), t0);

    open(R"(<AastraIPPhoneImageMenu><Image>00</Image><URIList base="http://srv/">
      <URI key="2">two.xml</URI></URIList></AastraIPPhoneImageMenu>)");
    BOOST_TEST(screen.render().lines == std::vector<std::string>{"[image]"});
    BOOST_TEST(screen.press(key_press::keypad('1'), t0).empty());
    BOOST_TEST(single_fetch(screen.press(key_press::keypad('2'), t0)).url == "http://srv/two.xml");
}

BOOST_AUTO_TEST_CASE(stack_depth_is_bounded) {
    for (int i = 0; i < 40; ++i) {
        screen.show_object(text_xml, t0);
    }
    BOOST_TEST(screen.depth() == 32U);
}

BOOST_AUTO_TEST_SUITE_END()
