// AUTH-001..008: the challenge, the logins a phone uses, and the Digest nonce rules it relies on.
#include "logic/validate_verdicts.hpp"

#include "common/auth/digest.hpp"

namespace phone_agent::validate::detail {

using common::auth::iequals;

verdict auth_challenge(const observations& o) {
    const auto* c = o.find(need::challenge);
    if (!usable(c)) return fail("401 with WWW-Authenticate", describe(c));
    if (open_access(o)) return skip("aastra.cfg is served without authentication");
    if (c->status != 401) return fail("401 for an unauthenticated aastra.cfg", describe(c));
    if (c->header_count("WWW-Authenticate") == 0) return fail("401 with WWW-Authenticate", "401 without a challenge");
    auto list = challenges_of(*c);
    if (!list.error.empty()) return fail("well-formed challenges (RFC 9110 §11)", list.error);
    std::string notes;
    bool usable_scheme = false;
    for (const auto& ch : list.items) {
        if (iequals(ch.scheme, "Digest")) {
            for (std::string_view p : {"realm", "nonce"}) {
                const auto* param = ch.find(p);
                if (!param || param->value.empty()) return fail("Digest " + std::string(p) + "=\"...\"", "missing or empty");
                if (ch.count(p) > 1) return fail("one Digest " + std::string(p), "duplicated");
            }
            if (const auto* alg = ch.find("algorithm")) {
                if (!common::auth::parse_digest_algorithm(alg->value)) {
                    return fail("algorithm MD5, MD5-sess, SHA-256(-sess) or SHA-512-256(-sess)",
                                "algorithm=" + alg->value);
                }
            }
            if (const auto* q = ch.find("qop")) {
                if (!q->quoted) return fail("qop as a quoted-string (RFC 7616 §3.3)", "qop=" + q->value);
            }
            auto parsed = common::auth::digest_challenge::from_challenge(ch);
            if (auto* err = std::get_if<common::auth::digest_error>(&parsed)) {
                return fail("a usable Digest challenge", err->message);
            }
            const auto& d = std::get<common::auth::digest_challenge>(parsed);
            notes += (notes.empty() ? "" : "; ") + std::string("Digest ") +
                     std::string(common::auth::to_string(d.algorithm)) + " realm '" + d.realm + "'" +
                     (d.qop_auth || d.qop_auth_int ? "" : " (no qop: RFC 2069)");
            usable_scheme = true;
        } else if (iequals(ch.scheme, "Basic")) {
            const auto* realm = ch.find("realm");
            if (!realm) return fail("Basic realm=\"...\" (RFC 7617 §2)", "Basic without realm");
            notes += (notes.empty() ? "" : "; ") + std::string("Basic realm '") + realm->value + "'";
            usable_scheme = true;
        }
    }
    if (!usable_scheme) return fail("a Digest or Basic challenge", "only other schemes");
    return pass(notes);
}

verdict auth_login(const observations& o) {
    if (open_access(o)) return skip("aastra.cfg is served without authentication");
    const auto* c = o.find(need::challenge);
    if (!usable(c) || c->status != 401) return skip("no 401 to answer (AUTH-001)");
    const auto* a = o.find(need::answer);
    if (!a || !a->performed) return skip("no usable challenge to answer (AUTH-001)");
    if (!usable(a) || a->status != 200) {
        return fail("200 for aastra.cfg with '" + o.user + "'", describe(a));
    }
    return pass("as '" + o.user + "'");
}

verdict auth_wrong(const observations& o) {
    if (open_access(o)) return skip("aastra.cfg is served without authentication");
    const auto* w = o.find(need::wrong);
    if (!w || !w->performed) return skip("no usable challenge to answer (AUTH-001)");
    if (!usable(w)) return fail("401", describe(w));
    if (w->status == 401 || w->status == 403) return pass(std::to_string(w->status));
    return fail("401 for a wrong password", describe(w) + (w->status == 200 ? " (wrong password accepted)" : ""));
}

verdict auth_reuse(const observations& o) {
    if (open_access(o)) return skip("aastra.cfg is served without authentication");
    const auto* a = o.find(need::answer);
    const auto* r = o.find(need::reuse);
    if (!usable(a) || a->status != 200) return skip("the first answer was not accepted (AUTH-002)");
    if (!r || !r->performed) return skip("not a Digest challenge with qop (no nc)");
    if (!usable(r) || r->status != 200) {
        return fail("200 for the same nonce with nc=00000002",
                    describe(r) + (r->status == 401 ? " (the phone then pays a round trip per file)" : ""));
    }
    return pass();
}

verdict auth_replay(const observations& o) {
    if (open_access(o)) return skip("aastra.cfg is served without authentication");
    const auto* r = o.find(need::reuse);
    const auto* p = o.find(need::replay);
    if (!p || !p->performed) return skip("not a Digest challenge with qop (no nc)");
    if (!usable(r) || r->status != 200) return skip("nc=00000002 was not accepted (AUTH-004)");
    if (!usable(p)) return fail("401 for a replayed nc", describe(p));
    if (p->status == 401 || p->status == 403) return pass(std::to_string(p->status));
    return fail("401 for nc=00000002 sent a second time", describe(p) + " (replay accepted)");
}

verdict auth_basic_plain(const observations& o) {
    if (o.https) return skip("the server URL is https");
    const auto* c = o.find(need::challenge);
    if (!usable(c)) return skip("no answer to the unauthenticated request");
    if (c->status != 401) return skip("no challenge");
    auto list = challenges_of(*c);
    for (const auto& ch : list.items) {
        if (iequals(ch.scheme, "Basic")) {
            return warn("no Basic challenge over plain HTTP (RFC 7617 §4)",
                        "Basic offered: the password would travel in clear text");
        }
    }
    return pass();
}

// <MAC>.cfg carries the device's SIP passwords: the login every phone knows must not open it.
verdict auth_mac_cfg_needs_device(const observations& o) {
    if (!o.mac) return skip("no --mac given");
    const auto* e = o.find(need::mac_cfg_shared);
    if (!e || !e->performed) return fail("401 for " + *o.mac + ".cfg with '" + o.user + "'", "not performed");
    if (!usable(e)) return fail("401 for " + *o.mac + ".cfg with '" + o.user + "'", describe(e));
    if (e->status == 401 || e->status == 403) return pass(std::to_string(e->status) + " for '" + o.user + "'");
    if (e->status == 404) return skip(*o.mac + ".cfg is 404");
    if (e->status == 200) {
        return fail("401 for " + *o.mac + ".cfg with the shared login '" + o.user + "'",
                    e->authorized ? "200 (served to the shared login)" : "200 (served without authentication)",
                    "any phone or anyone on the network can read this device's SIP credentials");
    }
    return fail("401 for " + *o.mac + ".cfg with '" + o.user + "'", describe(e));
}

// After --stale-after seconds the nonce of AUTH-002 should have expired: the right password on it
// must get 401 with stale=true (RFC 7616 §3.3), or the phone takes it for a wrong password.
verdict auth_stale(const observations& o) {
    if (o.stale_after_seconds == 0) return skip("no --stale-after given (longer than the server's nonce lifetime)");
    if (open_access(o)) return skip("aastra.cfg is served without authentication");
    const auto* a = o.find(need::answer);
    if (!usable(a) || a->status != 200) return skip("the first answer was not accepted (AUTH-002)");
    const auto* s = o.find(need::stale);
    if (!s || !s->performed) return skip("not a Digest challenge");
    const std::string after = " after " + std::to_string(o.stale_after_seconds) + " s";
    if (!usable(s)) return fail("401 with stale=true" + after, describe(s));
    if (s->status == 200) {
        return warn("401 with stale=true for a nonce" + after, "200 (the nonce is still accepted)",
                    "the nonce lifetime is longer than --stale-after, or nonces never expire");
    }
    if (s->status != 401) return fail("401 with stale=true" + after, describe(s));
    auto list = challenges_of(*s);
    for (const auto& ch : list.items) {
        if (!iequals(ch.scheme, "Digest")) continue;
        const auto* stale = ch.find("stale");
        if (stale && iequals(stale->value, "true")) return pass("stale=true" + after);
    }
    return fail("401 with stale=true" + after, "401 without stale=true",
                "a phone reads it as a wrong password and stops provisioning");
}

}  // namespace phone_agent::validate::detail
