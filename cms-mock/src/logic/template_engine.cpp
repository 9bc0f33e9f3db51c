#include "logic/template_engine.hpp"

#include "common/aastra/mac.hpp"

#include <algorithm>
#include <optional>

namespace cms_mock {

namespace {

bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

std::string_view trim_blanks(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

template_error error_at(std::string_view text, std::size_t offset, std::string_view source,
                        const std::string& what) {
    const auto before = text.substr(0, offset);
    const auto line = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n')) + 1;
    const auto last_nl = before.rfind('\n');
    const auto column = last_nl == std::string_view::npos ? offset + 1 : offset - last_nl;
    return {std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                what,
            line, column};
}

// Shows at most 40 bytes of a bad placeholder so the message stays one readable line.
std::string excerpt(std::string_view s) {
    std::string out(s.substr(0, 40));
    std::replace(out.begin(), out.end(), '\n', ' ');
    if (s.size() > 40) out += "...";
    return out;
}

}  // namespace

template_vars_map template_vars(const device& d, const template_vars_map& server_vars) {
    template_vars_map vars = server_vars;
    for (const auto& [name, value] : d.extra) vars[name] = value;

    vars["mac"] = d.mac;
    std::string lower = d.mac;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    vars["mac.lower"] = lower;
    const auto parsed = common::aastra::mac_address::parse(d.mac);
    const auto* mac = std::get_if<common::aastra::mac_address>(&parsed);
    vars["mac.dashed"] = mac ? mac->dashed_upper() : d.mac;
    vars["model"] = d.model;
    vars["firmware"] = d.firmware_version;
    vars["device.username"] = d.device_username;
    vars["device.password"] = d.device_password;
    vars["user.username"] = d.user_username;
    vars["user.password"] = d.user_password;
    vars["lines.count"] = std::to_string(d.lines.size());
    for (std::size_t i = 0; i < d.lines.size(); ++i) {
        const auto prefix = "line" + std::to_string(i + 1) + ".";
        const auto& line = d.lines[i];
        vars[prefix + "auth_name"] = line.auth_name;
        vars[prefix + "password"] = line.password;
        vars[prefix + "user_name"] = line.user_name;
        vars[prefix + "display_name"] = line.display_name;
        vars[prefix + "registrar"] = line.registrar;
    }
    return vars;
}

std::variant<std::string, template_error> render_template(std::string_view text,
                                                          const template_vars_map& vars,
                                                          template_mode mode,
                                                          std::string_view source_name,
                                                          std::size_t max_output) {
    std::string out;
    out.reserve(std::min(text.size(), max_output));
    std::size_t pos = 0;
    auto append = [&](std::string_view piece, std::size_t at) -> std::optional<template_error> {
        if (piece.size() > max_output - out.size()) {
            return error_at(text, at, source_name,
                            "output exceeds " + std::to_string(max_output) + " bytes");
        }
        out.append(piece);
        return std::nullopt;
    };
    while (pos < text.size()) {
        const auto open = text.find("{{", pos);
        if (auto e = append(text.substr(pos, open - pos), pos)) return std::move(*e);
        if (open == std::string_view::npos) break;
        if (text.substr(open, 4) == "{{{{") {
            if (auto e = append("{{", open)) return std::move(*e);
            pos = open + 4;
            continue;
        }
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            return error_at(text, open, source_name, "unterminated '{{'");
        }
        const auto inner = text.substr(open + 2, close - open - 2);
        const auto name = trim_blanks(inner);
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
            return error_at(text, open, source_name,
                            "invalid placeholder '{{" + excerpt(inner) + "}}'");
        }
        if (const auto it = vars.find(name); it != vars.end()) {
            if (auto e = append(it->second, open)) return std::move(*e);
        } else if (mode == template_mode::strict) {
            return error_at(text, open, source_name,
                            "unknown variable '" + std::string(name) + "'");
        }
        pos = close + 2;
    }
    return out;
}

}  // namespace cms_mock
