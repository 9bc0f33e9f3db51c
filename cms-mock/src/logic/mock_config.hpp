// cms-mock's whole configuration as plain structs with the built-in defaults. The YAML loader
// (mock_config_loader) fills these; nothing here knows about files or sockets.
#pragma once

#include "logic/devices.hpp"

#include "common/net/tls_config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cms_mock {

enum class auth_scheme { none, basic, digest };

// Which provisioning files a rule applies to, besides its path glob.
enum class file_selector { any, aastra_cfg, model_cfg, mac_cfg, firmware, other };

// Which credentials a rule accepts.
enum class credential_source {
    shared,  // the shared login (default aastra/aastra) and any known device's credentials
    device,  // the device's own Device Access credentials (MAC from the path or the User-Agent)
    user,    // the device's user credentials (the CMS force-login flow)
};

// Deliberately wrong server behaviour, for testing clients.
enum class auth_negative_mode {
    none,
    stale_with_flag,     // every first answer with a valid password is "stale=true" once
    stale_without_flag,  // nonce treated as expired but the new challenge lacks stale=true
    expired_nonce,       // nonces expire immediately (lifetime 0)
    nc_replay,           // the second use of any nonce is rejected as a replay
    no_challenge,        // 401 without WWW-Authenticate
    wrong_realm,         // the challenge names a realm the verifier does not accept
    unsupported_algorithm,  // only an algorithm no client knows ("SHA-1024")
    endless_401,         // always 401, even with the right password
    wrong_password_accepted,  // a known user gets in with any password
    replay_accepted,     // a nonce's nc is never checked for replays
    no_stale_flag,       // an expired nonce with the right password gets 401 without stale=true
};

struct auth_rule {
    std::string path = "*";  // glob on the request path (without query), e.g. "*/aastra.cfg"
    file_selector file = file_selector::any;
    auth_scheme scheme = auth_scheme::digest;
    std::vector<std::string> algorithms{"MD5"};  // Digest algorithms offered, most preferred first
    std::vector<std::string> qop{"auth"};        // empty = RFC 2069 (no qop)
    std::optional<std::string> realm;            // default: auth.realm
    bool opaque = true;
    bool userhash = false;
    credential_source credentials = credential_source::shared;
    auth_negative_mode negative = auth_negative_mode::none;
    std::optional<std::string> mac;  // only for this device (12 hex, upper case)
};

struct auth_settings {
    std::string realm = "BroadWorks";
    std::chrono::seconds nonce_lifetime{300};
    std::string shared_username = "aastra";
    std::string shared_password = "aastra";
    // The BroadSoft force-login scenario: a device that has not yet authenticated with its user
    // credentials gets the default profile with `http digest force login: 1`.
    bool force_login = false;
    // Credential rotation: how long a device's previous password stays valid after a change.
    std::chrono::seconds rotation_overlap{3600};
    std::vector<auth_rule> rules;  // empty = the built-in BroadSoft defaults (see default_rules())
    std::size_t nonce_cache = 10'000;  // nonces whose nc values are tracked (LRU)
};

// Faults in what is served rather than how it is sent (see content_faults.hpp).
enum class range_fault { none, ignore, wrong };               // ignore Range / 206 with a wrong Content-Range
enum class conditional_fault { none, ignore, always_304 };    // never 304 / 304 whatever the validator

struct content_fault {
    std::optional<std::string> content_type;  // replaces Content-Type; "" leaves it out
    bool head_mismatch = false;               // HEAD announces another Content-Length than GET
    range_fault range = range_fault::none;
    conditional_fault conditional = conditional_fault::none;

    bool any() const noexcept {
        return content_type || head_mismatch || range != range_fault::none || conditional != conditional_fault::none;
    }
};

struct fault_rule {
    std::string path = "*";               // glob on the request path
    std::optional<std::string> mac;       // only for this device
    double probability = 1.0;             // 0..1
    std::chrono::milliseconds delay{0};   // before the headers
    std::optional<std::chrono::milliseconds> delay_max;  // random delay in [delay, delay_max]
    std::uint64_t throttle = 0;           // bytes per second, 0 = off
    std::optional<std::chrono::milliseconds> stall;      // after the headers
    std::optional<std::uint64_t> close_after;            // bytes of body, then close
    bool truncate = false;                // send half the body under a full Content-Length
    bool reset = false;                   // TCP reset instead of an answer
    std::optional<std::chrono::seconds> unavailable;     // 503 with this Retry-After
    content_fault content;
    std::string name;                     // label in the journal (default: derived)
};

struct firmware_image_config {
    std::string model;    // e.g. "9480i"; served as <model>.st
    std::string version;  // e.g. "3.2.2.3077"
    std::uint64_t size = 1 << 20;          // synthetic image size in bytes
    std::optional<std::string> file;       // a real file instead of a synthetic image
};

struct tls_settings {
    std::optional<std::string> cert_file;  // default: a leaf issued by the development CA
    std::optional<std::string> key_file;
    std::vector<std::string> sans{"localhost", "127.0.0.1", "::1"};
    std::string min_version = "1.2";
    bool legacy_tls10 = false;
    std::string client_certificates = "none";  // none | request | require
    // What the server accepts; empty = the defaults (OpenSSL's lists; TLS 1.3 AES-128-GCM first).
    common::tls::tls_offer offer;
};

struct limits_settings {
    std::size_t header_limit = 8 * 1024;
    std::uint64_t body_limit = 64 * 1024;
    std::size_t max_connections = 1024;
    bool queue_when_full = false;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds idle_timeout{30'000};
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds shutdown_grace{5'000};
    std::size_t journal_size = 10'000;
};

struct layout_settings {
    bool dms = true;
    std::string dms_context = "dms";
    bool flat = true;
};

struct mock_config {
    std::string http = "0.0.0.0:8080";    // "off" disables
    std::string https = "0.0.0.0:8443";   // "off" disables
    std::string admin = "127.0.0.1:9090";
    std::optional<std::string> root;      // default: the built-in demo tree
    std::string state_dir = "cms-mock-state";
    std::string log_level = "info";
    layout_settings layout;
    std::optional<std::string> fallback_profile;  // served for an unknown MAC instead of 404
    std::optional<std::string> devices_csv;  // more devices, from a CSV file
    std::vector<device> devices;             // empty and no CSV: the built-in demo devices
    std::string server_host = "127.0.0.1";  // {{server.host}} in templates
    auth_settings auth;
    std::vector<fault_rule> faults;
    std::vector<firmware_image_config> firmware;
    tls_settings tls;
    limits_settings limits;
    std::uint64_t random_seed = 0;  // 0 = from the OS; set for reproducible fault sampling
};

}  // namespace cms_mock
