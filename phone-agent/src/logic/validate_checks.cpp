// The registry of `phone-agent validate` checks, their evaluation and the summary; the checks
// themselves live in validate_checks_{http,auth,tls,prov}.cpp.
#include "logic/validate_checks.hpp"

#include "logic/validate_verdicts.hpp"

#include <algorithm>

namespace phone_agent::validate {

using common::auth::iequals;

namespace detail {

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

bool open_access(const observations& o) {
    const auto* c = o.find(need::challenge);
    return usable(c) && c->status >= 200 && c->status < 300;
}

}  // namespace detail

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
    using namespace detail;
    static const std::vector<check_def> registry{
        {"HTTP-001", "existing file: 200, Content-Length = bytes received", "RFC 9110 §8.6, RFC 9112 §6.3",
         {need::challenge, need::get}, http_existing},
        {"HTTP-002", "missing file: 404", "RFC 9110 §15.5.5; phone skips a 404 <model>/<MAC>.cfg",
         {need::missing}, http_missing},
        {"HTTP-003", "Content-Type present and fit for a .cfg (text/plain)", "RFC 9110 §8.3", {need::get},
         http_content_type},
        {"HTTP-004", "HEAD agrees with GET (same Content-Length, no body)", "RFC 9110 §9.3.2",
         {need::get, need::head}, http_head},
        {"HTTP-005", "Range bytes=0-9: 206 with Content-Range, past the end 416 (200 warns)",
         "RFC 9110 §14.2, §14.4, §15.3.7, §15.5.17", {need::get, need::range, need::range_unsatisfiable}, http_range},
        {"HTTP-006", "conditional GET: 304 when unchanged (200 warns), never 304 for another ETag",
         "RFC 9110 §13.1.1-2, §15.4.5", {need::get, need::conditional, need::conditional_other}, http_conditional},
        {"HTTP-007", "Connection: close honoured (the server closes)", "RFC 9112 §9.6; phone: one connection per request",
         {need::challenge, need::close}, http_close},
        {"HTTP-008", "no CR/LF injection into response headers", "RFC 9112 §2.2, RFC 9110 §5.5", {need::inject},
         http_header_injection},
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
        {"AUTH-007", "<MAC>.cfg needs the device's credentials (the shared login is refused)",
         "BroadSoft CMS: <MAC>.cfg behind Device Access credentials", {need::mac_cfg_shared},
         auth_mac_cfg_needs_device},
        {"AUTH-008", "an expired nonce is answered with stale=true (--stale-after)", "RFC 7616 §3.3 (stale)",
         {need::challenge, need::answer, need::stale}, auth_stale},
        {"TLS-001", "TLS 1.0/1.1 refused (accepted warns)", "RFC 8996", {need::tls_legacy}, tls_legacy},
        {"TLS-002", "certificate chain valid (with --ca)", "RFC 5280 §6; phone: https validate certificates",
         {need::tls_chain}, tls_chain},
        {"TLS-003", "certificate matches the host name", "RFC 9110 §4.3.4, RFC 6125; phone: https validate hostname",
         {need::tls_hostname}, tls_hostname},
        {"TLS-004", "certificate not expired", "RFC 5280 §4.1.2.5; phone: https validate expires",
         {need::tls_expiry}, tls_expiry},
        {"TLS-005", "server key at least RSA 2048 / EC 256 bits (smaller warns)", "NIST SP 800-57 pt. 1 §5.6.1",
         {need::tls_key}, tls_key_size},
        {"TLS-006", "client certificate accepted (--client-cert)", "RFC 8446 §4.4.2; phone: https client certificate",
         {need::client_cert}, tls_client_certificate},
        {"PROV-001", "full boot sequence provisions the MAC",
         "phone boot: aastra.cfg, <model>.cfg, <MAC>.cfg, firmware", {need::boot}, prov_boot},
        {"PROV-002", "aastra.cfg non-empty and parseable", "phone: a missing or empty aastra.cfg stops provisioning",
         {need::challenge, need::get}, prov_global},
        {"PROV-003", "<MAC>.cfg parseable (404 allowed)", "Aastra .cfg format: `key: value` lines",
         {need::get, need::mac_cfg}, prov_mac},
        {"PROV-004", "no unknown configuration keys (warn)", "Aastra admin guide key list (common/aastra is_known_key)",
         {need::get, need::mac_cfg}, prov_unknown_keys},
        {"PROV-005", "firmware <model>.st downloads twice with the same size and SHA-256",
         "phone: firmware update after the configuration files", {need::get, need::firmware_first, need::firmware_second},
         prov_firmware},
        {"ROB-001", "a slow client (headers dribbled) does not break the next request", "RFC 9112 §9.5 (timeouts)",
         {need::slow_client}, robust_slow_client},
        {"ROB-002", "a dropped connection (mid-headers, mid-body) does not break the next request",
         "RFC 9112 §9.6, §8 (incomplete messages)", {need::dropped_connection}, robust_dropped_connection},
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
        case check_status::fail:
            ++s.fail;
            if (r.known_failure) ++s.known;
            break;
        case check_status::skip: ++s.skip; break;
        }
    }
    return s;
}

int exit_code(const std::vector<check_result>& results) {
    const bool unexpected = std::any_of(results.begin(), results.end(), [](const check_result& r) {
        return r.result.status == check_status::fail && !r.known_failure;
    });
    return unexpected ? 1 : 0;
}

}  // namespace phone_agent::validate
