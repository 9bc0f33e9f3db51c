// Message digests, HMAC, constant-time comparison and strict Base64, all through OpenSSL 3's EVP
// interfaces (the one-shot MD5()/SHA256() calls are deprecated in OpenSSL 3).
//
// Failures of OpenSSL itself (allocation failure, or a provider configuration that lacks the
// algorithm, e.g. MD5 under a FIPS-only provider) are not something a caller can act on per call,
// so they throw `std::runtime_error` naming the algorithm and OpenSSL's reason. Everything a peer
// can influence (bad Base64, unequal lengths) is reported as a value.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

// OpenSSL's EVP_MD_CTX, declared here so users of this header do not include OpenSSL.
struct evp_md_ctx_st;

namespace common::crypto {

// `sha512_256` is FIPS 180-4 SHA-512/256 (its own initial hash values), which is what OpenSSL calls
// "SHA512-256". It is *not* SHA-512 truncated to 256 bits.
enum class hash_algorithm { md5, sha256, sha512_256 };

std::string_view to_string(hash_algorithm algorithm) noexcept;  // "MD5", "SHA-256", "SHA-512/256"
std::size_t digest_size(hash_algorithm algorithm) noexcept;     // in bytes

// Lower-case hexadecimal of arbitrary bytes.
std::string to_hex(std::string_view bytes);

// Lower-case hex digest of `data`.
std::string hex_digest(hash_algorithm algorithm, std::string_view data);

// Room for any digest above, raw or as hex.
using digest_buffer = std::array<char, 64>;
using hex_buffer = std::array<char, 128>;
// The raw digest of `parts` joined by `separator`, written to `out`; returns the view of `out`
// that holds it.
std::string_view digest_joined(hash_algorithm algorithm, std::initializer_list<std::string_view> parts,
                               char separator, digest_buffer& out);
// Lower-case hex digest of `parts` joined by `separator` (H(a:b:c) without building "a:b:c" on
// the heap), written to `out`; returns the view of `out` that holds it. For per-request hashing.
std::string_view hex_digest_joined(hash_algorithm algorithm, std::initializer_list<std::string_view> parts,
                                   char separator, hex_buffer& out);

// Incremental hashing, for bodies that arrive in pieces (firmware images).
class hasher {
public:
    explicit hasher(hash_algorithm algorithm);
    ~hasher();
    hasher(hasher&& other) noexcept;
    hasher& operator=(hasher&& other) noexcept;
    hasher(const hasher&) = delete;
    hasher& operator=(const hasher&) = delete;

    void update(std::string_view data);
    // Returns the digest of everything passed to update() and starts over, so one hasher can
    // digest several messages in turn.
    std::string finish_raw();
    std::string finish_hex();

    hash_algorithm algorithm() const noexcept { return algorithm_; }

private:
    struct ctx_deleter {
        void operator()(evp_md_ctx_st* ctx) const noexcept;
    };

    void init();

    hash_algorithm algorithm_;
    std::unique_ptr<evp_md_ctx_st, ctx_deleter> ctx_;
};

// HMAC-SHA-256 of `data` under `key`; returns the 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

// True when both strings are equal. Lengths are compared first (they are public: hex digests of a
// known algorithm), then the contents in time independent of where they differ (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// RFC 4648 §4 Base64 with padding.
std::string base64_encode(std::string_view bytes);
// Strict decoding: the length must be a multiple of 4, only the standard alphabet, at most two
// '=' and only at the end, and unused bits of the last symbol must be zero (so each byte string
// has exactly one accepted encoding). Returns std::nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace common::crypto
