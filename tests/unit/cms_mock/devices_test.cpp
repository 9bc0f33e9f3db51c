#include "logic/devices.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace cms_mock;

namespace {

device_table parse_ok(std::string_view csv) {
    auto r = parse_devices_csv(csv, "devices.csv");
    if (const auto* e = std::get_if<device_error>(&r)) {
        BOOST_FAIL("unexpected error: " << e->message);
    }
    return std::get<device_table>(std::move(r));
}

std::string parse_error(std::string_view csv) {
    const auto r = parse_devices_csv(csv, "devices.csv");
    const auto* e = std::get_if<device_error>(&r);
    BOOST_TEST_REQUIRE(e != nullptr);
    return e->message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(table_finds_by_any_mac_spelling) {
    device_table t;
    device d;
    d.mac = "00-08-5d-1a-2b-3c";
    d.model = "9480I";
    d.device_username = "dev1";
    d.user_username = "alice@example.com";
    BOOST_TEST(!t.insert(d).has_value());
    BOOST_TEST(t.size() == 1u);
    for (const auto* spelling : {"00085D1A2B3C", "00085d1a2b3c", "00:08:5D:1A:2B:3C"}) {
        const device* found = std::as_const(t).find(spelling);
        BOOST_TEST_REQUIRE(found != nullptr);
        BOOST_TEST(found->mac == "00085D1A2B3C");
        BOOST_TEST(found->model == "9480i");
    }
    BOOST_TEST(t.find("00085D1A2B3D") == nullptr);
    BOOST_TEST(t.find("not a mac") == nullptr);
    BOOST_TEST(t.find_by_device_username("dev1") == t.find("00085D1A2B3C"));
    BOOST_TEST(t.find_by_device_username("DEV1") == nullptr);
    BOOST_TEST(t.find_by_user_username("alice@example.com") == t.find("00085D1A2B3C"));

    // Runtime state is changed through the mutable lookup.
    t.find("00085d1a2b3c")->logged_in_once = true;
    BOOST_TEST(t.find("00085D1A2B3C")->logged_in_once);

    const auto dup = t.insert(d);
    BOOST_TEST_REQUIRE(dup.has_value());
    BOOST_TEST(dup->message.find("duplicate MAC 00085D1A2B3C") != std::string::npos);
    d.mac = "00085D";
    BOOST_TEST(t.insert(d).has_value());
    d.mac = "00085D000009";
    d.model = "1234i";
    BOOST_TEST(t.insert(d).has_value());
    BOOST_TEST(t.size() == 1u);
}

BOOST_AUTO_TEST_CASE(list_is_ordered_by_mac) {
    device_table t;
    for (const auto* mac : {"00085D000003", "00085D000001", "00085D000002"}) {
        device d;
        d.mac = mac;
        d.model = "6731i";
        BOOST_TEST(!t.insert(d).has_value());
    }
    const auto all = t.list();
    BOOST_TEST_REQUIRE(all.size() == 3u);
    BOOST_TEST(all[0]->mac == "00085D000001");
    BOOST_TEST(all[2]->mac == "00085D000003");
}

BOOST_AUTO_TEST_CASE(csv_good_file) {
    const auto t = parse_ok(
        "\xEF\xBB\xBF"
        "MAC, model ,firmware,device_username,device_password,user_username,user_password,"
        "line1_auth_name,line1_password,line1_user_name,line1_display_name,line1_registrar,"
        "line2_auth_name,timezone,previous_password\r\n"
        "00-08-5d-1a-2b-3c,9480i,3.2.2.3077,dev1,pw1,alice@example.com,1234,"
        "1001,s3cret,1001,\"Alice, Front Desk\",pbx.example.com,,Europe/Berlin,\r\n"
        "\r\n"
        "00085D1A2B3D,6731i,3.2.2.1136,dev2,\"pw with \"\"quotes\"\"\",bob@example.com,  42  ,"
        ",,,,,2002,\"multi\nline\",old-pw\n");
    BOOST_TEST(t.size() == 2u);
    const auto* a = t.find("00085D1A2B3C");
    BOOST_TEST_REQUIRE(a != nullptr);
    BOOST_TEST(a->model == "9480i");
    BOOST_TEST(a->firmware_version == "3.2.2.3077");
    BOOST_TEST(a->device_username == "dev1");
    BOOST_TEST(a->device_password == "pw1");
    BOOST_TEST(a->user_username == "alice@example.com");
    BOOST_TEST(a->user_password == "1234");
    BOOST_TEST(!a->previous_password.has_value());
    BOOST_TEST_REQUIRE(a->lines.size() == 1u);
    BOOST_TEST((a->lines[0] == sip_line{"1001", "s3cret", "1001", "Alice, Front Desk",
                                        "pbx.example.com"}));
    BOOST_TEST(a->extra.at("timezone") == "Europe/Berlin");

    const auto* b = t.find("00085D1A2B3D");
    BOOST_TEST_REQUIRE(b != nullptr);
    BOOST_TEST(b->device_password == "pw with \"quotes\"");
    BOOST_TEST(b->user_password == "42");  // unquoted values are trimmed
    BOOST_TEST(b->previous_password.value_or("") == "old-pw");
    BOOST_TEST_REQUIRE(b->lines.size() == 2u);  // line 1 empty, line 2 set
    BOOST_TEST(b->lines[0].auth_name.empty());
    BOOST_TEST(b->lines[1].auth_name == "2002");
    BOOST_TEST(b->extra.at("timezone") == "multi\nline");
}

BOOST_AUTO_TEST_CASE(csv_minimal_columns_and_no_rows) {
    const auto t = parse_ok("mac,model\n00085D000001,6739i\n");
    BOOST_TEST(t.size() == 1u);
    BOOST_TEST(t.find("00085D000001")->lines.empty());
    BOOST_TEST(parse_ok("mac,model\n").empty());
    BOOST_TEST(parse_ok("mac,model").empty());
    BOOST_TEST(parse_ok("mac,model\n00085D000001,6739i").size() == 1u);  // no final newline
}

BOOST_AUTO_TEST_CASE(csv_errors_name_line_and_column) {
    struct row {
        const char* csv;
        const char* expected;  // prefix of the message
    };
    const row rows[] = {
        {"", "devices.csv:1:1: no header row"},
        {"model,firmware\n", "devices.csv:1:1: missing required column 'mac'"},
        {"mac,firmware\n", "devices.csv:1:1: missing required column 'model'"},
        {"mac,model,MAC\n", "devices.csv:1:11: duplicate column 'MAC'"},
        {"mac,,model\n", "devices.csv:1:5: empty column name"},
        {"mac,model\n00085D000001,6731i\n00085D00000X,6731i\n",
         "devices.csv:3:1: invalid MAC '00085D00000X'"},
        {"mac,model\n00085D000001,6731i\n00085D000001,6739i\n",
         "devices.csv:3:1: duplicate MAC 00085D000001 (first on line 2)"},
        {"mac,model\n00085D000001,1234i\n", "devices.csv:2:14: unknown model '1234i'"},
        {"mac,model\n00085D000001,6731i,extra\n", "devices.csv:2:20: expected 2 fields, found 3"},
        {"mac,model\n00085D000001\n", "devices.csv:2:1: expected 2 fields, found 1"},
        {"mac,model\n00085D000001,67\"31i\n", "devices.csv:2:16: quote inside an unquoted field"},
        {"mac,model\n00085D000001,\"6731i\n", "devices.csv:2:14: unterminated quoted field"},
        {"mac,model\n00085D000001,\"6731i\"x\n",
         "devices.csv:2:21: unexpected character after closing quote"},
        // Line numbers keep counting through quoted newlines.
        {"mac,model,note\n00085D000001,6731i,\"a\nb\nc\"\n00085D000002,bad\n",
         "devices.csv:5:14: expected 3 fields, found 2"},
        {"mac,model\r\n00085D000001,6731i\r\n\r\nzz,6731i\r\n", "devices.csv:4:1: invalid MAC 'zz'"},
        {"mac,model\n00085D000001,67\r31i\n", "devices.csv:2:16: bare CR in a field"},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT("csv: " << r.csv) {
            const auto msg = parse_error(r.csv);
            BOOST_TEST_INFO("message: " << msg);
            BOOST_TEST(msg.starts_with(r.expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(demo_table) {
    const auto t = demo_devices();
    BOOST_TEST_REQUIRE(t.size() == 3u);
    const auto all = t.list();
    BOOST_TEST(all[0]->mac == "00085D000001");
    BOOST_TEST(all[0]->model == "6731i");
    BOOST_TEST(all[1]->model == "6739i");
    BOOST_TEST(all[2]->mac == "00085D000003");
    BOOST_TEST(all[2]->model == "9480i");
    BOOST_TEST(all[0]->device_username == "dev000001");
    BOOST_TEST(all[0]->device_password == "pw000001");
    BOOST_TEST(all[0]->user_username == "alice@example.com");
    BOOST_TEST(all[0]->user_password == "1234");
    for (const auto* d : all) {
        BOOST_TEST(d->lines.size() == 1u);
        BOOST_TEST(!d->firmware_version.empty());
        BOOST_TEST(!d->logged_in_once);
    }
    BOOST_TEST(all[1]->lines[0].auth_name == "1002");
}
