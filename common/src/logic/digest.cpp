// Digest challenge model and response computation (RFC 7616 §3.3-3.4).
#include "common/auth/digest.hpp"

#include <array>
#include <initializer_list>
#include <utility>

namespace common::auth {
namespace {

struct algorithm_name {
    digest_algorithm algorithm;
    std::string_view name;
};

constexpr std::array<algorithm_name, 6> algorithm_names{{
    {digest_algorithm::md5, "MD5"},
    {digest_algorithm::md5_sess, "MD5-sess"},
    {digest_algorithm::sha256, "SHA-256"},
    {digest_algorithm::sha256_sess, "SHA-256-sess"},
    {digest_algorithm::sha512_256, "SHA-512-256"},
    {digest_algorithm::sha512_256_sess, "SHA-512-256-sess"},
}};

// H(a:b:...) as a string, for the values that are computed once and kept.
std::string hex_of_joined(crypto::hash_algorithm hash, std::initializer_list<std::string_view> parts) {
    crypto::hex_buffer out;
    return std::string(crypto::hex_digest_joined(hash, parts, ':', out));
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits on any of `separators`, trimming blanks and dropping empty pieces.
std::vector<std::string_view> split(std::string_view s, std::string_view separators) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        const auto end = s.find_first_of(separators);
        const auto piece = trim(s.substr(0, end));
        if (!piece.empty()) out.push_back(piece);
        if (end == std::string_view::npos) break;
        s.remove_prefix(end + 1);
    }
    return out;
}

// The parameters a challenge may carry at most once; a repeat is ambiguous (which one is meant?)
// and RFC 9110 §11.2 forbids it.
constexpr std::array<std::string_view, 9> single_params{
    "realm", "nonce", "opaque", "algorithm", "qop", "stale", "userhash", "charset", "domain"};

}  // namespace

std::string_view to_string(digest_algorithm algorithm) noexcept {
    for (const auto& entry : algorithm_names) {
        if (entry.algorithm == algorithm) return entry.name;
    }
    return "unknown";
}

std::optional<digest_algorithm> parse_digest_algorithm(std::string_view text) noexcept {
    for (const auto& entry : algorithm_names) {
        if (iequals(entry.name, text)) return entry.algorithm;
    }
    return std::nullopt;
}

bool is_session(digest_algorithm algorithm) noexcept {
    return algorithm == digest_algorithm::md5_sess || algorithm == digest_algorithm::sha256_sess ||
           algorithm == digest_algorithm::sha512_256_sess;
}

crypto::hash_algorithm hash_of(digest_algorithm algorithm) noexcept {
    switch (algorithm) {
        case digest_algorithm::md5:
        case digest_algorithm::md5_sess: return crypto::hash_algorithm::md5;
        case digest_algorithm::sha256:
        case digest_algorithm::sha256_sess: return crypto::hash_algorithm::sha256;
        case digest_algorithm::sha512_256:
        case digest_algorithm::sha512_256_sess: return crypto::hash_algorithm::sha512_256;
    }
    return crypto::hash_algorithm::sha256;
}

int strength(digest_algorithm algorithm) noexcept {
    switch (hash_of(algorithm)) {
        case crypto::hash_algorithm::md5: return 1;
        case crypto::hash_algorithm::sha256: return 2;
        case crypto::hash_algorithm::sha512_256: return 3;
    }
    return 0;
}

std::string_view to_string(qop value) noexcept {
    switch (value) {
        case qop::none: return "";
        case qop::auth: return "auth";
        case qop::auth_int: return "auth-int";
    }
    return "";
}

bool digest_challenge::offers(qop value) const noexcept {
    switch (value) {
        case qop::none: return !qop_auth && !qop_auth_int;
        case qop::auth: return qop_auth;
        case qop::auth_int: return qop_auth_int;
    }
    return false;
}

digest_result<digest_challenge> digest_challenge::from_challenge(const challenge& item) {
    if (!iequals(item.scheme, "Digest")) {
        return digest_error{"not a Digest challenge (scheme '" + item.scheme + "')"};
    }
    if (item.token68) return digest_error{"Digest challenge in token68 form"};
    for (auto name : single_params) {
        if (item.count(name) > 1) {
            return digest_error{"duplicate parameter '" + std::string(name) + "' in Digest challenge"};
        }
    }
    for (const auto& param : item.params) {
        if (param.value.size() > max_digest_param) {
            return digest_error{"parameter '" + param.name + "' in Digest challenge is longer than " +
                                std::to_string(max_digest_param) + " bytes"};
        }
    }

    digest_challenge out;
    const auto* realm = item.find("realm");
    if (realm == nullptr) return digest_error{"Digest challenge without 'realm'"};
    out.realm = realm->value;
    const auto* nonce = item.find("nonce");
    if (nonce == nullptr || nonce->value.empty()) {
        return digest_error{"Digest challenge without 'nonce'"};
    }
    out.nonce = nonce->value;
    if (const auto* opaque = item.find("opaque")) out.opaque = opaque->value;

    if (const auto* algorithm = item.find("algorithm")) {
        const auto parsed = parse_digest_algorithm(algorithm->value);
        if (!parsed) return digest_error{"unsupported algorithm '" + algorithm->value + "'"};
        out.algorithm = *parsed;
    }

    if (const auto* qop_param = item.find("qop")) {
        // Unknown options (e.g. a future "auth-conf") must be ignored, RFC 7616 §3.3.
        for (auto option : split(qop_param->value, ",")) {
            if (iequals(option, "auth")) out.qop_auth = true;
            if (iequals(option, "auth-int")) out.qop_auth_int = true;
        }
        if (!out.qop_auth && !out.qop_auth_int) {
            return digest_error{"qop '" + qop_param->value + "' offers no supported option"};
        }
    }

    if (const auto* stale = item.find("stale")) out.stale = iequals(stale->value, "true");
    if (const auto* userhash = item.find("userhash")) out.userhash = iequals(userhash->value, "true");
    // Only UTF-8 is defined (RFC 7616 §3.3); any other value is ignored like an unknown one.
    if (const auto* charset = item.find("charset")) out.charset_utf8 = iequals(charset->value, "UTF-8");
    if (const auto* domain = item.find("domain")) {
        for (auto uri : split(domain->value, " \t")) out.domain.emplace_back(uri);
    }
    if (is_session(out.algorithm) && !out.qop_auth && !out.qop_auth_int) {
        return digest_error{"algorithm " + std::string(to_string(out.algorithm)) +
                            " offered without qop"};
    }
    return out;
}

challenge digest_challenge::to_challenge() const {
    challenge out;
    out.scheme = "Digest";
    out.params.push_back({"realm", realm, true});
    if (!domain.empty()) {
        std::string joined;
        for (const auto& uri : domain) {
            if (!joined.empty()) joined.push_back(' ');
            joined += uri;
        }
        out.params.push_back({"domain", std::move(joined), true});
    }
    if (qop_auth || qop_auth_int) {
        std::string options = qop_auth ? "auth" : "";
        if (qop_auth_int) options += qop_auth ? ", auth-int" : "auth-int";
        out.params.push_back({"qop", std::move(options), true});
    }
    out.params.push_back({"algorithm", std::string(to_string(algorithm)), false});
    out.params.push_back({"nonce", nonce, true});
    if (opaque) out.params.push_back({"opaque", *opaque, true});
    if (stale) out.params.push_back({"stale", "true", false});
    if (charset_utf8) out.params.push_back({"charset", "UTF-8", true});
    if (userhash) out.params.push_back({"userhash", "true", false});
    return out;
}

std::string format_nc(std::uint32_t nc) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out(8, '0');
    for (std::size_t i = 0; i < 8; ++i) {
        out[7 - i] = digits[(nc >> (4 * i)) & 0xfU];
    }
    return out;
}

std::optional<std::uint32_t> parse_nc(std::string_view text) noexcept {
    if (text.size() != 8) return std::nullopt;
    std::uint32_t value = 0;
    for (char c : text) {
        std::uint32_t digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<std::uint32_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            digit = static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
        value = (value << 4U) | digit;
    }
    if (value == 0) return std::nullopt;
    return value;
}

std::string digest_userhash(digest_algorithm algorithm, std::string_view username,
                            std::string_view realm) {
    return hex_of_joined(hash_of(algorithm), {username, realm});
}

std::string digest_password_hash(digest_algorithm algorithm, std::string_view username, std::string_view realm,
                                 std::string_view password) {
    return hex_of_joined(hash_of(algorithm), {username, realm, password});
}

std::string_view digest_ha1_from_hash(digest_algorithm algorithm, std::string_view password_hash,
                                      std::string_view nonce, std::string_view cnonce,
                                      crypto::hex_buffer& out) {
    if (!is_session(algorithm)) return password_hash;
    return crypto::hex_digest_joined(hash_of(algorithm), {password_hash, nonce, cnonce}, ':', out);
}

std::string digest_ha1_from_hash(digest_algorithm algorithm, std::string_view password_hash,
                                 std::string_view nonce, std::string_view cnonce) {
    crypto::hex_buffer out;
    return std::string(digest_ha1_from_hash(algorithm, password_hash, nonce, cnonce, out));
}

std::string digest_ha1(digest_algorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password, std::string_view nonce, std::string_view cnonce) {
    return digest_ha1_from_hash(algorithm, digest_password_hash(algorithm, username, realm, password), nonce,
                                cnonce);
}

std::string digest_ha2(digest_algorithm algorithm, qop chosen, std::string_view method,
                       std::string_view uri, std::string_view body_hash) {
    const auto hash = hash_of(algorithm);
    if (chosen == qop::auth_int) return hex_of_joined(hash, {method, uri, body_hash});
    return hex_of_joined(hash, {method, uri});
}

std::string_view digest_response(digest_algorithm algorithm, std::string_view ha1, std::string_view nonce,
                                 std::string_view nc, std::string_view cnonce, qop chosen,
                                 std::string_view ha2, crypto::hex_buffer& out) {
    const auto hash = hash_of(algorithm);
    if (chosen == qop::none) return crypto::hex_digest_joined(hash, {ha1, nonce, ha2}, ':', out);
    return crypto::hex_digest_joined(hash, {ha1, nonce, nc, cnonce, to_string(chosen), ha2}, ':', out);
}

std::string_view digest_response_bytes(digest_algorithm algorithm, std::string_view ha1, std::string_view nonce,
                                       std::string_view nc, std::string_view cnonce, qop chosen,
                                       std::string_view ha2, crypto::digest_buffer& out) {
    const auto hash = hash_of(algorithm);
    if (chosen == qop::none) return crypto::digest_joined(hash, {ha1, nonce, ha2}, ':', out);
    return crypto::digest_joined(hash, {ha1, nonce, nc, cnonce, to_string(chosen), ha2}, ':', out);
}

std::string digest_response(digest_algorithm algorithm, std::string_view ha1, std::string_view nonce,
                            std::string_view nc, std::string_view cnonce, qop chosen,
                            std::string_view ha2) {
    crypto::hex_buffer out;
    return std::string(digest_response(algorithm, ha1, nonce, nc, cnonce, chosen, ha2, out));
}

digest_result<digest_values> compute(const digest_challenge& offered, std::string_view username,
                                     std::string_view password, const digest_request& request) {
    return compute_from_password_hash(offered, digest_password_hash(offered.algorithm, username, offered.realm, password),
                                      request);
}

digest_result<digest_values> compute_from_password_hash(const digest_challenge& offered,
                                                        std::string_view password_hash,
                                                        const digest_request& request) {
    if (!offered.offers(request.chosen)) {
        if (request.chosen == qop::none) {
            return digest_error{"the challenge for realm '" + offered.realm + "' requires a qop"};
        }
        return digest_error{"qop '" + std::string(to_string(request.chosen)) +
                            "' is not offered by the challenge for realm '" + offered.realm + "'"};
    }
    if (request.chosen == qop::none && is_session(offered.algorithm)) {
        return digest_error{"algorithm " + std::string(to_string(offered.algorithm)) +
                            " requires a qop"};
    }
    if (request.chosen != qop::none) {
        if (request.cnonce.empty()) return digest_error{"qop requires a non-empty cnonce"};
        if (!parse_nc(request.nc)) {
            return digest_error{"nc '" + std::string(request.nc) + "' is not 8 hex digits above 0"};
        }
    }
    const std::string body_hash = request.chosen == qop::auth_int
                                      ? crypto::hex_digest(hash_of(offered.algorithm),
                                                           request.entity_body)
                                      : std::string();
    digest_values out;
    out.ha1 = digest_ha1_from_hash(offered.algorithm, password_hash, offered.nonce, request.cnonce);
    out.ha2 = digest_ha2(offered.algorithm, request.chosen, request.method, request.uri, body_hash);
    out.response = digest_response(offered.algorithm, out.ha1, offered.nonce, request.nc,
                                   request.cnonce, request.chosen, out.ha2);
    return out;
}

}  // namespace common::auth
