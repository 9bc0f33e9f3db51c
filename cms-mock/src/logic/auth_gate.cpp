#include "logic/auth_gate.hpp"

#include "common/aastra/mac.hpp"
#include "common/auth/basic.hpp"
#include "common/auth/digest.hpp"
#include "common/crypto/hash.hpp"

#include <fnmatch.h>

#include <stdexcept>
#include <variant>

namespace cms_mock {

using namespace common::auth;

struct auth_gate::compiled_rule {
    auth_rule rule;
    std::string realm;
    std::unique_ptr<digest_verifier> verifier;
    // Negative modes keep a little memory of nonces, bounded so a flood cannot grow it.
    std::set<std::string, std::less<>> special_nonces;  // issued after a forced stale / already used
    std::deque<std::string> special_order;
    // The credentials of the request being checked, kept between requests so that its 64
    // parameter slots are not set up anew each time (its views are stale outside check_digest).
    credentials_view credentials;

    bool remember(std::string nonce) {
        if (special_nonces.contains(nonce)) return false;
        special_order.push_back(nonce);
        special_nonces.insert(std::move(nonce));
        if (special_order.size() > 4096) {
            special_nonces.erase(special_order.front());
            special_order.pop_front();
        }
        return true;
    }
};

std::vector<auth_rule> default_auth_rules() {
    std::vector<auth_rule> rules;
    auto add = [&](file_selector kind, credential_source src) {
        auth_rule r;
        r.file = kind;
        r.credentials = src;
        rules.push_back(r);
    };
    add(file_selector::aastra_cfg, credential_source::shared);
    add(file_selector::model_cfg, credential_source::shared);
    add(file_selector::mac_cfg, credential_source::device);
    add(file_selector::firmware, credential_source::device);
    return rules;
}

namespace {

std::string rule_path(std::size_t i) { return "auth.rules[" + std::to_string(i) + "]"; }

digest_server_config digest_config_for(const auth_rule& rule, const std::string& realm, std::size_t index) {
    digest_server_config c;
    c.realm = realm;
    c.algorithms.clear();
    for (const auto& name : rule.algorithms) {
        auto alg = parse_digest_algorithm(name);
        if (!alg) {
            throw std::invalid_argument(rule_path(index) + ".algorithms: unknown Digest algorithm '" + name +
                                        "' (MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess)");
        }
        c.algorithms.push_back(*alg);
    }
    if (c.algorithms.empty()) {
        if (rule.negative != auth_negative_mode::unsupported_algorithm) {
            throw std::invalid_argument(rule_path(index) + ".algorithms: at least one algorithm is needed");
        }
        // Only the nonce issuer is used in this mode; the offered algorithm is SHA-1024.
        c.algorithms.push_back(digest_algorithm::md5);
    }
    c.qop_auth = false;
    c.qop_auth_int = false;
    for (const auto& q : rule.qop) {
        if (q == "auth") c.qop_auth = true;
        else if (q == "auth-int") c.qop_auth_int = true;
        else throw std::invalid_argument(rule_path(index) + ".qop: unknown qop '" + q + "' (auth, auth-int)");
    }
    // One opaque per realm (protection space): a client reusing a nonce on another file of the
    // same realm echoes the same opaque, whichever rule protects that file.
    if (rule.opaque) c.opaque = common::crypto::to_hex(common::crypto::hmac_sha256("opaque", realm)).substr(0, 32);
    c.userhash = rule.userhash;
    return c;
}

bool glob_matches(const std::string& pattern, std::string_view path) {
    if (pattern == "*") return true;  // fnmatch without flags: '*' matches every path, '/' included
    return ::fnmatch(pattern.c_str(), std::string(path).c_str(), 0) == 0;
}

std::vector<header_field> as_headers(const std::vector<challenge>& challenges) {
    std::vector<header_field> out;
    for (const auto& c : challenges) {
        if (auto text = serialize(c)) out.push_back({"WWW-Authenticate", *text});
    }
    return out;
}

// Password for `user` under the rule's credential source (the previous one when `previous`); sets
// `as_user` when it is the force-login user's.
std::optional<std::string> password_for(const auth_settings& settings, const auth_rule& rule,
                                        const auth_request& req, const device_by_username& directory,
                                        std::string_view user, bool& as_user, bool previous) {
    as_user = false;
    const auto* dev = req.device;
    auto device_password = [&](const device_credentials& d) -> std::optional<std::string> {
        if (previous) return d.previous_password;
        return d.device_password;
    };
    auto user_password = [&](const device_credentials& d) -> std::optional<std::string> {
        as_user = true;
        if (previous) return std::nullopt;  // user logins do not rotate
        return d.user_password;
    };
    switch (rule.credentials) {
        case credential_source::shared:
            if (user == settings.shared_username) {
                if (previous) return std::nullopt;
                return settings.shared_password;
            }
            if (dev && user == dev->device_username) return device_password(*dev);
            if (directory) {
                if (const auto* d = directory(user)) return device_password(*d);
            }
            // A phone that logged in answers every later file with its user login.
            if (settings.force_login && dev && !dev->user_username.empty() && user == dev->user_username) {
                return user_password(*dev);
            }
            break;
        case credential_source::device:
            if (dev && user == dev->device_username) return device_password(*dev);
            if (settings.force_login && dev && !dev->user_username.empty() && user == dev->user_username) {
                return user_password(*dev);
            }
            break;
        case credential_source::user:
            if (dev && !dev->user_username.empty() && user == dev->user_username) return user_password(*dev);
            break;
    }
    return std::nullopt;
}

// The user names a userhash=true answer is matched against. The directory cannot be listed, so for
// the shared rule only the shared login and the requesting device's own name are candidates.
std::vector<std::string> userhash_candidates(const auth_settings& settings, const auth_rule& rule,
                                             const auth_request& req) {
    std::vector<std::string> out;
    const auto* dev = req.device;
    switch (rule.credentials) {
        case credential_source::shared:
            out.push_back(settings.shared_username);
            if (dev) out.push_back(dev->device_username);
            if (settings.force_login && dev && !dev->user_username.empty()) out.push_back(dev->user_username);
            break;
        case credential_source::device:
            if (dev) out.push_back(dev->device_username);
            if (settings.force_login && dev && !dev->user_username.empty()) out.push_back(dev->user_username);
            break;
        case credential_source::user:
            if (dev && !dev->user_username.empty()) out.push_back(dev->user_username);
            break;
    }
    return out;
}

std::string_view negative_name(auth_negative_mode mode) noexcept {
    switch (mode) {
        case auth_negative_mode::none: return "none";
        case auth_negative_mode::stale_with_flag: return "stale_with_flag";
        case auth_negative_mode::stale_without_flag: return "stale_without_flag";
        case auth_negative_mode::expired_nonce: return "expired_nonce";
        case auth_negative_mode::nc_replay: return "nc_replay";
        case auth_negative_mode::no_challenge: return "no_challenge";
        case auth_negative_mode::wrong_realm: return "wrong_realm";
        case auth_negative_mode::unsupported_algorithm: return "unsupported_algorithm";
        case auth_negative_mode::endless_401: return "endless_401";
        case auth_negative_mode::wrong_password_accepted: return "wrong_password_accepted";
        case auth_negative_mode::replay_accepted: return "replay_accepted";
        case auth_negative_mode::no_stale_flag: return "no_stale_flag";
    }
    return "?";
}

// A negative mode only means something for some schemes; anything else is a configuration error
// rather than a mode that silently does nothing.
void check_negative_fits(const auth_rule& rule, std::size_t index) {
    const auto mode = rule.negative;
    if (mode == auth_negative_mode::none || rule.scheme == auth_scheme::digest) return;
    if (rule.scheme == auth_scheme::basic &&
        (mode == auth_negative_mode::no_challenge || mode == auth_negative_mode::endless_401 ||
         mode == auth_negative_mode::wrong_password_accepted)) {
        return;
    }
    throw std::invalid_argument(rule_path(index) + ".negative: " + std::string(negative_name(mode)) +
                                " does not apply to scheme " +
                                (rule.scheme == auth_scheme::basic ? "basic" : "none") +
                                (rule.scheme == auth_scheme::basic ? " (only no_challenge, endless_401, wrong_password_accepted)"
                                                                   : ""));
}

}  // namespace

auth_gate::auth_gate(const auth_settings& settings, std::string secret,
                     std::optional<std::chrono::system_clock::time_point> loaded_at)
    : settings_(settings),
      rules_(settings.rules.empty() ? default_auth_rules() : settings.rules),
      loaded_at_(loaded_at) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        auto& r = rules_[i];
        if (r.mac) {
            auto parsed = common::aastra::mac_address::parse(*r.mac);
            if (auto* err = std::get_if<common::aastra::mac_error>(&parsed)) {
                throw std::invalid_argument(rule_path(i) + ".mac: " + err->message);
            }
            r.mac = std::get<common::aastra::mac_address>(parsed).compact_upper();
        }
        check_negative_fits(r, i);
        auto c = std::make_unique<compiled_rule>();
        c->rule = r;
        c->realm = r.realm.value_or(settings.realm);
        if (c->rule.scheme == auth_scheme::digest) {
            auto lifetime = c->rule.negative == auth_negative_mode::expired_nonce ? std::chrono::seconds(0)
                                                                                : settings.nonce_lifetime;
            c->verifier = std::make_unique<digest_verifier>(digest_config_for(c->rule, c->realm, i),
                                                            nonce_issuer(secret + c->realm, lifetime),
                                                            settings.nonce_cache);
        }
        compiled_.push_back(std::move(c));
    }
}

auth_gate::~auth_gate() = default;

const auth_gate::compiled_rule* auth_gate::match(const auth_request& req) const {
    for (const auto& c : compiled_) {
        const auto& r = c->rule;
        if (r.file != file_selector::any && r.file != req.kind) continue;
        if (!glob_matches(r.path, req.path)) continue;
        if (r.mac && (!req.device || req.device->mac != *r.mac)) continue;
        return c.get();
    }
    return nullptr;
}

bool auth_gate::in_rotation_overlap(std::chrono::system_clock::time_point now) const noexcept {
    if (settings_.rotation_overlap <= std::chrono::seconds::zero()) return false;
    if (!loaded_at_) return true;
    return now - *loaded_at_ < settings_.rotation_overlap;
}

auth_decision auth_gate::check(const auth_request& req, const device_by_username& directory,
                               std::chrono::system_clock::time_point now) {
    if (!loaded_at_) loaded_at_ = now;
    auto* rule = const_cast<compiled_rule*>(match(req));
    if (!rule || rule->rule.scheme == auth_scheme::none) return {};
    if (rule->rule.scheme == auth_scheme::basic) return check_basic(*rule, req, directory, now);
    return check_digest(*rule, req, directory, now);
}

auth_decision auth_gate::check_basic(const compiled_rule& rule, const auth_request& req,
                                     const device_by_username& directory,
                                     std::chrono::system_clock::time_point now) {
    auth_decision d;
    d.scheme = "Basic";
    auto challenge_now = [&](auth_outcome result, std::string msg) {
        d.result = result;
        d.status = 401;
        if (rule.rule.negative != auth_negative_mode::no_challenge) {
            d.headers = as_headers({basic_challenge(rule.realm, true)});
        }
        d.message = std::move(msg);
        return d;
    };
    auto header = req.request->header("Authorization");
    if (!header) return challenge_now(auth_outcome::challenged, "no credentials");
    if (rule.rule.negative == auth_negative_mode::no_challenge) {
        return challenge_now(auth_outcome::forbidden, "negative mode no_challenge: every answer is refused");
    }
    // Basic credentials that break RFC 7617's grammar are a malformed request (400, as for
    // Digest); well-formed ones that do not decode or match are only wrong credentials (401).
    const auto scheme_end = header->find_first_of(" \t,");
    if (iequals(header->substr(0, scheme_end), "Basic")) {
        if (auto err = check_basic_syntax(*header)) {
            d.result = auth_outcome::malformed;
            d.status = 400;
            d.message = "Authorization: " + err->to_string();
            return d;
        }
    }
    auto parsed = parse_credentials(*header);
    if (auto* err = std::get_if<parse_error>(&parsed)) {
        return challenge_now(auth_outcome::malformed, "Authorization: " + err->to_string());
    }
    auto decoded = decode_basic(std::get<credentials>(parsed));
    if (auto* err = std::get_if<parse_error>(&decoded)) {
        return challenge_now(auth_outcome::malformed, "Basic credentials: " + err->to_string());
    }
    const auto& got = std::get<basic_credentials>(decoded);
    d.user = got.user;
    const bool overlap = in_rotation_overlap(now);
    for (bool previous : {false, true}) {
        if (previous && !overlap) break;
        bool as_user = false;
        auto pw = password_for(settings_, rule.rule, req, directory, got.user, as_user, previous);
        if (pw && basic_matches(got, got.user, *pw)) {
            if (rule.rule.negative == auth_negative_mode::endless_401) {
                return challenge_now(auth_outcome::forbidden,
                                     "negative mode endless_401: right password refused");
            }
            d.result = auth_outcome::ok;
            d.as_user = as_user;
            if (previous) d.message = "previous password of '" + got.user + "' (rotation overlap)";
            return d;
        }
        if (pw && !previous && rule.rule.negative == auth_negative_mode::wrong_password_accepted) {
            d.result = auth_outcome::ok;
            d.as_user = as_user;
            d.message = "negative mode wrong_password_accepted: wrong password of '" + got.user + "' accepted";
            return d;
        }
    }
    return challenge_now(auth_outcome::bad_password, "Basic: wrong user or password for '" + got.user + "'");
}

auth_decision auth_gate::challenge_decision(compiled_rule& rule, std::chrono::system_clock::time_point now,
                                            bool stale, auth_outcome result, std::string message,
                                            bool remember_nonce) {
    auth_decision d;
    d.scheme = "Digest";
    d.result = result;
    d.status = 401;
    d.message = std::move(message);
    switch (rule.rule.negative) {
        case auth_negative_mode::no_challenge:
            return d;
        case auth_negative_mode::unsupported_algorithm: {
            const auto issued = rule.verifier->challenges(now, false);
            const auth_param* nonce = issued.empty() ? nullptr : issued.front().find("nonce");
            challenge c;
            c.scheme = "Digest";
            c.params = {{"realm", rule.realm, true},
                        {"nonce", nonce ? nonce->value : std::string(), true},
                        {"algorithm", "SHA-1024", false}};
            if (!rule.rule.qop.empty()) {
                std::string qops;
                for (const auto& q : rule.rule.qop) qops += (qops.empty() ? "" : ", ") + q;
                c.params.push_back({"qop", qops, true});
            }
            d.headers = as_headers({c});
            return d;
        }
        default:
            break;
    }
    auto challenges = rule.verifier->challenges(now, stale);
    if (rule.rule.negative == auth_negative_mode::wrong_realm) {
        for (auto& c : challenges) {
            for (auto& p : c.params) {
                if (iequals(p.name, "realm")) p.value += "-elsewhere";
            }
        }
    }
    if (remember_nonce) {
        // Only the nonce handed out with a forced stale answer is accepted next time; remembering
        // every challenge's nonce would let the first answer through and the mode never fire.
        for (const auto& c : challenges) {
            if (const auto* n = c.find("nonce")) rule.remember(n->value);
        }
    }
    d.headers = as_headers(challenges);
    return d;
}

auth_decision auth_gate::check_digest(compiled_rule& rule, const auth_request& req,
                                      const device_by_username& directory,
                                      std::chrono::system_clock::time_point now) {
    const auto mode = rule.rule.negative;
    auto header = req.request->header("Authorization");
    if (!header) return challenge_decision(rule, now, false, auth_outcome::challenged, "no credentials");
    if (mode == auth_negative_mode::no_challenge || mode == auth_negative_mode::unsupported_algorithm) {
        // Nothing a client sends can be right: there is no usable challenge to answer.
        return challenge_decision(rule, now, false, auth_outcome::forbidden,
                                  "negative mode " + std::string(negative_name(mode)) +
                                      ": every answer is refused");
    }
    // Views of the header: nothing of it is copied unless it is refused.
    credentials_view& creds = rule.credentials;
    if (auto err = parse_credentials(*header, creds)) {
        auth_decision d;
        d.scheme = "Digest";
        d.result = auth_outcome::malformed;
        d.status = 400;
        d.message = "Authorization: " + err->to_string();
        return d;
    }
    if (!iequals(creds.scheme(), "Digest")) {
        return challenge_decision(rule, now, false, auth_outcome::challenged,
                                  "scheme '" + std::string(creds.scheme()) + "' offered where Digest is required");
    }

    digest_request_info info{req.request->method, req.request->target, std::nullopt};
    if (rule.verifier->config().qop_auth_int) info.entity_body = req.request->body;
    user_list users;
    if (rule.rule.userhash) {
        users = [&] { return userhash_candidates(settings_, rule.rule, req); };
    }
    bool as_user = false;
    bool previous = false;
    auto find_password = [&](std::string_view user) {
        return password_for(settings_, rule.rule, req, directory, user, as_user, previous);
    };
    // By reference: std::function keeps a reference_wrapper inline, where the lambda's six
    // captures would be copied to the heap on every request.
    const password_lookup lookup = std::ref(find_password);
    auto v = rule.verifier->verify(creds, info, lookup, now, users);
    if (v.outcome == digest_outcome::bad_password && in_rotation_overlap(now)) {
        // The previous password during a rotation overlap. The response is checked before the
        // nonce's age and nc, so a right previous password on an old nonce is stale like any other.
        const bool current_as_user = as_user;
        previous = true;
        auto second = rule.verifier->verify(creds, info, lookup, now, users);
        if (second.outcome == digest_outcome::ok || second.outcome == digest_outcome::stale ||
            second.outcome == digest_outcome::replay) {
            v = std::move(second);
            v.message += " (previous password, rotation overlap)";
        } else {
            as_user = current_as_user;
        }
    }

    auth_decision d;
    d.scheme = "Digest";
    d.user = v.username;
    // The modes that let through what the verifier refused.
    if ((v.outcome == digest_outcome::bad_password && mode == auth_negative_mode::wrong_password_accepted) ||
        (v.outcome == digest_outcome::replay && mode == auth_negative_mode::replay_accepted)) {
        d.message = "negative mode " + std::string(negative_name(mode)) + ": " + v.message + " accepted";
        d.result = auth_outcome::ok;
        d.as_user = as_user;
        return d;
    }
    d.message = std::move(v.message);
    switch (v.outcome) {
        case digest_outcome::ok:
            break;
        case digest_outcome::stale:
            return challenge_decision(rule, now, mode != auth_negative_mode::no_stale_flag, auth_outcome::stale,
                                      std::move(d.message));
        case digest_outcome::replay:
            return challenge_decision(rule, now, false, auth_outcome::replay, std::move(d.message));
        case digest_outcome::unknown_user:
            return challenge_decision(rule, now, false, auth_outcome::unknown_user, std::move(d.message));
        case digest_outcome::bad_password:
        case digest_outcome::wrong_realm:
        case digest_outcome::bad_nonce:
            return challenge_decision(rule, now, false, auth_outcome::bad_password, std::move(d.message));
        default:
            d.result = auth_outcome::malformed;
            d.status = static_cast<unsigned>(http_status(v.outcome));
            if (d.status == 401) d.headers = challenge_decision(rule, now, false, auth_outcome::malformed, {}).headers;
            return d;
    }

    auto nonce_value = [&] {
        const auto* nonce = creds.find("nonce");
        return nonce ? std::string(nonce->value) : std::string();
    };
    auto refuse = [&](bool stale, auth_outcome result, std::string why, bool remember = false) {
        auto r = challenge_decision(rule, now, stale, result,
                                    "negative mode " + std::string(negative_name(mode)) + ": " + why,
                                    remember);
        r.user = v.username;
        return r;
    };
    switch (mode) {
        case auth_negative_mode::stale_with_flag:
        case auth_negative_mode::stale_without_flag:
            if (!rule.special_nonces.contains(nonce_value())) {
                return refuse(mode == auth_negative_mode::stale_with_flag, auth_outcome::stale,
                              "right password, nonce declared stale", true);
            }
            break;
        case auth_negative_mode::nc_replay:
            if (!rule.remember(nonce_value())) {
                return refuse(false, auth_outcome::replay, "second use of a nonce refused");
            }
            break;
        case auth_negative_mode::endless_401:
            return refuse(false, auth_outcome::forbidden, "right password refused");
        default:
            break;
    }
    d.result = auth_outcome::ok;
    d.as_user = as_user;
    return d;
}

}  // namespace cms_mock
