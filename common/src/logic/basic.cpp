// RFC 7617 Basic. Decoding is strict on purpose: a lenient base64 decoder lets two different
// header values map to the same credentials, which hides tampering and confuses log analysis.
#include "common/auth/basic.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>

namespace common::auth {
namespace {

constexpr bool is_ctl(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

constexpr bool is_base64_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

// Callers keep `bytes` under max_header_value, so the int conversions below cannot overflow.
std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::size_t> find_ctl(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (is_ctl(s[i])) return i;
    }
    return std::nullopt;
}

// EVP_DecodeBlock alone skips surrounding whitespace, accepts '=' in odd places and keeps pad
// bytes in its count, so the shape is checked first and the result re-encoded and compared.
parse_result<std::string> strict_base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) {
        return parse_error{text.size(), "base64 length " + std::to_string(text.size()) +
                                            " is not a positive multiple of 4"};
    }
    if (text.size() > max_header_value) {
        return parse_error{max_header_value, "base64 longer than " +
                                                 std::to_string(max_header_value) + " bytes"};
    }
    std::size_t padding = 0;
    while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
    const std::size_t data_end = text.size() - padding;
    for (std::size_t i = 0; i < data_end; ++i) {
        if (!is_base64_char(text[i])) {
            return parse_error{i, "invalid base64 character " +
                                      (text[i] == '=' ? std::string("'=' (misplaced padding)")
                                                      : "'" + std::string(1, text[i]) + "'")};
        }
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) {
        return parse_error{0, "base64 rejected by the decoder"};
    }
    out.resize(out.size() - padding);
    if (base64_encode(out) != text) {
        return parse_error{data_end - 1, "non-canonical base64 (non-zero pad bits)"};
    }
    return out;
}

}  // namespace

parse_result<std::string> basic_authorization(std::string_view user, std::string_view password) {
    if (const auto colon = user.find(':'); colon != std::string_view::npos) {
        return parse_error{colon, "user id contains ':' (Basic splits at the first colon)"};
    }
    if (const auto at = find_ctl(user)) {
        return parse_error{*at, "control character in user id"};
    }
    if (const auto at = find_ctl(password)) {
        return parse_error{*at, "control character in password"};
    }
    if (user.size() + password.size() + 1 > max_header_value) {
        return parse_error{0, "user id and password longer than " +
                                  std::to_string(max_header_value) + " bytes"};
    }
    std::string plain;
    plain.reserve(user.size() + 1 + password.size());
    plain.append(user).append(1, ':').append(password);
    return "Basic " + base64_encode(plain);
}

challenge basic_challenge(std::string_view realm, bool charset_utf8) {
    challenge c;
    c.scheme = "Basic";
    c.params.push_back({"realm", std::string(realm), true});
    if (charset_utf8) c.params.push_back({"charset", "UTF-8", true});
    return c;
}

parse_result<basic_credentials> decode_basic(const credentials& item) {
    if (!iequals(item.scheme, "Basic")) {
        return parse_error{0, "auth-scheme '" + item.scheme + "' is not Basic"};
    }
    if (!item.token68) {
        return parse_error{0, item.params.empty()
                                  ? "Basic credentials are missing"
                                  : "Basic credentials must be a token68, not parameters"};
    }
    auto decoded = strict_base64_decode(*item.token68);
    if (auto* error = std::get_if<parse_error>(&decoded)) return std::move(*error);
    const std::string& plain = std::get<std::string>(decoded);

    const auto colon = plain.find(':');
    if (colon == std::string::npos) {
        return parse_error{plain.size(), "decoded Basic credentials have no ':'"};
    }
    basic_credentials out{plain.substr(0, colon), plain.substr(colon + 1)};
    if (const auto at = find_ctl(out.user)) {
        return parse_error{*at, "control character in user id"};
    }
    if (const auto at = find_ctl(out.password)) {
        return parse_error{colon + 1 + *at, "control character in password"};
    }
    return out;
}

std::optional<parse_error> check_basic_syntax(std::string_view value) {
    constexpr std::string_view scheme = "Basic";
    if (value.size() < scheme.size() || !iequals(value.substr(0, scheme.size()), scheme)) {
        return parse_error{0, "auth-scheme is not Basic"};
    }
    std::size_t i = scheme.size();
    if (i == value.size()) return parse_error{i, "Basic without credentials"};
    if (value[i] != ' ') return parse_error{i, "expected a space after 'Basic'"};
    while (i < value.size() && value[i] == ' ') ++i;
    const std::size_t token_start = i;
    // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    auto token68_char = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    };
    while (i < value.size() && token68_char(value[i])) ++i;
    if (i == token_start) {
        return parse_error{i, i == value.size() ? "Basic without credentials"
                                                : "Basic credentials are not a token68"};
    }
    while (i < value.size() && value[i] == '=') ++i;
    std::size_t end = i;
    while (end < value.size() && (value[end] == ' ' || value[end] == '\t')) ++end;
    if (end != value.size()) {
        const auto u = static_cast<unsigned char>(value[end]);
        char shown[8];
        std::snprintf(shown, sizeof shown, u > 0x20 && u < 0x7f ? "'%c'" : "0x%02X", u);
        return parse_error{end, std::string("unexpected ") + shown +
                                  " after the Basic token68 (RFC 7617 allows one token68 only)"};
    }
    return std::nullopt;
}

bool basic_matches(const basic_credentials& got, std::string_view user,
                   std::string_view password) noexcept {
    const bool user_ok = got.user.size() == user.size() &&
                         CRYPTO_memcmp(got.user.data(), user.data(), user.size()) == 0;
    const bool password_ok =
        got.password.size() == password.size() &&
        CRYPTO_memcmp(got.password.data(), password.data(), password.size()) == 0;
    // Non-short-circuit so a wrong user id costs the same as a wrong password.
    return user_ok & password_ok;
}

}  // namespace common::auth
