// `phone-agent validate`: the pure half. A registry of numbered checks (id, title, source), the
// exchanges each one needs, and for each a pure evaluation over what the I/O runner recorded
// (validate/validate_runner.cpp performs the exchanges). Renderers for the table, JSON and JUnit.
// No sockets, clocks or Asio here: every test can feed recorded observations straight in.
#pragma once

#include "logic/boot_events.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
    boot_observation boot;

    const exchange* find(std::string_view name) const;
};

// Names of the exchanges and probes the runner knows how to perform.
namespace need {
inline constexpr std::string_view get = "get";                  // aastra.cfg, logged in
inline constexpr std::string_view missing = "missing";          // a file that does not exist
inline constexpr std::string_view head = "head";                // HEAD aastra.cfg, logged in
inline constexpr std::string_view range = "range";              // GET aastra.cfg bytes=0-9
inline constexpr std::string_view conditional = "conditional";  // GET with If-None-Match / -Modified-Since
inline constexpr std::string_view close = "close";              // Connection: close probe
inline constexpr std::string_view challenge = "challenge";      // unauthenticated aastra.cfg
inline constexpr std::string_view answer = "answer";            // answer to `challenge`, nc=1
inline constexpr std::string_view wrong = "wrong";              // wrong password on a fresh nonce
inline constexpr std::string_view reuse = "reuse";              // `answer`'s nonce, nc=2
inline constexpr std::string_view replay = "replay";            // `answer`'s nonce, nc=2 again
inline constexpr std::string_view tls_legacy = "tls.legacy";    // TLS 1.0/1.1 only
inline constexpr std::string_view tls_chain = "tls.chain";      // chain only
inline constexpr std::string_view tls_hostname = "tls.hostname";
inline constexpr std::string_view tls_expiry = "tls.expiry";
inline constexpr std::string_view boot = "boot";                // a full boot of --mac
inline constexpr std::string_view mac_cfg = "mac_cfg";          // <MAC>.cfg with the learnt login
}  // namespace need

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
};

std::vector<check_result> evaluate_all(const observations& obs);
check_result evaluate_one(const check_def& def, const observations& obs);
const check_def* find_check(std::string_view id);

struct summary {
    std::size_t pass = 0, warn = 0, fail = 0, skip = 0;
};
summary summarise(const std::vector<check_result>& results);

// 0 when no check failed, 1 otherwise.
int exit_code(const std::vector<check_result>& results);

std::string render_table(const std::vector<check_result>& results);
std::string render_json(const std::string& server, const std::vector<check_result>& results);
std::string render_junit(const std::string& server, const std::vector<check_result>& results);

}  // namespace phone_agent::validate
