#include "common/config/overrides.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace cfg = common::config;
using namespace std::chrono_literals;

namespace {

struct rule {
    std::string path;
    std::string realm;
};

struct svc_config {
    std::uint16_t http = 8080;
    std::uint16_t https = 0;
    std::string host = "localhost";
    std::chrono::seconds timeout = 5s;
    std::string realm = "default";
    std::vector<std::string> users;
    std::optional<std::string> ca_file;
    std::vector<rule> rules;
};

svc_config read_svc(const cfg::node_reader& root) {
    svc_config c;
    const auto listen = root.child("listen");
    listen.optional("http", c.http);
    listen.optional("https", c.https);
    root.optional("host", c.host);
    root.optional("timeout", c.timeout);
    root.optional("realm", c.realm);
    root.optional("users", c.users);
    root.optional("ca_file", c.ca_file);
    root.child("auth").sequence("rules", [&](const cfg::node_reader& r) {
        rule x;
        r.required("path", x.path);
        r.required("realm", x.realm);
        c.rules.push_back(x);
    });
    root.finish();
    return c;
}

svc_config load(const std::string& file_text, std::vector<std::string> env,
                std::vector<std::string> flags) {
    test_support::temp_dir dir;
    cfg::load_options options;
    options.file = dir.write("svc.yaml", file_text);
    options.env_prefix = "CMS_MOCK_";
    options.environment = std::move(env);
    options.set_flags = std::move(flags);
    return read_svc(cfg::load_config(options));
}

template <class F>
std::optional<cfg::config_error> error_of(F&& f) {
    try {
        f();
    } catch (const cfg::config_error& e) {
        return e;
    }
    return std::nullopt;
}

template <class F>
std::string what_of(F&& f) {
    const auto e = error_of(f);
    return e ? std::string(e->what()) : std::string("<no error>");
}

const char* const two_rules = "auth:\n  rules:\n    - {path: /a, realm: a}\n"
                              "    - {path: /b, realm: b}\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(config_overrides)

BOOST_AUTO_TEST_CASE(environment_names_map_to_key_paths) {
    const auto entries = cfg::overrides_from_environment(
        {"PATH=/bin", "CMS_MOCK_TLS__CERT_FILE=/c.pem", "CMS_MOCK_LISTEN__HTTP=81",
         "CMS_MOCK_AUTH__RULES__0__REALM=r", "PHONE_AGENT_X=1", "CMS_MOCK_NOEQUALS"},
        "CMS_MOCK_");
    BOOST_REQUIRE(entries.size() == 3U);
    // Sorted by variable name.
    BOOST_TEST(entries[0].segments == (std::vector<std::string>{"auth", "rules", "0", "realm"}),
               boost::test_tools::per_element());
    BOOST_TEST(entries[1].segments == (std::vector<std::string>{"listen", "http"}),
               boost::test_tools::per_element());
    BOOST_TEST(entries[1].value == "81");
    BOOST_TEST(entries[1].origin == "environment variable CMS_MOCK_LISTEN__HTTP");
    BOOST_TEST(entries[2].segments == (std::vector<std::string>{"tls", "cert_file"}),
               boost::test_tools::per_element());
    BOOST_TEST(cfg::overrides_from_environment({"CMS_MOCK_A=1", "X=2"}, "").empty());
}

BOOST_AUTO_TEST_CASE(environment_names_with_empty_segments_are_errors) {
    for (const char* variable : {"CMS_MOCK_=1", "CMS_MOCK_A____B=1", "CMS_MOCK_A__=1"}) {
        const auto e = error_of([&] { cfg::overrides_from_environment({variable}, "CMS_MOCK_"); });
        BOOST_REQUIRE_MESSAGE(e, variable);
        BOOST_TEST(e->origin().starts_with("environment variable CMS_MOCK_"));
        BOOST_TEST(e->detail() == "cannot map the variable name to a key path (empty segment)");
    }
}

BOOST_AUTO_TEST_CASE(set_flags_split_at_the_first_equals_sign) {
    const auto entries = cfg::overrides_from_set_flags({"a.b=c=d", "x="});
    BOOST_REQUIRE(entries.size() == 2U);
    BOOST_TEST(entries[0].segments == (std::vector<std::string>{"a", "b"}),
               boost::test_tools::per_element());
    BOOST_TEST(entries[0].value == "c=d");
    BOOST_TEST(entries[0].origin == "--set a.b=...");
    BOOST_TEST(entries[1].value.empty());
    BOOST_TEST(what_of([] { cfg::overrides_from_set_flags({"listen.http"}); }) ==
               "config error: expected key.path=value (from --set listen.http)");
    BOOST_TEST(what_of([] { cfg::overrides_from_set_flags({"a..b=1"}); }) ==
               "config error: expected key.path=value with non-empty path segments "
               "(from --set a..b=...)");
}

BOOST_AUTO_TEST_CASE(precedence_default_file_environment_flag) {
    const auto c = load("listen:\n  http: 1000\nhost: file\ntimeout: 7s\n",
                        {"CMS_MOCK_HOST=env", "CMS_MOCK_TIMEOUT=10s",
                         "CMS_MOCK_LISTEN__HTTPS=1443"},
                        {"timeout=20s", "listen.https=2443"});
    BOOST_TEST(c.realm == "default");  // default only
    BOOST_TEST(c.http == 1000);        // file over default
    BOOST_TEST(c.host == "env");       // environment over file
    BOOST_TEST(c.timeout.count() == 20);  // flag over environment over file
    BOOST_TEST(c.https == 2443);          // flag over environment
}

BOOST_AUTO_TEST_CASE(repeated_flags_last_one_wins) {
    const auto c = load("", {}, {"host=a", "host=b"});
    BOOST_TEST(c.host == "b");
}

BOOST_AUTO_TEST_CASE(environment_only_without_a_file) {
    cfg::load_options options;
    options.env_prefix = "CMS_MOCK_";
    options.environment = {"CMS_MOCK_LISTEN__HTTP=9090", "CMS_MOCK_USERS=[alice, bob]"};
    const auto c = read_svc(cfg::load_config(options));
    BOOST_TEST(c.http == 9090);
    BOOST_TEST(c.users == (std::vector<std::string>{"alice", "bob"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_override_values_name_their_origin) {
    const auto e = error_of([] { load("listen:\n  http: 1\n", {"CMS_MOCK_LISTEN__HTTP=x"}, {}); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "listen.http");
    BOOST_TEST(e->line() == 0);
    BOOST_TEST(e->origin() == "environment variable CMS_MOCK_LISTEN__HTTP");
    BOOST_TEST(std::string(e->what()) ==
               "config error: listen.http: expected an integer, got 'x' "
               "(from environment variable CMS_MOCK_LISTEN__HTTP)");
    BOOST_TEST(what_of([] { load("", {}, {"listen.http=70000"}); }) ==
               "config error: listen.http: 70000 is out of range (0 to 65535) "
               "(from --set listen.http=...)");
    BOOST_TEST(what_of([] { load("", {}, {"timeout=-1s"}); }) ==
               "config error: timeout: a duration cannot be negative, got '-1s' "
               "(from --set timeout=...)");
}

BOOST_AUTO_TEST_CASE(unknown_keys_from_overrides_name_their_origin) {
    BOOST_TEST(what_of([] { load("", {"CMS_MOCK_LISTEN__HTTPP=1"}, {}); }) ==
               "config error: listen.httpp: unknown key 'httpp' (did you mean 'http'?) "
               "(from environment variable CMS_MOCK_LISTEN__HTTPP)");
    const std::string what = what_of([] { load("", {}, {"passwd=hunter2"}); });
    BOOST_TEST(what == "config error: passwd: unknown key 'passwd' (from --set passwd=...)");
    BOOST_TEST(what.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_errors_keep_their_position_next_to_overrides) {
    const auto e = error_of([] { load("host: x\nrealm: [a]\n", {"CMS_MOCK_HOST=y"}, {}); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->origin().empty());
    BOOST_TEST(e->line() == 2);
    BOOST_TEST(e->column() == 8);
    BOOST_TEST(e->key_path() == "realm");
}

BOOST_AUTO_TEST_CASE(sequence_indices_in_paths) {
    const auto c = load(two_rules, {"CMS_MOCK_AUTH__RULES__0__REALM=env-a"},
                        {"auth.rules.1.realm=flag-b", "auth.rules.2={path: /c, realm: c}"});
    BOOST_REQUIRE(c.rules.size() == 3U);
    BOOST_TEST(c.rules[0].realm == "env-a");
    BOOST_TEST(c.rules[0].path == "/a");
    BOOST_TEST(c.rules[1].realm == "flag-b");
    BOOST_TEST(c.rules[2].path == "/c");
}

BOOST_AUTO_TEST_CASE(appending_a_partial_element_reports_the_missing_key_at_its_origin) {
    const auto e = error_of([] { load(two_rules, {}, {"auth.rules.2.path=/c"}); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "auth.rules[2].realm");
    BOOST_TEST(std::string(e->what()) ==
               "config error: auth.rules[2].realm: missing required key "
               "(from --set auth.rules.2.path=...)");
}

BOOST_AUTO_TEST_CASE(paths_that_cannot_be_set) {
    BOOST_TEST(what_of([] { load(two_rules, {}, {"auth.rules.5.realm=x"}); }) ==
               "config error: auth.rules.5.realm: cannot set: index 5 is past the end of "
               "auth.rules (2 items) (from --set auth.rules.5.realm=...)");
    BOOST_TEST(what_of([] { load(two_rules, {}, {"auth.rules.first.realm=x"}); }) ==
               "config error: auth.rules.first.realm: cannot set: auth.rules is a sequence and "
               "'first' is not an index (from --set auth.rules.first.realm=...)");
    BOOST_TEST(what_of([] { load("host: h\n", {"CMS_MOCK_HOST__NAME=x"}, {}); }) ==
               "config error: host.name: cannot set: host is a single value, not a mapping or "
               "sequence (from environment variable CMS_MOCK_HOST__NAME)");
    BOOST_TEST(what_of([] { load("", {}, {"users=[a,"}); }).starts_with(
        "config error: users: value is not valid YAML: "));
}

BOOST_AUTO_TEST_CASE(values_are_yaml) {
    const auto c = load("ca_file: /etc/ca.pem\n", {},
                        {"ca_file=", "users=[a, 'b c']", "realm='007'", "timeout=90"});
    BOOST_TEST(!c.ca_file.has_value());  // empty value is null, which resets an optional
    BOOST_TEST(c.users == (std::vector<std::string>{"a", "b c"}), boost::test_tools::per_element());
    BOOST_TEST(c.realm == "007");
    BOOST_TEST(c.timeout.count() == 90);
    BOOST_TEST(what_of([] { load("", {}, {"realm="}); }) ==
               "config error: realm: expected a string, got null (from --set realm=...)");
}

BOOST_AUTO_TEST_CASE(a_later_override_replaces_what_an_earlier_one_set) {
    // The environment's bad listen.http is replaced as a whole by the flag, so neither its value
    // nor its origin survives.
    const auto c = load("", {"CMS_MOCK_LISTEN__HTTP=bad"}, {"listen={http: 81, https: 444}"});
    BOOST_TEST(c.http == 81);
    BOOST_TEST(c.https == 444);
    // Variables apply in name order: the whole mapping first, then the refinement.
    const auto d = load("", {"CMS_MOCK_LISTEN__HTTPS=445", "CMS_MOCK_LISTEN={http: 82}"}, {});
    BOOST_TEST(d.http == 82);
    BOOST_TEST(d.https == 445);
    const auto e = error_of([] { load("", {}, {"listen.http=1", "listen={http: x}"}); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->origin() == "--set listen=...");
}

BOOST_AUTO_TEST_CASE(path_enclosure_respects_segment_boundaries) {
    BOOST_TEST(cfg::path_encloses("a.b", "a.b"));
    BOOST_TEST(cfg::path_encloses("a.b", "a.b.c"));
    BOOST_TEST(cfg::path_encloses("a.b", "a.b[0]"));
    BOOST_TEST(!cfg::path_encloses("a.b", "a.bc"));
    BOOST_TEST(!cfg::path_encloses("a.b", "a"));
}

BOOST_AUTO_TEST_CASE(apply_overrides_reports_created_paths) {
    YAML::Node root = YAML::Load("auth:\n  rules: [{path: /a}]\n");
    const auto origins = cfg::apply_overrides(
        root, cfg::overrides_from_set_flags({"tls.cert=c.pem", "auth.rules.0.realm=r"}));
    BOOST_TEST(origins.size() == 3U);
    BOOST_TEST(origins.count("tls") == 1U);  // created mapping
    BOOST_TEST(origins.count("tls.cert") == 1U);
    BOOST_TEST(origins.count("auth.rules[0].realm") == 1U);
    BOOST_TEST(root["auth"]["rules"][0]["realm"].as<std::string>() == "r");
    BOOST_TEST(root["auth"]["rules"][0]["path"].as<std::string>() == "/a");
}

BOOST_AUTO_TEST_CASE(missing_file_names_the_path) {
    test_support::temp_dir dir;
    cfg::load_options options;
    options.file = dir / "absent.yaml";
    BOOST_TEST(what_of([&] { cfg::load_config(options); }) ==
               options.file->string() +
                   ": cannot open configuration file: No such file or directory");
}

BOOST_AUTO_TEST_CASE(top_level_list_is_reported_before_overrides) {
    test_support::temp_dir dir;
    cfg::load_options options;
    options.file = dir.write("list.yaml", "- a\n");
    options.set_flags = {"host=x"};
    BOOST_TEST(what_of([&] { cfg::load_config(options); }) ==
               options.file->string() + ":1:1: the top level must be a mapping, got a sequence");
}

BOOST_AUTO_TEST_CASE(environment_from_environ_sees_the_process_environment) {
    const char* path = std::getenv("PATH");
    BOOST_REQUIRE(path != nullptr);
    const auto env = cfg::environment_from_environ();
    BOOST_TEST(std::count(env.begin(), env.end(), std::string("PATH=") + path) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
