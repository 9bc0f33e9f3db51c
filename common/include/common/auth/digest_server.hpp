// Server side of HTTP Digest: stateless nonces, nc replay tracking and credential verification.
//
// Pure and single-threaded: the caller passes the secret (from RAND_bytes), the current time and
// the user database as callbacks; one digest_verifier per realm, used from one thread (the
// services run one io_context thread each).
#pragma once

#include "common/auth/auth_header.hpp"
#include "common/auth/digest.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace common::auth {

using digest_clock = std::chrono::system_clock;

enum class nonce_status {
    valid,
    expired,      // ours and intact, but older than the lifetime: answer stale=true if the
                  // digest is right, so the client retries without asking for a password
    malformed,    // not Base64 of the right length: never issued by any nonce_issuer
    forged,       // right shape, wrong MAC: another secret (server restart) or tampering
    from_future,  // MAC valid but the timestamp is ahead of now: clock stepped back or secret leak
};

struct nonce_check {
    nonce_status status = nonce_status::malformed;
    digest_clock::time_point issued_at{};  // meaningful unless malformed or forged
};

// Nonce = base64(timestamp || HMAC-SHA-256(secret, timestamp || realm)), where the timestamp is 8
// bytes big endian of microseconds since the epoch. Binding the realm stops a nonce issued for
// one realm being replayed against another that shares the secret.
class nonce_issuer {
public:
    // `secret` should be 32 random bytes; less than 16 is a programming error
    // (std::invalid_argument). `clock_skew` is how far in the future a timestamp may be (for
    // several servers sharing the secret).
    nonce_issuer(std::string secret, std::chrono::seconds lifetime,
                 std::chrono::seconds clock_skew = std::chrono::seconds{0});

    // Timestamps are kept strictly increasing per issuer, so two nonces issued in the same
    // microsecond still differ and two clients never share one nonce's nc space.
    std::string issue(std::string_view realm, digest_clock::time_point now);
    // `mac_known_good`: this exact nonce passed the MAC check earlier (the caller's nc_window
    // tracks it, and only verified nonces get there), so the HMAC is not recomputed; the time
    // checks still run.
    nonce_check verify(std::string_view nonce, std::string_view realm,
                       digest_clock::time_point now, bool mac_known_good = false) const;
    // verify()'s time checks alone, for a nonce whose MAC passed before and whose issue time the
    // caller kept (nc_window::issued_at): no Base64 decoding, no HMAC.
    nonce_check check_age(digest_clock::time_point issued_at, digest_clock::time_point now) const;

    std::chrono::seconds lifetime() const noexcept { return lifetime_; }

private:
    std::string mac(std::string_view timestamp, std::string_view realm) const;

    std::string secret_;
    std::chrono::seconds lifetime_;
    std::chrono::seconds clock_skew_;
    std::int64_t last_issued_us_ = 0;
    std::int64_t bumped_until_us_ = 0;  // latest timestamp issue() had to set ahead of the clock
};

enum class nc_status {
    fresh,    // first time this nc is seen for this nonce: accept
    replay,   // seen before
    too_old,  // below the window; we can no longer tell, so refuse
    evicted,  // the nonce's state was dropped to bound memory: demand a new nonce (stale=true)
};

// Per-nonce replay detection with bounded memory: at most `max_nonces` nonces (least recently
// used evicted first), each with an IPsec-style sliding window of the last 64 counters below the
// highest one seen, so pipelined or multi-connection clients may send counters out of order.
// nc values are 32 bits and never wrap: after ffffffff a nonce is used up.
class nc_window {
public:
    static constexpr std::uint32_t window_size = 64;

    explicit nc_window(std::size_t max_nonces);

    // `issued_at` comes from nonce_issuer::verify: a nonce we forgot about is recognised by being
    // no newer than the newest nonce we evicted, so eviction cannot reopen old counters.
    nc_status record(std::string_view nonce, digest_clock::time_point issued_at, std::uint32_t nc);

    std::size_t size() const noexcept { return entries_.size(); }
    // Whether this exact nonce is tracked (it was verified and used before).
    bool tracks(std::string_view nonce) const { return index_.contains(nonce); }
    // When a tracked nonce was issued (std::nullopt when it is not tracked). Remembers the entry,
    // so a record() of the same nonce right after does not look it up again.
    std::optional<digest_clock::time_point> issued_at(std::string_view nonce);

private:
    struct entry {
        std::string nonce;
        digest_clock::time_point issued_at;
        std::uint32_t highest = 0;
        std::uint64_t seen = 0;  // bit i set: highest - i was seen
    };
    // Moves the window of a tracked nonce for counter `nc`.
    static nc_status advance(entry& e, std::uint32_t nc);

    std::size_t max_nonces_;
    std::list<entry> entries_;  // most recently used first
    // Keys view the strings owned by entries_ (list nodes never move).
    std::unordered_map<std::string_view, std::list<entry>::iterator> index_;
    std::optional<digest_clock::time_point> evicted_up_to_;
    std::optional<std::list<entry>::iterator> last_found_;  // from issued_at(), for record()
};

enum class digest_outcome {
    ok,
    malformed,           // missing, duplicate or ill-formed directive: 400
    wrong_realm,         // 401 with our challenge
    unknown_user,        // 401
    bad_password,        // 401; the response did not match (log it)
    bad_nonce,           // 401 without stale: not our nonce (forged, malformed, from the future)
    stale,               // 401 with stale=true: right password, expired or forgotten nonce
    replay,              // 401: nc already used (or below the window) for this nonce
    algorithm_mismatch,  // 400: algorithm we did not offer
    uri_mismatch,        // 400: digest-uri is not the request-target
    opaque_mismatch,     // 400: opaque not echoed
    qop_invalid,         // 400: qop not offered, missing, or -sess without qop
};

std::string_view to_string(digest_outcome outcome) noexcept;
int http_status(digest_outcome outcome) noexcept;  // 200, 400 or 401

struct digest_server_config {
    std::string realm;
    // One challenge per algorithm, most preferred first.
    std::vector<digest_algorithm> algorithms{digest_algorithm::sha256, digest_algorithm::md5};
    // Neither set: RFC 2069 mode (no qop, no nc replay protection; only for old clients).
    bool qop_auth = true;
    // Offer auth-int only where the whole body is buffered before the decision.
    bool qop_auth_int = false;
    std::optional<std::string> opaque;
    bool userhash = false;
    bool charset_utf8 = true;
};

// The WWW-Authenticate challenges for `nonce`, one per configured algorithm in order.
std::vector<challenge> make_challenges(const digest_server_config& config, std::string_view nonce,
                                       bool stale);

using password_lookup = std::function<std::optional<std::string>(std::string_view user)>;
// All user names, for resolving userhash=true credentials (hash of user:realm per candidate).
using user_list = std::function<std::vector<std::string>()>;

struct digest_request_info {
    std::string_view method;
    std::string_view request_target;
    // Needed for auth-int; std::nullopt when the body was not buffered (auth-int is then refused).
    std::optional<std::string_view> entity_body;
};

struct digest_verification {
    digest_outcome outcome = digest_outcome::malformed;
    std::string message;   // for the log: what was wrong, naming realm, user and directive
    std::string username;  // the resolved user name when known (also for userhash)
    bool ok() const noexcept { return outcome == digest_outcome::ok; }
};

class digest_verifier {
public:
    digest_verifier(digest_server_config config, nonce_issuer issuer,
                    std::size_t max_tracked_nonces = 4096);

    // Challenges with a freshly issued nonce.
    std::vector<challenge> challenges(digest_clock::time_point now, bool stale);

    // Checks directives first (400 class), then the user, the nonce's authenticity, the response
    // (constant time), and only then expiry and nc, so stale is only ever said to a client that
    // knows the password.
    // On success the message is only "authenticated": who and where are in `username` and the
    // realm, and nothing is formatted for a request that passes.
    digest_verification verify(const credentials_view& creds, const digest_request_info& request,
                               const password_lookup& passwords, digest_clock::time_point now,
                               const user_list& users = {});
    // The same for owned credentials (built by hand, or from parse_credentials); more than
    // max_params parameters is malformed.
    digest_verification verify(const credentials& creds, const digest_request_info& request,
                               const password_lookup& passwords, digest_clock::time_point now,
                               const user_list& users = {});

    const digest_server_config& config() const noexcept { return config_; }

private:
    const std::string& password_hash(digest_algorithm algorithm, std::string_view user,
                                     std::string_view password);

    digest_server_config config_;
    nonce_issuer issuer_;
    nc_window nc_window_;
    // H(user:realm:password), so a valid request costs two hashes instead of three. The key holds
    // the password itself: a changed password (reload, rotation) never meets an old entry.
    std::unordered_map<std::string, std::string> password_hashes_;
    // H(method:uri) for qop auth and none (the files and methods in use; bounded like the above).
    const std::string& request_hash(digest_algorithm algorithm, std::string_view method,
                                    std::string_view uri);
    std::unordered_map<std::string, std::string> request_hashes_;
    std::string key_;  // the lookup key of either cache, rebuilt in place per request
    // The entries the previous request used: a phone fetches its files one after another, so the
    // next request usually needs the same two (compared in full, reset when a cache is cleared).
    struct last_password {
        digest_algorithm algorithm{};
        std::string user;
        std::string password;
        const std::string* hash = nullptr;
    } last_password_;
    struct last_request {
        digest_algorithm algorithm{};
        std::string method;
        std::string uri;
        const std::string* hash = nullptr;
    } last_request_;
};

}  // namespace common::auth
