// Character-class helpers shared by the auth grammar and everything that writes header values.
#include "common/auth/auth_header.hpp"

#include <cstdint>
#include <cstring>

namespace common::auth {
namespace {

constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    // Names are mostly written as expected ("Digest", "nonce", "User-Agent"): one memcmp then.
    if (a == b) return true;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_tchar(c)) return false;
    }
    return true;
}

// Eight bytes per step (a zero byte in x, x ^ CRs or x ^ LFs means NUL, CR or LF): every header
// value received and sent passes here, and find_first_of ran a memchr over the set per byte.
bool has_forbidden_header_chars(std::string_view s) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto has_zero_byte = [](std::uint64_t x) { return ((x - ones) & ~x & highs) != 0; };
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x = 0;
        std::memcpy(&x, s.data() + i, 8);
        if (has_zero_byte(x) || has_zero_byte(x ^ (ones * '\r')) || has_zero_byte(x ^ (ones * '\n'))) return true;
    }
    for (; i < s.size(); ++i) {
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') return true;
    }
    return false;
}

}  // namespace common::auth
