// Layer precedence, locks, `^` overrides, server.cfg / local.cfg export and reload, typed getters,
// firmware defaults and the known-key list.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/aastra/config_layers.hpp"

namespace aastra = common::aastra;
using aastra::config_layer;
using aastra::server_file;

namespace {

aastra::cfg_file cfg(std::string_view text) {
    auto parsed = aastra::parse_cfg(text);
    BOOST_TEST_REQUIRE(std::holds_alternative<aastra::cfg_parse_result>(parsed));
    auto& result = std::get<aastra::cfg_parse_result>(parsed);
    BOOST_TEST_REQUIRE(result.diagnostics.empty());
    return std::move(result.file);
}

aastra::effective_value get_ok(const aastra::config_layers& layers, std::string_view key) {
    auto found = layers.get(key);
    BOOST_TEST_REQUIRE(found.has_value(), "missing key " << key);
    return *found;
}

// aastra.cfg, 6731i.cfg and the MAC file each set `k` and a key of their own.
aastra::config_layers three_files() {
    aastra::config_layers layers;
    layers.set_server_file(server_file::global, cfg("k: global\nonly global: g\n"), "aastra.cfg");
    layers.set_server_file(server_file::model, cfg("k: model\nonly model: m\n"), "6731i.cfg");
    layers.set_server_file(server_file::mac, cfg("k: mac\nonly mac: x\n"), "00085D1A2B3C.cfg");
    return layers;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_layers)

BOOST_AUTO_TEST_CASE(precedence_defaults_global_model_mac_local) {
    aastra::config_layers layers = three_files();
    struct row {
        const char* key;
        const char* value;
        config_layer source;
    };
    const row before_local[] = {
        {"k", "mac", config_layer::mac_file},
        {"only global", "g", config_layer::global_file},
        {"only model", "m", config_layer::model_file},
        {"only mac", "x", config_layer::mac_file},
        {"http port", "80", config_layer::defaults},
    };
    for (const row& r : before_local) {
        BOOST_TEST_CONTEXT("key " << r.key) {
            const auto found = get_ok(layers, r.key);
            BOOST_TEST(found.value == r.value);
            BOOST_TEST(found.source == r.source);
            BOOST_TEST(!found.locked);
        }
    }

    BOOST_TEST(!layers.set_local("K", "local").has_value());
    BOOST_TEST(!layers.set_local("HTTP  Port", "8080").has_value());
    BOOST_TEST(get_ok(layers, "k").value == "local");
    BOOST_TEST(get_ok(layers, "k").source == config_layer::local);
    BOOST_TEST(get_ok(layers, "http port").value == "8080");

    BOOST_TEST(layers.clear_local("k"));
    BOOST_TEST(get_ok(layers, "k").value == "mac");
    layers.clear_server_file(server_file::mac);
    BOOST_TEST(get_ok(layers, "k").value == "model");
    BOOST_TEST(!layers.get("only mac").has_value());
    layers.clear_server_file(server_file::model);
    BOOST_TEST(get_ok(layers, "k").value == "global");
    layers.clear_server();
    BOOST_TEST(!layers.get("k").has_value());
    BOOST_TEST(get_ok(layers, "http port").value == "8080");  // local survives
    layers.clear_local();
    BOOST_TEST(get_ok(layers, "http port").source == config_layer::defaults);
    BOOST_TEST(!layers.get("no such key").has_value());
}

BOOST_AUTO_TEST_CASE(server_lock_refuses_local_changes_and_names_the_file) {
    aastra::config_layers layers;
    BOOST_TEST(!layers.set_local("admin password", "4444").has_value());  // before the lock
    layers.set_server_file(server_file::global, cfg("!admin password: 12345\n"), "aastra.cfg");

    const auto found = get_ok(layers, "Admin Password");
    BOOST_TEST(found.value == "12345");  // the older local value is ignored
    BOOST_TEST(found.source == config_layer::global_file);
    BOOST_TEST(found.locked);
    BOOST_TEST(found.locked_by == "aastra.cfg");

    const auto refused = layers.set_local("ADMIN password", "999");
    BOOST_TEST_REQUIRE(refused.has_value());
    BOOST_TEST(refused->message == "admin password: locked by aastra.cfg");

    // The lock sticks when a more specific file sets the key again without `!`, and the value
    // comes from that file.
    layers.set_server_file(server_file::mac, cfg("admin password: 777\n"), "00085D1A2B3C.cfg");
    const auto relocked = get_ok(layers, "admin password");
    BOOST_TEST(relocked.value == "777");
    BOOST_TEST(relocked.source == config_layer::mac_file);
    BOOST_TEST(relocked.locked);
    BOOST_TEST(relocked.locked_by == "aastra.cfg");

    // A lock in the more specific file is the one named.
    layers.set_server_file(server_file::model, cfg("!admin password: 1\n"), "6731i.cfg");
    BOOST_TEST(layers.set_local("admin password", "2")->message ==
               "admin password: locked by 6731i.cfg");

    // Once no server file locks it, the saved local value applies again.
    layers.clear_server();
    BOOST_TEST(get_ok(layers, "admin password").value == "4444");
    BOOST_TEST(!layers.set_local("admin password", "5555").has_value());
}

BOOST_AUTO_TEST_CASE(override_marker_deletes_the_local_value) {
    aastra::config_layers layers;
    BOOST_TEST(!layers.set_local("sip proxy ip", "192.168.0.9").has_value());
    BOOST_TEST(!layers.set_local("sip registrar ip", "192.168.0.9").has_value());
    const auto overridden = layers.set_server_file(
        server_file::mac, cfg("^SIP Proxy IP: 10.0.0.1\nsip registrar ip: 10.0.0.1\n"),
        "00085D1A2B3C.cfg");
    BOOST_TEST_REQUIRE(overridden.size() == 1U);
    BOOST_TEST(overridden.front() == "sip proxy ip");
    BOOST_TEST(get_ok(layers, "sip proxy ip").value == "10.0.0.1");
    BOOST_TEST(get_ok(layers, "sip registrar ip").value == "192.168.0.9");
    BOOST_TEST(layers.local().find("sip proxy ip") == nullptr);
}

BOOST_AUTO_TEST_CASE(local_values_are_validated) {
    aastra::config_layers layers;
    BOOST_TEST(layers.set_local("", "v").has_value());
    BOOST_TEST(layers.set_local("a:b", "v").has_value());
    BOOST_TEST(layers.set_local("k", "two\nlines").has_value());
    BOOST_TEST(layers.local().empty());
}

BOOST_AUTO_TEST_CASE(server_cfg_export_merges_and_reloads) {
    aastra::config_layers layers = three_files();
    layers.set_server_file(server_file::global,
                           cfg("k: global\nonly global: g\n!locked: 1\nlabel: \"  spaced \"\n"),
                           "aastra.cfg");
    layers.set_server_file(server_file::mac, cfg("k: mac\nlocked: 2\n"), "00085D1A2B3C.cfg");
    BOOST_TEST(!layers.set_local("user password", "1234").has_value());

    const aastra::cfg_file merged = layers.merged_server();
    BOOST_TEST(merged.find("k")->value == "mac");
    BOOST_TEST(merged.find("locked")->value == "2");
    BOOST_TEST(merged.find("locked")->locked);
    BOOST_TEST(merged.find("only model")->value == "m");
    BOOST_TEST(merged.find("user password") == nullptr);  // local values are not server values

    const std::string server_text = layers.server_cfg_text();
    const std::string local_text = layers.local_cfg_text();
    BOOST_TEST(server_text.find("!locked: 2\n") != std::string::npos, server_text);
    BOOST_TEST(local_text == "user password: 1234\n");

    aastra::config_layers restarted;
    auto server_loaded = restarted.load_server_cfg_text(server_text);
    auto local_loaded = restarted.load_local_cfg_text(local_text);
    BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<aastra::cfg_diagnostic>>(server_loaded));
    BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<aastra::cfg_diagnostic>>(local_loaded));
    BOOST_TEST((restarted.merged_server() == merged));
    BOOST_TEST(restarted.server_cfg_text() == server_text);
    BOOST_TEST(restarted.local_cfg_text() == local_text);

    const auto cached = get_ok(restarted, "k");
    BOOST_TEST(cached.value == "mac");
    BOOST_TEST(cached.source == config_layer::cached_server);
    const auto locked = get_ok(restarted, "locked");
    BOOST_TEST(locked.locked);
    BOOST_TEST(locked.locked_by == "server.cfg");
    BOOST_TEST(get_ok(restarted, "label").value == "  spaced ");
    BOOST_TEST(get_ok(restarted, "user password").value == "1234");

    // A fresh download replaces the whole cache, not just the keys it sets.
    restarted.set_server_file(server_file::global, cfg("k: fresh\n"), "aastra.cfg");
    BOOST_TEST(get_ok(restarted, "k").value == "fresh");
    BOOST_TEST(!restarted.get("only model").has_value());
    BOOST_TEST(!restarted.get("locked").has_value());
    BOOST_TEST(!restarted.set_local("locked", "3").has_value());  // the cached lock went too
}

BOOST_AUTO_TEST_CASE(reload_reports_bad_lines_and_keeps_state_on_error) {
    aastra::config_layers layers;
    auto loaded = layers.load_local_cfg_text("# local.cfg\nbroken line\n!k: v\n^j: w\n");
    BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<aastra::cfg_diagnostic>>(loaded));
    const auto& diagnostics = std::get<std::vector<aastra::cfg_diagnostic>>(loaded);
    BOOST_TEST_REQUIRE(diagnostics.size() == 1U);
    BOOST_TEST(diagnostics.front().line == 2U);
    BOOST_TEST(diagnostics.front().message.find("local.cfg:2") == 0U);
    BOOST_TEST(!layers.local().find("k")->locked);  // only server files lock
    BOOST_TEST(!layers.local().find("j")->override_local);

    const std::string too_big(aastra::max_cfg_bytes + 1, '#');
    BOOST_TEST(std::holds_alternative<aastra::cfg_error>(layers.load_local_cfg_text(too_big)));
    BOOST_TEST(std::holds_alternative<aastra::cfg_error>(layers.load_server_cfg_text(too_big)));
    BOOST_TEST(layers.local().size() == 2U);
}

BOOST_AUTO_TEST_CASE(typed_getters_fall_back_on_bad_values) {
    aastra::config_layers layers;
    layers.set_server_file(server_file::global,
                           cfg("n: 42\nneg: -5\nbig: 99999999999999999999\nword: abc\nspace: 4 2\n"
                               "plus: +3\nempty:\nb1: 1\nb0: 0\nbyes: yes\nb2: 2\n"),
                           "aastra.cfg");
    BOOST_TEST(layers.get_int("n", 7, 0, 100) == 42);
    BOOST_TEST(layers.get_int("n", 7, 0, 41) == 7);   // above range
    BOOST_TEST(layers.get_int("n", 7, 43, 99) == 7);  // below range
    BOOST_TEST(layers.get_int("neg", 7, -10, 10) == -5);
    BOOST_TEST(layers.get_int("big", 7, 0, INT64_MAX) == 7);
    BOOST_TEST(layers.get_int("word", 7, 0, 100) == 7);
    BOOST_TEST(layers.get_int("space", 7, 0, 100) == 7);
    BOOST_TEST(layers.get_int("plus", 7, 0, 100) == 7);
    BOOST_TEST(layers.get_int("empty", 7, 0, 100) == 7);
    BOOST_TEST(layers.get_int("missing", 7, 0, 100) == 7);
    BOOST_TEST(layers.get_int("http port", 1, 1, 65535) == 80);
    BOOST_TEST(layers.get_int("admin password", 0, 0, 4294967295) == 22222);

    BOOST_TEST(layers.get_bool("b1", false) == true);
    BOOST_TEST(layers.get_bool("b0", true) == false);
    BOOST_TEST(layers.get_bool("byes", false) == false);
    BOOST_TEST(layers.get_bool("b2", true) == true);
    BOOST_TEST(layers.get_bool("missing", true) == true);
    BOOST_TEST(layers.get_bool("https validate certificates", false) == true);

    BOOST_TEST(layers.get_string("word", "d") == "abc");
    BOOST_TEST(layers.get_string("empty", "d").empty());  // present but empty is a value
    BOOST_TEST(layers.get_string("missing", "d") == "d");
    BOOST_TEST(layers.get_string("http digest username") == "aastra");
}

// The typed getters read the entry in force without building get()'s answer: they must pick the
// same layer, local values included unless a server file locks the key.
BOOST_AUTO_TEST_CASE(typed_getters_follow_precedence_and_locks) {
    aastra::config_layers layers;
    BOOST_TEST(!layers.set_local("xml get timeout", "30").has_value());
    BOOST_TEST(!layers.set_local("http digest force login", "1").has_value());
    BOOST_TEST(!layers.set_local("http digest username", "local-user").has_value());
    layers.set_server_file(server_file::global,
                           cfg("xml get timeout: 10\n!http digest force login: 0\nhttp digest username: srv\n"),
                           "aastra.cfg");
    BOOST_TEST(layers.get_int("XML Get  Timeout", 0, 0, 100) == 30);  // local wins
    BOOST_TEST(layers.get_bool("http digest force login", true) == false);  // locked: local ignored
    BOOST_TEST(layers.get_string("http digest username") == "local-user");
    BOOST_TEST(layers.get_string("http digest password") == "aastra");  // firmware default
    BOOST_TEST(get_ok(layers, "http digest force login").locked);
    BOOST_TEST(!get_ok(layers, "http digest username").locked);
    layers.clear_server();
    BOOST_TEST(layers.get_bool("http digest force login", false) == true);
}

BOOST_AUTO_TEST_CASE(firmware_defaults_table) {
    const std::pair<const char*, const char*> expected[] = {
        {"http port", "80"},
        {"https port", "443"},
        {"https validate certificates", "1"},
        {"https validate hostname", "1"},
        {"https validate expires", "1"},
        {"http digest username", "aastra"},
        {"http digest password", "aastra"},
        {"http digest force login", "0"},
        {"auto resync mode", "0"},
        {"auto resync max delay", "15"},
        {"auto resync days", "0"},
        {"xml get timeout", "0"},
        {"admin password", "22222"},
        {"user password", ""},
    };
    const aastra::cfg_file& defaults = aastra::firmware_defaults();
    for (const auto& [key, value] : expected) {
        BOOST_TEST_CONTEXT("key " << key) {
            const aastra::cfg_entry* entry = defaults.find(key);
            BOOST_TEST_REQUIRE(entry != nullptr);
            BOOST_TEST(entry->value == value);
            BOOST_TEST(!entry->locked);
        }
    }
    for (const aastra::cfg_entry& entry : defaults.entries()) {
        BOOST_TEST(aastra::is_known_key(entry.key), entry.key);
    }

    aastra::config_layers custom(aastra::cfg_file{});
    BOOST_TEST(!custom.get("http port").has_value());
}

// A fleet keeps two layer sets per phone; a private copy of the defaults in each was most of an
// idle phone's memory, so copies and assignments must keep pointing at the one table.
BOOST_AUTO_TEST_CASE(defaults_are_shared_not_copied) {
    const aastra::cfg_file* table = &aastra::firmware_defaults();
    BOOST_TEST(aastra::shared_firmware_defaults().get() == table);
    const long users_before = aastra::shared_firmware_defaults().use_count();

    aastra::config_layers active;
    aastra::config_layers building;
    BOOST_TEST(&active.defaults() == table);
    BOOST_TEST(&building.defaults() == table);
    BOOST_TEST(aastra::shared_firmware_defaults().use_count() == users_before + 2);

    BOOST_TEST_REQUIRE(!active.set_local("http port", "8080").has_value());
    building = active;
    aastra::config_layers copied(building);
    BOOST_TEST(&building.defaults() == table);
    BOOST_TEST(&copied.defaults() == table);
    BOOST_TEST(aastra::shared_firmware_defaults().use_count() == users_before + 3);

    // The override lives in the copy's own local layer; the shared table is untouched.
    BOOST_TEST(get_ok(copied, "http port").value == "8080");
    BOOST_TEST(copied.clear_local("http port"));
    BOOST_TEST(get_ok(copied, "http port").value == "80");
    BOOST_TEST(get_ok(copied, "http port").source == aastra::config_layer::defaults);
    BOOST_TEST(get_ok(active, "http port").value == "8080");
    BOOST_TEST(aastra::firmware_defaults().find("http port")->value == "80");

    const auto custom_table = std::make_shared<const aastra::cfg_file>();
    aastra::config_layers a(custom_table);
    aastra::config_layers b(custom_table);
    BOOST_TEST(&a.defaults() == &b.defaults());
    BOOST_TEST(!a.get("http port").has_value());
    aastra::config_layers none(std::shared_ptr<const aastra::cfg_file>{});
    BOOST_TEST(none.defaults().empty());
}

BOOST_AUTO_TEST_CASE(known_keys_and_indexed_families) {
    const char* known[] = {
        "download protocol", "HTTPS Validate Hostname", "xml application post list",
        "action uri poll interval", "https user certificates", "contact rcs",
        "sip line1 auth name", "sip line9 user name", "SIP Line3  Password",
        "softkey1 type", "softkey12 label", "softkey99 value", "softkey2 line",
        "topsoftkey3 label", "prgkey6 type", "expmod1 key1 type", "expmod3 key60 value",
    };
    for (const char* key : known) {
        BOOST_TEST(aastra::is_known_key(key), key);
    }
    const char* unknown[] = {
        "", "download protocl", "sip line0 auth name", "sip line10 auth name", "sip line1",
        "sip line1 ", "sip line01 auth name", "softkey0 type", "softkey100 type",
        "softkey1 colour", "softkey1", "softkey1type", "softkeyx type", "topsoftkey label",
        "expmod0 key1 type", "expmod4 key1 type", "expmod1 key61 type", "expmod1 key1",
        "prgkey-1 type",
    };
    for (const char* key : unknown) {
        BOOST_TEST(!aastra::is_known_key(key), key);
    }
    BOOST_TEST(aastra::known_plain_keys().size() > 40U);
}

BOOST_AUTO_TEST_SUITE_END()
