// The vocabulary between phone_screen (pure) and the I/O layer: keys and fetch results go in,
// actions come out. Plain values; copy freely.
#pragma once

#include "logic/xml_objects.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace phone_agent {

// Why a fetch was started; for logs and metrics; the screen tracks what to do with the answer.
enum class fetch_purpose {
    softkey,          // a configured `softkeyN type: xml` key or an object's custom softkey
    menu_select,      // Select on a TextMenu / Directory item
    input_submit,     // InputScreen `URL?Parameter=value`
    refresh,          // `Refresh: N; url=U` came due
    execute_item,     // an http(s) ExecuteItem
    exit_action,      // cancelAction / doneAction
    goodbye_lock_in,  // GoodbyeLockInURI
    open,             // open_url() from the API
};
std::string_view to_string(fetch_purpose p) noexcept;
std::ostream& operator<<(std::ostream& os, fetch_purpose p);

// GET `url`. Screen fetches never block the phone (AG322 2-7); only action URIs do.
struct fetch_action {
    std::uint64_t id = 0;
    std::string url;
    bool blocking = false;
    fetch_purpose purpose = fetch_purpose::softkey;
};
// Abort fetch `id`; whatever the I/O layer still reports for it is ignored.
struct cancel_fetch_action { std::uint64_t id = 0; };
struct dial_action {
    std::string number;
    std::optional<int> line;  // nullopt: the phone's current line
};
struct key_action { std::string key; };  // Execute `Key:<name>`
struct led_action {
    std::string key;
    led_state state = led_state::off;
};
struct reboot_action {
    bool fast = false;
    bool clear_local = false;  // `Command: ClearLocal`: drop the local layer first
};
struct command_action { phone_command command = phone_command::lock; };  // Lock/Unlock/Upload...
// The configuration layer decides whether the key is locked; if it refuses, it tells the screen
// through phone_screen::config_refused.
struct apply_config_action {
    set_type type = set_type::remote;
    std::string key;
    std::string value;
};
struct beep_action {};
struct error_action { std::string message; };   // shown on the status line and worth logging
struct notice_action { std::string message; };  // for the log only

using screen_action =
    std::variant<fetch_action, cancel_fetch_action, dial_action, key_action, led_action,
                 reboot_action, command_action, apply_config_action, beep_action, error_action,
                 notice_action>;

// One line per action, e.g. "fetch#3 softkey http://x/y": for logs and test failures.
std::string describe(const screen_action& action);
std::ostream& operator<<(std::ostream& os, const screen_action& action);

enum class key_kind {
    softkey,
    goodbye,
    nav_up,
    nav_down,
    nav_left,
    nav_right,
    select,
    digit,
    line,
};

struct key_press {
    key_kind kind = key_kind::select;
    int number = 0;  // softkey 1-10 or line 1-9
    char digit = 0;  // '0'-'9', '*', '#'

    static key_press softkey(int n) { return {key_kind::softkey, n, 0}; }
    static key_press line(int n) { return {key_kind::line, n, 0}; }
    static key_press keypad(char c) { return {key_kind::digit, 0, c}; }
    static key_press of(key_kind k) { return {k, 0, 0}; }
};

struct fetch_done {
    std::uint64_t id = 0;
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // only Refresh is read
    std::string body;
};

struct fetch_failed {
    std::uint64_t id = 0;
    std::string reason;  // e.g. "timeout", "Bad Certificate"
};

}  // namespace phone_agent
