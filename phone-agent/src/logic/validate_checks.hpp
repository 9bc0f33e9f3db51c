// `phone-agent validate`: the pure half. A registry of numbered checks (id, title, source), the
// exchanges each one needs, and for each a pure evaluation over what the I/O runner recorded
// (validate/validate_runner.cpp performs the exchanges). Renderers for the table, JSON and JUnit.
// No sockets, clocks or Asio here: every test can feed recorded observations straight in.
#pragma once

#include "logic/boot_events.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent::validate {

enum class check_status { pass, warn, fail, skip };
std::string_view to_string(check_status status) noexcept;

// One recorded HTTP exchange (the last one of an authentication round, when the runner answered
// a 401 on the way).
struct exchange {
    bool performed = false;
    std::string method;
    std::string target;
    std::vector<header_field> request_headers;
    bool transport_ok = false;
    std::string transport_error;  // "truncated: ...", "tls: certificate has expired", ...
    unsigned status = 0;
    std::vector<header_field> headers;
    std::string body;
    std::uint64_t body_bytes = 0;
    bool authorized = false;  // carried an Authorization header
    std::string body_sha256;  // firmware: hex SHA-256 of the body (the body itself is not kept)

    // First header with this name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
    std::size_t header_count(std::string_view name) const;
};

// A raw request sent with `Connection: close`, then read until the server closes or the wait ends.
struct close_probe {
    bool performed = false;
    std::string error;  // connect/TLS/write failure; empty otherwise
    unsigned status = 0;
    bool closed_by_server = false;
    std::uint64_t waited_ms = 0;
};

// One TLS handshake under a given client configuration.
struct tls_probe {
    bool performed = false;
    bool connected = false;     // TCP worked (false: nothing can be said about TLS)
    bool handshake_ok = false;
    std::string detail;         // the handshake failure reason
    std::string version;        // negotiated, when ok
};

// The server certificate's public key, from a handshake that verifies nothing (any key size).
struct tls_key_probe {
    bool performed = false;
    bool handshake_ok = false;
    std::string detail;    // failure reason
    std::string key_type;  // "RSA", "EC", "ED25519", "ED448", "DSA", ...
    int bits = 0;
};

// Client-certificate behaviour when --client-cert/--client-key were given: one request without a
// certificate and one with it.
struct client_cert_probe {
    bool performed = false;
    bool without_handshake_ok = false;
    unsigned without_status = 0;
    std::string without_detail;
    bool with_handshake_ok = false;
    unsigned with_status = 0;
    std::string with_detail;
};

// A hostile-but-harmless client (slow or vanishing), then an ordinary request on a new connection.
struct robustness_probe {
    bool performed = false;
    std::string error;        // the probe itself could not be carried out (connect refused, ...)
    unsigned probe_status = 0;  // the answer to the slow request (0: none, e.g. the server timed it out)
    std::string probe_note;     // what happened to the probe connection
    unsigned next_status = 0;   // the ordinary request afterwards
    std::string next_error;     // its transport error, if any
};

struct boot_observation {
    bool performed = false;
    bool provisioned = false;
    std::string status;  // boot_status spelling
    std::string reason;
    std::vector<std::string> steps;  // "aastra.cfg: ok 200"
};

// Everything the checks look at. Exchange names are the `needs` of the registry below.
struct observations {
    std::string server;  // the --server URL
    bool https = false;
    bool ca_given = false;
    std::optional<std::string> mac;  // compact upper-case, when --mac was given
    std::string model;
    std::string user;  // the login used for aastra.cfg
    std::map<std::string, exchange, std::less<>> exchanges;
    close_probe close;
    std::map<std::string, tls_probe, std::less<>> tls;  // "legacy", "chain", "hostname", "expiry"
    tls_key_probe tls_key;
    client_cert_probe client_cert;
    robustness_probe slow_client;
    robustness_probe dropped_connection;
    boot_observation boot;
    unsigned stale_after_seconds = 0;  // --stale-after (0: the expired-nonce check is skipped)
    bool client_cert_given = false;

    const exchange* find(std::string_view name) const;
};

// Names of the exchanges and probes the runner knows how to perform.
namespace need {
inline constexpr std::string_view get = "get";                  // aastra.cfg, logged in
inline constexpr std::string_view missing = "missing";          // a file that does not exist
inline constexpr std::string_view head = "head";                // HEAD aastra.cfg, logged in
inline constexpr std::string_view range = "range";              // GET aastra.cfg bytes=0-9
inline constexpr std::string_view conditional = "conditional";  // GET with If-None-Match / -Modified-Since
inline constexpr std::string_view conditional_other = "conditional_other";  // If-None-Match: another ETag
inline constexpr std::string_view range_unsatisfiable = "range_unsatisfiable";  // a range past the end
inline constexpr std::string_view inject = "inject";            // a target with encoded CR/LF
inline constexpr std::string_view close = "close";              // Connection: close probe
inline constexpr std::string_view challenge = "challenge";      // unauthenticated aastra.cfg
inline constexpr std::string_view answer = "answer";            // answer to `challenge`, nc=1
inline constexpr std::string_view wrong = "wrong";              // wrong password on a fresh nonce
inline constexpr std::string_view reuse = "reuse";              // `answer`'s nonce, nc=2
inline constexpr std::string_view replay = "replay";            // `answer`'s nonce, nc=2 again
inline constexpr std::string_view stale = "stale";              // `answer`'s nonce after --stale-after, nc=3
inline constexpr std::string_view mac_cfg_shared = "mac_cfg_shared";  // <MAC>.cfg with the --user login
inline constexpr std::string_view tls_legacy = "tls.legacy";    // TLS 1.0/1.1 only
inline constexpr std::string_view tls_chain = "tls.chain";      // chain only
inline constexpr std::string_view tls_hostname = "tls.hostname";
inline constexpr std::string_view tls_expiry = "tls.expiry";
inline constexpr std::string_view tls_key = "tls.key";          // the server key's type and size
inline constexpr std::string_view client_cert = "tls.client_cert";
inline constexpr std::string_view firmware_first = "firmware.1";    // <model>.st, twice
inline constexpr std::string_view firmware_second = "firmware.2";
inline constexpr std::string_view slow_client = "robust.slow";
inline constexpr std::string_view dropped_connection = "robust.dropped";
inline constexpr std::string_view boot = "boot";                // a full boot of --mac
inline constexpr std::string_view mac_cfg = "mac_cfg";          // <MAC>.cfg with the learnt login
}  // namespace need

// The header name the CR/LF injection probe tries to smuggle into the response.
inline constexpr std::string_view injected_header_name = "X-Phone-Agent-Injected";

// What one evaluation concludes.
struct verdict {
    check_status status = check_status::skip;
    std::string expected;  // filled for fail and warn
    std::string seen;
    std::string detail;    // extra notes (e.g. the unknown keys)
};

struct check_def {
    std::string_view id;      // "HTTP-001"
    std::string_view title;
    std::string_view source;  // RFC section or documented phone behaviour
    std::vector<std::string_view> needs;
    verdict (*evaluate)(const observations&);
};

// Every check, in report order (HTTP, AUTH, TLS, PROV).
const std::vector<check_def>& check_registry();

struct check_result {
    std::string id;
    std::string title;
    std::string source;
    verdict result;
    bool known_failure = false;  // failed, and listed in --baseline
};

std::vector<check_result> evaluate_all(const observations& obs);
check_result evaluate_one(const check_def& def, const observations& obs);
const check_def* find_check(std::string_view id);

struct summary {
    std::size_t pass = 0, warn = 0, fail = 0, skip = 0;
    std::size_t known = 0;  // of `fail`: known failures (--baseline)
};
summary summarise(const std::vector<check_result>& results);

// 0 when no check failed unexpectedly (a known failure of the baseline does not count), 1 otherwise.
int exit_code(const std::vector<check_result>& results);

// Known failures (--baseline): check ids, one per line (`#` comments, anything after the id is
// ignored), or a previous --json report, whose failed checks are taken.
struct baseline {
    std::set<std::string, std::less<>> ids;
};
struct baseline_error {
    std::string message;  // "<file>:<line>: ..."
};
std::variant<baseline, baseline_error> parse_baseline(std::string_view text, std::string_view file_name);

struct baseline_report {
    bool used = false;
    std::vector<std::string> known;  // baseline entries that still fail
    std::vector<std::string> fixed;  // baseline entries that pass (or only warn) now
};
// Marks the failures the baseline lists as known.
baseline_report apply_baseline(const baseline& known, std::vector<check_result>& results);

std::string render_table(const std::vector<check_result>& results, const baseline_report& baseline = {});
std::string render_json(const std::string& server, const std::vector<check_result>& results,
                        const baseline_report& baseline = {});
std::string render_junit(const std::string& server, const std::vector<check_result>& results);

}  // namespace phone_agent::validate
