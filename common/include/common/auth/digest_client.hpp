// Client side of HTTP authentication for the phone agent: picks the strongest challenge, keeps the
// nonce and its request counter, and decides when to give up, so a wrong password ends in one
// error instead of a 401 loop (creytiv/re#226, pjsip#410 in features.md).
//
// Pure: the caller supplies the cnonce (from its RNG) and feeds in the parsed response headers.
// Typical cycle: request -> 401 -> on_challenges() -> authorization() -> request -> 2xx ->
// on_success(). Later requests may call authorization() directly (nonce reuse, nc 2, 3, ...).
#pragma once

#include "common/auth/auth_header.hpp"
#include "common/auth/digest.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace common::auth {

struct digest_client_policy {
    // Old Aastra firmware and many CMS servers only speak MD5; turn off where SHA-256 is known.
    bool allow_md5 = true;
    // Basic sends the password itself: clear this for plain HTTP.
    bool allow_basic = true;
    // Once a scheme has succeeded with this server, refuse to fall back to a weaker one (a MITM
    // can strip the strong challenges, RFC 7616 §5.8).
    bool refuse_downgrade = true;
};

// std::nullopt means success; otherwise what went wrong.
using digest_status = std::optional<digest_error>;

class digest_client {
public:
    // Errors: a user name with CR, LF or another control character (it would end up in a header).
    static digest_result<digest_client> create(std::string username, std::string password,
                                               digest_client_policy policy = {});

    // A 401 arrived; `challenges` are all its WWW-Authenticate challenges. Chooses the strongest
    // Digest challenge (SHA-512-256 > SHA-256 > MD5, the server's order among equals), or Basic
    // when Basic is the only scheme offered. Errors: nothing usable; a downgrade refused by the
    // policy; or this is the second 401 of a cycle without stale=true (or a second stale), which
    // means the credentials were rejected ("credentials for user 'U' rejected in realm 'R'").
    digest_status on_challenges(const std::vector<challenge>& challenges);

    // The Authorization value for one request. qop: auth-int when offered and `entity_body` is
    // given (pass "" for a GET), else auth, else auth-int, else none (RFC 2069); auth-int alone
    // without a body is an error. Each call with qop uses the next nc for the current nonce.
    digest_result<std::string> authorization(std::string_view method, std::string_view uri,
                                             std::string_view cnonce,
                                             std::optional<std::string_view> entity_body = {});

    // A non-401 response arrived. Ends the retry cycle and, if the request was authenticated,
    // records the scheme's strength for the downgrade check. `authentication_info` is the
    // Authentication-Info value: nextnonce replaces the nonce (nc restarts at 1); rspauth, when
    // present for qop=auth, must prove the server knows the password, else an error.
    digest_status on_success(std::optional<std::string_view> authentication_info = {});

    // After on_challenges() reported a failure, the client keeps refusing (that is what stops a
    // 401 loop). Call this before a deliberate new attempt, e.g. after the caller's backoff or
    // new credentials; the downgrade memory is kept.
    void start_over() noexcept;

    bool ready() const noexcept { return scheme_ != scheme::none; }
    bool uses_basic() const noexcept { return scheme_ == scheme::basic; }
    const std::optional<digest_challenge>& current() const noexcept { return challenge_; }
    std::uint32_t nonce_count() const noexcept { return nc_; }

private:
    enum class scheme { none, basic, digest };

    digest_client(std::string username, std::string password, digest_client_policy policy);

    digest_status rejected() const;

    std::string username_;
    std::string password_;
    digest_client_policy policy_;

    scheme scheme_ = scheme::none;
    std::optional<digest_challenge> challenge_;
    std::uint32_t nc_ = 0;          // last nc used with challenge_->nonce
    bool answered_401_ = false;     // this cycle already answered one 401
    bool stale_retry_used_ = false; // and already retried once on stale=true
    bool sent_credentials_ = false; // the last request carried our Authorization
    int proven_strength_ = -1;      // strongest scheme that succeeded: 0 Basic, else strength()

    // For checking rspauth on the response to the last request.
    struct last_request {
        std::string uri;
        std::string cnonce;
        std::string nc;
        qop chosen = qop::none;
        std::string ha1;
    };
    std::optional<last_request> last_;
};

}  // namespace common::auth
