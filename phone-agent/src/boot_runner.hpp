// `phone-agent boot`: one phone's provisioning against a server, then exit with the outcome's code.
#pragma once

#include "logic/agent_config.hpp"
#include "logic/boot_auth.hpp"
#include "logic/boot_fsm.hpp"

#include "common/net/http_client.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace phone_agent {

struct boot_request {
    phone_identity identity;
    boot_settings settings;
    agent_config agent;
    std::filesystem::path state_dir;
    std::optional<std::filesystem::path> ca_file;
    std::optional<std::filesystem::path> json_file;
    std::optional<login_credentials> login;  // answers force login
    common::net::connection_options connection{};  // keep-alive, TLS resumption (off: as the phone)
};

// Runs the boot on its own io_context; returns the documented exit code (0 provisioned, 2 usage or
// config, 3 network, 4 TLS, 5 auth, 6 server error, 7 force login required).
int run_boot(const boot_request& req);

}  // namespace phone_agent
