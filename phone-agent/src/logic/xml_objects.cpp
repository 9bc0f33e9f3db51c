#include "logic/xml_objects.hpp"

#include "logic/ascii.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <type_traits>
#include <utility>

namespace phone_agent {

namespace {

using ascii::iequals;
using ascii::istarts_with;
using ascii::trim;

std::optional<int> to_int(std::string_view s) noexcept {
    int v = 0;
    const auto* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc{} || ptr != end || s.empty()) return std::nullopt;
    return v;
}

std::variant<exec_request, std::string> classify_led(std::string_view rest) {
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) return std::string("Led: expects <key>=<state>");
    const auto key = trim(rest.substr(0, eq));
    const auto state = trim(rest.substr(eq + 1));
    if (key.empty()) return std::string("Led: has no key name");
    static constexpr std::array<std::pair<std::string_view, led_state>, 4> states{{
        {"on", led_state::on},
        {"off", led_state::off},
        {"slowflash", led_state::slow_flash},
        {"fastflash", led_state::fast_flash},
    }};
    for (const auto& [name, value] : states) {
        if (iequals(state, name)) return exec_request{exec_led{std::string(key), value}};
    }
    return "Led: state '" + std::string(state) + "' is not on|off|slowflash|fastflash";
}

std::variant<exec_request, std::string> classify_command(std::string_view rest) {
    static constexpr std::array<std::pair<std::string_view, phone_command>, 6> commands{{
        {"Reset", phone_command::reset},
        {"FastReboot", phone_command::fast_reboot},
        {"ClearLocal", phone_command::clear_local},
        {"Lock", phone_command::lock},
        {"Unlock", phone_command::unlock},
        {"UploadSystemInfo", phone_command::upload_system_info},
    }};
    for (const auto& [name, value] : commands) {
        if (iequals(rest, name)) return exec_request{exec_command{value}};
    }
    // Later firmware adds commands; refusing the whole object over one would be harsher than
    // the phone, which skips what it does not know.
    return exec_request{exec_unsupported{"Command: " + std::string(rest)}};
}

}  // namespace

std::optional<std::chrono::seconds> effective_timeout(const ui_attributes& ui,
                                                      std::chrono::seconds default_timeout) {
    if (ui.timeout) {
        if (ui.timeout->count() == 0) return std::nullopt;
        return *ui.timeout;
    }
    // XMLG 4.10.3: LockIn switches the default timeout off unless Timeout is given.
    if (ui.lock_in) return std::nullopt;
    return default_timeout;
}

std::variant<exec_request, std::string> classify_uri(std::string_view uri) {
    const auto u = trim(uri);
    if (u.empty()) return exec_request{exec_noop{}};
    if (istarts_with(u, "http://") || istarts_with(u, "https://")) {
        return exec_request{exec_fetch{std::string(u)}};
    }
    if (istarts_with(u, "DialLine:")) {
        const auto rest = u.substr(9);
        const auto colon = rest.find(':');
        const auto line = colon == std::string_view::npos ? std::nullopt
                                                          : to_int(trim(rest.substr(0, colon)));
        if (!line || *line < 1 || *line > 9) {
            return std::string("DialLine: expects <line 1-9>:<number>");
        }
        const auto number = trim(rest.substr(colon + 1));
        if (number.empty()) return std::string("DialLine: has no number");
        return exec_request{exec_dial{dial_target{std::string(number), *line}}};
    }
    if (istarts_with(u, "Dial:")) {
        const auto number = trim(u.substr(5));
        if (number.empty()) return std::string("Dial: has no number");
        return exec_request{exec_dial{dial_target{std::string(number), std::nullopt}}};
    }
    if (istarts_with(u, "Key:")) {
        const auto key = trim(u.substr(4));
        if (key.empty()) return std::string("Key: has no key name");
        return exec_request{exec_key{std::string(key)}};
    }
    if (istarts_with(u, "Led:")) return classify_led(u.substr(4));
    if (istarts_with(u, "Command:")) return classify_command(trim(u.substr(8)));
    return exec_request{exec_unsupported{std::string(u)}};
}

std::vector<config_assignment> expand(const configuration_item& item) {
    std::vector<config_assignment> out;
    if (!item.first_item || !item.last_item) {
        out.push_back({item.type, item.parameter, item.value});
        return out;
    }
    const auto hash = item.parameter.find('#');
    for (int i = *item.first_item; i <= *item.last_item; ++i) {
        std::string key = item.parameter;
        if (hash != std::string::npos) key.replace(hash, 1, std::to_string(i));
        out.push_back({item.type, std::move(key), item.value});
    }
    return out;
}

std::string_view root_name(const xml_object& object) noexcept {
    static constexpr std::array<std::string_view, std::variant_size_v<xml_object>> names{
        "AastraIPPhoneTextMenu",  "AastraIPPhoneTextScreen", "AastraIPPhoneFormattedTextScreen",
        "AastraIPPhoneInputScreen", "AastraIPPhoneDirectory", "AastraIPPhoneImageScreen",
        "AastraIPPhoneImageMenu", "AastraIPPhoneStatus",     "AastraIPPhoneExecute",
        "AastraIPPhoneConfiguration",
    };
    return names[object.index()];
}

const ui_attributes* ui_of(const xml_object& object) noexcept {
    return std::visit(
        [](const auto& o) -> const ui_attributes* {
            if constexpr (requires { o.ui; }) {
                return &o.ui;
            } else {
                return nullptr;
            }
        },
        object);
}

std::variant<refresh_directive, std::string> parse_refresh_header(std::string_view value) {
    const auto semi = value.find(';');
    if (semi == std::string_view::npos) return std::string("Refresh: missing '; url='");
    const auto seconds = to_int(trim(value.substr(0, semi)));
    if (!seconds || *seconds < 1 || *seconds > 86400) {
        // Zero would make the phone re-fetch in a tight loop.
        return std::string("Refresh: delay must be 1..86400 seconds");
    }
    auto rest = trim(value.substr(semi + 1));
    if (!istarts_with(rest, "url")) return std::string("Refresh: missing 'url='");
    rest = trim(rest.substr(3));
    if (rest.empty() || rest.front() != '=') return std::string("Refresh: missing 'url='");
    const auto url = trim(rest.substr(1));
    if (url.empty()) return std::string("Refresh: empty url");
    return refresh_directive{std::chrono::seconds{*seconds}, std::string(url)};
}

std::string_view to_string(input_type t) noexcept {
    switch (t) {
        case input_type::ip: return "IP";
        case input_type::string: return "string";
        case input_type::number: return "number";
        case input_type::time_us: return "timeUS";
        case input_type::time_int: return "timeInt";
        case input_type::date_us: return "dateUS";
        case input_type::date_int: return "dateInt";
    }
    return "?";
}

std::string_view to_string(status_type t) noexcept {
    switch (t) {
        case status_type::normal: return "normal";
        case status_type::alert: return "alert";
        case status_type::icon: return "icon";
    }
    return "?";
}

std::string_view to_string(led_state s) noexcept {
    switch (s) {
        case led_state::on: return "on";
        case led_state::off: return "off";
        case led_state::slow_flash: return "slowflash";
        case led_state::fast_flash: return "fastflash";
    }
    return "?";
}

std::string_view to_string(phone_command c) noexcept {
    switch (c) {
        case phone_command::reset: return "Reset";
        case phone_command::fast_reboot: return "FastReboot";
        case phone_command::clear_local: return "ClearLocal";
        case phone_command::lock: return "Lock";
        case phone_command::unlock: return "Unlock";
        case phone_command::upload_system_info: return "UploadSystemInfo";
    }
    return "?";
}

std::string_view to_string(set_type t) noexcept {
    switch (t) {
        case set_type::remote: return "remote";
        case set_type::local: return "local";
        case set_type::one_boot: return "oneBoot";
        case set_type::override_: return "override";
    }
    return "?";
}

std::string_view to_string(xml_error_kind k) noexcept {
    switch (k) {
        case xml_error_kind::too_large: return "too_large";
        case xml_error_kind::malformed: return "malformed";
        case xml_error_kind::doctype: return "doctype";
        case xml_error_kind::unknown_root: return "unknown_root";
        case xml_error_kind::missing_element: return "missing_element";
        case xml_error_kind::bad_attribute: return "bad_attribute";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, input_type t) { return os << to_string(t); }
std::ostream& operator<<(std::ostream& os, status_type t) { return os << to_string(t); }
std::ostream& operator<<(std::ostream& os, led_state s) { return os << to_string(s); }
std::ostream& operator<<(std::ostream& os, phone_command c) { return os << to_string(c); }
std::ostream& operator<<(std::ostream& os, set_type t) { return os << to_string(t); }
std::ostream& operator<<(std::ostream& os, xml_error_kind k) { return os << to_string(k); }

}  // namespace phone_agent
