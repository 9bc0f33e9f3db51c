#include "common/aastra/models.hpp"

#include <array>
#include <utility>

namespace common::aastra {
namespace {

// XML softkey counts: six on the softkey phones, ten on the 6739i touch screen (domain §5.3).
constexpr std::array<model_info, 12> models{{
    {"6730i", "6730i", false, 0},
    {"6731i", "6731i", false, 0},
    {"6735i", "6735i", true, 6},
    {"6737i", "6737i", true, 6},
    {"6739i", "6739i", true, 10},
    {"6753i", "53i", false, 0},
    {"6755i", "55i", true, 6},
    {"6757i", "57i", true, 6},
    {"6757iCT", "57iCT", true, 6},
    {"9143i", "9143i", false, 0},
    {"9480i", "9480i", true, 6},
    {"9480iCT", "9480iCT", true, 6},
}};

char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

// Model names come from configuration and User-Agents, so the echo is made printable and short.
std::string quote(std::string_view text) {
    constexpr std::size_t limit = 40;
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        out += byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '?';
    }
    out += text.size() > limit ? "'..." : "'";
    return out;
}

}  // namespace

std::string model_info::cfg_file_name() const { return std::string(name) + ".cfg"; }

std::string model_info::firmware_file_name() const { return std::string(name) + ".st"; }

std::span<const model_info> known_models() noexcept { return models; }

std::variant<model_info, model_error> find_model(std::string_view name) {
    for (const auto& model : models) {
        if (iequals(name, model.name) || iequals(name, model.ua_token)) {
            return model;
        }
    }
    std::string message = "unknown Aastra model " + quote(name) + "; known models:";
    for (std::size_t i = 0; i < models.size(); ++i) {
        message += i == 0 ? " " : ", ";
        message += models[i].name;
    }
    return model_error{std::move(message)};
}

}  // namespace common::aastra
