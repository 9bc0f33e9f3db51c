#include "logic/var_substitution.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace phone_agent;

BOOST_AUTO_TEST_SUITE(var_substitution)

BOOST_AUTO_TEST_CASE(every_documented_token_round_trips) {
    for (std::size_t i = 0; i < phone_variable_count; ++i) {
        const auto v = static_cast<phone_variable>(i);
        BOOST_TEST_CONTEXT(token_name(v)) {
            BOOST_TEST((variable_from_token(token_name(v)) == v));
        }
    }
    BOOST_TEST(!variable_from_token("MACADDRESS").has_value());
    BOOST_TEST(!variable_from_token("remotenumber").has_value());
}

BOOST_AUTO_TEST_CASE(substitutes_known_variables_percent_encoded) {
    variable_values vars;
    vars.set(phone_variable::remote_number, "+49 (30) 1234");
    vars.set(phone_variable::sip_user_name, "alice");
    vars.set(phone_variable::local_ip, "10.0.0.5");
    const auto url = substitute_variables(
        "http://10.50.10.140/incoming.php?number=$$REMOTENUMBER$$&user=$$SIPUSERNAME$$"
        "&ip=$$LOCALIP$$",
        vars);
    BOOST_TEST(url ==
               "http://10.50.10.140/incoming.php?number=%2B49%20%2830%29%201234&user=alice"
               "&ip=10.0.0.5");
}

BOOST_AUTO_TEST_CASE(unset_known_variable_becomes_empty) {
    const variable_values vars;
    BOOST_TEST(substitute_variables("http://h/x?n=$$REMOTENUMBER$$&d=$$CALLDURATION$$", vars) ==
               "http://h/x?n=&d=");
}

BOOST_AUTO_TEST_CASE(unknown_and_unpaired_tokens_stay_verbatim) {
    variable_values vars;
    vars.set(phone_variable::display_name, "Bob");
    BOOST_TEST(substitute_variables("http://h/?m=$$MACADDRESS$$", vars) ==
               "http://h/?m=$$MACADDRESS$$");
    BOOST_TEST(substitute_variables("http://h/?a=$$DISPLAYNAME", vars) ==
               "http://h/?a=$$DISPLAYNAME");
    BOOST_TEST(substitute_variables("$$$$DISPLAYNAME$$", vars) == "$$Bob");
    BOOST_TEST(substitute_variables("no tokens", vars) == "no tokens");
    BOOST_TEST(substitute_variables("", vars).empty());
}

BOOST_AUTO_TEST_CASE(values_cannot_inject_tokens_or_query_syntax) {
    variable_values vars;
    vars.set(phone_variable::incoming_name, "$$SIPUSERNAME$$&admin=1");
    vars.set(phone_variable::sip_user_name, "secret");
    const auto url = substitute_variables("http://h/?n=$$INCOMINGNAME$$", vars);
    BOOST_TEST(url == "http://h/?n=%24%24SIPUSERNAME%24%24%26admin%3D1");
}

BOOST_AUTO_TEST_CASE(percent_encoding_keeps_only_unreserved) {
    BOOST_TEST(percent_encode("AZaz09-._~") == "AZaz09-._~");
    BOOST_TEST(percent_encode("a b/c?d#e") == "a%20b%2Fc%3Fd%23e");
    BOOST_TEST(percent_encode("\xc3\xa9") == "%C3%A9");
    BOOST_TEST(percent_encode(std::string(1, '\0')) == "%00");
}

BOOST_AUTO_TEST_CASE(clear_resets_a_value) {
    variable_values vars;
    vars.set(phone_variable::line_state, "CONNECTED");
    BOOST_TEST(vars.get(phone_variable::line_state) == "CONNECTED");
    vars.clear(phone_variable::line_state);
    BOOST_TEST(vars.get(phone_variable::line_state).empty());
}

BOOST_AUTO_TEST_CASE(local_ip_is_never_a_wildcard_address) {
    const std::vector<std::string> ifaces{"127.0.0.1", "::1", "192.0.2.7", "198.51.100.1"};
    BOOST_TEST(choose_local_ip("10.1.1.5", "192.0.2.9", ifaces) == "10.1.1.5");
    BOOST_TEST(choose_local_ip("0.0.0.0", "192.0.2.9", ifaces) == "192.0.2.9");
    BOOST_TEST(choose_local_ip("::", "", ifaces) == "192.0.2.7");
    BOOST_TEST(choose_local_ip("0.0.0.0", "0.0.0.0", {"127.0.0.1"}) == "127.0.0.1");
    BOOST_TEST(choose_local_ip("", "", {}) == "127.0.0.1");
    // A route to a server on loopback is loopback: that is what the server sees.
    BOOST_TEST(choose_local_ip("0.0.0.0", "127.0.0.1", ifaces) == "127.0.0.1");
}

BOOST_AUTO_TEST_SUITE_END()
