// HTTP Digest access authentication (RFC 7616, with RFC 2617 and RFC 2069 compatibility): the
// challenge model and the pure response computation shared by digest_client and digest_verifier.
//
// SHA-512-256 means FIPS 180-4 SHA-512/256 (OpenSSL "SHA512-256"), as RFC 7616 §3.2 specifies and
// erratum 4897 confirms. The values printed in RFC 7616 §3.9.2 were produced with SHA-512
// truncated to 256 bits, a different function with different initial hash values; lighttpd and
// curl >= 8.7 use the FIPS function, so peers that reproduce the RFC's printed example will not
// interoperate with us, and the tests pin this choice.
#pragma once

#include "common/auth/auth_header.hpp"
#include "common/crypto/hash.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace common::auth {

enum class digest_algorithm { md5, md5_sess, sha256, sha256_sess, sha512_256, sha512_256_sess };

// The RFC 7616 spelling: "MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", ...
std::string_view to_string(digest_algorithm algorithm) noexcept;
// Case-insensitive; std::nullopt for anything unknown. An absent parameter means MD5 (the caller
// decides that, this only parses what was written).
std::optional<digest_algorithm> parse_digest_algorithm(std::string_view text) noexcept;
bool is_session(digest_algorithm algorithm) noexcept;
crypto::hash_algorithm hash_of(digest_algorithm algorithm) noexcept;
// Hash strength for choosing between challenges: MD5 1, SHA-256 2, SHA-512-256 3 (-sess equal).
int strength(digest_algorithm algorithm) noexcept;

enum class qop { none, auth, auth_int };
std::string_view to_string(qop value) noexcept;  // "", "auth", "auth-int"

// An expected failure, with a message naming the parameter and the problem.
struct digest_error {
    std::string message;
};

template <class T>
using digest_result = std::variant<T, digest_error>;

// Longest realm, nonce, opaque, cnonce, uri or username we accept from a peer (curl uses
// 256/1024); everything larger is refused before hashing or storing it.
inline constexpr std::size_t max_digest_param = 1024;

// A parsed `WWW-Authenticate: Digest ...` challenge.
struct digest_challenge {
    std::string realm;
    std::string nonce;
    std::optional<std::string> opaque;
    digest_algorithm algorithm = digest_algorithm::md5;
    // Offered qop options. Neither set means an RFC 2069 challenge (no qop, no cnonce, no nc).
    bool qop_auth = false;
    bool qop_auth_int = false;
    bool stale = false;
    bool userhash = false;
    bool charset_utf8 = false;
    std::vector<std::string> domain;  // the space-separated URI list, split

    bool offers(qop value) const noexcept;

    // Errors: not a Digest challenge, token68 form, missing or duplicate realm/nonce, a parameter
    // over max_digest_param, an unsupported algorithm ("unsupported algorithm 'SHA-1'"), or a qop
    // list with no option we know (unknown options are otherwise ignored).
    static digest_result<digest_challenge> from_challenge(const challenge& item);
    challenge to_challenge() const;
};

// nc is 8 hex digits; the first request with a nonce is 00000001 and ffffffff is the last.
std::string format_nc(std::uint32_t nc);
// Exactly 8 hex digits (either case), not zero; std::nullopt otherwise.
std::optional<std::uint32_t> parse_nc(std::string_view text) noexcept;

// The building blocks, each returning lower-case hex. All strings are used as given (already
// unquoted), joined with ':' and no whitespace, as RFC 7616 §3.4 requires.
std::string digest_userhash(digest_algorithm algorithm, std::string_view username,
                            std::string_view realm);
// -sess: H(H(user:realm:password):nonce:cnonce) with the inner hash as hex (RFC 2617 erratum
// 1649), otherwise H(user:realm:password).
std::string digest_ha1(digest_algorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password, std::string_view nonce, std::string_view cnonce);
// The two halves of digest_ha1, for a server that keeps H(user:realm:password) per user.
std::string digest_password_hash(digest_algorithm algorithm, std::string_view username, std::string_view realm,
                                 std::string_view password);
std::string digest_ha1_from_hash(digest_algorithm algorithm, std::string_view password_hash,
                                 std::string_view nonce, std::string_view cnonce);
// auth-int: H(method:uri:body_hash) where body_hash is H(entity-body) in hex; else H(method:uri).
std::string digest_ha2(digest_algorithm algorithm, qop chosen, std::string_view method,
                       std::string_view uri, std::string_view body_hash);
// With qop: H(HA1:nonce:nc:cnonce:qop:HA2); without (RFC 2069): H(HA1:nonce:HA2).
std::string digest_response(digest_algorithm algorithm, std::string_view ha1, std::string_view nonce,
                            std::string_view nc, std::string_view cnonce, qop chosen,
                            std::string_view ha2);

// The same two steps written into a caller's buffer (a verifier's per-request path allocates
// nothing). digest_ha1_from_hash returns `password_hash` itself unless the algorithm is -sess.
std::string_view digest_ha1_from_hash(digest_algorithm algorithm, std::string_view password_hash,
                                      std::string_view nonce, std::string_view cnonce,
                                      crypto::hex_buffer& out);
std::string_view digest_response(digest_algorithm algorithm, std::string_view ha1, std::string_view nonce,
                                 std::string_view nc, std::string_view cnonce, qop chosen,
                                 std::string_view ha2, crypto::hex_buffer& out);
// The response as raw digest bytes rather than hex, for comparing with a decoded answer.
std::string_view digest_response_bytes(digest_algorithm algorithm, std::string_view ha1, std::string_view nonce,
                                       std::string_view nc, std::string_view cnonce, qop chosen,
                                       std::string_view ha2, crypto::digest_buffer& out);

// The per-request inputs of compute().
struct digest_request {
    std::string_view method;
    std::string_view uri;  // the digest-uri, normally the request-target
    std::string_view cnonce;
    std::string_view nc;  // as it will be sent; ignored when qop is none
    qop chosen = qop::none;
    std::string_view entity_body;  // hashed only for auth-int
};

struct digest_values {
    std::string ha1;
    std::string ha2;
    std::string response;
};

// Computes HA1, HA2 and the response for `username` (the real name, also when the request will
// carry a userhash). Errors: a qop the challenge does not offer, no qop when the challenge offers
// one, -sess without qop, a missing cnonce or an nc that is not 8 hex digits.
digest_result<digest_values> compute(const digest_challenge& offered, std::string_view username,
                                     std::string_view password, const digest_request& request);

// compute() from H(username:realm:password) in hex instead of the password, so a server can hash
// each password once rather than on every request. Same errors as compute().
digest_result<digest_values> compute_from_password_hash(const digest_challenge& offered,
                                                        std::string_view password_hash,
                                                        const digest_request& request);

}  // namespace common::auth
