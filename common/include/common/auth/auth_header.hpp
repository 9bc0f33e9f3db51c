// RFC 9110 §11 (formerly RFC 7235) authentication header grammar: the `WWW-Authenticate`,
// `Proxy-Authenticate` and `Authorization` field values, parsed into plain structs.
//
// Pure C++: no I/O, no allocation beyond the returned strings, linear time. Values larger than
// `max_header_value` bytes or with more than `max_params` parameters are rejected up front, so a
// hostile peer cannot make the parser do unbounded work. A server checking credentials on every
// request parses into a `credentials_view` instead, which copies nothing but unescaped values.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace common::auth {

inline constexpr std::size_t max_header_value = 8 * 1024;
inline constexpr std::size_t max_params = 64;

// One `name=value` pair. `value` is already unquoted (quoted-pair escapes removed); `quoted`
// records how it was written, because Digest needs to know (e.g. `nc` must be a bare token).
struct auth_param {
    std::string name;   // as written; compare case-insensitively
    std::string value;  // unquoted
    bool quoted = false;

    bool operator==(const auth_param&) const = default;
};

// One challenge (in WWW-Authenticate) or one set of credentials (in Authorization).
// Either `token68` is set or `params` is used, never both.
struct auth_item {
    std::string scheme;  // as written; compare case-insensitively
    std::optional<std::string> token68;
    std::vector<auth_param> params;

    // First parameter with this name (case-insensitive), or nullptr.
    const auth_param* find(std::string_view name) const noexcept;
    // Number of parameters with this name (case-insensitive); > 1 means a duplicate.
    std::size_t count(std::string_view name) const noexcept;

    // Exact comparison (names and schemes as written), used to check parse/serialize round trips.
    bool operator==(const auth_item&) const = default;
};

using challenge = auth_item;
using credentials = auth_item;

// A parse failure: what is wrong and the byte offset in the input where it was found.
struct parse_error {
    std::size_t offset = 0;
    std::string message;  // e.g. "unterminated quoted-string in parameter 'realm'"

    std::string to_string() const;  // "at byte 17: unterminated quoted-string ..."
};

template <class T>
using parse_result = std::variant<T, parse_error>;

// A whole `WWW-Authenticate` value: one or more challenges separated by commas.
parse_result<std::vector<challenge>> parse_challenges(std::string_view value);
// An `Authorization` value: exactly one set of credentials.
parse_result<credentials> parse_credentials(std::string_view value);

// auth_param without copies: `name` views the parsed value; `value` views it too, or, for a
// quoted-string that held escapes, the unescaped text kept by the credentials_view.
struct auth_param_view {
    std::string_view name;
    std::string_view value;  // unquoted
    bool quoted = false;
};

// Credentials whose strings view the header value they were parsed from, which must outlive this
// object. Move-only: the views of unescaped values point into a buffer it owns (moving keeps that
// buffer where it is).
class credentials_view {
public:
    credentials_view() = default;
    // Views `owned`, which must outlive this object; parameters past `max_params` are left out
    // (the parser never produces more), and `truncated()` says so.
    explicit credentials_view(const credentials& owned);
    credentials_view(credentials_view&&) noexcept = default;
    credentials_view& operator=(credentials_view&&) noexcept = default;
    credentials_view(const credentials_view&) = delete;
    credentials_view& operator=(const credentials_view&) = delete;

    std::string_view scheme() const noexcept { return scheme_; }
    std::optional<std::string_view> token68() const noexcept { return token68_; }
    std::span<const auth_param_view> params() const noexcept { return {params_.data(), size_}; }
    bool truncated() const noexcept { return truncated_; }

    // As auth_item::find and auth_item::count.
    const auth_param_view* find(std::string_view name) const noexcept;
    std::size_t count(std::string_view name) const noexcept;

    credentials to_owned() const;

private:
    friend class credentials_view_builder;

    std::string_view scheme_;
    std::optional<std::string_view> token68_;
    std::array<auth_param_view, max_params> params_{};
    std::size_t size_ = 0;
    bool truncated_ = false;
    std::unique_ptr<char[]> unescaped_;  // allocated only when a quoted value had escapes
};

// parse_credentials into `out` (same grammar, limits and errors); std::nullopt on success. `out`
// views `value`. On failure `out` is left empty.
std::optional<parse_error> parse_credentials(std::string_view value, credentials_view& out);

// Serialisation as `Scheme token68` or `Scheme p1=v1, p2="v 2"`; challenges are joined with ", ".
// A value is written bare only when `quoted` is false and it is a token; otherwise it becomes a
// quoted-string with `"` and `\` escaped. Returns std::nullopt when something cannot be written
// safely: CR, LF, NUL or another control character (HTAB aside) in a value (header injection), a
// scheme or name that is not a token, a malformed token68, token68 together with params, or an
// empty list of challenges.
std::optional<std::string> serialize(const auth_item& item);
std::optional<std::string> serialize(const std::vector<challenge>& items);

// Helpers used by the schemes.
// RFC 9110 §5.6.2 tchar, as a table: tokenizers and header-name checks ask once per byte.
inline constexpr std::array<bool, 256> tchar_table = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c) {
        t[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();
constexpr bool is_tchar(char c) noexcept { return tchar_table[static_cast<unsigned char>(c)]; }
bool iequals(std::string_view a, std::string_view b) noexcept;
bool is_token(std::string_view s) noexcept;
bool has_forbidden_header_chars(std::string_view s) noexcept;  // CR, LF or NUL

}  // namespace common::auth
