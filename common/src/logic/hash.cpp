// EVP-based hashing. OpenSSL failures here mean a broken installation, not bad input, hence the
// exceptions (see the header).
#include "common/crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace common::crypto {
namespace {

const EVP_MD* evp_md(hash_algorithm algorithm) noexcept {
    switch (algorithm) {
        case hash_algorithm::md5: return EVP_md5();
        case hash_algorithm::sha256: return EVP_sha256();
        case hash_algorithm::sha512_256: return EVP_sha512_256();
    }
    return nullptr;
}

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
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(digits[b >> 4U]);
        out.push_back(digits[b & 0x0fU]);
    }
    return out;
}

std::string hex_digest(hash_algorithm algorithm, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &md_len, evp_md(algorithm), nullptr) != 1) {
        throw_openssl("EVP_Digest", algorithm);
    }
    return to_hex(std::string_view(reinterpret_cast<const char*>(md.data()), md_len));
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
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    std::size_t mac_len = 0;
    // EVP_Q_mac is OpenSSL 3's one-shot EVP_MAC wrapper (fetch, init, update, final, free).
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                  bytes_of(data), data.size(), mac.data(), mac.size(), &mac_len) == nullptr) {
        throw_openssl("HMAC (EVP_Q_mac)", hash_algorithm::sha256);
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
