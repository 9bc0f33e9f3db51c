// The phone's Web UI logic: logins from the configuration layers, Basic auth, form parsing, the
// Configuration Server field mapping, pages, and key names.
#include "logic/web_ui.hpp"

#include "common/aastra/config_layers.hpp"
#include "common/auth/basic.hpp"

#include <boost/test/unit_test.hpp>

using namespace phone_agent;
using namespace phone_agent::web;

namespace {

std::string basic(std::string_view user, std::string_view password) {
    return std::get<std::string>(common::auth::basic_authorization(user, password));
}

bool contains(std::string_view text, std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(web_ui)

BOOST_AUTO_TEST_CASE(default_logins_are_admin_22222_and_user_empty) {
    common::aastra::config_layers config;
    auto logins = logins_from(config);
    BOOST_TEST(authenticate(basic("admin", "22222"), logins) == ui_role::admin);
    BOOST_TEST(authenticate(basic("user", ""), logins) == ui_role::user);
    BOOST_TEST(authenticate(basic("admin", "2222"), logins) == ui_role::none);
    BOOST_TEST(authenticate(basic("admin", "222222"), logins) == ui_role::none);
    BOOST_TEST(authenticate(basic("user", "x"), logins) == ui_role::none);
    BOOST_TEST(authenticate(basic("root", "22222"), logins) == ui_role::none);
    BOOST_TEST(authenticate(std::nullopt, logins) == ui_role::none);
    BOOST_TEST(authenticate(std::string_view("Basic !!!"), logins) == ui_role::none);
    BOOST_TEST(authenticate(std::string_view("Digest username=\"admin\""), logins) == ui_role::none);
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    auto lower = basic("admin", "22222");
    lower.replace(0, 5, "basic");
    BOOST_TEST(authenticate(lower, logins) == ui_role::admin);
}

BOOST_AUTO_TEST_CASE(passwords_come_from_the_layers_and_must_be_numeric) {
    common::aastra::config_layers config;
    BOOST_TEST(!config.set_local("admin password", "4321").has_value());
    BOOST_TEST(!config.set_local("user password", "77").has_value());
    auto logins = logins_from(config);
    BOOST_TEST(authenticate(basic("admin", "4321"), logins) == ui_role::admin);
    BOOST_TEST(authenticate(basic("admin", "22222"), logins) == ui_role::none);
    BOOST_TEST(authenticate(basic("user", "77"), logins) == ui_role::user);
    BOOST_TEST(authenticate(basic("user", ""), logins) == ui_role::none);

    // Letters or a value above 4294967295 fall back to the default, as the firmware does.
    BOOST_TEST(!config.set_local("admin password", "secret").has_value());
    BOOST_TEST(logins_from(config).admin_password == "22222");
    BOOST_TEST(!config.set_local("admin password", "4294967296").has_value());
    BOOST_TEST(logins_from(config).admin_password == "22222");
    BOOST_TEST(!config.set_local("admin password", "4294967295").has_value());
    BOOST_TEST(logins_from(config).admin_password == "4294967295");
}

BOOST_AUTO_TEST_CASE(realm_names_the_model) {
    BOOST_TEST(realm_for("6757i") == "Aastra 6757i");
    BOOST_TEST(basic_challenge_value("9480i") == "Basic realm=\"Aastra 9480i\"");
}

BOOST_AUTO_TEST_CASE(forms_decode_plus_and_percent) {
    auto form = parse_form("a=1+2&b=%3Cx%3E&c&d=%zz&&e=");
    BOOST_TEST_REQUIRE(form.size() == 5u);
    BOOST_TEST(form_value(form, "a").value() == "1 2");
    BOOST_TEST(form_value(form, "b").value() == "<x>");
    BOOST_TEST(form_value(form, "c").value() == "");
    BOOST_TEST(form_value(form, "d").value() == "%zz");  // a bad escape stays verbatim
    BOOST_TEST(form_value(form, "e").value() == "");
    BOOST_TEST(!form_value(form, "f").has_value());
    BOOST_TEST(url_decode("%") == "%");
    BOOST_TEST(url_decode("%4") == "%4");
    BOOST_TEST(url_decode("%41") == "A");
}

BOOST_AUTO_TEST_CASE(configuration_server_fields_map_to_keys) {
    auto form = parse_form(
        "protocol=https&httpsserv=10.0.0.5&httpspath=%2Fdms%2FAastra9480i%2F&httpsport=8443&"
        "httpserv=prov.example.com&httppath=cfg&httpport=8080&autoResyncMode=3&autoResyncTime=03%3A30&"
        "maxDelay=15&days=0&postList=10.0.0.1%2C10.0.0.2&submit=Save");
    auto parsed = configuration_server_settings(form);
    BOOST_TEST(parsed.errors.empty());
    auto value_of = [&](std::string_view key) -> std::string {
        for (const auto& s : parsed.settings) {
            if (s.key == key) return s.value;
        }
        return "<absent>";
    };
    BOOST_TEST(value_of("download protocol") == "HTTPS");
    BOOST_TEST(value_of("https server") == "10.0.0.5");
    BOOST_TEST(value_of("https path") == "dms/Aastra9480i");  // stored without slashes
    BOOST_TEST(value_of("https port") == "8443");
    BOOST_TEST(value_of("http server") == "prov.example.com");
    BOOST_TEST(value_of("http path") == "cfg");
    BOOST_TEST(value_of("http port") == "8080");
    BOOST_TEST(value_of("auto resync mode") == "3");
    BOOST_TEST(value_of("auto resync time") == "03:30");
    BOOST_TEST(value_of("auto resync max delay") == "15");
    BOOST_TEST(value_of("auto resync days") == "0");
    BOOST_TEST(value_of("xml application post list") == "10.0.0.1,10.0.0.2");
    BOOST_TEST(value_of("submit") == "<absent>");
    BOOST_TEST(parsed.settings.size() == 12u);
}

BOOST_AUTO_TEST_CASE(configuration_server_rejects_bad_values_naming_the_field) {
    struct bad_case {
        const char* body;
        const char* field;
    };
    const bad_case cases[] = {
        {"protocol=gopher", "protocol"},       {"httpport=0", "httpport"},
        {"httpsport=65536", "httpsport"},      {"httpport=80a", "httpport"},
        {"autoResyncMode=4", "autoResyncMode"}, {"autoResyncTime=3%3A30", "autoResyncTime"},
        {"autoResyncTime=24%3A00", "autoResyncTime"}, {"maxDelay=1440", "maxDelay"},
        {"httppath=a%20b", "httppath"},        {"httpserv=a%0Ab", "httpserv"},
        {"usealttftp=yes", "usealttftp"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body) {
            auto parsed = configuration_server_settings(parse_form(c.body));
            BOOST_TEST_REQUIRE(parsed.errors.size() == 1u);
            BOOST_TEST(parsed.errors[0].starts_with(std::string(c.field) + ":"));
            BOOST_TEST(parsed.settings.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(pages_escape_what_they_show) {
    sysinfo_view v;
    v.model = "9480i";
    v.mac = "00-08-5D-00-00-03";
    v.firmware = "3.2.2.3077";
    v.provisioning = "server_error: aastra.cfg: <404>";
    v.addresses = {"http://127.0.0.1:8080"};
    auto page = render_sysinfo(v);
    BOOST_TEST(contains(page, "<th>Platform</th><td>9480i Revision 0</td>"));
    BOOST_TEST(contains(page, "00-08-5D-00-00-03"));
    BOOST_TEST(contains(page, "&lt;404&gt;"));
    BOOST_TEST(!contains(page, "<404>"));

    auto cfg = render_cfg_page("Local Configuration", "sip screen name: <b>&\n");
    BOOST_TEST(contains(cfg, "sip screen name: &lt;b&gt;&amp;"));

    common::aastra::config_layers config;
    BOOST_TEST(!config.set_local("http server", "a\"b").has_value());
    auto form_page = render_configuration_server(config, "Provisioning complete");
    BOOST_TEST(contains(form_page, "Provisioning complete"));
    BOOST_TEST(contains(form_page, R"(name="httpserv" value="a&quot;b")"));
    BOOST_TEST(contains(form_page, R"(action="/configurationServer.html")"));
}

BOOST_AUTO_TEST_CASE(phone_page_shows_the_screen_and_key_forms) {
    screen_view view;
    view.title = "Menu <1>";
    view.lines = {"Alpha", "Beta"};
    view.selected = 1;
    view.softkeys = {{1, "Select"}, {6, ""}};
    view.status_line = "Loading Page...";
    view.loading = true;
    auto page = render_phone(view, "9480i");
    BOOST_TEST(contains(page, "Menu &lt;1&gt;"));
    BOOST_TEST(contains(page, "<li>Alpha</li>"));
    BOOST_TEST(contains(page, "<li class=\"selected\">&gt; Beta</li>"));
    BOOST_TEST(contains(page, "Loading Page..."));
    BOOST_TEST(contains(page, R"(<button name="key" value="softkey1">Select</button>)"));
    BOOST_TEST(contains(page, R"(<button name="key" value="softkey6">softkey 6</button>)"));
    BOOST_TEST(contains(page, R"(<button name="key" value="goodbye">)"));
    BOOST_TEST(contains(page, R"(<button name="key" value="#">)"));
    BOOST_TEST(!contains(page, "<script"));
    // Loading: the page asks again each second by itself; idle: it does not.
    BOOST_TEST(contains(page, R"(<meta http-equiv="refresh" content="1; url=/phone.html">)"));
    view.loading = false;
    BOOST_TEST(!contains(render_phone(view, "9480i"), "http-equiv=\"refresh\""));
}

BOOST_AUTO_TEST_CASE(key_names_round_trip) {
    const char* names[] = {"softkey1", "softkey10", "goodbye", "line1", "line9", "0", "9", "*", "#",
                           "up", "down", "left", "right", "select"};
    for (const char* n : names) {
        BOOST_TEST_CONTEXT(n) {
            auto k = key_from_name(n);
            BOOST_TEST_REQUIRE(k.has_value());
            BOOST_TEST(key_name(*k) == n);
        }
    }
    BOOST_TEST(key_from_name("GoodBye").has_value());
    BOOST_TEST(key_from_name("star")->digit == '*');
    BOOST_TEST(key_from_name("pound")->digit == '#');
    for (const char* bad : {"softkey0", "softkey11", "line0", "line10", "x", "", "softkey", "10", "menu"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!key_from_name(bad).has_value()); }
    }
}

BOOST_AUTO_TEST_SUITE_END()
