// EVP-based hashing. OpenSSL failures here mean a broken installation, not bad input, hence the
// exceptions (see the header).
#include "common/crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>

namespace common::crypto {
namespace {

// Fetched once: the EVP_md5()-style handles make OpenSSL 3 look the implementation up again on
// every init, which cost more than hashing a Digest line. Fetched objects are immutable and
// reference counted, so sharing them between threads is fine. If a fetch fails (say, MD5 under a
// FIPS-only provider) the legacy handle is used, and the per-call init reports the error as before.
const EVP_MD* fetched_or_legacy(const char* name, const EVP_MD* legacy) noexcept {
    const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    if (md == nullptr) ERR_clear_error();
    return md != nullptr ? md : legacy;
}

const EVP_MD* evp_md(hash_algorithm algorithm) noexcept {
    switch (algorithm) {
        case hash_algorithm::md5: {
            static const EVP_MD* md = fetched_or_legacy("MD5", EVP_md5());
            return md;
        }
        case hash_algorithm::sha256: {
            static const EVP_MD* md = fetched_or_legacy("SHA2-256", EVP_sha256());
            return md;
        }
        case hash_algorithm::sha512_256: {
            static const EVP_MD* md = fetched_or_legacy("SHA2-512/256", EVP_sha512_256());
            return md;
        }
    }
    return nullptr;
}

struct md_ctx_free {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct mac_ctx_free {
    void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

[[noreturn]] void throw_openssl(std::string_view what, hash_algorithm algorithm) {
    std::array<char, 256> reason{};
    ERR_error_string_n(ERR_get_error(), reason.data(), reason.size());
    ERR_clear_error();
    throw std::runtime_error(std::string(what) + " failed for " + std::string(to_string(algorithm)) +
                             ": " + reason.data());
}

const unsigned char* bytes_of(std::string_view s) noexcept {
    return reinterpret_cast<const unsigned char*>(s.data());
}

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Value of a Base64 symbol, or -1.
int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::string_view to_string(hash_algorithm algorithm) noexcept {
    switch (algorithm) {
        case hash_algorithm::md5: return "MD5";
        case hash_algorithm::sha256: return "SHA-256";
        case hash_algorithm::sha512_256: return "SHA-512/256";
    }
    return "unknown";
}

std::size_t digest_size(hash_algorithm algorithm) noexcept {
    switch (algorithm) {
        case hash_algorithm::md5: return 16;
        case hash_algorithm::sha256: return 32;
        case hash_algorithm::sha512_256: return 32;
    }
    return 0;
}

std::string to_hex(std::string_view bytes) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out(bytes.size() * 2, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        out[2 * i] = digits[b >> 4U];
        out[2 * i + 1] = digits[b & 0x0fU];
    }
    return out;
}

namespace {

// One context per thread for every message, rather than one created and freed per digest.
EVP_MD_CTX* thread_md_ctx(hash_algorithm algorithm) {
    thread_local std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
    if (!ctx) throw_openssl("EVP_MD_CTX_new", algorithm);
    return ctx.get();
}

std::size_t write_hex(const unsigned char* bytes, std::size_t size, char* out) noexcept {
    constexpr std::string_view digits = "0123456789abcdef";
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = digits[bytes[i] >> 4U];
        out[2 * i + 1] = digits[bytes[i] & 0x0fU];
    }
    return 2 * size;
}

}  // namespace

std::string hex_digest(hash_algorithm algorithm, std::string_view data) {
    hex_buffer out;
    return std::string(hex_digest_joined(algorithm, {data}, ':', out));
}

namespace {

// A context initialised once per thread and algorithm, copied to start each message: OpenSSL
// 3.0's EVP_DigestInit_ex also asks for an ENGINE implementation on every call; the copy was
// measured a little cheaper (both re-create the provider's context).
const EVP_MD_CTX* thread_md_template(hash_algorithm algorithm) {
    thread_local std::array<std::unique_ptr<EVP_MD_CTX, md_ctx_free>, 3> templates;
    auto& slot = templates[static_cast<std::size_t>(algorithm)];
    if (!slot) {
        std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
        if (!ctx || EVP_DigestInit_ex(ctx.get(), evp_md(algorithm), nullptr) != 1) {
            throw_openssl("EVP_DigestInit_ex", algorithm);
        }
        slot = std::move(ctx);
    }
    return slot.get();
}

}  // namespace

namespace {

// MD5 through its low-level functions: every Digest check of a phone runs one MD5 over ~150
// bytes, and the EVP route (context copy, provider dispatch, finalisation through the provider)
// cost more than the three compressions themselves (callgrind: ~3.2k -> ~1.3k instructions).
// OpenSSL 3 deprecates these functions, not the algorithm; they compute the same bytes (the RFC
// known-answer tests in tests/unit/common check it).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
std::string_view md5_joined(std::initializer_list<std::string_view> parts, char separator,
                            digest_buffer& out) {
    MD5_CTX ctx;
    MD5_Init(&ctx);
    bool first = true;
    for (auto part : parts) {
        if (!first) MD5_Update(&ctx, &separator, 1);
        first = false;
        MD5_Update(&ctx, part.data(), part.size());
    }
    static_assert(sizeof(digest_buffer) >= MD5_DIGEST_LENGTH);
    MD5_Final(reinterpret_cast<unsigned char*>(out.data()), &ctx);
    return {out.data(), MD5_DIGEST_LENGTH};
}
#pragma GCC diagnostic pop

}  // namespace

std::string_view digest_joined(hash_algorithm algorithm, std::initializer_list<std::string_view> parts,
                               char separator, digest_buffer& out) {
    if (algorithm == hash_algorithm::md5) return md5_joined(parts, separator, out);
    EVP_MD_CTX* ctx = thread_md_ctx(algorithm);
    if (EVP_MD_CTX_copy_ex(ctx, thread_md_template(algorithm)) != 1) throw_openssl("EVP_MD_CTX_copy_ex", algorithm);
    // Joined on the stack when short enough (a Digest response line is ~150 bytes): one update
    // call costs less than one per piece. Longer input goes piece by piece.
    std::array<char, 512> joined;
    std::size_t total = parts.size() == 0 ? 0 : parts.size() - 1;
    for (auto part : parts) total += part.size();
    bool ok = true;
    if (total <= joined.size()) {
        char* end = joined.data();
        bool first = true;
        for (auto part : parts) {
            if (!first) *end++ = separator;
            first = false;
            end = std::copy(part.begin(), part.end(), end);
        }
        ok = EVP_DigestUpdate(ctx, joined.data(), total) == 1;
    } else {
        bool first = true;
        for (auto part : parts) {
            if (!first) ok = ok && EVP_DigestUpdate(ctx, &separator, 1) == 1;
            first = false;
            ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
        }
    }
    static_assert(sizeof(digest_buffer) >= EVP_MAX_MD_SIZE);
    unsigned int md_len = 0;
    if (!ok || EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()), &md_len) != 1) {
        throw_openssl("EVP_Digest", algorithm);
    }
    return {out.data(), md_len};
}

std::string_view hex_digest_joined(hash_algorithm algorithm, std::initializer_list<std::string_view> parts,
                                   char separator, hex_buffer& out) {
    digest_buffer raw;
    const auto md = digest_joined(algorithm, parts, separator, raw);
    static_assert(sizeof(hex_buffer) >= 2 * sizeof(digest_buffer));
    return {out.data(), write_hex(reinterpret_cast<const unsigned char*>(md.data()), md.size(), out.data())};
}

void hasher::ctx_deleter::operator()(evp_md_ctx_st* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

hasher::hasher(hash_algorithm algorithm) : algorithm_(algorithm), ctx_(EVP_MD_CTX_new()) {
    if (!ctx_) throw_openssl("EVP_MD_CTX_new", algorithm_);
    init();
}

hasher::~hasher() = default;
hasher::hasher(hasher&& other) noexcept = default;
hasher& hasher::operator=(hasher&& other) noexcept = default;

void hasher::init() {
    if (EVP_DigestInit_ex(ctx_.get(), evp_md(algorithm_), nullptr) != 1) {
        throw_openssl("EVP_DigestInit_ex", algorithm_);
    }
}

void hasher::update(std::string_view data) {
    if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
        throw_openssl("EVP_DigestUpdate", algorithm_);
    }
}

std::string hasher::finish_raw() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md.data(), &md_len) != 1) {
        throw_openssl("EVP_DigestFinal_ex", algorithm_);
    }
    init();
    return std::string(reinterpret_cast<const char*>(md.data()), md_len);
}

std::string hasher::finish_hex() { return to_hex(finish_raw()); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
    // The one-shot EVP_Q_mac fetches HMAC and SHA-256 and schedules the key on every call (about
    // 20,000 instructions). Here the MAC is fetched once, and each thread keeps a context keyed
    // for the last key it saw: callers use one secret for many messages (nonce checks).
    static EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (hmac == nullptr) throw_openssl("EVP_MAC_fetch(HMAC)", hash_algorithm::sha256);
    thread_local std::unique_ptr<EVP_MAC_CTX, mac_ctx_free> ctx;
    thread_local std::string ctx_key;
    const bool rekey = !ctx || ctx_key != key;
    if (!ctx) ctx.reset(EVP_MAC_CTX_new(hmac));
    if (!ctx) throw_openssl("EVP_MAC_CTX_new", hash_algorithm::sha256);
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_construct_end()};
    // With a null key, HMAC starts a new message under the key set before.
    const int init = rekey ? EVP_MAC_init(ctx.get(), bytes_of(key), key.size(), params)
                           : EVP_MAC_init(ctx.get(), nullptr, 0, nullptr);
    if (init != 1) {
        ctx.reset();
        throw_openssl("HMAC init", hash_algorithm::sha256);
    }
    if (rekey) ctx_key.assign(key);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    std::size_t mac_len = 0;
    if (EVP_MAC_update(ctx.get(), bytes_of(data), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), mac.data(), &mac_len, mac.size()) != 1) {
        ctx.reset();
        throw_openssl("HMAC", hash_algorithm::sha256);
    }
    return std::string(reinterpret_cast<const char*>(mac.data()), mac_len);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16U) |
                                (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8U) |
                                std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
        out.push_back(base64_alphabet[(v >> 18U) & 0x3fU]);
        out.push_back(base64_alphabet[(v >> 12U) & 0x3fU]);
        out.push_back(base64_alphabet[(v >> 6U) & 0x3fU]);
        out.push_back(base64_alphabet[v & 0x3fU]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t v = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16U;
        if (rest == 2) v |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8U;
        out.push_back(base64_alphabet[(v >> 18U) & 0x3fU]);
        out.push_back(base64_alphabet[(v >> 12U) & 0x3fU]);
        out.push_back(rest == 2 ? base64_alphabet[(v >> 6U) & 0x3fU] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') ++padding;
    if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;

    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const std::size_t symbols = last ? 4 - padding : 4;
        std::uint32_t v = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            v <<= 6U;
            if (j >= symbols) continue;
            const int value = base64_value(text[i + j]);
            if (value < 0) return std::nullopt;  // includes '=' in the middle
            v |= static_cast<std::uint32_t>(value);
        }
        out.push_back(static_cast<char>((v >> 16U) & 0xffU));
        if (symbols >= 3) out.push_back(static_cast<char>((v >> 8U) & 0xffU));
        if (symbols == 4) out.push_back(static_cast<char>(v & 0xffU));
        // Non-zero bits that no output byte uses would give a second spelling of the same bytes.
        if (symbols == 3 && (v & 0xffU) != 0) return std::nullopt;
        if (symbols == 2 && (v & 0xffffU) != 0) return std::nullopt;
    }
    return out;
}

}  // namespace common::crypto
