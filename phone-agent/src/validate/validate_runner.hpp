// The I/O half of `phone-agent validate`: performs the exchanges the registered checks need
// against the server and records them as validate::observations. Decides nothing itself.
#pragma once

#include "logic/validate_checks.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/net/http_client.hpp"
#include "common/net/tls_config.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

namespace phone_agent::validate {

struct runner_settings {
    std::string server_url;
    common::net::url_parts base;  // target ends with '/'
    std::optional<common::aastra::mac_address> mac;
    common::aastra::model_info model;
    std::string firmware;
    std::string user;
    std::string password;
    std::optional<std::filesystem::path> ca_file;
    bool system_roots = true;
    common::tls::tls_offer tls_offer;  // what every TLS exchange offers; empty = OpenSSL's defaults
    std::chrono::milliseconds timeout{10'000};
    std::string missing_file;
    std::chrono::seconds stale_after{0};  // 0: AUTH-008 is skipped
    std::optional<std::filesystem::path> client_cert;  // TLS-006, with client_key
    std::optional<std::filesystem::path> client_key;
    std::chrono::milliseconds slow_gap{200};  // ROB-001: pause between header pieces
    int slow_pieces = 12;
};

// What the selected checks need (union of check_def::needs).
std::set<std::string, std::less<>> needs_of(const std::vector<check_def>& checks);

// Runs on its own io_context until every exchange is done. Throws std::runtime_error when the
// client TLS context cannot be built (e.g. an unreadable --ca).
observations collect(const runner_settings& settings, const std::set<std::string, std::less<>>& needs);

}  // namespace phone_agent::validate
