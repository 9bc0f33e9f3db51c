#include "common/aastra/user_agent.hpp"

namespace common::aastra {
namespace {

constexpr std::string_view prefix = "Aastra";
constexpr std::string_view mac_marker = " MAC:";
constexpr std::string_view firmware_marker = " V:";
constexpr std::string_view suffix = "-SIP";

// `\w` in Python's regex for ASCII input.
bool is_word_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// `[^ ]+` would also take control bytes; a header value must not carry them, so they are refused
// on both sides.
bool is_visible_ascii(std::string_view s) noexcept {
    for (const char c : s) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7F) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::variant<std::string, user_agent_error> format_user_agent(const model_info& model,
                                                              const mac_address& mac,
                                                              std::string_view firmware) {
    if (firmware.empty() || !is_visible_ascii(firmware)) {
        std::string shown;
        for (const char c : firmware.substr(0, 40)) {
            const auto byte = static_cast<unsigned char>(c);
            shown += byte > 0x20 && byte < 0x7F ? c : '?';
        }
        return user_agent_error{"invalid firmware version '" + shown +
                                "' for the User-Agent: expected visible ASCII without spaces"};
    }
    std::string out;
    constexpr std::size_t dashed_mac_length = 17;
    out.reserve(prefix.size() + model.ua_token.size() + mac_marker.size() + dashed_mac_length +
                firmware_marker.size() + firmware.size() + suffix.size());
    out += prefix;
    out += model.ua_token;
    out += mac_marker;
    out += mac.dashed_upper();
    out += firmware_marker;
    out += firmware;
    out += suffix;
    return out;
}

std::optional<user_agent_info> parse_user_agent(std::string_view header) {
    if (!header.starts_with(prefix) || !header.ends_with(suffix)) {
        return std::nullopt;
    }
    std::string_view rest = header.substr(prefix.size());

    std::size_t model_end = 0;
    while (model_end < rest.size() && is_word_char(rest[model_end])) {
        ++model_end;
    }
    const std::string_view model_token = rest.substr(0, model_end);
    rest.remove_prefix(model_end);
    if (model_token.empty() || !rest.starts_with(mac_marker)) {
        return std::nullopt;
    }
    rest.remove_prefix(mac_marker.size());

    const std::size_t mac_end = rest.find(' ');
    if (mac_end == 0 || mac_end == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view mac_text = rest.substr(0, mac_end);
    rest.remove_prefix(mac_end);
    if (!rest.starts_with(firmware_marker)) {
        return std::nullopt;
    }
    rest.remove_prefix(firmware_marker.size());

    // What is left is `([^ ]+)-SIP`; the suffix was checked above, so the firmware is the middle.
    if (rest.size() <= suffix.size()) {
        return std::nullopt;
    }
    const std::string_view firmware = rest.substr(0, rest.size() - suffix.size());
    if (!is_visible_ascii(firmware)) {
        return std::nullopt;
    }

    auto model = find_model(model_token);
    auto mac = mac_address::parse(mac_text);
    if (!std::holds_alternative<model_info>(model) || !std::holds_alternative<mac_address>(mac)) {
        return std::nullopt;
    }
    return user_agent_info{std::get<model_info>(model), std::get<mac_address>(mac),
                           std::string(firmware)};
}

}  // namespace common::aastra
