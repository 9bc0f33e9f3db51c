// Key handling of phone_screen: what each key does on each kind of object.
#include "logic/phone_screen.hpp"

#include "logic/ascii.hpp"

#include <algorithm>

namespace phone_agent {

namespace {

using ascii::iequals;
using ascii::istarts_with;

constexpr std::size_t max_input_length = 256;

// Appends `name=value` as a query parameter, with '?' or '&' as the URL needs.
std::string with_query(std::string_view url, std::string_view name, std::string_view value) {
    std::string out(url);
    out.push_back(url.find('?') == std::string_view::npos ? '?' : '&');
    out.append(name);
    out.push_back('=');
    out.append(percent_encode(value));
    return out;
}

bool accepts(input_type type, char c) noexcept {
    const bool digit = c >= '0' && c <= '9';
    switch (type) {
        case input_type::string: return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
        case input_type::ip: return digit || c == '.';
        case input_type::number:
        case input_type::time_us:
        case input_type::time_int:
        case input_type::date_us:
        case input_type::date_int: return digit;
    }
    return false;
}

}  // namespace

void phone_screen::handle_key(const key_press& key, screen_time now, actions& out) {
    entry* t = top();
    const ui_attributes* ui = t ? ui_of(t->object) : nullptr;
    const bool locked = ui != nullptr && ui->lock_in;
    switch (key.kind) {
        case key_kind::softkey:
            press_softkey(key.number, now, out);
            return;
        case key_kind::goodbye:
            if (t == nullptr) return;
            if (!locked) {
                pop_top(now);
            } else if (!ui->goodbye_lock_in_uri.empty()) {
                start_fetch(ui->goodbye_lock_in_uri, fetch_purpose::goodbye_lock_in, t->serial,
                            now, out);
            }
            return;
        case key_kind::nav_up:
        case key_kind::nav_down: {
            if (t == nullptr) return;
            std::size_t count = 0;
            if (const auto* m = std::get_if<text_menu>(&t->object)) count = m->items.size();
            if (const auto* d = std::get_if<directory>(&t->object)) count = d->items.size();
            if (count == 0) return;
            if (key.kind == key_kind::nav_up && t->cursor > 0) --t->cursor;
            if (key.kind == key_kind::nav_down && t->cursor + 1 < count) ++t->cursor;
            return;
        }
        case key_kind::nav_left:
            if (t == nullptr) return;
            if (std::holds_alternative<input_screen>(t->object)) {
                if (!t->input.empty() && std::get<input_screen>(t->object).editable) {
                    t->input.pop_back();
                }
            } else if (!locked) {
                leave_top(false, now, out);
            }
            return;
        case key_kind::nav_right:
            return;
        case key_kind::select:
            if (t != nullptr) follow_softkey("SoftKey:Select", now, out);
            return;
        case key_kind::digit:
            if (t == nullptr) return;
            if (std::holds_alternative<input_screen>(t->object)) {
                edit_input(std::string_view(&key.digit, 1));
            } else if (const auto* m = std::get_if<text_menu>(&t->object)) {
                const auto n = static_cast<std::size_t>(key.digit - '0');
                if (key.digit >= '1' && key.digit <= '9' && n <= m->items.size()) {
                    t->cursor = n - 1;
                }
            } else if (const auto* im = std::get_if<image_menu>(&t->object)) {
                for (const auto& u : im->uris) {
                    if (u.key == key.digit) {
                        const auto uri = u.uri;
                        run_uri(uri, fetch_purpose::menu_select, now, out);
                        return;
                    }
                }
            }
            return;
        case key_kind::line:
            if (t == nullptr) return;
            if (dial_item(key.number, out)) return;
            // A line key takes the phone away from the browser, unless the object is locked in.
            if (!locked) clear_stack();
            return;
    }
}

void phone_screen::press_softkey(int index, screen_time now, actions& out) {
    if (top() == nullptr) {
        const auto it = std::find_if(idle_softkeys_.begin(), idle_softkeys_.end(),
                                     [&](const configured_softkey& k) { return k.index == index; });
        if (it == idle_softkeys_.end()) return;
        if (iequals(it->type, "xml")) {
            start_fetch(substitute_variables(it->value, variables_), fetch_purpose::softkey,
                        std::nullopt, now, out);
        } else if (iequals(it->type, "speeddial")) {
            if (!it->value.empty()) out.push_back(dial_action{it->value, std::nullopt});
        } else {
            out.push_back(notice_action{"softkey" + std::to_string(index) + " type '" + it->type +
                                        "' has no action in the emulator"});
        }
        return;
    }
    for (const auto& key : current_softkeys()) {
        if (key.index == index) {
            const auto uri = key.uri;  // follow_softkey may pop the object owning `key`
            follow_softkey(uri, now, out);
            return;
        }
    }
}

void phone_screen::follow_softkey(const std::string& uri, screen_time now, actions& out) {
    entry* t = top();
    if (t == nullptr) return;
    if (!istarts_with(uri, "SoftKey:")) {
        std::string target = uri;
        if (const auto* m = std::get_if<text_menu>(&t->object)) {
            // XMLG 4.11: a custom softkey carries the highlighted item's Selection along.
            const auto& item = m->items[t->cursor];
            if (item.selection && istarts_with(uri, "http")) {
                target = with_query(uri, "selection", *item.selection);
            }
        }
        run_uri(target, fetch_purpose::softkey, now, out);
        return;
    }
    const std::string_view name = std::string_view(uri).substr(8);
    if (iequals(name, "Select")) {
        if (std::holds_alternative<input_screen>(t->object)) {
            submit_input(now, out);
        } else {
            activate_item(now, out);
        }
    } else if (iequals(name, "Exit")) {
        leave_top(false, now, out);
    } else if (iequals(name, "Done")) {
        leave_top(true, now, out);
    } else if (iequals(name, "Dial") || iequals(name, "Dial2")) {
        dial_item(std::nullopt, out);
    } else if (iequals(name, "Submit")) {
        submit_input(now, out);
    } else if (iequals(name, "BackSpace")) {
        if (!t->input.empty()) t->input.pop_back();
    } else {
        out.push_back(notice_action{"unsupported softkey action " + uri});
    }
}

void phone_screen::run_uri(std::string_view uri, fetch_purpose purpose, screen_time now,
                           actions& out) {
    auto request = classify_uri(uri);
    if (const auto* reason = std::get_if<std::string>(&request)) {
        set_message(*reason, out);
        return;
    }
    run_request(std::get<exec_request>(request), purpose, now, out);
}

void phone_screen::run_request(const exec_request& request, fetch_purpose purpose,
                               screen_time now, actions& out) {
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, exec_fetch>) {
                const auto origin = top() ? std::optional(top()->serial) : std::nullopt;
                start_fetch(r.url, purpose, origin, now, out);
            } else if constexpr (std::is_same_v<T, exec_dial>) {
                out.push_back(dial_action{r.target.number, r.target.line});
            } else if constexpr (std::is_same_v<T, exec_key>) {
                out.push_back(key_action{r.key});
            } else if constexpr (std::is_same_v<T, exec_led>) {
                out.push_back(led_action{r.key, r.state});
            } else if constexpr (std::is_same_v<T, exec_command>) {
                switch (r.command) {
                    case phone_command::reset: out.push_back(reboot_action{false, false}); break;
                    case phone_command::fast_reboot:
                        out.push_back(reboot_action{true, false});
                        break;
                    case phone_command::clear_local:
                        out.push_back(reboot_action{false, true});
                        break;
                    case phone_command::lock:
                    case phone_command::unlock:
                    case phone_command::upload_system_info:
                        out.push_back(command_action{r.command});
                        break;
                }
            } else if constexpr (std::is_same_v<T, exec_unsupported>) {
                out.push_back(notice_action{"unsupported URI ignored: " + r.uri});
            } else {
                static_assert(std::is_same_v<T, exec_noop>);
            }
        },
        request);
}

void phone_screen::activate_item(screen_time now, actions& out) {
    entry* t = top();
    if (const auto* m = std::get_if<text_menu>(&t->object)) {
        const auto uri = m->items[t->cursor].uri;
        run_uri(uri, fetch_purpose::menu_select, now, out);
    } else if (const auto* d = std::get_if<directory>(&t->object)) {
        if (d->items.empty()) return;
        const auto uri = d->items[t->cursor].uri;
        // Directory entries are numbers; a URL or an explicit scheme is followed as such.
        if (istarts_with(uri, "http") || uri.find(':') != std::string::npos) {
            run_uri(uri, fetch_purpose::menu_select, now, out);
        } else {
            out.push_back(dial_action{uri, std::nullopt});
        }
    }
}

bool phone_screen::dial_item(std::optional<int> line, actions& out) {
    const entry* t = top();
    if (t == nullptr) return false;
    if (const auto* m = std::get_if<text_menu>(&t->object)) {
        const auto& dial = m->items[t->cursor].dial;
        if (!dial) return false;
        out.push_back(dial_action{dial->number, line ? line : dial->line});
        return true;
    }
    if (const auto* d = std::get_if<directory>(&t->object)) {
        if (d->items.empty()) return false;
        out.push_back(dial_action{d->items[t->cursor].uri, line});
        return true;
    }
    return false;
}

void phone_screen::submit_input(screen_time now, actions& out) {
    const entry* t = top();
    const auto* in = t ? std::get_if<input_screen>(&t->object) : nullptr;
    if (in == nullptr) return;
    start_fetch(with_query(in->url, in->parameter, t->input), fetch_purpose::input_submit,
                t->serial, now, out);
}

void phone_screen::edit_input(std::string_view text) {
    entry* t = top();
    const auto* in = t ? std::get_if<input_screen>(&t->object) : nullptr;
    if (in == nullptr || !in->editable) return;
    for (char c : text) {
        // On the keypad '*' is the dot of an IP address.
        if (in->type == input_type::ip && c == '*') c = '.';
        if (accepts(in->type, c) && t->input.size() < max_input_length) t->input.push_back(c);
    }
}

void phone_screen::leave_top(bool done, screen_time now, actions& out) {
    const auto* ui = ui_of(top()->object);
    const std::string action = done ? ui->done_action : ui->cancel_action;
    pop_top(now);
    if (!action.empty()) {
        start_fetch(action, fetch_purpose::exit_action,
                    top() ? std::optional(top()->serial) : std::nullopt, now, out);
    }
}

}  // namespace phone_agent
