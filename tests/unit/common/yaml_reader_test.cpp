#include "common/config/yaml_reader.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace cfg = common::config;
using namespace std::chrono_literals;

namespace {

enum class auth_scheme { none, basic, digest };

std::ostream& operator<<(std::ostream& os, auth_scheme s) {
    switch (s) {
    case auth_scheme::none: return os << "none";
    case auth_scheme::basic: return os << "basic";
    case auth_scheme::digest: return os << "digest";
    }
    return os << "?";
}

struct rule {
    std::string path;
    std::string realm;
    auth_scheme scheme = auth_scheme::none;
};

struct sample_config {
    std::string name = "default";
    std::uint16_t port = 8080;
    bool verbose = false;
    std::chrono::milliseconds timeout = 5s;
    cfg::byte_size body_limit{1024};
    std::vector<std::string> hosts{"localhost"};
    std::optional<std::string> ca_file;
    std::vector<rule> rules;
};

sample_config read_sample(const cfg::node_reader& root) {
    sample_config c;
    root.optional("name", c.name);
    root.optional("verbose", c.verbose);
    root.optional("ca_file", c.ca_file);
    const auto http = root.child("http");
    http.optional("port", c.port);
    http.optional("timeout", c.timeout);
    http.optional("body_limit", c.body_limit);
    http.optional("hosts", c.hosts);
    root.child("auth").sequence("rules", [&](const cfg::node_reader& r) {
        rule x;
        r.required("path", x.path);
        r.required("realm", x.realm);
        r.optional_enum("scheme", x.scheme,
                        {{"none", auth_scheme::none},
                         {"basic", auth_scheme::basic},
                         {"digest", auth_scheme::digest}});
        c.rules.push_back(x);
    });
    root.finish();
    return c;
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

// Reads `value:` from a one-key document as T.
template <class T>
T read_value(const std::string& yaml_value) {
    T out{};
    const auto root = cfg::load_string("value: " + yaml_value);
    root.required("value", out);
    return out;
}

template <class T>
std::string read_error(const std::string& yaml_value) {
    return what_of([&] { read_value<T>(yaml_value); });
}

const char* const full_document = R"(name: lab
verbose: yes
ca_file: /etc/ca.pem
http:
  port: 8443
  timeout: 250ms
  body_limit: 8MiB
  hosts: [a.example, b.example]
auth:
  rules:
    - path: /a
      realm: alpha
      scheme: digest
    - path: /b
      realm: beta
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(yaml_reader)

BOOST_AUTO_TEST_CASE(reads_a_full_document_into_the_struct) {
    const auto c = read_sample(cfg::load_string(full_document, "lab.yaml"));
    BOOST_TEST(c.name == "lab");
    BOOST_TEST(c.verbose);
    BOOST_TEST(c.ca_file.value_or("") == "/etc/ca.pem");
    BOOST_TEST(c.port == 8443);
    BOOST_TEST(c.timeout.count() == 250);
    BOOST_TEST(c.body_limit.bytes == 8U * 1024 * 1024);
    BOOST_TEST(c.hosts == (std::vector<std::string>{"a.example", "b.example"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE(c.rules.size() == 2U);
    BOOST_TEST(c.rules[0].realm == "alpha");
    BOOST_TEST(c.rules[0].scheme == auth_scheme::digest);
    BOOST_TEST(c.rules[1].path == "/b");
    BOOST_TEST(c.rules[1].scheme == auth_scheme::none);
}

BOOST_AUTO_TEST_CASE(absent_keys_keep_defaults_and_empty_document_is_empty_mapping) {
    for (const char* text : {"", "# only a comment\n", "{}"}) {
        BOOST_TEST_CONTEXT("document '" << text << "'") {
            const auto c = read_sample(cfg::load_string(text));
            BOOST_TEST(c.name == "default");
            BOOST_TEST(c.port == 8080);
            BOOST_TEST(c.timeout.count() == 5000);
            BOOST_TEST(c.hosts.size() == 1U);
            BOOST_TEST(!c.ca_file.has_value());
            BOOST_TEST(c.rules.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(type_error_names_path_and_position_with_and_without_file_name) {
    const char* text = "auth:\n  rules:\n    - path: /a\n      realm: {x: 1}\n";
    const auto e = error_of([&] { read_sample(cfg::load_string(text, "cms-mock.yaml")); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "auth.rules[0].realm");
    BOOST_TEST(e->line() == 4);
    BOOST_TEST(e->column() == 14);
    BOOST_TEST(std::string(e->what()) ==
               "cms-mock.yaml:4:14: auth.rules[0].realm: expected a string, got a mapping");
    BOOST_TEST(what_of([&] { read_sample(cfg::load_string(text)); }) ==
               "config error: auth.rules[0].realm: expected a string, got a mapping "
               "(line 4, column 14)");
}

BOOST_AUTO_TEST_CASE(missing_required_key_reports_the_parent_mapping) {
    const char* text = "auth:\n  rules:\n    - path: /a\n      realm: r\n    - path: /b\n";
    const auto e = error_of([&] { read_sample(cfg::load_string(text, "c.yaml")); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "auth.rules[1].realm");
    BOOST_TEST(std::string(e->what()) == "c.yaml:5:7: auth.rules[1].realm: missing required key");

    int value = 0;
    BOOST_TEST(what_of([] {
                   int v = 0;
                   cfg::load_string("other: 1\n", "c.yaml").required("needed", v);
               }) == "c.yaml:1:1: needed: missing required key");
    // Below a missing mapping, the nearest present ancestor gives the position.
    BOOST_TEST(what_of([&] {
                   cfg::load_string("a: 1\nb: 2\n", "c.yaml").child("tls").required("cert", value);
               }) == "c.yaml:1:1: tls.cert: missing required key");
}

BOOST_AUTO_TEST_CASE(unknown_key_is_reported_with_a_close_suggestion) {
    const char* text = "auth:\n  rules:\n    - path: /a\n      realmm: r\n";
    auto root = cfg::load_string(text, "cms-mock.yaml");
    const auto e = error_of([&] {
        root.child("auth").sequence("rules", [](const cfg::node_reader& r) {
            std::string s;
            r.optional("path", s);
            r.optional("realm", s);
        });
        root.finish();
    });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "auth.rules[0].realmm");
    BOOST_TEST(std::string(e->what()) ==
               "cms-mock.yaml:4:7: auth.rules[0].realmm: unknown key 'realmm' "
               "(did you mean 'realm'?)");
}

BOOST_AUTO_TEST_CASE(unknown_key_without_close_match_has_no_suggestion) {
    BOOST_TEST(what_of([] { read_sample(cfg::load_string("name: x\ncolour: red\n")); }) ==
               "config error: colour: unknown key 'colour' (line 2, column 1)");
    // A key that is present is not suggested for its misspelt twin.
    BOOST_TEST(what_of([] {
                   read_sample(cfg::load_string("name: x\nnamee: y\n"));
               }) == "config error: namee: unknown key 'namee' (line 2, column 1)");
    // A whole unread section is reported at its key.
    BOOST_TEST(what_of([] { read_sample(cfg::load_string("htp:\n  port: 1\n")); }) ==
               "config error: htp: unknown key 'htp' (did you mean 'http'?) (line 1, column 1)");
}

BOOST_AUTO_TEST_CASE(finish_reports_the_first_unknown_key_in_document_order) {
    const auto e = error_of([] {
        read_sample(cfg::load_string("http:\n  port: 1\n  hostz: [a]\nzzz: 1\n"));
    });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "http.hostz");
    BOOST_TEST(e->line() == 3);
    BOOST_TEST(e->column() == 3);
}

BOOST_AUTO_TEST_CASE(reading_a_child_twice_shares_what_was_read) {
    auto root = cfg::load_string("http:\n  port: 1\n  timeout: 2s\n");
    std::uint16_t port = 0;
    std::chrono::seconds timeout{};
    root.child("http").optional("port", port);
    root.child("http").optional("timeout", timeout);
    BOOST_CHECK_NO_THROW(root.finish());
    BOOST_TEST(port == 1);
    BOOST_TEST(timeout.count() == 2);
}

BOOST_AUTO_TEST_CASE(child_that_is_not_a_mapping_is_an_error) {
    BOOST_TEST(what_of([] { read_sample(cfg::load_string("http: 80\n")); }) ==
               "config error: http: expected a mapping, got '80' (line 1, column 7)");
    BOOST_TEST(what_of([] { read_sample(cfg::load_string("auth:\n  rules: [1]\n")); }) ==
               "config error: auth.rules[0]: expected a mapping, got '1' "
               "(line 2, column 11)");
    BOOST_TEST(what_of([] { read_sample(cfg::load_string("auth:\n  rules: {a: 1}\n")); }) ==
               "config error: auth.rules: expected a sequence, got a mapping (line 2, column 10)");
}

BOOST_AUTO_TEST_CASE(null_is_an_error_except_for_optional) {
    BOOST_TEST(what_of([] { read_sample(cfg::load_string("name:\nport: 1\n")); }) ==
               "config error: name: expected a string, got null (line 1, column 1)");
    auto root = cfg::load_string("ca_file: ~\nhttp:\n");
    std::optional<std::string> ca = "preset";
    root.optional("ca_file", ca);
    BOOST_TEST(!ca.has_value());
    std::uint16_t port = 7;
    root.child("http").optional("port", port);
    BOOST_TEST(port == 7);
    BOOST_CHECK_NO_THROW(root.finish());
}

BOOST_AUTO_TEST_CASE(sequence_element_errors_carry_their_index) {
    const auto e = error_of([] {
        std::vector<std::uint16_t> ports;
        cfg::load_string("ports: [80, 443,\n  99999]\n").required("ports", ports);
    });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "ports[2]");
    BOOST_TEST(e->line() == 2);
    BOOST_TEST(e->column() == 3);
    BOOST_TEST(e->detail() == "99999 is out of range (0 to 65535)");
}

BOOST_AUTO_TEST_CASE(enum_error_lists_allowed_values) {
    const char* text = "auth:\n  rules:\n    - {path: /a, realm: r, scheme: bsic}\n";
    BOOST_TEST(what_of([&] { read_sample(cfg::load_string(text, "m.yaml")); }) ==
               "m.yaml:3:36: auth.rules[0].scheme: expected one of none, basic, digest; "
               "got 'bsic' (did you mean 'basic'?)");
}

BOOST_AUTO_TEST_CASE(entries_reads_maps_keyed_by_data) {
    const char* text =
        "devices:\n  00085D000001: {model: 6757i}\n  00085D000002:\n    model: 6739i\n"
        "    lines: 2\n";
    auto root = cfg::load_string(text);
    std::vector<std::pair<std::string, std::string>> seen;
    root.child("devices").entries([&](const std::string& mac, const cfg::node_reader& d) {
        std::string model;
        d.required("model", model);
        seen.emplace_back(mac, model);
    });
    BOOST_REQUIRE(seen.size() == 2U);
    BOOST_TEST(seen[0].first == "00085D000001");
    BOOST_TEST(seen[1].second == "6739i");
    const auto e = error_of([&] { root.finish(); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path() == "devices.00085D000002.lines");
    BOOST_TEST(e->line() == 5);
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_errors) {
    BOOST_TEST(what_of([] { read_sample(cfg::load_string("name: a\nname: b\n")); }) ==
               "config error: name: duplicate key (first at line 1) (line 2, column 1)");
    BOOST_TEST(what_of([] {
                   cfg::load_string("d:\n  k: 1\n  k: 2\n").child("d").entries(
                       [](const std::string&, const cfg::node_reader&) {});
               }) == "config error: d.k: duplicate key (first at line 2) (line 3, column 3)");
}

BOOST_AUTO_TEST_CASE(fail_reports_at_the_node) {
    auto root = cfg::load_string("tls:\n  cert: ''\n", "svc.yaml");
    const auto tls = root.child("tls");
    BOOST_TEST(what_of([&] { tls.fail("cert is required when https is enabled"); }) ==
               "svc.yaml:2:3: tls: cert is required when https is enabled");
}

// Table rows for data-driven cases; operator<< makes failures name the row.
template <class Expected>
struct row {
    const char* text;
    Expected expected;
};

template <class Expected>
std::ostream& operator<<(std::ostream& os, const row<Expected>& r) {
    return os << r.text;
}

const std::vector<row<std::int64_t>> good_durations{
    {"250ms", 250},   {"30s", 30000},    {"5m", 300000}, {"5min", 300000}, {"1h", 3600000},
    {"2d", 172800000}, {"7", 7000},      {"0", 0},       {"'10 s'", 10000}, {"1000000us", 1000}};

BOOST_DATA_TEST_CASE(durations_good, boost::unit_test::data::make(good_durations), r) {
    BOOST_TEST(read_value<std::chrono::milliseconds>(r.text).count() == r.expected);
}

const std::vector<row<const char*>> bad_durations{
    {"soon", "expected a duration such as 250ms, 30s, 5m, 1h, 2d, got 'soon'"},
    {"-5s", "a duration cannot be negative, got '-5s'"},
    {"1.5s", "expected a duration such as 250ms, 30s, 5m, 1h, 2d, got '1.5s' "
             "(use whole numbers: 1500ms, not 1.5s)"},
    {"10 parsecs", "expected a duration such as 250ms, 30s, 5m, 1h, 2d, got '10 parsecs'"},
    {"5S", "expected a duration such as 250ms, 30s, 5m, 1h, 2d, got '5S'"},
    {"[1s]", "expected a duration such as 250ms, 30s, 5m, 1h, 2d, got a sequence"},
    {"1500us", "'1500us' is not a whole number of milliseconds"},
    {"999999999999d", "duration '999999999999d' is too large"},
};

BOOST_DATA_TEST_CASE(durations_bad, boost::unit_test::data::make(bad_durations), r) {
    const auto e = error_of([&] { read_value<std::chrono::milliseconds>(r.text); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->detail() == std::string(r.expected));
    BOOST_TEST(e->key_path() == "value");
    BOOST_TEST(e->line() == 1);
    BOOST_TEST(e->column() == 8);
}

BOOST_AUTO_TEST_CASE(duration_conversion_is_exact_and_range_checked) {
    BOOST_TEST(read_value<std::chrono::seconds>("2m").count() == 120);
    BOOST_TEST(read_error<std::chrono::seconds>("1500ms") ==
               "config error: value: '1500ms' is not a whole number of seconds (line 1, column 8)");
    BOOST_TEST(read_value<std::chrono::hours>("2d").count() == 48);
    using small_seconds = std::chrono::duration<std::int16_t>;
    BOOST_TEST(read_value<small_seconds>("32767").count() == 32767);
    BOOST_TEST(read_error<small_seconds>("1d") ==
               "config error: value: duration '1d' is too large (line 1, column 8)");
}

const std::vector<row<std::uint64_t>> good_sizes{
    {"512", 512},         {"512B", 512},           {"10KiB", 10240},
    {"8MiB", 8388608},    {"1GB", 1000000000},     {"2kb", 2000},
    {"'4 KiB'", 4096},    {"1TiB", 1099511627776}, {"0", 0}};

BOOST_DATA_TEST_CASE(sizes_good, boost::unit_test::data::make(good_sizes), r) {
    BOOST_TEST(read_value<cfg::byte_size>(r.text).bytes == r.expected);
}

const std::vector<row<const char*>> bad_sizes{
    {"lots", "expected a size such as 512, 10KiB, 8MiB, 1GB, got 'lots'"},
    {"-1", "expected a size such as 512, 10KiB, 8MiB, 1GB, got '-1'"},
    {"1.5MiB", "expected a size such as 512, 10KiB, 8MiB, 1GB, got '1.5MiB'"},
    {"10K", "expected a size such as 512, 10KiB, 8MiB, 1GB, got '10K'"},
    {"99999999TiB", "size '99999999TiB' is too large"},
    {"99999999999999999999", "size '99999999999999999999' is too large"},
};

BOOST_DATA_TEST_CASE(sizes_bad, boost::unit_test::data::make(bad_sizes), r) {
    const auto e = error_of([&] { read_value<cfg::byte_size>(r.text); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->detail() == std::string(r.expected));
    BOOST_TEST(e->line() == 1);
    BOOST_TEST(e->column() == 8);
}

BOOST_AUTO_TEST_CASE(integer_ranges) {
    BOOST_TEST(read_value<std::uint16_t>("65535") == 65535);
    BOOST_TEST(read_value<std::uint16_t>("0x1F") == 31);
    BOOST_TEST(read_value<std::uint16_t>("0o17") == 15);
    BOOST_TEST(read_value<std::int8_t>("-128") == -128);
    BOOST_TEST(read_value<std::int8_t>("+127") == 127);
    BOOST_TEST(read_value<std::int64_t>("-9223372036854775808") == INT64_MIN);
    BOOST_TEST(read_value<std::uint64_t>("18446744073709551615") == UINT64_MAX);
    BOOST_TEST(read_value<unsigned>("-0") == 0U);

    BOOST_TEST(read_error<std::uint16_t>("65536") ==
               "config error: value: 65536 is out of range (0 to 65535) (line 1, column 8)");
    BOOST_TEST(read_error<std::uint32_t>("-1") ==
               "config error: value: -1 is out of range (0 to 4294967295) (line 1, column 8)");
    BOOST_TEST(read_error<std::int8_t>("-129") ==
               "config error: value: -129 is out of range (-128 to 127) (line 1, column 8)");
    BOOST_TEST(read_error<std::int64_t>("9223372036854775808") ==
               "config error: value: 9223372036854775808 is out of range "
               "(-9223372036854775808 to 9223372036854775807) (line 1, column 8)");
    BOOST_TEST(read_error<std::uint64_t>("18446744073709551616") ==
               "config error: value: 18446744073709551616 is out of range "
               "(0 to 18446744073709551615) (line 1, column 8)");
    for (const char* garbage : {"12abc", "abc", "1.5", "--1", "+-1", "0x", "''", "[1]"}) {
        BOOST_TEST_CONTEXT("value " << garbage) {
            const auto e = error_of([&] { read_value<int>(garbage); });
            BOOST_REQUIRE(e);
            BOOST_TEST(e->detail().starts_with("expected an integer, got "));
        }
    }
}

BOOST_AUTO_TEST_CASE(booleans_doubles_and_strings) {
    for (const char* yes : {"true", "True", "yes", "on", "ON", "1"}) {
        BOOST_TEST(read_value<bool>(yes), yes);
    }
    for (const char* no : {"false", "no", "Off", "0"}) BOOST_TEST(!read_value<bool>(no), no);
    BOOST_TEST(read_error<bool>("maybe") ==
               "config error: value: expected a boolean (true/false, yes/no, on/off, 1/0), "
               "got 'maybe' (line 1, column 8)");
    BOOST_TEST(read_value<double>("2.5") == 2.5);
    BOOST_TEST(read_value<double>("-1e3") == -1000.0);
    BOOST_TEST(read_value<double>("+4") == 4.0);
    for (const char* bad : {"x", ".inf", "nan", "1.5.2", "''"}) {
        BOOST_TEST(read_error<double>(bad).find("expected a finite number") != std::string::npos,
                   bad);
    }
    BOOST_TEST(read_value<std::string>("'0123'") == "0123");
    BOOST_TEST(read_value<std::string>("42") == "42");
    BOOST_TEST(read_error<std::string>("[a]") ==
               "config error: value: expected a string, got a sequence (line 1, column 8)");
}

BOOST_AUTO_TEST_CASE(syntax_error_has_line_and_column) {
    const auto e = error_of([] { cfg::load_string("a: [1, 2\nb: 3\n", "broken.yaml"); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->key_path().empty());
    BOOST_TEST(e->line() == 2);
    BOOST_TEST(e->column() == 2);
    BOOST_TEST(std::string(e->what()) ==
               "broken.yaml:2:2: YAML syntax error: end of sequence flow not found");
    BOOST_TEST(what_of([] { cfg::load_string("a: 1\n  b: 2\n"); }) ==
               "config error: YAML syntax error: illegal map value (line 2, column 4)");
}

BOOST_AUTO_TEST_CASE(top_level_must_be_a_mapping) {
    BOOST_TEST(what_of([] { cfg::load_string("- a\n- b\n", "list.yaml"); }) ==
               "list.yaml:1:1: the top level must be a mapping, got a sequence");
}

BOOST_AUTO_TEST_CASE(files_missing_unreadable_and_valid) {
    test_support::temp_dir dir;
    const auto missing = dir / "nope.yaml";
    BOOST_TEST(what_of([&] { cfg::load_file(missing); }) ==
               missing.string() + ": cannot open configuration file: No such file or directory");
    BOOST_TEST(what_of([&] { cfg::load_file(dir.path()); }) ==
               dir.path().string() + ": cannot read configuration file: it is a directory");

    const auto empty = dir.write("empty.yaml", "");
    BOOST_TEST(read_sample(cfg::load_file(empty)).port == 8080);

    const auto good = dir.write("cms-mock.yaml", "name: x\nhttp:\n  port: nine\n");
    const auto e = error_of([&] { read_sample(cfg::load_file(good)); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->source() == good.string());
    BOOST_TEST(std::string(e->what()) ==
               good.string() + ":3:9: http.port: expected an integer, got 'nine'");
}

BOOST_AUTO_TEST_CASE(key_paths_quote_awkward_keys) {
    BOOST_TEST(cfg::join_key_path("", "a") == "a");
    BOOST_TEST(cfg::join_key_path("a", "b_c") == "a.b_c");
    BOOST_TEST(cfg::join_key_path("devices", "a.b") == "devices[\"a.b\"]");
    BOOST_TEST(cfg::join_key_path("x", "") == "x[\"\"]");
    BOOST_TEST(cfg::join_key_path("x", "say \"hi\"") == "x[\"say \\\"hi\\\"\"]");
    BOOST_TEST(cfg::join_index_path("rules", 3) == "rules[3]");
}

BOOST_AUTO_TEST_SUITE_END()
