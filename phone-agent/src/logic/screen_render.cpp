// What phone_screen shows: the view model and the default softkeys of each object type.
#include "logic/phone_screen.hpp"

#include "logic/ascii.hpp"

#include <type_traits>

namespace phone_agent {

namespace {

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (true) {
        const auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.emplace_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool shows_on_idle(const configured_softkey& key) {
    return !key.label.empty() && !key.type.empty() && !ascii::iequals(key.type, "none") &&
           !ascii::iequals(key.type, "empty");
}

}  // namespace

std::vector<softkey> phone_screen::current_softkeys() const {
    const entry* t = top();
    if (t == nullptr) return {};
    const auto* ui = ui_of(t->object);
    if (!ui->softkeys.empty()) return ui->softkeys;
    // With no custom keys each object brings its own (XMLG p.158), numbered here as on a
    // six-key phone: actions on the left, leaving on key 6.
    std::vector<softkey> keys;
    if (const auto* m = std::get_if<text_menu>(&t->object)) {
        keys.push_back({1, "Select", "SoftKey:Select"});
        if (m->items[t->cursor].dial) keys.push_back({2, "Dial", "SoftKey:Dial"});
        keys.push_back({6, "Exit", "SoftKey:Exit"});
    } else if (const auto* d = std::get_if<directory>(&t->object)) {
        if (!d->items.empty()) keys.push_back({1, "Dial", "SoftKey:Dial"});
        keys.push_back({6, "Exit", "SoftKey:Exit"});
    } else if (std::holds_alternative<input_screen>(t->object)) {
        keys.push_back({1, "Submit", "SoftKey:Submit"});
        keys.push_back({2, "Backspace", "SoftKey:BackSpace"});
        keys.push_back({6, "Cancel", "SoftKey:Exit"});
    } else if (std::holds_alternative<image_menu>(t->object)) {
        keys.push_back({6, "Exit", "SoftKey:Exit"});
    } else {
        keys.push_back({6, "Done", "SoftKey:Done"});
    }
    return keys;
}

screen_view phone_screen::render() const {
    screen_view view;
    view.depth = stack_.size();
    view.loading = loading();
    view.status_line = view.loading ? "Loading Page..." : status_line_;
    const entry* t = top();
    if (t == nullptr) {
        view.kind = "idle";
        view.title = idle_title_;
        for (const auto& m : messages_) {
            view.lines.push_back(m.type == status_type::alert ? "! " + m.text : m.text);
        }
        for (const auto& key : idle_softkeys_) {
            if (shows_on_idle(key)) view.softkeys.push_back({key.index, key.label});
        }
        return view;
    }
    view.kind = std::string(root_name(t->object));
    view.title = ui_of(t->object)->title;
    for (const auto& key : current_softkeys()) view.softkeys.push_back({key.index, key.label});
    std::visit(
        [&](const auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, text_menu>) {
                // "numbered" is the default style; "none" and "radio" show bare prompts.
                const bool numbered =
                    !ascii::iequals(o.style, "none") && !ascii::iequals(o.style, "radio");
                for (std::size_t i = 0; i < o.items.size(); ++i) {
                    view.lines.push_back(numbered ? std::to_string(i + 1) + ". " + o.items[i].prompt
                                                  : o.items[i].prompt);
                }
                view.selected = t->cursor;
            } else if constexpr (std::is_same_v<T, text_screen>) {
                view.lines = split_lines(o.text);
            } else if constexpr (std::is_same_v<T, formatted_text_screen>) {
                for (const auto& line : o.lines) view.lines.push_back(line.text);
            } else if constexpr (std::is_same_v<T, input_screen>) {
                view.lines.push_back(o.prompt);
                view.lines.push_back(o.password ? std::string(t->input.size(), '*') : t->input);
            } else if constexpr (std::is_same_v<T, directory>) {
                for (const auto& item : o.items) view.lines.push_back(item.prompt);
                if (!o.items.empty()) view.selected = t->cursor;
            } else if constexpr (std::is_same_v<T, image_screen> || std::is_same_v<T, image_menu>) {
                view.lines.emplace_back("[image]");
            }
        },
        t->object);
    return view;
}

}  // namespace phone_agent
