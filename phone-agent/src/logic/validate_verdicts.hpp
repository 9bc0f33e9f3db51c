// Shared by the check evaluations of `phone-agent validate` (validate_checks_*.cpp): verdict
// constructors, reading recorded exchanges, and the evaluation functions the registry points to.
// Internal to the validate logic; nothing outside validate_checks*.cpp includes it.
#pragma once

#include "logic/validate_checks.hpp"

#include "common/auth/auth_header.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phone_agent::validate::detail {

inline verdict pass(std::string detail = {}) { return {check_status::pass, {}, {}, std::move(detail)}; }
inline verdict skip(std::string why) { return {check_status::skip, {}, {}, std::move(why)}; }
inline verdict fail(std::string expected, std::string seen, std::string detail = {}) {
    return {check_status::fail, std::move(expected), std::move(seen), std::move(detail)};
}
inline verdict warn(std::string expected, std::string seen, std::string detail = {}) {
    return {check_status::warn, std::move(expected), std::move(seen), std::move(detail)};
}

// "200", "transport error: truncated: ..." or "not performed".
std::string describe(const exchange* e);
// Performed and answered with a status line.
bool usable(const exchange* e);
std::optional<std::uint64_t> parse_u64(std::string_view s);

// Every challenge of every WWW-Authenticate field, or the first parse error.
struct challenge_list {
    std::vector<common::auth::challenge> items;
    std::string error;
};
challenge_list challenges_of(const exchange& e);

// aastra.cfg was served without authentication (nothing to authenticate).
bool open_access(const observations& o);

// HTTP (validate_checks_http.cpp)
verdict http_existing(const observations& o);
verdict http_missing(const observations& o);
verdict http_content_type(const observations& o);
verdict http_head(const observations& o);
verdict http_range(const observations& o);
verdict http_conditional(const observations& o);
verdict http_close(const observations& o);
verdict http_header_injection(const observations& o);

// Auth (validate_checks_auth.cpp)
verdict auth_challenge(const observations& o);
verdict auth_login(const observations& o);
verdict auth_wrong(const observations& o);
verdict auth_reuse(const observations& o);
verdict auth_replay(const observations& o);
verdict auth_basic_plain(const observations& o);
verdict auth_mac_cfg_needs_device(const observations& o);
verdict auth_stale(const observations& o);

// TLS (validate_checks_tls.cpp)
verdict tls_legacy(const observations& o);
verdict tls_chain(const observations& o);
verdict tls_hostname(const observations& o);
verdict tls_expiry(const observations& o);
verdict tls_key_size(const observations& o);
verdict tls_client_certificate(const observations& o);

// Provisioning and robustness (validate_checks_prov.cpp)
verdict prov_boot(const observations& o);
verdict prov_global(const observations& o);
verdict prov_mac(const observations& o);
verdict prov_unknown_keys(const observations& o);
verdict prov_firmware(const observations& o);
verdict robust_slow_client(const observations& o);
verdict robust_dropped_connection(const observations& o);

}  // namespace phone_agent::validate::detail
