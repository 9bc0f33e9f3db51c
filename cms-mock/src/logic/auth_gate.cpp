#include "logic/auth_gate.hpp"

#include "common/auth/basic.hpp"
#include "common/auth/digest.hpp"

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
    if (c.algorithms.empty() && rule.negative != auth_negative_mode::unsupported_algorithm) {
        throw std::invalid_argument(rule_path(index) + ".algorithms: at least one algorithm is needed");
    }
    c.qop_auth = false;
    c.qop_auth_int = false;
    for (const auto& q : rule.qop) {
        if (q == "auth") c.qop_auth = true;
        else if (q == "auth-int") c.qop_auth_int = true;
        else throw std::invalid_argument(rule_path(index) + ".qop: unknown qop '" + q + "' (auth, auth-int)");
    }
    if (rule.opaque) c.opaque = "cms-mock-" + std::to_string(index);
    c.userhash = rule.userhash;
    return c;
}

bool glob_matches(const std::string& pattern, std::string_view path) {
    return ::fnmatch(pattern.c_str(), std::string(path).c_str(), 0) == 0;
}

std::vector<header_field> as_headers(const std::vector<challenge>& challenges) {
    std::vector<header_field> out;
    for (const auto& c : challenges) {
        if (auto text = serialize(c)) out.push_back({"WWW-Authenticate", *text});
    }
    return out;
}

// Password for `user` under the rule's credential source; sets `as_user` when it is the user login.
std::optional<std::string> password_for(const auth_settings& settings, const auth_rule& rule,
                                        const auth_request& req, const device_by_username& directory,
                                        std::string_view user, bool& as_user, bool previous) {
    as_user = false;
    const auto* dev = req.device;
    auto device_password = [&](const device_credentials& d) -> std::optional<std::string> {
        if (previous) return d.previous_password;
        return d.device_password;
    };
    switch (rule.credentials) {
        case credential_source::shared:
            if (user == settings.shared_username) return previous ? std::nullopt : std::optional(settings.shared_password);
            if (dev && user == dev->device_username) return device_password(*dev);
            if (directory) {
                if (const auto* d = directory(user)) return device_password(*d);
            }
            break;
        case credential_source::device:
            if (dev && user == dev->device_username) return device_password(*dev);
            if (settings.force_login && dev && !dev->user_username.empty() && user == dev->user_username) {
                as_user = true;
                return previous ? std::nullopt : std::optional(dev->user_password);
            }
            break;
        case credential_source::user:
            if (dev && !dev->user_username.empty() && user == dev->user_username) {
                as_user = true;
                return previous ? std::nullopt : std::optional(dev->user_password);
            }
            break;
    }
    return std::nullopt;
}

}  // namespace

auth_gate::auth_gate(const auth_settings& settings, std::string secret)
    : settings_(settings), rules_(settings.rules.empty() ? default_auth_rules() : settings.rules) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        auto c = std::make_unique<compiled_rule>();
        c->rule = rules_[i];
        c->realm = rules_[i].realm.value_or(settings.realm);
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

auth_decision auth_gate::check(const auth_request& req, const device_by_username& directory,
                               std::chrono::system_clock::time_point now) {
    auto* rule = const_cast<compiled_rule*>(match(req));
    if (!rule || rule->rule.scheme == auth_scheme::none) return {};
    if (rule->rule.scheme == auth_scheme::basic) return check_basic(*rule, req, directory);
    return check_digest(*rule, req, directory, now);
}

auth_decision auth_gate::check_basic(const compiled_rule& rule, const auth_request& req,
                                     const device_by_username& directory) {
    auth_decision d;
    d.scheme = "Basic";
    auto challenge_now = [&](auth_outcome result, std::string msg) {
        d.result = result;
        d.status = 401;
        d.headers = as_headers({basic_challenge(rule.realm, true)});
        d.message = std::move(msg);
        return d;
    };
    auto header = req.request->header("Authorization");
    if (!header) return challenge_now(auth_outcome::challenged, "no credentials");
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
    for (bool previous : {false, true}) {
        bool as_user = false;
        auto pw = password_for(settings_, rule.rule, req, directory, got.user, as_user, previous);
        if (pw && basic_matches(got, got.user, *pw)) {
            d.result = auth_outcome::ok;
            d.as_user = as_user;
            return d;
        }
    }
    return challenge_now(auth_outcome::bad_password, "Basic: wrong user or password for '" + got.user + "'");
}

auth_decision auth_gate::challenge_decision(compiled_rule& rule, std::chrono::system_clock::time_point now, bool stale,
                                   auth_outcome result, std::string message) {
    auth_decision d;
    d.scheme = "Digest";
    d.result = result;
    d.status = 401;
    d.message = std::move(message);
    switch (rule.rule.negative) {
        case auth_negative_mode::no_challenge:
            return d;
        case auth_negative_mode::unsupported_algorithm: {
            challenge c;
            c.scheme = "Digest";
            c.params = {{"realm", rule.realm, true},
                        {"nonce", rule.verifier->challenges(now, false).front().find("nonce")->value, true},
                        {"algorithm", "SHA-1024", false},
                        {"qop", "auth", true}};
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
    if (rule.rule.negative == auth_negative_mode::stale_with_flag ||
        rule.rule.negative == auth_negative_mode::stale_without_flag) {
        // The nonce handed out with the forced stale answer is accepted next time.
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
    auto header = req.request->header("Authorization");
    if (!header) return challenge_decision(rule, now, false, auth_outcome::challenged, "no credentials");
    auto parsed = parse_credentials(*header);
    if (auto* err = std::get_if<parse_error>(&parsed)) {
        auth_decision d;
        d.scheme = "Digest";
        d.result = auth_outcome::malformed;
        d.status = 400;
        d.message = "Authorization: " + err->to_string();
        return d;
    }
    const auto& creds = std::get<credentials>(parsed);
    if (!iequals(creds.scheme, "Digest")) {
        return challenge_decision(rule, now, false, auth_outcome::challenged,
                         "scheme '" + creds.scheme + "' offered where Digest is required");
    }
    if (rule.rule.negative == auth_negative_mode::endless_401 ||
        rule.rule.negative == auth_negative_mode::no_challenge ||
        rule.rule.negative == auth_negative_mode::unsupported_algorithm) {
        return challenge_decision(rule, now, false, auth_outcome::forbidden, "negative mode: every answer is refused");
    }

    digest_request_info info{req.request->method, req.request->target, std::nullopt};
    if (rule.verifier->config().qop_auth_int) info.entity_body = req.request->body;
    bool as_user = false;
    auto verify_with = [&](bool previous) {
        password_lookup lookup = [&](std::string_view user) {
            return password_for(settings_, rule.rule, req, directory, user, as_user, previous);
        };
        return rule.verifier->verify(creds, info, lookup, now);
    };
    auto v = verify_with(false);
    if (v.outcome == digest_outcome::bad_password) {
        auto second = verify_with(true);  // the previous password during a rotation overlap
        if (second.ok()) v = second;
    }

    auth_decision d;
    d.scheme = "Digest";
    d.user = v.username;
    d.message = v.message;
    switch (v.outcome) {
        case digest_outcome::ok:
            break;
        case digest_outcome::stale:
            return challenge_decision(rule, now, true, auth_outcome::stale, v.message);
        case digest_outcome::replay:
            return challenge_decision(rule, now, false, auth_outcome::replay, v.message);
        case digest_outcome::unknown_user:
            return challenge_decision(rule, now, false, auth_outcome::unknown_user, v.message);
        case digest_outcome::bad_password:
        case digest_outcome::wrong_realm:
        case digest_outcome::bad_nonce:
            return challenge_decision(rule, now, false, auth_outcome::bad_password, v.message);
        default:
            d.result = auth_outcome::malformed;
            d.status = static_cast<unsigned>(http_status(v.outcome));
            if (d.status == 401) d.headers = challenge_decision(rule, now, false, auth_outcome::malformed, {}).headers;
            return d;
    }

    const auto* nonce = creds.find("nonce");
    const std::string nonce_value = nonce ? nonce->value : std::string();
    switch (rule.rule.negative) {
        case auth_negative_mode::stale_with_flag:
        case auth_negative_mode::stale_without_flag:
            if (!rule.special_nonces.contains(nonce_value)) {
                bool flag = rule.rule.negative == auth_negative_mode::stale_with_flag;
                return challenge_decision(rule, now, flag, auth_outcome::stale, "negative mode: nonce declared stale");
            }
            break;
        case auth_negative_mode::nc_replay:
            if (!rule.remember(nonce_value)) {
                return challenge_decision(rule, now, false, auth_outcome::replay, "negative mode: nonce reuse refused");
            }
            break;
        default:
            break;
    }
    d.result = auth_outcome::ok;
    d.as_user = as_user;
    return d;
}

}  // namespace cms_mock
