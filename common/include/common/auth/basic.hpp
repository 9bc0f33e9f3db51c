// HTTP Basic authentication (RFC 7617) on top of the RFC 9110 §11 grammar in auth_header.hpp.
//
// Pure functions, no shared state: safe to call from any thread. Base64 is done by OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/auth/auth_header.hpp"

namespace common::auth {

// A decoded user-id/password pair. User ids never contain ':'; passwords may.
struct basic_credentials {
    std::string user;
    std::string password;

    bool operator==(const basic_credentials&) const = default;
};

// The whole `Authorization` value, "Basic <base64(user ':' password)>", with the bytes as given
// (pass UTF-8 when the challenge said charset="UTF-8"). Errors (offset = byte in `user` or
// `password`, the message says which): a user id containing ':' (the receiver splits at the first
// colon, so it cannot be represented), a control character in either, or more than
// max_header_value bytes in total.
parse_result<std::string> basic_authorization(std::string_view user, std::string_view password);

// `Basic realm="<realm>"` plus `charset="UTF-8"` when asked (RFC 7617 §2.1). The realm is not
// checked here; serialize() refuses one that cannot be written safely.
challenge basic_challenge(std::string_view realm, bool charset_utf8);

// Decodes received credentials. Errors: a scheme other than Basic (case-insensitive), params
// instead of a token68, base64 that is not strict canonical RFC 4648 (length a multiple of 4,
// only `=` padding at the end, zero pad bits), no ':' in the decoded text, or a control
// character in the user id or password. The split is at the FIRST colon. Offsets in the errors
// refer to the token68 for base64 problems and to the decoded text otherwise.
parse_result<basic_credentials> decode_basic(const credentials& item);

// Whether a whole `Authorization` value has RFC 7617's shape, `Basic 1*SP token68` with nothing
// after the token68 but whitespace. parse_credentials follows RFC 9110's list syntax, which lets a
// trailing comma (an empty list element) through; Basic has no list, so a server that wants to
// answer malformed credentials with 400 checks this first. Offsets are bytes in `value`.
std::optional<parse_error> check_basic_syntax(std::string_view value);

// Constant-time check of decoded credentials against the expected ones (CRYPTO_memcmp after a
// length check, so only the lengths can leak through timing). Both fields are always compared.
bool basic_matches(const basic_credentials& got, std::string_view user,
                   std::string_view password) noexcept;

}  // namespace common::auth
