#include "logic/screen_actions.hpp"

#include <sstream>
#include <type_traits>

namespace phone_agent {

std::string_view to_string(fetch_purpose p) noexcept {
    switch (p) {
        case fetch_purpose::softkey: return "softkey";
        case fetch_purpose::menu_select: return "menu_select";
        case fetch_purpose::input_submit: return "input_submit";
        case fetch_purpose::refresh: return "refresh";
        case fetch_purpose::execute_item: return "execute_item";
        case fetch_purpose::exit_action: return "exit_action";
        case fetch_purpose::goodbye_lock_in: return "goodbye_lock_in";
        case fetch_purpose::open: return "open";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, fetch_purpose p) { return os << to_string(p); }

std::string describe(const screen_action& action) {
    std::ostringstream os;
    std::visit(
        [&os](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, fetch_action>) {
                os << "fetch#" << a.id << ' ' << a.purpose << ' ' << a.url
                   << (a.blocking ? " blocking" : "");
            } else if constexpr (std::is_same_v<T, cancel_fetch_action>) {
                os << "cancel_fetch#" << a.id;
            } else if constexpr (std::is_same_v<T, dial_action>) {
                os << "dial " << a.number;
                if (a.line) os << " line " << *a.line;
            } else if constexpr (std::is_same_v<T, key_action>) {
                os << "key " << a.key;
            } else if constexpr (std::is_same_v<T, led_action>) {
                os << "led " << a.key << '=' << a.state;
            } else if constexpr (std::is_same_v<T, reboot_action>) {
                os << "reboot" << (a.fast ? " fast" : "") << (a.clear_local ? " clear_local" : "");
            } else if constexpr (std::is_same_v<T, command_action>) {
                os << "command " << a.command;
            } else if constexpr (std::is_same_v<T, apply_config_action>) {
                os << "config " << a.type << ' ' << a.key << ": " << a.value;
            } else if constexpr (std::is_same_v<T, beep_action>) {
                os << "beep";
            } else if constexpr (std::is_same_v<T, error_action>) {
                os << "error " << a.message;
            } else {
                static_assert(std::is_same_v<T, notice_action>);
                os << "notice " << a.message;
            }
        },
        action);
    return os.str();
}

std::ostream& operator<<(std::ostream& os, const screen_action& action) {
    return os << describe(action);
}

}  // namespace phone_agent
