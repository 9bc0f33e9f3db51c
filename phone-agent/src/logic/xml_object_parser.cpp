// parse_xml_object: pugixml DOM -> typed objects. Every check reports the element path and the
// element's byte offset; pugixml keeps no attribute offsets, so attribute errors carry the offset
// of the element that holds them.
#include "logic/xml_objects.hpp"

#include "logic/ascii.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <utility>

namespace phone_agent {

namespace {

// The largest `firstItem..lastItem` span accepted, so one item cannot fan out without bound.
constexpr int max_config_range = 200;
constexpr long max_timeout_seconds = 86400;

using ascii::iequals;
using ascii::trim;

std::string path_of(pugi::xml_node node) {
    std::string path;
    for (auto n = node; n && n.type() == pugi::node_element; n = n.parent()) {
        path = path.empty() ? std::string(n.name()) : std::string(n.name()) + "/" + path;
    }
    return path;
}

std::size_t offset_of(pugi::xml_node node) noexcept {
    const auto off = node.offset_debug();
    return off < 0 ? 0 : static_cast<std::size_t>(off);
}

class object_parser {
public:
    bool failed() const noexcept { return error_.has_value(); }
    xml_error take_error() { return std::move(*error_); }

    // Records the first error only: later checks run on partial data and would mislead.
    void fail(xml_error_kind kind, pugi::xml_node node, std::string_view attribute,
              std::string_view what) {
        if (error_) return;
        xml_error e;
        e.kind = kind;
        e.where = path_of(node);
        if (!attribute.empty()) e.where += "/@" + std::string(attribute);
        e.offset = offset_of(node);
        e.message = std::string(to_string(kind)) + ": " + e.where + " at offset " +
                    std::to_string(e.offset) + ": " + std::string(what);
        error_ = std::move(e);
    }

    // Attribute names are matched case-insensitively: guides spell both `destroyOnExit` and
    // `DestroyOnExit`.
    static pugi::xml_attribute find_attr(pugi::xml_node node, std::string_view name) {
        for (auto a : node.attributes()) {
            if (iequals(a.name(), name)) return a;
        }
        return {};
    }

    static std::string attr_text(pugi::xml_node node, std::string_view name) {
        return std::string(trim(find_attr(node, name).value()));
    }

    static std::string child_text(pugi::xml_node node, const char* name) {
        return std::string(trim(node.child(name).text().get()));
    }

    bool read_bool(pugi::xml_node node, std::string_view name, bool fallback) {
        const auto a = find_attr(node, name);
        if (!a) return fallback;
        const auto v = trim(a.value());
        if (iequals(v, "yes") || iequals(v, "true")) return true;
        if (iequals(v, "no") || iequals(v, "false")) return false;
        fail(xml_error_kind::bad_attribute, node, name, "expected yes or no, got '" +
                                                            std::string(v) + "'");
        return fallback;
    }

    std::optional<long> read_number(pugi::xml_node node, std::string_view name, long min,
                                    long max) {
        const auto a = find_attr(node, name);
        if (!a) return std::nullopt;
        const auto v = trim(a.value());
        long n = 0;
        const auto* end = v.data() + v.size();
        const auto [ptr, ec] = std::from_chars(v.data(), end, n);
        if (v.empty() || ec != std::errc{} || ptr != end || n < min || n > max) {
            fail(xml_error_kind::bad_attribute, node, name,
                 "expected an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                     ", got '" + std::string(v) + "'");
            return std::nullopt;
        }
        return n;
    }

    ui_attributes read_ui(pugi::xml_node root) {
        ui_attributes ui;
        ui.title = child_text(root, "Title");
        ui.destroy_on_exit = read_bool(root, "destroyOnExit", false);
        ui.cancel_action = attr_text(root, "cancelAction");
        ui.done_action = attr_text(root, "doneAction");
        ui.beep = read_bool(root, "Beep", false);
        if (const auto t = read_number(root, "Timeout", 0, max_timeout_seconds)) {
            ui.timeout = std::chrono::seconds{*t};
        }
        ui.lock_in = read_bool(root, "LockIn", false);
        ui.goodbye_lock_in_uri = attr_text(root, "GoodbyeLockInURI");
        for (auto key : root.children("SoftKey")) {
            softkey sk;
            const auto index = read_number(key, "index", 1, max_softkey_index);
            if (!index) {
                if (!find_attr(key, "index")) {
                    fail(xml_error_kind::missing_element, key, "index", "SoftKey needs an index");
                }
                return ui;
            }
            sk.index = static_cast<int>(*index);
            sk.label = child_text(key, "Label");
            sk.uri = child_text(key, "URI");
            if (sk.uri.empty()) {
                fail(xml_error_kind::missing_element, key, "", "SoftKey needs a URI");
                return ui;
            }
            const auto same = [&](const softkey& other) { return other.index == sk.index; };
            if (std::any_of(ui.softkeys.begin(), ui.softkeys.end(), same)) {
                fail(xml_error_kind::bad_attribute, key, "index",
                     "SoftKey index " + std::to_string(sk.index) + " given twice");
                return ui;
            }
            ui.softkeys.push_back(std::move(sk));
        }
        std::sort(ui.softkeys.begin(), ui.softkeys.end(),
                  [](const softkey& a, const softkey& b) { return a.index < b.index; });
        return ui;
    }

    // MenuItem for TextMenu (dial/selection allowed) and Directory (prompt + number only).
    std::optional<menu_item> read_menu_item(pugi::xml_node node, bool full) {
        menu_item item;
        item.prompt = child_text(node, "Prompt");
        item.uri = child_text(node, "URI");
        if (item.uri.empty()) {
            fail(xml_error_kind::missing_element, node, "", "MenuItem needs a non-empty URI");
            return std::nullopt;
        }
        if (!full) return item;
        if (const auto dial = node.child("Dial")) {
            dial_target target;
            target.number = std::string(trim(dial.text().get()));
            if (const auto line = read_number(dial, "line", 1, 9)) {
                target.line = static_cast<int>(*line);
            }
            if (!target.number.empty()) item.dial = std::move(target);
        }
        if (const auto sel = node.child("Selection")) {
            item.selection = std::string(trim(sel.text().get()));
        }
        return item;
    }

    text_menu read_text_menu(pugi::xml_node root) {
        text_menu menu;
        menu.ui = read_ui(root);
        menu.style = attr_text(root, "style");
        for (auto node : root.children("MenuItem")) {
            auto item = read_menu_item(node, true);
            if (!item) return menu;
            if (menu.items.size() == max_menu_items) {
                fail(xml_error_kind::bad_attribute, node, "",
                     "more than " + std::to_string(max_menu_items) + " MenuItems");
                return menu;
            }
            menu.items.push_back(std::move(*item));
        }
        if (menu.items.empty()) {
            fail(xml_error_kind::missing_element, root, "", "TextMenu needs at least one MenuItem");
            return menu;
        }
        const auto count = static_cast<long>(menu.items.size());
        if (const auto index = read_number(root, "defaultIndex", 1, count)) {
            menu.default_index = static_cast<std::size_t>(*index - 1);
        }
        return menu;
    }

    text_screen read_text_screen(pugi::xml_node root) {
        text_screen screen;
        screen.ui = read_ui(root);
        if (!root.child("Text")) {
            fail(xml_error_kind::missing_element, root, "", "TextScreen needs a Text element");
        }
        screen.text = child_text(root, "Text");
        return screen;
    }

    formatted_line read_line(pugi::xml_node node, bool in_scroll) {
        return formatted_line{std::string(trim(node.text().get())), attr_text(node, "Size"),
                              attr_text(node, "Align"), in_scroll};
    }

    formatted_text_screen read_formatted(pugi::xml_node root) {
        formatted_text_screen screen;
        screen.ui = read_ui(root);
        for (auto node : root.children()) {
            if (std::string_view(node.name()) == "Line") {
                screen.lines.push_back(read_line(node, false));
            } else if (std::string_view(node.name()) == "Scroll") {
                if (const auto h = read_number(node, "Height", 1, 100)) {
                    screen.scroll_height = static_cast<int>(*h);
                }
                for (auto line : node.children("Line")) {
                    screen.lines.push_back(read_line(line, true));
                }
            }
        }
        return screen;
    }

    input_screen read_input(pugi::xml_node root) {
        static constexpr std::array<std::pair<std::string_view, input_type>, 7> types{{
            {"IP", input_type::ip},
            {"string", input_type::string},
            {"number", input_type::number},
            {"timeUS", input_type::time_us},
            {"timeInt", input_type::time_int},
            {"dateUS", input_type::date_us},
            {"dateInt", input_type::date_int},
        }};
        input_screen screen;
        screen.ui = read_ui(root);
        if (const auto a = find_attr(root, "type")) {
            const auto v = trim(a.value());
            const auto it = std::find_if(types.begin(), types.end(),
                                         [&](const auto& t) { return iequals(t.first, v); });
            if (it == types.end()) {
                fail(xml_error_kind::bad_attribute, root, "type",
                     "unknown input type '" + std::string(v) + "'");
                return screen;
            }
            screen.type = it->second;
        }
        screen.password = read_bool(root, "password", false);
        screen.editable = read_bool(root, "editable", true);
        screen.prompt = child_text(root, "Prompt");
        screen.url = child_text(root, "URL");
        screen.parameter = child_text(root, "Parameter");
        screen.default_value = child_text(root, "Default");
        if (screen.url.empty()) {
            fail(xml_error_kind::missing_element, root, "", "InputScreen needs a URL");
        } else if (screen.parameter.empty()) {
            fail(xml_error_kind::missing_element, root, "", "InputScreen needs a Parameter");
        }
        return screen;
    }

    directory read_directory(pugi::xml_node root) {
        directory dir;
        dir.ui = read_ui(root);
        for (auto node : root.children("MenuItem")) {
            auto item = read_menu_item(node, false);
            if (!item) return dir;
            dir.items.push_back(std::move(*item));
        }
        return dir;
    }

    image_menu read_image_menu(pugi::xml_node root) {
        image_menu menu;
        menu.ui = read_ui(root);
        const auto list = root.child("URIList");
        const auto base = attr_text(list, "base");
        for (auto node : list.children("URI")) {
            const auto key = attr_text(node, "key");
            if (key.size() != 1 || std::string_view("0123456789*#").find(key[0]) ==
                                       std::string_view::npos) {
                fail(xml_error_kind::bad_attribute, node, "key", "expected one keypad key");
                return menu;
            }
            menu.uris.push_back({key[0], base + std::string(trim(node.text().get()))});
        }
        return menu;
    }

    status read_status(pugi::xml_node root) {
        status st;
        st.beep = read_bool(root, "Beep", false);
        st.trigger_destroy_on_exit = read_bool(root, "triggerDestroyOnExit", false);
        st.session = root.child("Session") ? child_text(root, "Session") : "0";
        for (auto node : root.children("Message")) {
            status_message msg;
            if (!find_attr(node, "index")) {
                fail(xml_error_kind::missing_element, node, "index", "Message needs an index");
                return st;
            }
            msg.index = attr_text(node, "index");
            const auto type = attr_text(node, "type");
            if (iequals(type, "alert")) {
                msg.type = status_type::alert;
            } else if (iequals(type, "icon")) {
                msg.type = status_type::icon;
            } else if (!type.empty()) {
                fail(xml_error_kind::bad_attribute, node, "type", "expected alert or icon");
                return st;
            }
            if (const auto t = read_number(node, "Timeout", 0, max_timeout_seconds)) {
                msg.timeout = std::chrono::seconds{*t};
            }
            msg.uri = attr_text(node, "URI");
            msg.text = std::string(trim(node.text().get()));
            st.messages.push_back(std::move(msg));
        }
        return st;
    }

    execute read_execute(pugi::xml_node root) {
        execute ex;
        ex.beep = read_bool(root, "Beep", false);
        ex.trigger_destroy_on_exit = read_bool(root, "triggerDestroyOnExit", false);
        for (auto node : root.children("ExecuteItem")) {
            execute_item item;
            item.uri = attr_text(node, "URI");
            auto request = classify_uri(item.uri);
            if (auto* reason = std::get_if<std::string>(&request)) {
                fail(xml_error_kind::bad_attribute, node, "URI", *reason);
                return ex;
            }
            item.request = std::get<exec_request>(std::move(request));
            ex.items.push_back(std::move(item));
        }
        if (ex.items.empty()) {
            fail(xml_error_kind::missing_element, root, "", "Execute needs an ExecuteItem");
        }
        return ex;
    }

    std::optional<set_type> read_set_type(pugi::xml_node node, set_type fallback) {
        static constexpr std::array<std::pair<std::string_view, set_type>, 4> types{{
            {"remote", set_type::remote},
            {"local", set_type::local},
            {"oneBoot", set_type::one_boot},
            {"override", set_type::override_},
        }};
        const auto a = find_attr(node, "setType");
        if (!a) return fallback;
        const auto v = trim(a.value());
        for (const auto& [name, type] : types) {
            if (iequals(v, name)) return type;
        }
        fail(xml_error_kind::bad_attribute, node, "setType",
             "expected remote, local, oneBoot or override, got '" + std::string(v) + "'");
        return std::nullopt;
    }

    configuration read_configuration(pugi::xml_node root) {
        configuration cfg;
        cfg.beep = read_bool(root, "Beep", false);
        cfg.trigger_destroy_on_exit = read_bool(root, "triggerDestroyOnExit", false);
        const auto root_type = read_set_type(root, set_type::remote);
        if (!root_type) return cfg;
        for (auto node : root.children("ConfigurationItem")) {
            configuration_item item;
            const auto type = read_set_type(node, *root_type);
            if (!type) return cfg;
            item.type = *type;
            const auto param = node.child("Parameter");
            item.parameter = std::string(trim(param.text().get()));
            if (item.parameter.empty()) {
                fail(xml_error_kind::missing_element, node, "",
                     "ConfigurationItem needs a Parameter");
                return cfg;
            }
            if (!node.child("Value")) {
                fail(xml_error_kind::missing_element, node, "", "ConfigurationItem needs a Value");
                return cfg;
            }
            item.value = child_text(node, "Value");
            if (!read_range(param, item)) return cfg;
            cfg.items.push_back(std::move(item));
        }
        return cfg;
    }

    bool read_range(pugi::xml_node param, configuration_item& item) {
        const auto first = read_number(param, "firstItem", 1, 1000);
        const auto last = read_number(param, "lastItem", 1, 1000);
        if (failed()) return false;
        if (!first && !last) return true;
        if (!first || !last || *last < *first || *last - *first >= max_config_range) {
            fail(xml_error_kind::bad_attribute, param, "lastItem",
                 "firstItem and lastItem must both be given, first <= last, at most " +
                     std::to_string(max_config_range) + " items");
            return false;
        }
        if (item.parameter.find('#') == std::string::npos) {
            fail(xml_error_kind::bad_attribute, param, "firstItem",
                 "a range needs '#' in the parameter name");
            return false;
        }
        item.first_item = static_cast<int>(*first);
        item.last_item = static_cast<int>(*last);
        return true;
    }

private:
    std::optional<xml_error> error_;
};

xml_error make_error(xml_error_kind kind, std::size_t offset, std::string where,
                     std::string_view what) {
    xml_error e;
    e.kind = kind;
    e.offset = offset;
    e.where = std::move(where);
    e.message = std::string(to_string(kind)) + ": " + (e.where.empty() ? "" : e.where + " ") +
                "at offset " + std::to_string(offset) + ": " + std::string(what);
    return e;
}

}  // namespace

std::variant<xml_object, xml_error> parse_xml_object(std::string_view body, std::size_t max_size) {
    if (body.size() > max_size) {
        return make_error(xml_error_kind::too_large, max_size, "",
                          "object of " + std::to_string(body.size()) + " bytes exceeds " +
                              std::to_string(max_size));
    }
    pugi::xml_document doc;
    // parse_doctype keeps the DOCTYPE node so it can be refused; pugixml never resolves it.
    const auto result = doc.load_buffer(body.data(), body.size(),
                                        pugi::parse_default | pugi::parse_doctype);
    if (!result) {
        return make_error(xml_error_kind::malformed, static_cast<std::size_t>(result.offset), "",
                          result.description());
    }
    pugi::xml_node root;
    for (auto node : doc.children()) {
        if (node.type() == pugi::node_doctype) {
            return make_error(xml_error_kind::doctype, offset_of(node), "",
                              "DOCTYPE declarations are not accepted");
        }
        if (node.type() != pugi::node_element) continue;
        if (root) {
            return make_error(xml_error_kind::malformed, offset_of(node), node.name(),
                              "only one XML object per document");
        }
        root = node;
    }
    const std::string_view name = root.name();
    object_parser p;
    xml_object object;
    if (name == "AastraIPPhoneTextMenu") {
        object = p.read_text_menu(root);
    } else if (name == "AastraIPPhoneTextScreen") {
        object = p.read_text_screen(root);
    } else if (name == "AastraIPPhoneFormattedTextScreen") {
        object = p.read_formatted(root);
    } else if (name == "AastraIPPhoneInputScreen") {
        object = p.read_input(root);
    } else if (name == "AastraIPPhoneDirectory") {
        object = p.read_directory(root);
    } else if (name == "AastraIPPhoneImageScreen") {
        object = image_screen{p.read_ui(root)};
    } else if (name == "AastraIPPhoneImageMenu") {
        object = p.read_image_menu(root);
    } else if (name == "AastraIPPhoneStatus") {
        object = p.read_status(root);
    } else if (name == "AastraIPPhoneExecute") {
        object = p.read_execute(root);
    } else if (name == "AastraIPPhoneConfiguration") {
        object = p.read_configuration(root);
    } else {
        return make_error(xml_error_kind::unknown_root, offset_of(root), std::string(name),
                          "not an Aastra XML object");
    }
    if (p.failed()) return p.take_error();
    return object;
}

}  // namespace phone_agent
