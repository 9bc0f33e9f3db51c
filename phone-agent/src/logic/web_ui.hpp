// The phone's built-in Web UI as pure functions (domain.md §6, §3.2, §11 item 8): who may log in
// (HTTP Basic, realm "Aastra <model>", numeric passwords from the configuration layers), the HTML
// pages rendered from plain state, and the Configuration Server form mapped to configuration keys.
// The I/O layer (run/phone_runtime) routes requests here and sends what comes back. No sockets,
// no clock; safe to call from any thread.
#pragma once

#include "logic/phone_screen.hpp"
#include "logic/screen_actions.hpp"
#include "logic/server_url.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace common::aastra {
class config_layers;
}

namespace phone_agent::web {

enum class ui_role { none, user, admin };
std::string_view to_string(ui_role role) noexcept;
std::ostream& operator<<(std::ostream& os, ui_role role);

// The two Web UI logins. Passwords are numeric 0..4294967295; anything else (letters, out of
// range) falls back to the default, as the firmware does (AG24 A-15). The user password may be
// empty (its default).
struct ui_logins {
    std::string admin_user = "admin";
    std::string admin_password = "22222";
    std::string user_user = "user";
    std::string user_password;
};
ui_logins logins_from(const common::aastra::config_layers& config);

// `Aastra <model>`, e.g. "Aastra 6757i" (the WWW-Authenticate realm real phones send).
std::string realm_for(std::string_view model_name);
// The whole WWW-Authenticate value: `Basic realm="Aastra 6757i"`.
std::string basic_challenge_value(std::string_view model_name);

// Who the Authorization header value identifies. Malformed or absent headers and wrong passwords
// give ui_role::none. Both logins are always compared (constant time per comparison), so timing
// does not tell which user name exists.
ui_role authenticate(std::optional<std::string_view> authorization, const ui_logins& logins);

// application/x-www-form-urlencoded (and query strings): '+' is a space, %XX decoded; a bad
// escape is kept verbatim. Fields keep their order; repeated names are all kept.
using form_fields = std::vector<std::pair<std::string, std::string>>;
form_fields parse_form(std::string_view body);
std::optional<std::string> form_value(const form_fields& form, std::string_view name);
std::string url_decode(std::string_view text);

// &, <, >, " and ' escaped.
std::string html_escape(std::string_view text);

// Configuration Server form (§3.2): each known field becomes a configuration key, validated the
// way the form would. Unknown fields are ignored (real forms post buttons and hidden fields).
// Errors name the field and the value.
struct form_settings {
    std::vector<config_setting> settings;
    std::vector<std::string> errors;
};
form_settings configuration_server_settings(const form_fields& form);

// The field names of the form and the configuration key each one sets, in form order.
struct form_field_key {
    std::string_view field;
    std::string_view key;
};
const std::vector<form_field_key>& configuration_server_fields();

// What /sysinfo.html shows.
struct sysinfo_view {
    std::string model;       // "9480i"
    std::string mac;         // "00-08-5D-00-00-03"
    std::string firmware;    // "3.2.2.3077"
    std::string user_agent;  // the phone's User-Agent
    std::vector<std::string> addresses;  // "http://127.0.0.1:8080", ...
    std::string provisioning;            // "provisioned", "provisioning", "auth_failed: ...", ...
    std::string server;                  // configured server URL or the error reading it
};

std::string render_sysinfo(const sysinfo_view& view);
// /servercfg.html and /localcfg.html: the layer as .cfg text in a <pre>.
std::string render_cfg_page(std::string_view title, std::string_view cfg_text);
// GET /configurationServer.html: the form filled with the values in force, `message` on top
// ("Provisioning complete", an error list, or empty).
std::string render_configuration_server(const common::aastra::config_layers& config,
                                        std::string_view message);
std::string render_reset(std::string_view message);
// /phone.html: the display (title, lines, the selected line marked, softkeys, status line) and
// forms (no JavaScript) that POST `key=<name>` back to /phone.html.
std::string render_phone(const screen_view& view, std::string_view model_name);
std::string render_unauthorized(std::string_view model_name);
std::string render_not_found(std::string_view target);

// Key names shared by /phone.html and POST /api/key: "softkey1".."softkey10", "goodbye",
// "line1".."line9", "0".."9", "*", "#", "star", "pound", "up", "down", "left", "right", "select".
// Case-insensitive. nullopt for anything else.
std::optional<key_press> key_from_name(std::string_view name);
std::string key_name(const key_press& key);

}  // namespace phone_agent::web
