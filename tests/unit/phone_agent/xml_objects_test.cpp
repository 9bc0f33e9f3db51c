#include "logic/xml_objects.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace phone_agent;
using namespace std::chrono_literals;

namespace {

template <typename T>
T parse_as(std::string_view body) {
    auto result = parse_xml_object(body);
    if (const auto* e = std::get_if<xml_error>(&result)) {
        BOOST_FAIL("unexpected error: " << e->message);
    }
    auto& object = std::get<xml_object>(result);
    BOOST_TEST_REQUIRE(std::holds_alternative<T>(object), "got " << root_name(object));
    return std::get<T>(std::move(object));
}

xml_error parse_error(std::string_view body, std::size_t limit = default_max_object_size) {
    auto result = parse_xml_object(body, limit);
    if (std::holds_alternative<xml_object>(result)) {
        BOOST_FAIL("accepted: " << body.substr(0, 80));
    }
    return std::get<xml_error>(std::move(result));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(xml_objects)

BOOST_AUTO_TEST_CASE(text_menu_with_all_parts) {
    const auto menu = parse_as<text_menu>(R"(<?xml version="1.0" encoding="UTF-8"?>
<AastraIPPhoneTextMenu destroyOnExit="yes" defaultIndex="2" style="none" Timeout="30"
    cancelAction="http://srv/cancel" LockIn="no" Beep="yes">
  <Title>Company &amp; Co</Title>
  <MenuItem>
    <Prompt>Weather</Prompt>
    <URI>http://srv/weather.php</URI>
  </MenuItem>
  <MenuItem>
    <Prompt>Call desk</Prompt>
    <URI>http://srv/desk.php</URI>
    <Dial line="2">4711</Dial>
    <Selection>desk&amp;1</Selection>
  </MenuItem>
  <SoftKey index="6"><Label>Back</Label><URI>SoftKey:Exit</URI></SoftKey>
  <SoftKey index="1"><Label>Open</Label><URI>http://srv/open.php</URI></SoftKey>
</AastraIPPhoneTextMenu>)");
    BOOST_TEST(menu.ui.title == "Company & Co");
    BOOST_TEST(menu.ui.destroy_on_exit);
    BOOST_TEST(menu.ui.beep);
    BOOST_TEST(menu.ui.cancel_action == "http://srv/cancel");
    BOOST_TEST((menu.ui.timeout == std::optional(30s)));
    BOOST_TEST(menu.default_index == 1U);
    BOOST_TEST(menu.style == "none");
    BOOST_TEST_REQUIRE(menu.items.size() == 2U);
    BOOST_TEST(menu.items[0].prompt == "Weather");
    BOOST_TEST(menu.items[0].uri == "http://srv/weather.php");
    BOOST_TEST(!menu.items[0].dial.has_value());
    BOOST_TEST_REQUIRE(menu.items[1].dial.has_value());
    BOOST_TEST(menu.items[1].dial->number == "4711");
    BOOST_TEST((menu.items[1].dial->line == std::optional(2)));
    BOOST_TEST((menu.items[1].selection == std::optional<std::string>("desk&1")));
    BOOST_TEST_REQUIRE(menu.ui.softkeys.size() == 2U);
    BOOST_TEST(menu.ui.softkeys[0].index == 1);  // sorted by index
    BOOST_TEST(menu.ui.softkeys[1].label == "Back");
}

BOOST_AUTO_TEST_CASE(text_screen_and_timeouts) {
    const auto screen = parse_as<text_screen>(
        "<AastraIPPhoneTextScreen DestroyOnExit=\"YES\" doneAction=\"http://s/done\">"
        "<Title>Note</Title><Text>Line one\nLine two</Text></AastraIPPhoneTextScreen>");
    BOOST_TEST(screen.text == "Line one\nLine two");
    BOOST_TEST(screen.ui.destroy_on_exit);  // attribute names are case-insensitive
    BOOST_TEST(screen.ui.done_action == "http://s/done");
    BOOST_TEST((effective_timeout(screen.ui, 45s) == std::optional(45s)));

    ui_attributes ui;
    ui.timeout = 0s;
    BOOST_TEST(!effective_timeout(ui, 45s).has_value());
    ui = {};
    ui.lock_in = true;
    BOOST_TEST(!effective_timeout(ui, 45s).has_value());
    ui.timeout = 10s;
    BOOST_TEST((effective_timeout(ui, 45s) == std::optional(10s)));
}

BOOST_AUTO_TEST_CASE(formatted_text_screen_with_scroll) {
    const auto screen = parse_as<formatted_text_screen>(R"(
<AastraIPPhoneFormattedTextScreen Timeout="0">
  <Line Size="double" Align="center">Header</Line>
  <Scroll Height="3">
    <Line>Row 1</Line>
    <Line Align="right">Row 2</Line>
  </Scroll>
  <Line>Footer</Line>
</AastraIPPhoneFormattedTextScreen>)");
    BOOST_TEST_REQUIRE(screen.lines.size() == 4U);
    BOOST_TEST(screen.lines[0].text == "Header");
    BOOST_TEST(screen.lines[0].size == "double");
    BOOST_TEST(screen.lines[0].align == "center");
    BOOST_TEST(!screen.lines[0].in_scroll);
    BOOST_TEST(screen.lines[2].in_scroll);
    BOOST_TEST(screen.lines[2].align == "right");
    BOOST_TEST(!screen.lines[3].in_scroll);
    BOOST_TEST((screen.scroll_height == std::optional(3)));
    BOOST_TEST((screen.ui.timeout == std::optional(0s)));
}

BOOST_AUTO_TEST_CASE(input_screen_fields) {
    const auto in = parse_as<input_screen>(R"(
<AastraIPPhoneInputScreen type="number" password="yes" editable="yes" destroyOnExit="yes">
  <Title>PIN</Title>
  <Prompt>Enter PIN</Prompt>
  <URL>http://srv/pin.php?user=7</URL>
  <Parameter>pin</Parameter>
  <Default>12</Default>
</AastraIPPhoneInputScreen>)");
    BOOST_TEST(in.type == input_type::number);
    BOOST_TEST(in.password);
    BOOST_TEST(in.editable);
    BOOST_TEST(in.prompt == "Enter PIN");
    BOOST_TEST(in.url == "http://srv/pin.php?user=7");
    BOOST_TEST(in.parameter == "pin");
    BOOST_TEST(in.default_value == "12");

    const auto ip = parse_as<input_screen>(
        "<AastraIPPhoneInputScreen type=\"IP\" editable=\"no\"><URL>http://s/</URL>"
        "<Parameter>ip</Parameter></AastraIPPhoneInputScreen>");
    BOOST_TEST(ip.type == input_type::ip);
    BOOST_TEST(!ip.editable);
    BOOST_TEST(!ip.password);
}

BOOST_AUTO_TEST_CASE(directory_and_images) {
    const auto dir = parse_as<directory>(R"(
<AastraIPPhoneDirectory>
  <Title>Staff</Title>
  <MenuItem><Prompt>Alice</Prompt><URI>201</URI></MenuItem>
  <MenuItem><Prompt>Bob</Prompt><URI>202</URI></MenuItem>
</AastraIPPhoneDirectory>)");
    BOOST_TEST_REQUIRE(dir.items.size() == 2U);
    BOOST_TEST(dir.items[1].uri == "202");

    const auto image = parse_as<image_screen>(
        "<AastraIPPhoneImageScreen><Image height=\"40\" width=\"40\">FFFF</Image>"
        "</AastraIPPhoneImageScreen>");
    BOOST_TEST(image.ui.title.empty());

    const auto menu = parse_as<image_menu>(R"(
<AastraIPPhoneImageMenu>
  <Image>00FF</Image>
  <URIList base="http://srv/">
    <URI key="1">one.xml</URI>
    <URI key="#">pound.xml</URI>
  </URIList>
</AastraIPPhoneImageMenu>)");
    BOOST_TEST_REQUIRE(menu.uris.size() == 2U);
    BOOST_TEST(menu.uris[0].key == '1');
    BOOST_TEST(menu.uris[0].uri == "http://srv/one.xml");
    BOOST_TEST(menu.uris[1].key == '#');
}

BOOST_AUTO_TEST_CASE(status_messages) {
    const auto st = parse_as<status>(R"(
<AastraIPPhoneStatus Beep="yes">
  <Session>weather</Session>
  <Message index="0">Sunny 21C</Message>
  <Message index="1" type="alert" Timeout="5" URI="http://srv/alert">Storm!</Message>
  <Message index="2"></Message>
</AastraIPPhoneStatus>)");
    BOOST_TEST(st.beep);
    BOOST_TEST(st.session == "weather");
    BOOST_TEST_REQUIRE(st.messages.size() == 3U);
    BOOST_TEST(st.messages[0].type == status_type::normal);
    BOOST_TEST(st.messages[1].type == status_type::alert);
    BOOST_TEST((st.messages[1].timeout == std::optional(5s)));
    BOOST_TEST(st.messages[1].uri == "http://srv/alert");
    BOOST_TEST(st.messages[2].text.empty());

    const auto plain = parse_as<status>(
        "<AastraIPPhoneStatus><Message index=\"0\">x</Message></AastraIPPhoneStatus>");
    BOOST_TEST(plain.session == "0");
}

BOOST_AUTO_TEST_CASE(execute_items_are_classified) {
    const auto ex = parse_as<execute>(R"(
<AastraIPPhoneExecute triggerDestroyOnExit="yes">
  <ExecuteItem URI="Led: softkey1=slowflash"/>
  <ExecuteItem URI="Key:Line1"/>
  <ExecuteItem URI="Dial:4711"/>
  <ExecuteItem URI="DialLine:2:0301234"/>
  <ExecuteItem URI="http://srv/next.xml"/>
  <ExecuteItem URI=""/>
  <ExecuteItem URI="RTPRx:239.0.0.1:10000"/>
  <ExecuteItem URI="Command: Reset"/>
  <ExecuteItem URI="Command:FastReboot"/>
  <ExecuteItem URI="Command: ClearLocal"/>
  <ExecuteItem URI="Command: Lock"/>
</AastraIPPhoneExecute>)");
    BOOST_TEST(ex.trigger_destroy_on_exit);
    BOOST_TEST_REQUIRE(ex.items.size() == 11U);
    const auto& led = std::get<exec_led>(ex.items[0].request);
    BOOST_TEST(led.key == "softkey1");
    BOOST_TEST(led.state == led_state::slow_flash);
    BOOST_TEST(std::get<exec_key>(ex.items[1].request).key == "Line1");
    BOOST_TEST(std::get<exec_dial>(ex.items[2].request).target.number == "4711");
    BOOST_TEST(!std::get<exec_dial>(ex.items[2].request).target.line.has_value());
    BOOST_TEST((std::get<exec_dial>(ex.items[3].request).target.line == std::optional(2)));
    BOOST_TEST(std::get<exec_fetch>(ex.items[4].request).url == "http://srv/next.xml");
    BOOST_TEST(std::holds_alternative<exec_noop>(ex.items[5].request));
    BOOST_TEST(std::holds_alternative<exec_unsupported>(ex.items[6].request));
    BOOST_TEST(std::get<exec_command>(ex.items[7].request).command == phone_command::reset);
    BOOST_TEST(std::get<exec_command>(ex.items[8].request).command == phone_command::fast_reboot);
    BOOST_TEST(std::get<exec_command>(ex.items[9].request).command == phone_command::clear_local);
    BOOST_TEST(std::get<exec_command>(ex.items[10].request).command == phone_command::lock);
}

BOOST_AUTO_TEST_CASE(configuration_set_types_and_ranges) {
    const auto cfg = parse_as<configuration>(R"(
<AastraIPPhoneConfiguration setType="local" Beep="yes">
  <ConfigurationItem>
    <Parameter>sip line1 screen name</Parameter>
    <Value>Alice</Value>
  </ConfigurationItem>
  <ConfigurationItem setType="remote">
    <Parameter>time server1</Parameter>
    <Value>pool.ntp.org</Value>
  </ConfigurationItem>
  <ConfigurationItem setType="oneBoot">
    <Parameter>tone set</Parameter>
    <Value>Germany</Value>
  </ConfigurationItem>
  <ConfigurationItem setType="override">
    <Parameter>xml get timeout</Parameter>
    <Value>10</Value>
  </ConfigurationItem>
  <ConfigurationItem>
    <Parameter firstItem="1" lastItem="3">softkey# type</Parameter>
    <Value>empty</Value>
  </ConfigurationItem>
</AastraIPPhoneConfiguration>)");
    BOOST_TEST(cfg.beep);
    BOOST_TEST_REQUIRE(cfg.items.size() == 5U);
    BOOST_TEST(cfg.items[0].type == set_type::local);  // root setType applies
    BOOST_TEST(cfg.items[1].type == set_type::remote);
    BOOST_TEST(cfg.items[2].type == set_type::one_boot);
    BOOST_TEST(cfg.items[3].type == set_type::override_);
    BOOST_TEST(cfg.items[0].value == "Alice");
    const auto expanded = expand(cfg.items[4]);
    BOOST_TEST_REQUIRE(expanded.size() == 3U);
    BOOST_TEST(expanded[0].key == "softkey1 type");
    BOOST_TEST(expanded[2].key == "softkey3 type");
    BOOST_TEST(expanded[2].value == "empty");
    BOOST_TEST(expanded[2].type == set_type::local);

    const auto plain = parse_as<configuration>(
        "<AastraIPPhoneConfiguration><ConfigurationItem><Parameter>a</Parameter><Value/>"
        "</ConfigurationItem></AastraIPPhoneConfiguration>");
    BOOST_TEST(plain.items[0].type == set_type::remote);  // the firmware default
    BOOST_TEST(plain.items[0].value.empty());
}

BOOST_AUTO_TEST_CASE(latin1_declaration_is_converted) {
    const auto screen = parse_as<text_screen>(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
        "<AastraIPPhoneTextScreen><Text>Caf\xe9</Text></AastraIPPhoneTextScreen>");
    BOOST_TEST(screen.text == "Caf\xc3\xa9");
}

BOOST_AUTO_TEST_CASE(errors_name_the_element_and_offset) {
    struct row {
        const char* body;
        xml_error_kind kind;
        const char* where;
    };
    const row rows[] = {
        {"<AastraIPPhoneTextScreen><Text>x</Text>", xml_error_kind::malformed, ""},
        {"", xml_error_kind::malformed, ""},
        {"<AastraIPPhoneTextScreen><Text>a</Text></AastraIPPhoneTextScreen><x/>",
         xml_error_kind::malformed, "x"},
        {"<AastraIPPhoneFoo/>", xml_error_kind::unknown_root, "AastraIPPhoneFoo"},
        {"<html><body/></html>", xml_error_kind::unknown_root, "html"},
        {"<AastraIPPhoneTextMenu><MenuItem><Prompt>p</Prompt></MenuItem></AastraIPPhoneTextMenu>",
         xml_error_kind::missing_element, "AastraIPPhoneTextMenu/MenuItem"},
        {"<AastraIPPhoneTextMenu/>", xml_error_kind::missing_element, "AastraIPPhoneTextMenu"},
        {"<AastraIPPhoneTextScreen/>", xml_error_kind::missing_element, "AastraIPPhoneTextScreen"},
        {"<AastraIPPhoneTextScreen destroyOnExit=\"maybe\"><Text>x</Text>"
         "</AastraIPPhoneTextScreen>",
         xml_error_kind::bad_attribute, "AastraIPPhoneTextScreen/@destroyOnExit"},
        {"<AastraIPPhoneTextScreen Timeout=\"-1\"><Text>x</Text></AastraIPPhoneTextScreen>",
         xml_error_kind::bad_attribute, "AastraIPPhoneTextScreen/@Timeout"},
        {"<AastraIPPhoneTextScreen Timeout=\"10s\"><Text>x</Text></AastraIPPhoneTextScreen>",
         xml_error_kind::bad_attribute, "AastraIPPhoneTextScreen/@Timeout"},
        {"<AastraIPPhoneTextMenu defaultIndex=\"3\"><MenuItem><URI>http://a</URI></MenuItem>"
         "</AastraIPPhoneTextMenu>",
         xml_error_kind::bad_attribute, "AastraIPPhoneTextMenu/@defaultIndex"},
        {"<AastraIPPhoneTextScreen><Text>x</Text><SoftKey index=\"11\"><URI>a</URI></SoftKey>"
         "</AastraIPPhoneTextScreen>",
         xml_error_kind::bad_attribute, "AastraIPPhoneTextScreen/SoftKey/@index"},
        {"<AastraIPPhoneTextScreen><Text>x</Text><SoftKey index=\"1\"><Label>a</Label></SoftKey>"
         "</AastraIPPhoneTextScreen>",
         xml_error_kind::missing_element, "AastraIPPhoneTextScreen/SoftKey"},
        {"<AastraIPPhoneInputScreen type=\"hex\"><URL>u</URL><Parameter>p</Parameter>"
         "</AastraIPPhoneInputScreen>",
         xml_error_kind::bad_attribute, "AastraIPPhoneInputScreen/@type"},
        {"<AastraIPPhoneInputScreen><Parameter>p</Parameter></AastraIPPhoneInputScreen>",
         xml_error_kind::missing_element, "AastraIPPhoneInputScreen"},
        {"<AastraIPPhoneExecute><ExecuteItem URI=\"Led: l1=blink\"/></AastraIPPhoneExecute>",
         xml_error_kind::bad_attribute, "AastraIPPhoneExecute/ExecuteItem/@URI"},
        {"<AastraIPPhoneExecute><ExecuteItem URI=\"Dial:\"/></AastraIPPhoneExecute>",
         xml_error_kind::bad_attribute, "AastraIPPhoneExecute/ExecuteItem/@URI"},
        {"<AastraIPPhoneExecute/>", xml_error_kind::missing_element, "AastraIPPhoneExecute"},
        {"<AastraIPPhoneConfiguration><ConfigurationItem setType=\"forever\"><Parameter>a"
         "</Parameter><Value>b</Value></ConfigurationItem></AastraIPPhoneConfiguration>",
         xml_error_kind::bad_attribute, "AastraIPPhoneConfiguration/ConfigurationItem/@setType"},
        {"<AastraIPPhoneConfiguration><ConfigurationItem><Parameter firstItem=\"1\" "
         "lastItem=\"3\">softkey type</Parameter><Value>b</Value></ConfigurationItem>"
         "</AastraIPPhoneConfiguration>",
         xml_error_kind::bad_attribute,
         "AastraIPPhoneConfiguration/ConfigurationItem/Parameter/@firstItem"},
        {"<AastraIPPhoneConfiguration><ConfigurationItem><Parameter firstItem=\"1\" "
         "lastItem=\"900\">k#</Parameter><Value>b</Value></ConfigurationItem>"
         "</AastraIPPhoneConfiguration>",
         xml_error_kind::bad_attribute,
         "AastraIPPhoneConfiguration/ConfigurationItem/Parameter/@lastItem"},
        {"<AastraIPPhoneConfiguration><ConfigurationItem><Parameter>a</Parameter>"
         "</ConfigurationItem></AastraIPPhoneConfiguration>",
         xml_error_kind::missing_element, "AastraIPPhoneConfiguration/ConfigurationItem"},
        {"<AastraIPPhoneStatus><Message type=\"alert\">x</Message></AastraIPPhoneStatus>",
         xml_error_kind::missing_element, "AastraIPPhoneStatus/Message/@index"},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.body) {
            const auto e = parse_error(r.body);
            BOOST_TEST(e.kind == r.kind);
            BOOST_TEST(e.where == r.where);
            BOOST_TEST(e.message.find("offset") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(offsets_point_into_the_body) {
    const std::string body =
        "<AastraIPPhoneTextMenu>\n  <MenuItem><Prompt>a</Prompt><URI>http://a</URI></MenuItem>\n"
        "  <MenuItem><Prompt>b</Prompt></MenuItem>\n</AastraIPPhoneTextMenu>";
    const auto e = parse_error(body);
    BOOST_TEST(e.offset == body.find("MenuItem><Prompt>b"));
    const auto bad =
        parse_error("<AastraIPPhoneTextScreen><Text>a</Tex></AastraIPPhoneTextScreen>");
    BOOST_TEST(bad.kind == xml_error_kind::malformed);
    BOOST_TEST(bad.offset > 0U);
    BOOST_TEST(bad.message.find("mismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(size_limit_is_checked_before_parsing) {
    std::string body = "<AastraIPPhoneTextScreen><Text>";
    body.append(10000, 'x');
    body.append("</Text></AastraIPPhoneTextScreen>");
    const auto e = parse_error(body);
    BOOST_TEST(e.kind == xml_error_kind::too_large);
    BOOST_TEST(e.message.find(std::to_string(body.size())) != std::string::npos);
    // The 2.x limit is a parameter.
    BOOST_TEST(parse_error("<AastraIPPhoneTextScreen><Text>12345</Text></AastraIPPhoneTextScreen>",
                           20)
                   .kind == xml_error_kind::too_large);
    // Exactly at the limit is fine.
    const std::string exact = "<AastraIPPhoneTextScreen><Text>x</Text></AastraIPPhoneTextScreen>";
    BOOST_TEST(std::holds_alternative<xml_object>(parse_xml_object(exact, exact.size())));
}

BOOST_AUTO_TEST_CASE(entity_bombs_and_external_entities_are_refused) {
    const std::string laughs = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<AastraIPPhoneTextScreen><Text>&lol3;</Text></AastraIPPhoneTextScreen>)";
    const auto e = parse_error(laughs);
    BOOST_TEST(e.kind == xml_error_kind::doctype);
    // pugixml points inside the declaration (at its value), not at "<!".
    BOOST_TEST(e.offset > laughs.find("<!DOCTYPE"));
    BOOST_TEST(e.offset < laughs.find("<AastraIPPhone"));

    const auto xxe = parse_error(
        "<!DOCTYPE t [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        "<AastraIPPhoneTextScreen><Text>&xxe;</Text></AastraIPPhoneTextScreen>");
    BOOST_TEST(xxe.kind == xml_error_kind::doctype);

    // Without a DOCTYPE an undeclared entity is left as literal text, never resolved.
    const auto screen = parse_as<text_screen>(
        "<AastraIPPhoneTextScreen><Text>&lol3; &lt;ok&gt; &#65;</Text></AastraIPPhoneTextScreen>");
    BOOST_TEST(screen.text == "&lol3; <ok> A");
}

BOOST_AUTO_TEST_CASE(menu_item_limit) {
    std::string body = "<AastraIPPhoneTextMenu>";
    for (int i = 0; i < 31; ++i) {
        body += "<MenuItem><Prompt>p</Prompt><URI>http://a</URI></MenuItem>";
    }
    body += "</AastraIPPhoneTextMenu>";
    BOOST_TEST(parse_error(body).kind == xml_error_kind::bad_attribute);
}

BOOST_AUTO_TEST_CASE(refresh_header) {
    const auto ok = parse_refresh_header("5; url=http://srv/clock.xml?x=1");
    BOOST_TEST_REQUIRE(std::holds_alternative<refresh_directive>(ok));
    BOOST_TEST(std::get<refresh_directive>(ok).delay == 5s);
    BOOST_TEST(std::get<refresh_directive>(ok).url == "http://srv/clock.xml?x=1");
    const auto spaced = parse_refresh_header(" 30 ;URL = https://srv/a ");
    BOOST_TEST_REQUIRE(std::holds_alternative<refresh_directive>(spaced));
    BOOST_TEST(std::get<refresh_directive>(spaced).url == "https://srv/a");
    for (const char* bad : {"5", "5;", "; url=http://a", "0; url=http://a", "x; url=http://a",
                            "5; http://a", "5; url=", "999999; url=http://a"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(std::holds_alternative<std::string>(parse_refresh_header(bad)));
        }
    }
}

BOOST_AUTO_TEST_CASE(ui_of_separates_screen_objects) {
    BOOST_TEST(ui_of(xml_object{text_screen{}}) != nullptr);
    BOOST_TEST(ui_of(xml_object{image_menu{}}) != nullptr);
    BOOST_TEST(ui_of(xml_object{status{}}) == nullptr);
    BOOST_TEST(ui_of(xml_object{execute{}}) == nullptr);
    BOOST_TEST(ui_of(xml_object{configuration{}}) == nullptr);
    BOOST_TEST(root_name(xml_object{configuration{}}) == "AastraIPPhoneConfiguration");
}

BOOST_AUTO_TEST_SUITE_END()
