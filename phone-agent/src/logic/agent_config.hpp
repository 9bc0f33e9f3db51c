// phone-agent's own settings file (--config, YAML): retries, deadlines, the boot order and client
// options. The phone's provisioning keys live in the .cfg layers, not here.
#pragma once

#include "logic/boot_events.hpp"
#include "logic/retry_policy.hpp"

#include "common/config/yaml_reader.hpp"
#include "common/net/tls_config.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace phone_agent {

struct agent_timeouts {
    std::chrono::milliseconds connect{10'000};
    std::chrono::milliseconds tls{10'000};
    std::chrono::milliseconds response{30'000};
    std::chrono::milliseconds body_idle{30'000};
};

// Action URIs block key presses as on the phone (XMLG p.25). Non-blocking, each one is a
// background GET; at most `max_background` are pending, a newer one aborts the oldest.
struct agent_action_uris {
    bool blocking = true;
    std::size_t max_background = 128;
};

struct agent_config {
    retry_policy retry;
    agent_timeouts timeouts;
    std::vector<boot_step> order{boot_step::global_cfg, boot_step::model_cfg, boot_step::mac_cfg,
                                 boot_step::firmware, boot_step::user_certificates};
    bool preemptive_auth = true;
    std::uint64_t max_firmware_bytes = 64ULL * 1024 * 1024;
    bool use_system_roots = true;  // the phone trusts its pre-loaded public roots too
    std::optional<std::string> client_certificate;  // PEM file: certificate (+ key unless given)
    std::optional<std::string> client_key;
    // What the phone offers in its ClientHello, for testing a server against a narrower (or a
    // matching) offer; empty = OpenSSL's defaults.
    common::tls::tls_offer tls_offer;
    agent_action_uris action_uris;
};

// Reads the YAML root; throws common::config::config_error naming the key and line.
void read_agent_config(const common::config::node_reader& root, agent_config& cfg);

// Defaults < file < PHONE_AGENT_* environment < --set flags.
agent_config load_agent_config(const std::optional<std::filesystem::path>& file,
                               const std::vector<std::string>& environment,
                               const std::vector<std::string>& set_flags);

}  // namespace phone_agent
