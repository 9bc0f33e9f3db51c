// The vocabulary between the boot-time provisioning state machine (provisioning_fsm) and the I/O
// driver that runs it: events the driver reports, actions the machine asks for, and the outcome
// with its per-file record for the JSON report.
//
// Every action except `done` expects exactly one event back:
//   send_request      -> http_response | transport_error
//   download_to_file  -> download_result
//   wait              -> timer_fired
//   commit_download, discard_download, save_certificates, persist -> file_op_done
//   done              -> nothing; the machine accepts `start` or `login` afterwards
// Every type has an operator<< so test failures print names, not indices.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

struct header_field {
    std::string name;
    std::string value;

    friend bool operator==(const header_field&, const header_field&) = default;
};

std::ostream& operator<<(std::ostream& out, const header_field& field);  // "Name: value"

// First header with this name (ASCII case-insensitive), or nothing.
std::optional<std::string_view> find_header(const std::vector<header_field>& headers,
                                            std::string_view name);

// "HTTP 503", or "HTTP 302 (redirects are not followed)": the status as outcome reasons name it.
std::string http_status_text(unsigned status);

// Durations the driver measured for one exchange; zero where a phase did not happen.
struct exchange_timings {
    std::chrono::microseconds connect{0};
    std::chrono::microseconds tls{0};
    std::chrono::microseconds ttfb{0};      // request written -> response header
    std::chrono::microseconds transfer{0};  // response header -> end of body
    std::chrono::microseconds total{0};

    friend bool operator==(const exchange_timings&, const exchange_timings&) = default;
};

// Why an exchange produced no usable response.
enum class transport_failure {
    resolve,       // name lookup failed
    connect,       // refused, unreachable, reset before a response
    timeout,       // any phase deadline
    tls,           // handshake or certificate failure; never retried
    truncated,     // the body ended before its announced length
    bad_response,  // unreadable status line or headers
    local_io,      // the driver could not write the body (disk full); never retried
};

const char* to_string(transport_failure failure) noexcept;
std::ostream& operator<<(std::ostream& out, transport_failure failure);

enum class boot_step { global_cfg, model_cfg, mac_cfg, firmware, user_certificates };

const char* to_string(boot_step step) noexcept;
std::ostream& operator<<(std::ostream& out, boot_step step);

// ---------------------------------------------------------------------------------------------
// Events (driver -> machine)

namespace event {

// Begin a provisioning run (power-up, reboot, resync).
struct start {};

// The user's CMS login: stored as the local `http digest username/password`, then a new run.
struct login {
    std::string username;  // at most 40 characters (AG33 A-81)
    std::string password;  // at most 20 characters
};

// A complete response to send_request. `headers` keeps repeated fields (WWW-Authenticate).
struct http_response {
    unsigned status = 0;
    std::vector<header_field> headers;
    std::string body;
    exchange_timings timings;
};

struct transport_error {
    transport_failure failure = transport_failure::connect;
    std::string detail;  // human-readable, e.g. "connect 10.0.0.5:443: connection refused"
    exchange_timings timings;
};

// The end of a download_to_file. With a 2xx status and no failure, the body is in the temp file
// and `bytes`/`sha256` describe it; otherwise the temp file (if any) is to be discarded.
struct download_result {
    unsigned status = 0;  // 0 when no response arrived
    std::vector<header_field> headers;
    std::uint64_t bytes = 0;
    std::string sha256;  // lower-case hex of the bytes written
    std::optional<transport_failure> failure;
    std::string detail;
    exchange_timings timings;
};

struct timer_fired {};

// The result of commit_download, discard_download, save_certificates or persist.
struct file_op_done {
    std::string error;  // empty on success, else e.g. "rename: No space left on device"
};

std::ostream& operator<<(std::ostream& out, const start& ev);
std::ostream& operator<<(std::ostream& out, const login& ev);  // the password is not printed
std::ostream& operator<<(std::ostream& out, const http_response& ev);
std::ostream& operator<<(std::ostream& out, const transport_error& ev);
std::ostream& operator<<(std::ostream& out, const download_result& ev);
std::ostream& operator<<(std::ostream& out, const timer_fired& ev);
std::ostream& operator<<(std::ostream& out, const file_op_done& ev);

}  // namespace event

using boot_event = std::variant<event::start, event::login, event::http_response,
                                event::transport_error, event::download_result,
                                event::timer_fired, event::file_op_done>;

enum class boot_event_type {
    start,
    login,
    http_response,
    transport_error,
    download_result,
    timer_fired,
    file_op_done,
};

boot_event_type type_of(const boot_event& ev) noexcept;
const char* to_string(boot_event_type type) noexcept;
std::ostream& operator<<(std::ostream& out, boot_event_type type);

namespace event {
// Declared here so argument-dependent lookup on the std::variant (whose associated namespaces
// are those of its alternatives) finds it, e.g. inside Boost.Test's printers.
std::ostream& operator<<(std::ostream& out, const boot_event& ev);
}  // namespace event

// ---------------------------------------------------------------------------------------------
// Outcome

enum class boot_status {
    provisioned,           // exit 0
    usage_error,           // exit 2: bad settings, no usable server, local storage failed
    network_error,         // exit 3
    tls_error,             // exit 4
    auth_failed,           // exit 5
    server_error,          // exit 6: 4xx/5xx, missing or empty aastra.cfg, unusable data
    force_login_required,  // exit 7: waiting for event::login
};

int exit_code(boot_status status) noexcept;
const char* to_string(boot_status status) noexcept;
std::ostream& operator<<(std::ostream& out, boot_status status);

enum class step_result {
    ok,         // downloaded and applied (firmware: committed)
    not_found,  // 404 where that is allowed (model, MAC and certificate files)
    unchanged,  // firmware already at the requested version
    skipped,    // not configured, or not usable; `note` says which
    failed,     // ended the run; the outcome's reason says why
};

const char* to_string(step_result result) noexcept;
std::ostream& operator<<(std::ostream& out, step_result result);

// One request on the wire: a retry, an answer to a 401, or a plain first try.
struct attempt_record {
    unsigned http_status = 0;  // 0 when no response arrived
    std::string error;         // transport failure text, empty otherwise
    bool authorized = false;   // the request carried an Authorization header
    exchange_timings timings;
};

struct step_record {
    boot_step step = boot_step::global_cfg;
    std::string file;
    step_result result = step_result::skipped;
    unsigned http_status = 0;  // of the last attempt
    std::uint64_t bytes = 0;
    // The authentication story in order, e.g. "401 Digest realm 'BroadWorks' (MD5)",
    // "answered as 'aastra' nc=00000001", "pre-emptive as 'aastra' nc=00000002".
    std::vector<std::string> auth;
    std::vector<attempt_record> attempts;
    std::string note;  // why skipped, parse diagnostics, retry waits
};

std::ostream& operator<<(std::ostream& out, const step_record& record);

struct boot_outcome {
    boot_status status = boot_status::provisioned;
    std::string reason;  // empty when provisioned; "<file>: <what happened>" otherwise
    std::vector<step_record> steps;
    // The configuration in force is the one from before this run (nothing was applied).
    bool kept_last_good = false;
    std::string firmware;  // the version running at the end of the run
};

std::ostream& operator<<(std::ostream& out, const boot_outcome& outcome);

// ---------------------------------------------------------------------------------------------
// Actions (machine -> driver)

namespace action {

// GET `url` with exactly `headers` (User-Agent, maybe Authorization) and hand back the whole
// body, refusing more than `body_limit` bytes (report that as transport_failure::bad_response).
struct send_request {
    boot_step step = boot_step::global_cfg;
    std::string file;
    std::string url;     // absolute
    std::string target;  // origin-form, also the Digest uri
    std::vector<header_field> headers;
    std::uint64_t body_limit = 0;
};

// GET like send_request, but stream a 2xx body into a temp file next to `file` while hashing it
// with SHA-256; any other status leaves no usable temp file. Never replace `file` here.
struct download_to_file {
    boot_step step = boot_step::firmware;
    std::string file;  // final name, e.g. "9480i.st"
    std::string url;
    std::string target;
    std::vector<header_field> headers;
    std::uint64_t body_limit = 0;
};

struct wait {
    std::chrono::milliseconds duration{0};
    std::string reason;
};

// Rename the temp file of the last download over `file` (fsync, rename, fsync the directory).
struct commit_download {
    std::string file;
    std::uint64_t bytes = 0;
    std::string sha256;
};

// Remove the temp file of the last download; the current `file` stays as it is.
struct discard_download {
    std::string file;
};

// Store the PEM bundle atomically under `file` and trust its certificates from now on.
struct save_certificates {
    std::string file;
    std::string pem;
};

// Replace the saved server.cfg and local.cfg atomically with these texts.
struct persist {
    std::string server_cfg;
    std::string local_cfg;
};

struct done {
    boot_outcome outcome;
};

std::ostream& operator<<(std::ostream& out, const send_request& act);
std::ostream& operator<<(std::ostream& out, const download_to_file& act);
std::ostream& operator<<(std::ostream& out, const wait& act);
std::ostream& operator<<(std::ostream& out, const commit_download& act);
std::ostream& operator<<(std::ostream& out, const discard_download& act);
std::ostream& operator<<(std::ostream& out, const save_certificates& act);
std::ostream& operator<<(std::ostream& out, const persist& act);
std::ostream& operator<<(std::ostream& out, const done& act);

}  // namespace action

using boot_action = std::variant<action::send_request, action::download_to_file, action::wait,
                                 action::commit_download, action::discard_download,
                                 action::save_certificates, action::persist, action::done>;

enum class boot_action_type {
    send_request,
    download_to_file,
    wait,
    commit_download,
    discard_download,
    save_certificates,
    persist,
    done,
};

boot_action_type type_of(const boot_action& act) noexcept;
const char* to_string(boot_action_type type) noexcept;
std::ostream& operator<<(std::ostream& out, boot_action_type type);

namespace action {
std::ostream& operator<<(std::ostream& out, const boot_action& act);  // see event:: above
}  // namespace action

}  // namespace phone_agent
