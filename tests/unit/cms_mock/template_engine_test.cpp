#include "logic/template_engine.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace cms_mock;

namespace {

device sample_device() {
    device d;
    d.mac = "00085D1A2B3C";
    d.model = "9480i";
    d.firmware_version = "3.2.2.3077";
    d.device_username = "dev1";
    d.device_password = "pw1";
    d.user_username = "alice@example.com";
    d.user_password = "1234";
    d.lines.push_back({"1001", "s3cret", "1001u", "Alice", "pbx.example.com"});
    d.lines.push_back({"1002", "other", "1002u", "Alice 2", "pbx2.example.com"});
    d.extra["timezone"] = "Europe/Berlin";
    d.extra["mac"] = "spoofed";  // built-ins win over free variables
    return d;
}

std::string render_ok(std::string_view text, const template_vars_map& vars,
                      template_mode mode = template_mode::strict) {
    auto r = render_template(text, vars, mode, "mac.cfg.template");
    if (const auto* e = std::get_if<template_error>(&r)) BOOST_FAIL("render failed: " << e->message);
    return std::get<std::string>(std::move(r));
}

template_error render_error(std::string_view text, const template_vars_map& vars,
                            std::size_t max_output = default_template_output_limit) {
    auto r = render_template(text, vars, template_mode::strict, "mac.cfg.template", max_output);
    const auto* e = std::get_if<template_error>(&r);
    BOOST_TEST_REQUIRE(e != nullptr);
    return *e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(device_variables) {
    const auto vars = template_vars(sample_device(), {{"server.host", "cms.example.com"},
                                                      {"timezone", "UTC"}});
    BOOST_TEST(vars.at("mac") == "00085D1A2B3C");
    BOOST_TEST(vars.at("mac.lower") == "00085d1a2b3c");
    BOOST_TEST(vars.at("mac.dashed") == "00-08-5D-1A-2B-3C");
    BOOST_TEST(vars.at("model") == "9480i");
    BOOST_TEST(vars.at("firmware") == "3.2.2.3077");
    BOOST_TEST(vars.at("device.username") == "dev1");
    BOOST_TEST(vars.at("device.password") == "pw1");
    BOOST_TEST(vars.at("user.username") == "alice@example.com");
    BOOST_TEST(vars.at("user.password") == "1234");
    BOOST_TEST(vars.at("lines.count") == "2");
    BOOST_TEST(vars.at("line1.auth_name") == "1001");
    BOOST_TEST(vars.at("line1.password") == "s3cret");
    BOOST_TEST(vars.at("line1.user_name") == "1001u");
    BOOST_TEST(vars.at("line1.display_name") == "Alice");
    BOOST_TEST(vars.at("line2.registrar") == "pbx2.example.com");
    BOOST_TEST(!vars.contains("line3.auth_name"));
    BOOST_TEST(vars.at("server.host") == "cms.example.com");
    BOOST_TEST(vars.at("timezone") == "Europe/Berlin");  // device extra over server var
}

BOOST_AUTO_TEST_CASE(renders_placeholders) {
    const auto vars = template_vars(sample_device(), {{"server.host", "cms.example.com"}});
    const auto out = render_ok(
        "# {{mac}} on {{ model }}\n"
        "sip line1 auth name: {{\tline1.auth_name  }}\n"
        "sip line1 password: \"{{line1.password}}\"\n"
        "http digest username: {{device.username}}{{device.password}}\n"
        "server: https://{{server.host}}/dms/\n"
        "literal: {{{{not a var}} and }} alone\n",
        vars);
    BOOST_TEST(out ==
               "# 00085D1A2B3C on 9480i\n"
               "sip line1 auth name: 1001\n"
               "sip line1 password: \"s3cret\"\n"
               "http digest username: dev1pw1\n"
               "server: https://cms.example.com/dms/\n"
               "literal: {{not a var}} and }} alone\n");
    BOOST_TEST(render_ok("", vars).empty());
    BOOST_TEST(render_ok("no placeholders at all", vars) == "no placeholders at all");
    BOOST_TEST(render_ok("{{mac}}", vars) == "00085D1A2B3C");
}

BOOST_AUTO_TEST_CASE(values_with_newlines_are_kept) {
    const template_vars_map vars{{"banner", "line one\r\nline two"}};
    BOOST_TEST(render_ok("[{{banner}}]", vars) == "[line one\r\nline two]");
    // A value is never re-scanned for placeholders.
    const template_vars_map tricky{{"a", "{{b}}"}, {"b", "x"}};
    BOOST_TEST(render_ok("{{a}}", tricky) == "{{b}}");
}

BOOST_AUTO_TEST_CASE(strict_and_lenient_unknown_variables) {
    const template_vars_map vars{{"known", "k"}};
    const auto e = render_error("first line\nsecond {{ nope.var }} line\n", vars);
    BOOST_TEST(e.message == "mac.cfg.template:2:8: unknown variable 'nope.var'");
    BOOST_TEST(e.line == 2u);
    BOOST_TEST(e.column == 8u);
    BOOST_TEST(render_ok("a{{nope}}b{{known}}", vars, template_mode::lenient) == "ab" "k");
}

BOOST_AUTO_TEST_CASE(syntax_errors) {
    const template_vars_map vars{{"a", "1"}};
    BOOST_TEST(render_error("x {{a", vars).message == "mac.cfg.template:1:3: unterminated '{{'");
    BOOST_TEST(render_error("ok {{a}}\n  {{", vars).message ==
               "mac.cfg.template:2:3: unterminated '{{'");
    BOOST_TEST(render_error("{{}}", vars).message == "mac.cfg.template:1:1: invalid placeholder '{{}}'");
    BOOST_TEST(render_error("{{ a b }}", vars).message.find("invalid placeholder '{{ a b }}'") !=
               std::string::npos);
    BOOST_TEST(render_error("{{{a}}}", vars).message.find("invalid placeholder") != std::string::npos);
    BOOST_TEST(render_error("{{a\n}}", vars).message.find("invalid placeholder") != std::string::npos);
    // Lenient mode relaxes unknown names only, never syntax.
    BOOST_TEST(std::holds_alternative<template_error>(
        render_template("{{a", vars, template_mode::lenient)));
}

BOOST_AUTO_TEST_CASE(output_is_bounded) {
    const template_vars_map vars{{"big", std::string(1000, 'x')}};
    BOOST_TEST(render_ok("{{big}}", vars).size() == 1000u);
    const auto e = render_error("{{big}}{{big}}{{big}}", vars, 2500);
    BOOST_TEST(e.message == "mac.cfg.template:1:15: output exceeds 2500 bytes");
    // Exactly at the limit is fine; literal text counts too.
    BOOST_TEST(std::get<std::string>(render_template("{{big}}{{big}}", vars, template_mode::strict,
                                                     "t", 2000))
                   .size() == 2000u);
    BOOST_TEST(std::holds_alternative<template_error>(
        render_template("abcdef", vars, template_mode::strict, "t", 5)));
}
