// `phone-agent fleet --devices FILE`: the CSV table of phones, and errors naming file, line and
// column.
#include "logic/fleet_devices.hpp"

#include <boost/test/unit_test.hpp>

using namespace phone_agent;

namespace {

std::vector<device_row> ok(std::string_view text) {
    auto v = parse_devices_csv(text, "devices.csv");
    if (const auto* err = std::get_if<plan_error>(&v)) BOOST_FAIL("unexpected error: " << err->message);
    return std::get<std::vector<device_row>>(v);
}

std::string error_of(std::string_view text) {
    auto v = parse_devices_csv(text, "devices.csv");
    const auto* err = std::get_if<plan_error>(&v);
    BOOST_REQUIRE_MESSAGE(err, "expected an error for: " << text);
    return err->message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_devices)

BOOST_AUTO_TEST_CASE(full_table_in_any_column_order) {
    const auto rows = ok("# lab phones\n"
                         "MAC, Model ,firmware,username,password,client_cert,client_key\n"
                         "00:08:5d:00:00:01,9480i,3.2.2.1000,dev1,\"pa,ss\"\"w\",certs/1.pem,certs/1.key\n"
                         "\n"
                         "00085D000002,,,,,,\r\n");
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].line == 3u);
    BOOST_TEST(rows[0].mac.compact_upper() == "00085D000001");
    BOOST_TEST(rows[0].model.value() == "9480i");
    BOOST_TEST(rows[0].firmware.value() == "3.2.2.1000");
    BOOST_TEST(rows[0].credentials->username == "dev1");
    BOOST_TEST(rows[0].credentials->password == "pa,ss\"w");
    BOOST_TEST(rows[0].client_cert.value() == "certs/1.pem");
    BOOST_TEST(rows[0].client_key.value() == "certs/1.key");
    BOOST_TEST(rows[1].line == 5u);
    BOOST_TEST(!rows[1].model.has_value());
    BOOST_TEST(!rows[1].firmware.has_value());
    BOOST_TEST(!rows[1].credentials.has_value());
    BOOST_TEST(!rows[1].client_cert.has_value());

    const auto only_macs = ok("firmware,mac\n3.2.2.1\t, 00085D00000A\n");
    BOOST_TEST(only_macs.at(0).mac.compact_upper() == "00085D00000A");
    BOOST_TEST(only_macs.at(0).firmware.value() == "3.2.2.1");
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_column) {
    BOOST_TEST(error_of("mac,modell\n00085D000001,9480i\n").find("devices.csv:1: unknown column 'modell'") == 0u);
    BOOST_TEST(error_of("model\n9480i\n").find("devices.csv:1: the header has no 'mac' column") == 0u);
    BOOST_TEST(error_of("mac,mac\n").find("appears twice") != std::string::npos);
    BOOST_TEST(error_of("mac,model\n00085D000001\n").find("devices.csv:2: 1 cells, the header has 2") == 0u);
    BOOST_TEST(error_of("mac\n# x\n00085D00000G\n").find("devices.csv:3: mac: ") == 0u);
    BOOST_TEST(error_of("mac,model\n00085D000001,9999i\n").find("devices.csv:2: model: ") == 0u);
    BOOST_TEST(error_of("mac\n00085D000001\n00:08:5D:00:00:01\n") ==
               "devices.csv:3: MAC 00085D000001 already listed on line 2");
    BOOST_TEST(error_of("mac,username\n00085D000001,dev1\n").find("devices.csv:2: username without password") == 0u);
    BOOST_TEST(error_of("mac,password\n00085D000001,pw\n").find("password without username") != std::string::npos);
    BOOST_TEST(error_of("mac,client_key\n00085D000001,k.pem\n").find("client_key without client_cert") !=
               std::string::npos);
    BOOST_TEST(error_of("mac,model\n\"00085D000001,9480i\n").find("devices.csv:2: unterminated quote") == 0u);
    BOOST_TEST(error_of("mac,model\n\"00085D000001\"x,9480i\n").find("text after a closing quote") != std::string::npos);
    BOOST_TEST(error_of("# nothing\n\n") == "devices.csv: no header line (mac,model,firmware,username,password,...)");
    BOOST_TEST(error_of("mac\n") == "devices.csv: no devices after the header");
}

BOOST_AUTO_TEST_SUITE_END()
