// Aastra XML objects ("script files", domain.md §5.2-5.3) as typed values, parsed with pugixml.
// Pure: no I/O, no clocks. Safe to call from any thread.
//
// Hostile input: pugixml never loads external entities or DTDs and does not expand internal
// entity declarations, so neither XXE nor "billion laughs" can happen. A DOCTYPE is still refused
// outright (xml_error_kind::doctype): no Aastra object carries one, and refusing it keeps an
// unexpanded `&lol9;` from ever reaching the screen as literal text.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

// The largest object the 3.3.x firmware takes (XMLG p.40); 2.x took 2150 bytes.
inline constexpr std::size_t default_max_object_size = 10000;
// At most 30 MenuItems per TextMenu since firmware 2.2.
inline constexpr std::size_t max_menu_items = 30;
// Softkey indexes go up to 10 on the 6739i, 6 elsewhere.
inline constexpr int max_softkey_index = 10;

// A custom <SoftKey index=".."><Label/><URI/></SoftKey>. The URI may be an http(s) URL, `Dial:`,
// or one of the special `SoftKey:Select|Exit|Dial|Dial2|Submit|BackSpace|Done` actions.
struct softkey {
    int index = 1;  // 1-based, as on the phone
    std::string label;
    std::string uri;
};

// Root attributes and children shared by every UI object.
struct ui_attributes {
    std::string title;
    bool destroy_on_exit = false;
    std::string cancel_action;  // URI fetched when the user cancels (Exit)
    std::string done_action;    // URI fetched when the user finishes (Done)
    bool beep = false;
    // Unset: the 45 s default, except with LockIn, which disables the default timeout.
    // Zero: never times out.
    std::optional<std::chrono::seconds> timeout;
    bool lock_in = false;
    std::string goodbye_lock_in_uri;
    // Custom softkeys replace the object's default keys when non-empty. Sorted by index, unique.
    std::vector<softkey> softkeys;
};

// nullopt when the object never times out.
std::optional<std::chrono::seconds> effective_timeout(const ui_attributes& ui,
                                                      std::chrono::seconds default_timeout);

struct dial_target {
    std::string number;
    std::optional<int> line;  // `<Dial line="2">`
};

struct menu_item {
    std::string prompt;
    std::string uri;  // mandatory in TextMenu; the number to dial (or a URL) in Directory
    std::optional<dial_target> dial;
    std::optional<std::string> selection;
};

struct text_menu {
    ui_attributes ui;
    std::vector<menu_item> items;  // at least one
    std::size_t default_index = 0;  // 0-based here; `defaultIndex` is 1-based in the XML
    std::string style;              // e.g. "numbered", "none"; kept as given
};

struct text_screen {
    ui_attributes ui;
    std::string text;
};

struct formatted_line {
    std::string text;
    std::string size;   // "normal", "double", "small"... kept as given
    std::string align;  // "left", "center", "right"
    bool in_scroll = false;  // inside <Scroll>: the part that scrolls between fixed lines
};

struct formatted_text_screen {
    ui_attributes ui;
    std::vector<formatted_line> lines;  // document order
    std::optional<int> scroll_height;
};

enum class input_type { ip, string, number, time_us, time_int, date_us, date_int };
std::string_view to_string(input_type t) noexcept;
std::ostream& operator<<(std::ostream& os, input_type t);

struct input_screen {
    ui_attributes ui;
    input_type type = input_type::string;
    bool password = false;
    bool editable = true;
    std::string prompt;
    std::string url;
    std::string parameter;
    std::string default_value;
};

struct directory {
    ui_attributes ui;
    std::vector<menu_item> items;  // prompt + uri only
};

// Images are accepted and shown as placeholders: the emulator has no bitmap display.
struct image_screen {
    ui_attributes ui;
};

struct image_menu_uri {
    char key = '1';  // keypad key that opens the URI
    std::string uri;  // `base` already prepended
};

struct image_menu {
    ui_attributes ui;
    std::vector<image_menu_uri> uris;
};

enum class status_type { normal, alert, icon };
std::string_view to_string(status_type t) noexcept;
std::ostream& operator<<(std::ostream& os, status_type t);

struct status_message {
    std::string index;  // key within the session; empty text removes the message
    status_type type = status_type::normal;
    std::optional<std::chrono::seconds> timeout;
    std::string uri;
    std::string text;
};

struct status {
    bool beep = false;
    bool trigger_destroy_on_exit = false;
    std::string session;  // "0" when absent
    std::vector<status_message> messages;
};

// What one ExecuteItem URI asks for, decided at parse time so a bad URI is a parse error.
enum class led_state { on, off, slow_flash, fast_flash };
std::string_view to_string(led_state s) noexcept;
std::ostream& operator<<(std::ostream& os, led_state s);

enum class phone_command { reset, fast_reboot, clear_local, lock, unlock, upload_system_info };
std::string_view to_string(phone_command c) noexcept;
std::ostream& operator<<(std::ostream& os, phone_command c);

struct exec_fetch { std::string url; };
struct exec_dial { dial_target target; };
struct exec_key { std::string key; };  // e.g. "Line1", "SoftKey3", "Goodbye"
struct exec_led { std::string key; led_state state = led_state::off; };
struct exec_command { phone_command command = phone_command::reset; };
struct exec_noop {};
// RTP/Wav streaming and melodies need a media stack the agent does not have.
struct exec_unsupported { std::string uri; };
using exec_request = std::variant<exec_fetch, exec_dial, exec_key, exec_led, exec_command,
                                  exec_noop, exec_unsupported>;

// Classifies an ExecuteItem (or menu/softkey) URI: `http(s)://…`, `Dial:N`, `DialLine:L:N`,
// `Key:Name`, `Led: key=on|off|slowflash|fastflash`, `Command: Reset|FastReboot|ClearLocal|Lock|
// Unlock|UploadSystemInfo`, empty (NoOp). Other schemes are exec_unsupported. The string is a
// reason when the URI uses a known scheme wrongly (e.g. `Led: x=blink`, `Dial:` with no number).
std::variant<exec_request, std::string> classify_uri(std::string_view uri);

struct execute_item {
    std::string uri;  // as written
    exec_request request;
};

struct execute {
    bool beep = false;
    bool trigger_destroy_on_exit = false;
    std::vector<execute_item> items;
};

enum class set_type { remote, local, one_boot, override_ };
std::string_view to_string(set_type t) noexcept;
std::ostream& operator<<(std::ostream& os, set_type t);

struct configuration_item {
    set_type type = set_type::remote;
    std::string parameter;  // with '#' when a range is given
    std::optional<int> first_item;
    std::optional<int> last_item;
    std::string value;
};

struct configuration {
    bool beep = false;
    bool trigger_destroy_on_exit = false;
    std::vector<configuration_item> items;
};

// One parameter of a configuration item after range expansion.
struct config_assignment {
    set_type type = set_type::remote;
    std::string key;
    std::string value;
};
// `softkey# type` with firstItem=1 lastItem=3 becomes "softkey1 type" .. "softkey3 type".
std::vector<config_assignment> expand(const configuration_item& item);

using xml_object = std::variant<text_menu, text_screen, formatted_text_screen, input_screen,
                                directory, image_screen, image_menu, status, execute,
                                configuration>;

// The root element name, e.g. "AastraIPPhoneTextMenu".
std::string_view root_name(const xml_object& object) noexcept;
// UI attributes of a screen object; nullptr for Status, Execute and Configuration.
const ui_attributes* ui_of(const xml_object& object) noexcept;

enum class xml_error_kind {
    too_large,        // over the size limit
    malformed,        // not well-formed XML, or more than one root element
    doctype,          // a DOCTYPE declaration (see the file comment)
    unknown_root,     // not one of the AastraIPPhone* objects
    missing_element,  // a mandatory child is absent (e.g. MenuItem/URI)
    bad_attribute,    // an attribute or element value out of its domain
};
std::string_view to_string(xml_error_kind k) noexcept;
std::ostream& operator<<(std::ostream& os, xml_error_kind k);

struct xml_error {
    xml_error_kind kind = xml_error_kind::malformed;
    std::string where;    // element path and attribute, e.g. "AastraIPPhoneTextMenu/@defaultIndex"
    std::size_t offset = 0;  // byte offset in the body (pugixml's), best effort for attributes
    std::string message;  // one line naming what is wrong, where, and the offset
};

// Parses one object. `max_size` bounds the body in bytes before anything is parsed.
// Encoding: UTF-8 by default; an ISO-8859-1 XML declaration is honoured by pugixml.
std::variant<xml_object, xml_error> parse_xml_object(
    std::string_view body, std::size_t max_size = default_max_object_size);

// `Refresh: <seconds>; url=<URL>` (both parts mandatory, XMLG p.196).
struct refresh_directive {
    std::chrono::seconds delay{0};
    std::string url;
};
std::variant<refresh_directive, std::string> parse_refresh_header(std::string_view value);

}  // namespace phone_agent
