// The provisioning run's side of HTTP authentication: which credentials answer a 401, when a
// known nonce is reused pre-emptively (nc + 1), and the wording of the auth story and failures
// that end up in the step record and the outcome.
//
// Wraps common::auth::digest_client, which already bounds the retries (one answer per 401 cycle,
// one more for stale=true), so a server that keeps answering 401 ends in a failure, not a loop.
// Pure; one instance per run, owned by provisioning_fsm.
#pragma once

#include "common/auth/digest_client.hpp"
#include "logic/boot_events.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

struct login_credentials {
    std::string username;
    std::string password;

    friend bool operator==(const login_credentials&, const login_credentials&) = default;
};

// A 401 that cannot or must not be answered; `message` is "401 after Digest answer as 'aastra'
// in realm 'BroadWorks': credentials refused" or "401: <why the challenge is unusable>".
struct auth_refusal {
    std::string message;
};

class boot_auth {
public:
    explicit boot_auth(common::auth::digest_client_policy policy = {}, bool preemptive = true)
        : policy_(policy), preemptive_(preemptive) {}

    // Selects the credentials for the next request. Nonces and counters belong to one credential
    // pair, so different credentials start a fresh client (no pre-emptive header until the server
    // challenges again). Errors: a user name the client refuses (control characters).
    std::optional<auth_refusal> use(const login_credentials& credentials);

    // The Authorization value for the first request of a file when pre-emptive reuse is on and a
    // nonce (or Basic) already worked with this server; appends the story line to `story`.
    std::optional<std::string> preemptive(std::string_view target, std::string_view cnonce,
                                          std::vector<std::string>& story);

    // A 401 arrived for `target`; `request_had_auth` says whether the request carried our
    // Authorization. Returns the Authorization for the retry, or why there is none.
    std::variant<std::string, auth_refusal> answer(const std::vector<header_field>& headers,
                                                   std::string_view target,
                                                   std::string_view cnonce,
                                                   bool request_had_auth,
                                                   std::vector<std::string>& story);

    // Any other status arrived: closes the 401 cycle and checks Authentication-Info (rspauth,
    // nextnonce). Errors: a server that proves it does not know the password.
    std::optional<auth_refusal> on_response(const std::vector<header_field>& headers);

    // Before a retry after backoff: forget the challenge, so the retry starts a fresh cycle and a
    // 401 to it is answered again instead of counting as a second refusal.
    void start_over() noexcept;

    const std::optional<login_credentials>& credentials() const noexcept { return credentials_; }

private:
    std::string describe_refusal(std::string_view why, bool request_had_auth) const;

    common::auth::digest_client_policy policy_;
    bool preemptive_ = true;
    std::optional<login_credentials> credentials_;
    std::optional<common::auth::digest_client> client_;
    bool proven_ = false;     // a request authenticated with the current client succeeded
    std::string basic_realm_;  // realm of the last Basic challenge answered
};

}  // namespace phone_agent
