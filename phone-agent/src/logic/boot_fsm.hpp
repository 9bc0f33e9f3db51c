// The phone's boot-time provisioning as a pure state machine: the driver feeds events in
// (responses, transport errors, timer expiries, file-operation results) and performs the single
// action each resume() returns. No sockets, sleeps, clocks or randomness live here; the current
// time, the jitter value and the Digest cnonce arrive with every resume().
//
// A run (started by event::start, or by event::login after force_login_required):
//  1. Reads the server from the configuration (server_url.hpp); no HTTP(S) server is a usage error.
//  2. Performs the steps in `boot_settings::order` (default: aastra.cfg, <model>.cfg, <MAC>.cfg,
//     firmware, user certificates; domain §1.2 says the real order is unconfirmed):
//     - aastra.cfg must arrive with a body that is not blank (only whitespace). Missing (404),
//       blank or failing, it ends the run and the previous configuration stays in force.
//     - <model>.cfg and <MAC>.cfg (upper-case MAC, no separators) may be 404.
//     - Firmware rule: the configuration key `firmware version` (merged so far) names the image
//       the server wants. Absent -> no firmware step; equal to the running version -> nothing to
//       do; different -> <model>.st is streamed into a temp file, then committed (renamed into
//       place) on success or discarded on any failure, so the old image survives. After a commit
//       the new version is the running one and goes into later User-Agent headers.
//     - User certificates: when `https user certificates` names a file, it is fetched from the
//       same server path; a 404 or a body without a PEM certificate is noted, not fatal.
//  3. When the last configuration file of the order is in, `http digest force login: 1` in the
//     merged configuration ends the run with force_login_required; event::login stores the user's
//     credentials as local `http digest username/password` and starts a new run.
//  4. On success the merged server files become the configuration in force and are persisted
//     (server.cfg + local.cfg). Any failure drops everything this run downloaded.
//
// Retries: connect/resolve errors, timeouts, truncated bodies, unreadable responses, 408, 429 and
// transient 5xx are retried per retry_policy with `wait` actions; TLS failures never are.
//
// Authentication: a 401 on aastra.cfg is answered with `global_file_credentials` (aastra/aastra);
// later files use `http digest username/password` from the configuration merged so far. With
// `preemptive_auth`, a nonce that worked is reused on the next file with nc + 1. stale=true gets
// one more try; a second refusal ends the run with auth_failed naming the realm and user.
//
// Misuse (an event the current action did not ask for, resume() after done without start/login)
// is a driver bug and throws std::logic_error, leaving the machine unchanged.
// Not thread-safe: one driver owns it.
#pragma once

#include "common/aastra/config_layers.hpp"
#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/auth/digest_client.hpp"
#include "logic/boot_auth.hpp"
#include "logic/boot_events.hpp"
#include "logic/retry_policy.hpp"
#include "logic/server_url.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace phone_agent {

struct phone_identity {
    common::aastra::model_info model;
    common::aastra::mac_address mac;
    std::string firmware;  // running version, e.g. "3.2.2.3077"
};

struct boot_settings {
    // Each step at most once; global_cfg is required.
    std::vector<boot_step> order{boot_step::global_cfg, boot_step::model_cfg, boot_step::mac_cfg,
                                 boot_step::firmware, boot_step::user_certificates};
    retry_policy retry;
    // Reuse a nonce that worked on the next file with nc + 1 (saves a round trip per file).
    bool preemptive_auth = true;
    // The answer to a 401 on aastra.cfg (AG33 5-273); nullopt uses the configured credentials.
    std::optional<login_credentials> global_file_credentials =
        login_credentials{"aastra", "aastra"};
    common::auth::digest_client_policy auth_policy;
    // Applied to the local layer when the machine is created, e.g. settings_for(--server URL).
    std::vector<config_setting> local_settings;
    std::uint64_t max_firmware_bytes = 64ULL * 1024 * 1024;
    std::uint64_t max_certificate_bytes = 1024 * 1024;
};

// The layers saved by the last successful run; absent ones start empty.
struct persisted_layers {
    std::optional<std::string> server_cfg;
    std::optional<std::string> local_cfg;
};

// Fresh values for one resume(); whatever the step does not need is ignored.
struct resume_inputs {
    std::chrono::system_clock::time_point now;  // for Retry-After HTTP-dates
    double jitter = 0.0;                        // uniform in [0, 1), scales the backoff
    std::string cnonce;                         // unpredictable, for a Digest answer
};

// Why the machine cannot be built (a usage error, exit 2).
struct boot_setup_error {
    std::string message;
};

class provisioning_fsm {
public:
    // Errors: an invalid order, a firmware version the User-Agent cannot carry, a saved layer
    // that cannot be loaded, a local setting that is refused.
    static std::variant<provisioning_fsm, boot_setup_error> create(phone_identity identity,
                                                                   boot_settings settings,
                                                                   persisted_layers last_good = {});

    // Feeds one event and returns the next action. See boot_events.hpp for which event answers
    // which action. Throws std::logic_error on misuse (see above).
    boot_action resume(const boot_event& ev, const resume_inputs& inputs);

    // True before the first start and after `done`: start and login are accepted.
    bool idle() const noexcept { return phase_ == phase::idle; }

    // The configuration in force: the last good one, or this run's once it succeeded.
    const common::aastra::config_layers& config() const noexcept { return active_; }
    const std::string& firmware() const noexcept { return identity_.firmware; }
    const std::string& user_agent() const noexcept { return user_agent_; }
    // The configuration in force as create() takes it back: a fleet keeps this text instead of
    // the whole machine while a phone waits for its resync. Empty until a run has succeeded,
    // unless the machine was created from saved layers.
    persisted_layers last_good() const;

private:
    enum class phase {
        idle,
        awaiting_response,
        awaiting_download,
        awaiting_timer,
        awaiting_discard,
        awaiting_commit,
        awaiting_certificates_saved,
        awaiting_persist,
    };

    provisioning_fsm(phone_identity identity, boot_settings settings, std::string user_agent);

    boot_action begin_run(std::optional<login_credentials> login, const resume_inputs& in);
    boot_action next_step(const resume_inputs& in);
    boot_action after_step(const resume_inputs& in);
    boot_action request_current(const resume_inputs& in, std::optional<std::string> authorization);
    boot_action on_response(const event::http_response& ev, const resume_inputs& in);
    boot_action on_transport_error(const event::transport_error& ev, const resume_inputs& in);
    boot_action on_download(const event::download_result& ev, const resume_inputs& in);
    boot_action on_file_op(const event::file_op_done& ev, const resume_inputs& in);
    boot_action on_body(const std::string& body, const resume_inputs& in);
    boot_action retry_or_fail(boot_status status, std::string reason,
                              std::optional<std::string_view> retry_after,
                              const resume_inputs& in);
    boot_action answer_401(const std::vector<header_field>& headers, const resume_inputs& in);
    boot_action fail(boot_status status, std::string reason);
    boot_action finish(boot_outcome outcome);
    boot_action emit(boot_action act);

    step_record& record() { return records_.back(); }
    const std::string& current_file() const;
    login_credentials credentials_for(boot_step step) const;

    phone_identity identity_;
    boot_settings settings_;
    std::string user_agent_;
    common::aastra::config_layers active_;    // in force; replaced only by a successful run
    common::aastra::config_layers building_;  // this run's layers
    std::optional<server_location> server_;
    common::aastra::config_layers server_read_from_;  // the layers server_ was read from
    std::string base_url_;  // base_url(*server_), once per run rather than per request
    std::string target_;    // request_target() of the current step's file
    boot_auth auth_;

    phase phase_ = phase::idle;
    std::size_t step_index_ = 0;
    std::size_t last_cfg_index_ = 0;  // position of the last configuration file in the order
    std::vector<step_record> records_;
    unsigned attempts_ = 0;          // of the current file, for the retry policy
    bool request_had_auth_ = false;  // the request in flight carries Authorization
    std::string firmware_wanted_;    // the version being downloaded
    std::optional<boot_action> after_discard_;  // what follows a discard_download
    bool has_last_good_ = false;                // active_ came from saved layers or a good run
    // active_ as exported for persist, kept for last_good(): a fleet asks for it after every boot,
    // and merging and serialising the layers again cost as much as the persist itself.
    std::optional<persisted_layers> good_text_;
    common::aastra::config_layers good_layers_;  // the layers good_text_ was made from
};

}  // namespace phone_agent
