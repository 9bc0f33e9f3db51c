// Decides whether a provisioning request may be served: picks the first matching auth rule, checks
// Basic or Digest credentials against the right password set (shared login, the device's Device
// Access credentials, or its user credentials), and builds the challenge otherwise. The negative
// modes make it misbehave on purpose so that clients can be tested against broken servers.
//
// Credential rotation: a device's `previous_password` is accepted besides its password only while
// `auth.rotation_overlap` has not run out. The configuration carries no date for a password change,
// so the gate takes the moment its configuration took effect (the service start, or the reload that
// brought the new password) as the moment of the change: that time is passed to the constructor, or
// else it is the `now` of the first check(). Every gate is built from a whole configuration, so a
// reload opens a new overlap window for every device that still lists a previous_password.
// rotation_overlap 0 turns the previous password off.
//
// Negative modes (auth_rule::negative), exactly:
// - stale_with_flag / stale_without_flag (Digest): a correct answer on a nonce that did not come
//   with such a forced stale answer gets 401 and a fresh nonce, with stale=true or without it. The
//   fresh nonce is then accepted, so a client that retries once succeeds. A wrong password gets an
//   ordinary 401 (stale is only ever said to a client that knows the password).
// - expired_nonce (Digest): nonces live 0 s, so every correct answer gets 401 stale=true.
// - nc_replay (Digest): a nonce is good for one request; its second use, even with a higher nc, is
//   a replay (401 without stale).
// - no_challenge (Digest, Basic): every request gets 401 without WWW-Authenticate.
// - wrong_realm (Digest): the challenge names "<realm>-elsewhere", which the verifier refuses.
// - unsupported_algorithm (Digest): the one challenge says algorithm=SHA-1024; every answer is 401.
// - endless_401 (Digest, Basic): every request gets 401 with a fresh challenge, even with the right
//   password (journalled as forbidden then).
// - wrong_password_accepted (Digest, Basic): a known user name gets in with any password.
// - replay_accepted (Digest): an nc already used on a nonce is accepted again.
// - no_stale_flag (Digest): an expired nonce answered with the right password gets 401 without
//   stale=true (the client must take it for a wrong password).
// A negative mode on a scheme it does not fit is a configuration error.
#pragma once

#include "logic/http_types.hpp"
#include "logic/journal.hpp"
#include "logic/mock_config.hpp"

#include "common/auth/digest_server.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cms_mock {

// What the gate needs to know about a device.
struct device_credentials {
    std::string mac;  // 12 upper-case hex digits
    std::string device_username;
    std::string device_password;
    std::optional<std::string> previous_password;  // still valid during a rotation overlap
    std::string user_username;                     // CMS force-login user
    std::string user_password;
};

struct auth_decision {
    auth_outcome result = auth_outcome::none;  // none: no rule applies, or the rule says none
    unsigned status = 200;                 // 200 (go on), 400 or 401
    std::vector<header_field> headers;     // WWW-Authenticate, when challenging
    std::string scheme;                    // "Basic", "Digest" or ""
    std::string user;                      // who authenticated (or tried to)
    bool as_user = false;                  // authenticated with the force-login user credentials
    std::string message;                   // for the log and the journal

    bool allowed() const noexcept {
        return result == auth_outcome::none || result == auth_outcome::ok;
    }
};

struct auth_request {
    const request_view* request = nullptr;
    std::string_view path;                   // decoded path without the query
    file_selector kind = file_selector::other;
    const device_credentials* device = nullptr;  // from the path MAC or the User-Agent
};

// Looks up any known device by its Device Access user name (for the shared rule).
using device_by_username = std::function<const device_credentials*(std::string_view username)>;

class auth_gate {
public:
    // Throws std::invalid_argument naming `auth.rules[i]...` for an unknown algorithm or qop, a
    // rule MAC that does not parse, or a negative mode the rule's scheme cannot have.
    // `loaded_at`: when this configuration took effect (start of the rotation overlap); std::nullopt
    // = at the first check().
    auth_gate(const auth_settings& settings, std::string secret,
              std::optional<std::chrono::system_clock::time_point> loaded_at = std::nullopt);
    ~auth_gate();
    auth_gate(const auth_gate&) = delete;
    auth_gate& operator=(const auth_gate&) = delete;

    auth_decision check(const auth_request& req, const device_by_username& directory,
                        std::chrono::system_clock::time_point now);

    // The rules in force (the configured ones, or the BroadSoft defaults).
    const std::vector<auth_rule>& rules() const noexcept { return rules_; }

private:
    struct compiled_rule;
    const compiled_rule* match(const auth_request& req) const;
    auth_decision check_basic(const compiled_rule& rule, const auth_request& req,
                              const device_by_username& directory,
                              std::chrono::system_clock::time_point now);
    auth_decision check_digest(compiled_rule& rule, const auth_request& req,
                               const device_by_username& directory,
                               std::chrono::system_clock::time_point now);
    // A 401 with the rule's challenge (as its negative mode shapes it). `remember_nonce`: the
    // nonce handed out is the one a stale_* mode accepts next.
    auth_decision challenge_decision(compiled_rule& rule, std::chrono::system_clock::time_point now,
                                     bool stale, auth_outcome result, std::string message,
                                     bool remember_nonce = false);
    // Whether a previous_password is still accepted at `now`.
    bool in_rotation_overlap(std::chrono::system_clock::time_point now) const noexcept;

    auth_settings settings_;
    std::vector<auth_rule> rules_;
    std::vector<std::unique_ptr<compiled_rule>> compiled_;
    std::optional<std::chrono::system_clock::time_point> loaded_at_;
};

// The BroadSoft CMS flow: aastra.cfg and <model>.cfg take the shared login (or any device's own
// credentials); <MAC>.cfg and firmware need the device's own credentials; other files are open.
std::vector<auth_rule> default_auth_rules();

}  // namespace cms_mock
