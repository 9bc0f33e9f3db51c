#include "common/aastra/mac.hpp"

#include <array>

namespace common::aastra {
namespace {

constexpr std::size_t hex_digits = 12;
constexpr std::size_t separated_length = 17;  // 12 digits + 5 separators
constexpr std::size_t max_quoted_input = 40;

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// The input goes into log lines and HTTP error bodies, so control bytes are escaped and very
// long inputs are cut rather than echoed whole.
std::string quote(std::string_view text) {
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < max_quoted_input; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte >= 0x7F || byte == '\'' || byte == '\\') {
            out += "\\x";
            out += hex[byte >> 4U];
            out += hex[byte & 0xFU];
        } else {
            out += static_cast<char>(byte);
        }
    }
    out += text.size() > max_quoted_input ? "'..." : "'";
    return out;
}

mac_error invalid(std::string_view text) {
    return mac_error{"invalid MAC address " + quote(text) +
                     ": expected 12 hex digits, optionally in pairs separated by all ':' or "
                     "all '-'"};
}

std::string format(std::uint64_t value, char separator, bool upper) {
    const std::string_view digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    out.reserve(separated_length);
    for (int byte_index = 5; byte_index >= 0; --byte_index) {
        const auto shift = static_cast<unsigned>(byte_index) * 8U;
        const auto byte = static_cast<unsigned>((value >> shift) & 0xFFU);
        out += digits[byte >> 4U];
        out += digits[byte & 0xFU];
        if (separator != '\0' && byte_index != 0) {
            out += separator;
        }
    }
    return out;
}

}  // namespace

std::variant<mac_address, mac_error> mac_address::parse(std::string_view text) {
    std::array<char, hex_digits> digits{};
    if (text.size() == hex_digits) {
        for (std::size_t i = 0; i < hex_digits; ++i) {
            digits[i] = text[i];
        }
    } else if (text.size() == separated_length) {
        const char separator = text[2];
        if (separator != ':' && separator != '-') {
            return invalid(text);
        }
        std::size_t next_digit = 0;
        for (std::size_t i = 0; i < separated_length; ++i) {
            const bool separator_slot = i % 3 == 2;
            if (separator_slot) {
                if (text[i] != separator) {
                    return invalid(text);
                }
            } else {
                digits[next_digit++] = text[i];
            }
        }
    } else {
        return invalid(text);
    }

    std::uint64_t value = 0;
    for (const char c : digits) {
        const int nibble = hex_value(c);
        if (nibble < 0) {
            return invalid(text);
        }
        value = (value << 4U) | static_cast<std::uint64_t>(nibble);
    }
    return mac_address{value};
}

std::variant<mac_address, mac_error> mac_address::from_value(std::uint64_t value) {
    if (value > max_value) {
        return mac_error{"MAC address value " + std::to_string(value) + " does not fit in 48 bits"};
    }
    return mac_address{value};
}

std::string mac_address::compact_upper() const { return format(value_, '\0', true); }

std::string mac_address::dashed_upper() const { return format(value_, '-', true); }

std::string mac_address::colon_lower() const { return format(value_, ':', false); }

std::variant<mac_address, mac_error> mac_address::next(std::uint64_t n) const {
    if (n > max_value - value_) {
        return mac_error{"MAC range overflow: " + dashed_upper() + " + " + std::to_string(n) +
                         " is past FF-FF-FF-FF-FF-FF"};
    }
    return mac_address{value_ + n};
}

}  // namespace common::aastra
