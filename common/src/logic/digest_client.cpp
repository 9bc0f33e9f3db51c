// Digest/Basic client state: challenge choice, nc bookkeeping and the give-up rules.
#include "common/auth/digest_client.hpp"

#include "common/auth/basic.hpp"

#include <algorithm>
#include <utility>

namespace common::auth {
namespace {

bool has_control_char(std::string_view s) noexcept {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b < 0x20 || b == 0x7f;
    });
}

bool is_ascii(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else is percent-encoded.
std::string ext_value(std::string_view utf8) {
    constexpr std::string_view attr_specials = "!#$&+-.^_`|~";
    constexpr std::string_view digits = "0123456789ABCDEF";
    std::string out = "UTF-8''";
    for (char c : utf8) {
        const auto b = static_cast<unsigned char>(c);
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum || attr_specials.find(c) != std::string_view::npos) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(digits[b >> 4U]);
            out.push_back(digits[b & 0xfU]);
        }
    }
    return out;
}

qop choose_qop(const digest_challenge& c, bool have_body) noexcept {
    if (have_body && c.qop_auth_int) return qop::auth_int;
    if (c.qop_auth) return qop::auth;
    if (c.qop_auth_int) return qop::auth_int;
    return qop::none;
}

}  // namespace

digest_client::digest_client(std::string username, std::string password,
                             digest_client_policy policy)
    : username_(std::move(username)), password_(std::move(password)), policy_(policy) {}

digest_result<digest_client> digest_client::create(std::string username, std::string password,
                                                   digest_client_policy policy) {
    if (has_control_char(username)) {
        return digest_error{"user name contains CR, LF or another control character"};
    }
    if (username.size() > max_digest_param) return digest_error{"user name is too long"};
    return digest_client(std::move(username), std::move(password), policy);
}

digest_status digest_client::rejected() const {
    const std::string realm = challenge_ ? challenge_->realm : std::string("(Basic)");
    return digest_error{"credentials for user '" + username_ + "' rejected in realm '" + realm + "'"};
}

digest_status digest_client::on_challenges(const std::vector<challenge>& challenges) {
    std::optional<digest_challenge> best;
    bool saw_digest = false;
    bool saw_basic = false;
    std::string reasons;
    for (const auto& item : challenges) {
        if (iequals(item.scheme, "Basic")) saw_basic = true;
        if (!iequals(item.scheme, "Digest")) continue;
        saw_digest = true;
        auto parsed = digest_challenge::from_challenge(item);
        if (const auto* error = std::get_if<digest_error>(&parsed)) {
            reasons += (reasons.empty() ? "" : "; ") + error->message;
            continue;
        }
        auto& candidate = std::get<digest_challenge>(parsed);
        if (!policy_.allow_md5 && hash_of(candidate.algorithm) == crypto::hash_algorithm::md5) {
            reasons += std::string(reasons.empty() ? "" : "; ") + "MD5 not allowed by policy";
            continue;
        }
        // Strictly stronger only: among equals the server's first (most preferred) one stays.
        if (!best || strength(candidate.algorithm) > strength(best->algorithm)) {
            best = std::move(candidate);
        }
    }

    scheme chosen = scheme::none;
    if (best) {
        chosen = scheme::digest;
    } else if (saw_digest) {
        // Falling back to Basic here would let a MITM downgrade us by mangling the Digest ones.
        return digest_error{"no usable Digest challenge: " + reasons};
    } else if (saw_basic && policy_.allow_basic) {
        chosen = scheme::basic;
    } else {
        return digest_error{saw_basic ? "only Basic offered and Basic is not allowed by policy"
                                      : "no Digest or Basic challenge offered"};
    }
    const int offered_strength = best ? strength(best->algorithm) : 0;
    if (policy_.refuse_downgrade && offered_strength < proven_strength_) {
        return digest_error{"refusing downgrade to " +
                            std::string(best ? to_string(best->algorithm) : "Basic") +
                            " after a stronger scheme succeeded with this server"};
    }

    if (answered_401_) {
        // A second 401 in one cycle: only a stale nonce justifies another try, and only once.
        const bool stale = best && best->stale;
        if (!stale || stale_retry_used_ || scheme_ != scheme::digest) return rejected();
        stale_retry_used_ = true;
    }
    answered_401_ = true;
    scheme_ = chosen;
    challenge_ = std::move(best);
    nc_ = 0;
    last_.reset();
    return std::nullopt;
}

digest_result<std::string> digest_client::authorization(std::string_view method,
                                                        std::string_view uri,
                                                        std::string_view cnonce,
                                                        std::optional<std::string_view> entity_body) {
    if (scheme_ == scheme::none) return digest_error{"no challenge to answer yet"};
    if (scheme_ == scheme::basic) {
        auto basic = basic_authorization(username_, password_);
        if (const auto* error = std::get_if<parse_error>(&basic)) {
            return digest_error{"cannot build Basic credentials: " + error->message};
        }
        sent_credentials_ = true;
        return std::get<std::string>(std::move(basic));
    }

    const auto& c = *challenge_;
    const qop chosen = choose_qop(c, entity_body.has_value());
    if (chosen == qop::auth_int && !entity_body) {
        return digest_error{"realm '" + c.realm + "' requires qop=auth-int but no body was given"};
    }
    std::string nc_text;
    if (chosen != qop::none) {
        if (nc_ == 0xffffffffU) {
            return digest_error{"nonce count exhausted for realm '" + c.realm + "'"};
        }
        nc_text = format_nc(nc_ + 1);
    }
    auto computed = compute(c, username_, password_,
                            {method, uri, cnonce, nc_text, chosen, entity_body.value_or("")});
    if (auto* error = std::get_if<digest_error>(&computed)) return std::move(*error);
    const auto& values = std::get<digest_values>(computed);

    credentials out{"Digest", std::nullopt, {}};
    if (c.userhash) {
        out.params.push_back({"username", digest_userhash(c.algorithm, username_, c.realm), true});
    } else if (!is_ascii(username_)) {
        out.params.push_back({"username*", ext_value(username_), false});
    } else {
        out.params.push_back({"username", username_, true});
    }
    out.params.push_back({"realm", c.realm, true});
    out.params.push_back({"uri", std::string(uri), true});
    out.params.push_back({"algorithm", std::string(to_string(c.algorithm)), false});
    out.params.push_back({"nonce", c.nonce, true});
    if (chosen != qop::none) {
        out.params.push_back({"nc", nc_text, false});
        out.params.push_back({"cnonce", std::string(cnonce), true});
        out.params.push_back({"qop", std::string(to_string(chosen)), false});
    }
    out.params.push_back({"response", values.response, true});
    if (c.opaque) out.params.push_back({"opaque", *c.opaque, true});
    if (c.userhash) out.params.push_back({"userhash", "true", false});

    auto value = serialize(out);
    if (!value) {
        return digest_error{"cannot write the Authorization header safely for realm '" + c.realm +
                            "' (control characters in the uri, realm or nonce?)"};
    }
    if (chosen != qop::none) ++nc_;
    sent_credentials_ = true;
    last_ = last_request{std::string(uri), std::string(cnonce), nc_text, chosen, values.ha1};
    return std::move(*value);
}

void digest_client::start_over() noexcept {
    scheme_ = scheme::none;
    challenge_.reset();
    nc_ = 0;
    answered_401_ = false;
    stale_retry_used_ = false;
    sent_credentials_ = false;
    last_.reset();
}

digest_status digest_client::on_success(std::optional<std::string_view> authentication_info) {
    if (sent_credentials_ && scheme_ != scheme::none) {
        const int strength_used = scheme_ == scheme::basic ? 0 : strength(challenge_->algorithm);
        proven_strength_ = std::max(proven_strength_, strength_used);
    }
    answered_401_ = false;
    stale_retry_used_ = false;
    sent_credentials_ = false;
    if (!authentication_info || scheme_ != scheme::digest) return std::nullopt;

    // Authentication-Info is a bare auth-param list; a dummy scheme lets the same linear parser
    // read it.
    auto parsed = parse_credentials("Digest " + std::string(*authentication_info));
    if (const auto* error = std::get_if<parse_error>(&parsed)) {
        return digest_error{"bad Authentication-Info: " + error->to_string()};
    }
    const auto& info = std::get<credentials>(parsed);
    if (const auto* rspauth = info.find("rspauth"); rspauth && last_ && last_->chosen == qop::auth) {
        const auto ha2 = digest_ha2(challenge_->algorithm, qop::auth, "", last_->uri, "");
        const auto expected = digest_response(challenge_->algorithm, last_->ha1, challenge_->nonce,
                                              last_->nc, last_->cnonce, qop::auth, ha2);
        if (!crypto::constant_time_equal(expected, rspauth->value)) {
            return digest_error{"rspauth from realm '" + challenge_->realm +
                                "' does not match: the server does not know the password"};
        }
    }
    if (const auto* next = info.find("nextnonce"); next && !next->value.empty()) {
        if (next->value.size() > max_digest_param) return digest_error{"nextnonce too long"};
        challenge_->nonce = next->value;
        nc_ = 0;
    }
    return std::nullopt;
}

}  // namespace common::auth
