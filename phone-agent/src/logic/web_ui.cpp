// Web UI pages and form handling; see web_ui.hpp.
#include "logic/web_ui.hpp"

#include "logic/ascii.hpp"

#include "common/aastra/config_layers.hpp"
#include "common/auth/basic.hpp"

#include <array>
#include <charconv>
#include <cstdint>

namespace phone_agent::web {

namespace {

// A password the firmware accepts: decimal digits only, 0..4294967295.
bool valid_numeric_password(std::string_view text) {
    if (text.empty() || text.size() > 10) return false;
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() && ptr == text.data() + text.size() && v <= 4294967295ULL;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<unsigned> parse_uint(std::string_view text, unsigned max) {
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v > max) {
        return std::nullopt;
    }
    return v;
}

bool valid_hh_mm(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') return false;
    auto h = parse_uint(text.substr(0, 2), 23);
    auto m = parse_uint(text.substr(3, 2), 59);
    return h && m;
}

bool has_control_chars(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    }
    return false;
}

const char* page_head = R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>)";

std::string page(std::string_view title, std::string_view body, std::string_view head_extra = {}) {
    std::string out = page_head;
    out += html_escape(title);
    out += "</title>";
    out += head_extra;
    out += "</head>\n<body>\n<h1>";
    out += html_escape(title);
    out += "</h1>\n";
    out += body;
    out += "</body></html>\n";
    return out;
}

void row(std::string& out, std::string_view name, std::string_view value) {
    out += "<tr><th>";
    out += html_escape(name);
    out += "</th><td>";
    out += html_escape(value);
    out += "</td></tr>\n";
}

void key_button(std::string& out, std::string_view key, std::string_view label) {
    out += R"(<form method="post" action="/phone.html" style="display:inline">)";
    out += R"(<button name="key" value=")";
    out += html_escape(key);
    out += R"(">)";
    out += html_escape(label);
    out += "</button></form>\n";
}

}  // namespace

std::string_view to_string(ui_role role) noexcept {
    switch (role) {
    case ui_role::none: return "none";
    case ui_role::user: return "user";
    case ui_role::admin: return "admin";
    }
    return "none";
}

std::ostream& operator<<(std::ostream& os, ui_role role) { return os << to_string(role); }

ui_logins logins_from(const common::aastra::config_layers& config) {
    ui_logins out;
    const auto admin = config.get_string("admin password", "22222");
    if (valid_numeric_password(admin)) out.admin_password = admin;
    const auto user = config.get_string("user password", "");
    if (user.empty() || valid_numeric_password(user)) out.user_password = user;
    return out;
}

std::string realm_for(std::string_view model_name) { return "Aastra " + std::string(model_name); }

std::string basic_challenge_value(std::string_view model_name) {
    return "Basic realm=\"" + realm_for(model_name) + "\"";
}

ui_role authenticate(std::optional<std::string_view> authorization, const ui_logins& logins) {
    if (!authorization) return ui_role::none;
    auto parsed = common::auth::parse_credentials(*authorization);
    const auto* creds = std::get_if<common::auth::credentials>(&parsed);
    if (!creds) return ui_role::none;
    auto decoded = common::auth::decode_basic(*creds);
    const auto* basic = std::get_if<common::auth::basic_credentials>(&decoded);
    if (!basic) return ui_role::none;
    // Both comparisons run whatever the first gives.
    const bool admin = common::auth::basic_matches(*basic, logins.admin_user, logins.admin_password);
    const bool user = common::auth::basic_matches(*basic, logins.user_user, logins.user_password);
    if (admin) return ui_role::admin;
    if (user) return ui_role::user;
    return ui_role::none;
}

std::string url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

form_fields parse_form(std::string_view body) {
    form_fields out;
    while (!body.empty()) {
        const auto amp = body.find('&');
        const auto part = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (part.empty()) continue;
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            out.emplace_back(url_decode(part), std::string{});
        } else {
            out.emplace_back(url_decode(part.substr(0, eq)), url_decode(part.substr(eq + 1)));
        }
    }
    return out;
}

std::optional<std::string> form_value(const form_fields& form, std::string_view name) {
    for (const auto& [k, v] : form) {
        if (k == name) return v;
    }
    return std::nullopt;
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

const std::vector<form_field_key>& configuration_server_fields() {
    static const std::vector<form_field_key> fields{
        {"protocol", "download protocol"},
        {"tftp", "tftp server"},
        {"tftppath", "tftp path"},
        {"alttftp", "alternate tftp server"},
        {"alttftppath", "alternate tftp path"},
        {"usealttftp", "use alternate tftp"},
        {"ftpserv", "ftp server"},
        {"ftppath", "ftp path"},
        {"ftpuser", "ftp username"},
        {"ftppass", "ftp password"},
        {"httpserv", "http server"},
        {"httppath", "http path"},
        {"httpport", "http port"},
        {"httpsserv", "https server"},
        {"httpspath", "https path"},
        {"httpsport", "https port"},
        {"autoResyncMode", "auto resync mode"},
        {"autoResyncTime", "auto resync time"},
        {"maxDelay", "auto resync max delay"},
        {"days", "auto resync days"},
        {"postList", "xml application post list"},
    };
    return fields;
}

form_settings configuration_server_settings(const form_fields& form) {
    form_settings out;
    for (const auto& f : configuration_server_fields()) {
        auto value = form_value(form, f.field);
        if (!value) continue;
        std::string v(ascii::trim(*value));
        auto bad = [&](std::string_view why) {
            out.errors.push_back(std::string(f.field) + ": '" + v + "': " + std::string(why));
        };
        if (has_control_chars(v)) {
            bad("control characters are not allowed");
            continue;
        }
        const std::string_view field = f.field;
        if (field == "protocol") {
            std::string upper;
            for (char c : v) upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
            if (upper != "TFTP" && upper != "FTP" && upper != "HTTP" && upper != "HTTPS") {
                bad("expected TFTP, FTP, HTTP or HTTPS");
                continue;
            }
            v = upper;
        } else if (field == "httpport" || field == "httpsport") {
            auto port = parse_uint(v, 65535);
            if (!port || *port == 0) {
                bad("expected a port 1..65535");
                continue;
            }
        } else if (field == "autoResyncMode") {
            if (!parse_uint(v, 3)) {
                bad("expected 0 (none), 1 (configuration), 2 (firmware) or 3 (both)");
                continue;
            }
        } else if (field == "autoResyncTime") {
            if (!valid_hh_mm(v)) {
                bad("expected hh:mm");
                continue;
            }
        } else if (field == "maxDelay") {
            if (!parse_uint(v, 1439)) {
                bad("expected minutes 0..1439");
                continue;
            }
        } else if (field == "days") {
            if (!parse_uint(v, 365)) {
                bad("expected a number of days 0..365");
                continue;
            }
        } else if (field == "usealttftp") {
            if (v != "0" && v != "1") {
                bad("expected 0 or 1");
                continue;
            }
        } else if (field == "httppath" || field == "httpspath") {
            if (v.find_first_of(" ?#\\") != std::string::npos) {
                bad("a path must not contain spaces, '?', '#' or '\\'");
                continue;
            }
            // The phone stores paths without surrounding slashes (server_url.hpp).
            while (!v.empty() && v.front() == '/') v.erase(v.begin());
            while (!v.empty() && v.back() == '/') v.pop_back();
        }
        out.settings.push_back({std::string(f.key), v});
    }
    return out;
}

std::string render_sysinfo(const sysinfo_view& view) {
    std::string body = "<table>\n";
    row(body, "Platform", view.model + " Revision 0");
    row(body, "Model", view.model);
    row(body, "MAC Address", view.mac);
    row(body, "Firmware Version", view.firmware);
    row(body, "User-Agent", view.user_agent);
    for (const auto& a : view.addresses) row(body, "Address", a);
    row(body, "Configuration Server", view.server);
    row(body, "Provisioning", view.provisioning);
    body += "</table>\n";
    return page("System Information", body);
}

std::string render_cfg_page(std::string_view title, std::string_view cfg_text) {
    std::string body = "<pre>\n";
    body += html_escape(cfg_text);
    body += "</pre>\n";
    return page(title, body);
}

std::string render_configuration_server(const common::aastra::config_layers& config,
                                        std::string_view message) {
    std::string body;
    if (!message.empty()) {
        body += "<p class=\"message\">";
        body += html_escape(message);
        body += "</p>\n";
    }
    body += R"(<form method="post" action="/configurationServer.html">)";
    body += "\n<table>\n";
    for (const auto& f : configuration_server_fields()) {
        body += "<tr><th>";
        body += html_escape(f.key);
        body += R"(</th><td><input name=")";
        body += html_escape(f.field);
        body += R"(" value=")";
        body += html_escape(config.get_string(f.key, ""));
        body += "\"></td></tr>\n";
    }
    body += "</table>\n<button type=\"submit\">Save Settings</button>\n</form>\n";
    return page("Configuration Server Settings", body);
}

std::string render_reset(std::string_view message) {
    std::string body;
    if (!message.empty()) {
        body += "<p class=\"message\">";
        body += html_escape(message);
        body += "</p>\n";
    }
    body += R"(<form method="post" action="/reset.html">)"
            R"(<input type="hidden" name="resetOption" value="0">)"
            "<button type=\"submit\">Restart</button></form>\n";
    return page("Reset", body);
}

std::string render_phone(const screen_view& view, std::string_view model_name) {
    std::string body = "<div class=\"display\">\n<h2>";
    body += html_escape(view.title);
    body += "</h2>\n<ol class=\"lines\">\n";
    for (std::size_t i = 0; i < view.lines.size(); ++i) {
        const bool sel = view.selected && *view.selected == i;
        body += sel ? "<li class=\"selected\">&gt; " : "<li>";
        body += html_escape(view.lines[i]);
        body += "</li>\n";
    }
    body += "</ol>\n";
    if (!view.status_line.empty()) {
        body += "<p class=\"status\">";
        body += html_escape(view.status_line);
        body += "</p>\n";
    }
    body += "</div>\n<div class=\"softkeys\">\n";
    for (const auto& sk : view.softkeys) {
        key_button(body, "softkey" + std::to_string(sk.index),
                   sk.label.empty() ? "softkey " + std::to_string(sk.index) : sk.label);
    }
    body += "</div>\n<div class=\"navigation\">\n";
    key_button(body, "up", "Up");
    key_button(body, "down", "Down");
    key_button(body, "left", "Left");
    key_button(body, "right", "Right");
    key_button(body, "select", "Select");
    key_button(body, "goodbye", "Goodbye");
    body += "</div>\n<div class=\"keypad\">\n";
    static constexpr std::array<std::string_view, 12> pad{"1", "2", "3", "4", "5", "6",
                                                          "7", "8", "9", "*", "0", "#"};
    for (auto k : pad) key_button(body, k, k);
    body += "</div>\n<div class=\"lines-keys\">\n";
    key_button(body, "line1", "Line 1");
    key_button(body, "line2", "Line 2");
    body += "</div>\n";
    // While a page loads, the browser asks again each second (no JavaScript needed), so the user
    // sees "Loading Page..." and then the page, as on the phone's display.
    return page("Aastra " + std::string(model_name), body,
                view.loading ? R"(<meta http-equiv="refresh" content="1; url=/phone.html">)" : "");
}

std::string render_unauthorized(std::string_view model_name) {
    return page("401 Unauthorized", "<p>Authorization is required to access " +
                                        html_escape(realm_for(model_name)) + ".</p>\n");
}

std::string render_not_found(std::string_view target) {
    return page("404 Not Found", "<p>" + html_escape(target) + " was not found.</p>\n");
}

std::optional<key_press> key_from_name(std::string_view raw) {
    std::string name;
    for (char c : ascii::trim(raw)) name += ascii::lower(c);
    if (name.size() == 1) {
        const char c = name[0];
        if ((c >= '0' && c <= '9') || c == '*' || c == '#') return key_press::keypad(c);
        return std::nullopt;
    }
    if (name == "star") return key_press::keypad('*');
    if (name == "pound" || name == "hash") return key_press::keypad('#');
    if (name == "goodbye") return key_press::of(key_kind::goodbye);
    if (name == "up") return key_press::of(key_kind::nav_up);
    if (name == "down") return key_press::of(key_kind::nav_down);
    if (name == "left") return key_press::of(key_kind::nav_left);
    if (name == "right") return key_press::of(key_kind::nav_right);
    if (name == "select") return key_press::of(key_kind::select);
    auto numbered = [&](std::string_view prefix, unsigned max) -> std::optional<int> {
        if (!name.starts_with(prefix)) return std::nullopt;
        auto n = parse_uint(std::string_view(name).substr(prefix.size()), max);
        if (!n || *n == 0) return std::nullopt;
        return static_cast<int>(*n);
    };
    if (auto n = numbered("softkey", 10)) return key_press::softkey(*n);
    if (auto n = numbered("line", 9)) return key_press::line(*n);
    return std::nullopt;
}

std::string key_name(const key_press& key) {
    switch (key.kind) {
    case key_kind::softkey: return "softkey" + std::to_string(key.number);
    case key_kind::goodbye: return "goodbye";
    case key_kind::nav_up: return "up";
    case key_kind::nav_down: return "down";
    case key_kind::nav_left: return "left";
    case key_kind::nav_right: return "right";
    case key_kind::select: return "select";
    case key_kind::digit: return std::string(1, key.digit);
    case key_kind::line: return "line" + std::to_string(key.number);
    }
    return "unknown";
}

}  // namespace phone_agent::web
