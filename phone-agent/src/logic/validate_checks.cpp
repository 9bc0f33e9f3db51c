#include "logic/validate_checks.hpp"

#include "common/aastra/cfg_file.hpp"
#include "common/aastra/config_layers.hpp"
#include "common/auth/auth_header.hpp"
#include "common/auth/digest.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

namespace phone_agent::validate {

namespace {

using common::auth::iequals;

verdict pass(std::string detail = {}) { return {check_status::pass, {}, {}, std::move(detail)}; }
verdict skip(std::string why) { return {check_status::skip, {}, {}, std::move(why)}; }
verdict fail(std::string expected, std::string seen, std::string detail = {}) {
    return {check_status::fail, std::move(expected), std::move(seen), std::move(detail)};
}
verdict warn(std::string expected, std::string seen, std::string detail = {}) {
    return {check_status::warn, std::move(expected), std::move(seen), std::move(detail)};
}

// "200", "transport error: truncated: ..." or "not performed".
std::string describe(const exchange* e) {
    if (!e || !e->performed) return "not performed";
    if (!e->transport_ok && e->status == 0) return "transport error: " + e->transport_error;
    std::string s = std::to_string(e->status);
    if (!e->transport_ok) s += " then transport error: " + e->transport_error;
    return s;
}

bool usable(const exchange* e) { return e && e->performed && e->status != 0; }

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

// Every challenge of every WWW-Authenticate field, or the first parse error.
struct challenge_list {
    std::vector<common::auth::challenge> items;
    std::string error;
};

challenge_list challenges_of(const exchange& e) {
    challenge_list out;
    for (const auto& h : e.headers) {
        if (!iequals(h.name, "WWW-Authenticate")) continue;
        auto parsed = common::auth::parse_challenges(h.value);
        if (auto* err = std::get_if<common::auth::parse_error>(&parsed)) {
            out.error = "WWW-Authenticate '" + h.value + "': " + err->to_string();
            return out;
        }
        for (auto& c : std::get<std::vector<common::auth::challenge>>(parsed)) out.items.push_back(std::move(c));
    }
    return out;
}

// --- HTTP -------------------------------------------------------------------------------------

verdict http_existing(const observations& o) {
    const auto* e = o.find(need::get);
    if (!usable(e)) return fail("200 with the file", describe(e));
    if (e->status != 200) return fail("200 for aastra.cfg", describe(e));
    auto cl = e->header("Content-Length");
    if (!cl) {
        return fail("Content-Length header", "none (" + std::to_string(e->body_bytes) + " bytes received)");
    }
    auto n = parse_u64(*cl);
    if (!n || e->header_count("Content-Length") != 1) return fail("one numeric Content-Length", "'" + *cl + "'");
    if (*n != e->body_bytes || !e->transport_ok) {
        return fail("Content-Length: " + *cl + " = bytes received",
                    std::to_string(e->body_bytes) + " bytes received" +
                        (e->transport_ok ? std::string() : " (" + e->transport_error + ")"));
    }
    return pass(std::to_string(*n) + " bytes");
}

verdict http_missing(const observations& o) {
    const auto* e = o.find(need::missing);
    if (!usable(e)) return fail("404", describe(e));
    if (e->status != 404) return fail("404 for " + e->target, describe(e));
    return pass();
}

verdict http_content_type(const observations& o) {
    const auto* e = o.find(need::get);
    if (!usable(e) || e->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    auto ct = e->header("Content-Type");
    if (!ct || ct->empty()) return fail("a Content-Type header", "none");
    return pass(*ct);
}

verdict http_head(const observations& o) {
    const auto* g = o.find(need::get);
    const auto* h = o.find(need::head);
    if (!usable(g) || g->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    if (!usable(h)) return fail("HEAD answered like GET", describe(h));
    if (h->status != g->status) {
        return fail("HEAD status " + std::to_string(g->status) + " (as GET)", std::to_string(h->status));
    }
    if (h->body_bytes != 0) return fail("no body after HEAD", std::to_string(h->body_bytes) + " body bytes");
    auto gl = g->header("Content-Length");
    auto hl = h->header("Content-Length");
    if (gl && hl != gl) {
        return fail("HEAD Content-Length: " + *gl + " (as GET)", hl ? "Content-Length: " + *hl : "no Content-Length");
    }
    return pass();
}

verdict http_range(const observations& o) {
    const auto* g = o.find(need::get);
    const auto* r = o.find(need::range);
    if (!usable(g) || g->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    if (!usable(r)) return fail("206 or 200", describe(r));
    const auto total = g->body_bytes;
    const std::uint64_t want = std::min<std::uint64_t>(10, total);
    if (r->status == 200) {
        return warn("206 Partial Content for Range: bytes=0-9", "200 (the whole file; ranges ignored)");
    }
    if (r->status != 206) return fail("206 for Range: bytes=0-9", describe(r));
    auto cr = r->header("Content-Range");
    const std::string expect_cr = "bytes 0-" + std::to_string(want == 0 ? 0 : want - 1) + "/" + std::to_string(total);
    if (!cr) return fail("Content-Range: " + expect_cr, "206 without Content-Range");
    if (*cr != expect_cr) return fail("Content-Range: " + expect_cr, "Content-Range: " + *cr);
    if (!r->transport_ok || r->body_bytes != want) {
        return fail(std::to_string(want) + " body bytes",
                    std::to_string(r->body_bytes) + (r->transport_ok ? "" : " (" + r->transport_error + ")"));
    }
    if (r->body != g->body.substr(0, want)) return fail("the first " + std::to_string(want) + " bytes of the file", "other bytes");
    return pass(*cr);
}

verdict http_conditional(const observations& o) {
    const auto* g = o.find(need::get);
    if (!usable(g) || g->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    if (!g->header("ETag") && !g->header("Last-Modified")) {
        return warn("ETag or Last-Modified on aastra.cfg", "neither (a conditional GET is impossible)");
    }
    const auto* c = o.find(need::conditional);
    if (!usable(c)) return fail("304 or 200", describe(c));
    if (c->status == 304) {
        if (c->body_bytes != 0) return fail("304 without a body", std::to_string(c->body_bytes) + " body bytes");
        return pass();
    }
    if (c->status == 200) return warn("304 Not Modified for an unchanged file", "200 (the whole file again)");
    return fail("304 (or 200)", describe(c));
}

verdict http_close(const observations& o) {
    const auto& p = o.close;
    if (!p.performed) return fail("a response and the server closing", "not performed");
    if (!p.error.empty()) return fail("a response and the server closing", p.error);
    if (p.status == 0) return fail("a response", "no status line before the wait ended");
    if (!p.closed_by_server) {
        return fail("the server closes after the response (Connection: close)",
                    "connection still open after " + std::to_string(p.waited_ms) + " ms (status " +
                        std::to_string(p.status) + ")");
    }
    return pass("status " + std::to_string(p.status));
}

// --- Auth -------------------------------------------------------------------------------------

// The unauthenticated request was served: nothing to authenticate.
bool open_access(const observations& o) {
    const auto* c = o.find(need::challenge);
    return usable(c) && c->status >= 200 && c->status < 300;
}

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
    return fail("401 for a wrong password", describe(w));
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

// --- TLS --------------------------------------------------------------------------------------

const tls_probe* probe(const observations& o, std::string_view name) {
    auto it = o.tls.find(name);
    return it == o.tls.end() || !it->second.performed ? nullptr : &it->second;
}

verdict tls_legacy(const observations& o) {
    if (!o.https) return skip("not an https URL");
    const auto* p = probe(o, need::tls_legacy);
    if (!p) return fail("a TLS 1.0/1.1 handshake attempt", "not performed");
    if (!p->connected) return fail("a TCP connection", p->detail);
    if (p->handshake_ok) {
        return warn("TLS 1.0 and 1.1 refused (RFC 8996)", "accepted " + p->version,
                    "only needed for Aastra firmware 3.2.x that speaks TLS 1.0");
    }
    return pass(p->detail);
}

verdict tls_check(const observations& o, std::string_view name, std::string expected) {
    if (!o.https) return skip("not an https URL");
    const auto* p = probe(o, name);
    if (!p) return fail(std::move(expected), "not performed");
    if (!p->connected) return fail("a TCP connection", p->detail);
    if (!p->handshake_ok) return fail(std::move(expected), p->detail);
    return pass(p->version);
}

verdict tls_chain(const observations& o) {
    auto v = tls_check(o, need::tls_chain,
                       o.ca_given ? "a chain to --ca or a system root" : "a chain to a system root (no --ca given)");
    return v;
}
verdict tls_hostname(const observations& o) {
    return tls_check(o, need::tls_hostname, "a certificate naming the server's host");
}
verdict tls_expiry(const observations& o) {
    return tls_check(o, need::tls_expiry, "a certificate valid now (notBefore <= now <= notAfter)");
}

// --- Provisioning -----------------------------------------------------------------------------

verdict prov_boot(const observations& o) {
    if (!o.mac) return skip("no --mac given");
    if (!o.boot.performed) return fail("a boot", "not performed");
    if (o.boot.provisioned) {
        std::string steps;
        for (const auto& s : o.boot.steps) steps += (steps.empty() ? "" : ", ") + s;
        return pass(steps);
    }
    return fail("provisioned", o.boot.status + ": " + o.boot.reason);
}

struct parsed_cfg {
    std::optional<common::aastra::cfg_parse_result> result;
    std::string error;
};

parsed_cfg parse_body(const exchange& e, std::string_view name) {
    parsed_cfg out;
    auto r = common::aastra::parse_cfg(e.body, name);
    if (auto* err = std::get_if<common::aastra::cfg_error>(&r)) {
        out.error = err->message;
    } else {
        out.result = std::move(std::get<common::aastra::cfg_parse_result>(r));
    }
    return out;
}

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

verdict cfg_check(const exchange* e, std::string_view name, bool must_exist) {
    if (!usable(e)) return fail(std::string(name) + " received", describe(e));
    if (e->status == 404 && !must_exist) return skip(std::string(name) + " is 404 (allowed)");
    if (e->status != 200) return fail("200 for " + std::string(name), describe(e));
    if (must_exist && blank(e->body)) return fail("a non-empty " + std::string(name), "an empty file");
    auto p = parse_body(*e, name);
    if (!p.result) return fail("a parseable " + std::string(name), p.error);
    std::string bad, dup;
    std::size_t bad_count = 0;
    for (const auto& d : p.result->diagnostics) {
        if (d.problem == common::aastra::cfg_problem::duplicate_key) {
            dup += (dup.empty() ? "" : "; ") + d.message;
        } else {
            ++bad_count;
            if (bad_count <= 5) bad += (bad.empty() ? "" : "; ") + d.message;
        }
    }
    if (bad_count > 0) {
        return fail("every line `key: value` or a comment",
                    std::to_string(bad_count + p.result->suppressed_diagnostics) + " unreadable line(s): " + bad);
    }
    if (!dup.empty()) return warn("each key once", dup);
    return pass(std::to_string(p.result->file.size()) + " settings");
}

verdict prov_global(const observations& o) { return cfg_check(o.find(need::get), "aastra.cfg", true); }

verdict prov_mac(const observations& o) {
    if (!o.mac) return skip("no --mac given");
    return cfg_check(o.find(need::mac_cfg), *o.mac + ".cfg", false);
}

verdict prov_unknown_keys(const observations& o) {
    std::vector<std::pair<std::string, const exchange*>> files{{"aastra.cfg", o.find(need::get)}};
    if (o.mac) files.emplace_back(*o.mac + ".cfg", o.find(need::mac_cfg));
    std::string unknown;
    std::size_t count = 0, read = 0;
    for (const auto& [name, e] : files) {
        if (!usable(e) || e->status != 200) continue;
        auto p = parse_body(*e, name);
        if (!p.result) continue;
        ++read;
        for (const auto& entry : p.result->file.entries()) {
            if (common::aastra::is_known_key(entry.key)) continue;
            ++count;
            if (count <= 20) {
                unknown += (unknown.empty() ? "" : ", ") + name + ":" + std::to_string(entry.line) + " '" +
                           entry.written_key + "'";
            }
        }
    }
    if (read == 0) return skip("no configuration file received");
    if (count > 0) {
        return warn("only keys the phone knows", std::to_string(count) + " unknown key(s): " + unknown,
                    "a phone ignores them; usually a misspelling");
    }
    return pass();
}

}  // namespace

std::string_view to_string(check_status status) noexcept {
    switch (status) {
    case check_status::pass: return "pass";
    case check_status::warn: return "warn";
    case check_status::fail: return "fail";
    case check_status::skip: return "skip";
    }
    return "?";
}

std::optional<std::string> exchange::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (iequals(h.name, name)) return h.value;
    }
    return std::nullopt;
}

std::size_t exchange::header_count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(headers.begin(), headers.end(), [&](const header_field& h) { return iequals(h.name, name); }));
}

const exchange* observations::find(std::string_view name) const {
    auto it = exchanges.find(name);
    return it == exchanges.end() ? nullptr : &it->second;
}

const std::vector<check_def>& check_registry() {
    static const std::vector<check_def> registry{
        {"HTTP-001", "existing file: 200, Content-Length = bytes received", "RFC 9110 §8.6, RFC 9112 §6.3",
         {need::challenge, need::get}, http_existing},
        {"HTTP-002", "missing file: 404", "RFC 9110 §15.5.5; phone skips a 404 <model>/<MAC>.cfg",
         {need::missing}, http_missing},
        {"HTTP-003", "Content-Type present", "RFC 9110 §8.3", {need::get}, http_content_type},
        {"HTTP-004", "HEAD agrees with GET (same Content-Length, no body)", "RFC 9110 §9.3.2",
         {need::get, need::head}, http_head},
        {"HTTP-005", "Range bytes=0-9: 206 with Content-Range (200 warns)", "RFC 9110 §14.2, §14.4, §15.3.7",
         {need::get, need::range}, http_range},
        {"HTTP-006", "conditional GET with ETag/Last-Modified: 304 (200 warns)", "RFC 9110 §13.1.1-2, §15.4.5",
         {need::get, need::conditional}, http_conditional},
        {"HTTP-007", "Connection: close honoured (the server closes)", "RFC 9112 §9.6; phone: one connection per request",
         {need::challenge, need::close}, http_close},
        {"AUTH-001", "unauthenticated aastra.cfg: 401 with a well-formed challenge",
         "RFC 9110 §11.6.1, RFC 7616 §3.3, RFC 7617 §2", {need::challenge}, auth_challenge},
        {"AUTH-002", "aastra.cfg accepts the login (default aastra/aastra)",
         "Aastra admin guide: 401 on aastra.cfg answered with aastra/aastra", {need::challenge, need::answer}, auth_login},
        {"AUTH-003", "a wrong password is refused (401)", "RFC 9110 §15.5.2, RFC 7616 §3.3",
         {need::wrong}, auth_wrong},
        {"AUTH-004", "nonce reuse with nc+1 accepted", "RFC 7616 §3.4 (nc); phone: pre-emptive auth per file",
         {need::challenge, need::answer, need::reuse}, auth_reuse},
        {"AUTH-005", "a replayed nc is refused", "RFC 7616 §3.4, §5.12 (replay)",
         {need::challenge, need::answer, need::reuse, need::replay}, auth_replay},
        {"AUTH-006", "no Basic over plain HTTP (warn)", "RFC 7617 §4", {need::challenge}, auth_basic_plain},
        {"TLS-001", "TLS 1.0/1.1 refused (accepted warns)", "RFC 8996", {need::tls_legacy}, tls_legacy},
        {"TLS-002", "certificate chain valid (with --ca)", "RFC 5280 §6; phone: https validate certificates",
         {need::tls_chain}, tls_chain},
        {"TLS-003", "certificate matches the host name", "RFC 9110 §4.3.4, RFC 6125; phone: https validate hostname",
         {need::tls_hostname}, tls_hostname},
        {"TLS-004", "certificate not expired", "RFC 5280 §4.1.2.5; phone: https validate expires",
         {need::tls_expiry}, tls_expiry},
        {"PROV-001", "full boot sequence provisions the MAC",
         "phone boot: aastra.cfg, <model>.cfg, <MAC>.cfg, firmware", {need::boot}, prov_boot},
        {"PROV-002", "aastra.cfg non-empty and parseable", "phone: a missing or empty aastra.cfg stops provisioning",
         {need::challenge, need::get}, prov_global},
        {"PROV-003", "<MAC>.cfg parseable (404 allowed)", "Aastra .cfg format: `key: value` lines",
         {need::get, need::mac_cfg}, prov_mac},
        {"PROV-004", "no unknown configuration keys (warn)", "Aastra admin guide key list (common/aastra is_known_key)",
         {need::get, need::mac_cfg}, prov_unknown_keys},
    };
    return registry;
}

check_result evaluate_one(const check_def& def, const observations& obs) {
    return {std::string(def.id), std::string(def.title), std::string(def.source), def.evaluate(obs)};
}

std::vector<check_result> evaluate_all(const observations& obs) {
    std::vector<check_result> out;
    for (const auto& def : check_registry()) out.push_back(evaluate_one(def, obs));
    return out;
}

const check_def* find_check(std::string_view id) {
    for (const auto& def : check_registry()) {
        if (def.id == id) return &def;
    }
    return nullptr;
}

summary summarise(const std::vector<check_result>& results) {
    summary s;
    for (const auto& r : results) {
        switch (r.result.status) {
        case check_status::pass: ++s.pass; break;
        case check_status::warn: ++s.warn; break;
        case check_status::fail: ++s.fail; break;
        case check_status::skip: ++s.skip; break;
        }
    }
    return s;
}

int exit_code(const std::vector<check_result>& results) { return summarise(results).fail == 0 ? 0 : 1; }

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    return out;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

std::string json_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out;
}

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            // XML 1.0 allows only TAB, LF, CR below 0x20.
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                out += '?';
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out;
}

std::string message_of(const verdict& v) {
    std::string m;
    if (!v.expected.empty()) m += "expected " + v.expected;
    if (!v.seen.empty()) m += (m.empty() ? "" : "; ") + std::string("seen ") + v.seen;
    if (!v.detail.empty()) m += (m.empty() ? "" : "; ") + v.detail;
    return m;
}

}  // namespace

std::string render_table(const std::vector<check_result>& results) {
    std::size_t title_width = 5;
    for (const auto& r : results) title_width = std::max(title_width, r.title.size());
    std::ostringstream out;
    out << pad("ID", 9) << pad("RESULT", 7) << pad("CHECK", title_width + 2) << "SOURCE\n";
    for (const auto& r : results) {
        out << pad(r.id, 9) << pad(upper(to_string(r.result.status)), 7) << pad(r.title, title_width + 2) << r.source
            << "\n";
        const auto& v = r.result;
        if (v.status == check_status::fail || v.status == check_status::warn) {
            if (!v.expected.empty()) out << "         expected: " << v.expected << "\n";
            if (!v.seen.empty()) out << "         seen:     " << v.seen << "\n";
        }
        if (!v.detail.empty()) out << "         " << (v.status == check_status::skip ? "skipped: " : "note: ") << v.detail << "\n";
    }
    const auto s = summarise(results);
    out << results.size() << " checks: " << s.pass << " pass, " << s.warn << " warn, " << s.fail << " fail, " << s.skip
        << " skip\n";
    return out.str();
}

std::string render_json(const std::string& server, const std::vector<check_result>& results) {
    const auto s = summarise(results);
    std::ostringstream out;
    out << "{\"server\":\"" << json_escape(server) << "\",\"summary\":{\"pass\":" << s.pass << ",\"warn\":" << s.warn
        << ",\"fail\":" << s.fail << ",\"skip\":" << s.skip << "},\"checks\":[";
    bool first = true;
    for (const auto& r : results) {
        out << (first ? "" : ",") << "\n{\"id\":\"" << json_escape(r.id) << "\",\"title\":\"" << json_escape(r.title)
            << "\",\"source\":\"" << json_escape(r.source) << "\",\"result\":\"" << to_string(r.result.status)
            << "\",\"expected\":\"" << json_escape(r.result.expected) << "\",\"seen\":\"" << json_escape(r.result.seen)
            << "\",\"detail\":\"" << json_escape(r.result.detail) << "\"}";
        first = false;
    }
    out << "\n]}\n";
    return out.str();
}

std::string render_junit(const std::string& server, const std::vector<check_result>& results) {
    const auto s = summarise(results);
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuites name=\"phone-agent validate\" tests=\"" << results.size() << "\" failures=\"" << s.fail
        << "\" skipped=\"" << s.skip << "\">\n"
        << "  <testsuite name=\"validate " << xml_escape(server) << "\" tests=\"" << results.size()
        << "\" failures=\"" << s.fail << "\" errors=\"0\" skipped=\"" << s.skip << "\">\n";
    for (const auto& r : results) {
        const auto dash = r.id.find('-');
        const std::string area = r.id.substr(0, dash);
        out << "    <testcase classname=\"validate." << xml_escape(area) << "\" name=\"" << xml_escape(r.id + " " + r.title)
            << "\">";
        const auto msg = message_of(r.result);
        switch (r.result.status) {
        case check_status::fail:
            out << "\n      <failure message=\"" << xml_escape(msg) << "\" type=\"fail\">" << xml_escape(r.source)
                << "</failure>\n    ";
            break;
        case check_status::skip: out << "\n      <skipped message=\"" << xml_escape(msg) << "\"/>\n    "; break;
        case check_status::warn:
            out << "\n      <system-out>warning: " << xml_escape(msg) << "</system-out>\n    ";
            break;
        case check_status::pass: break;
        }
        out << "</testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
    return out.str();
}

}  // namespace phone_agent::validate
