// `phone-agent run`: one emulated phone that provisions, then stays up with its own HTTP and HTTPS
// servers (Web UI, XML push, JSON control API), its XML browser and action URIs, until SIGINT or
// SIGTERM.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace phone_agent {

struct run_options {
    std::optional<std::string> server;  // provisioning URL; none: what the state dir says
    std::string mac;
    std::string model = "6731i";
    std::optional<std::string> firmware;  // none: the state dir's firmware.version, else 3.2.2.3077
    std::optional<std::string> ca_file;
    std::string state_dir = "phone-agent-state";
    std::optional<std::string> config_file;
    std::vector<std::string> set;
    std::optional<std::string> login;
    std::string http = "0.0.0.0:80";
    std::string https = "0.0.0.0:443";
    std::optional<std::string> cert_file;
    std::optional<std::string> key_file;
    std::size_t push_limit = 10000;
    std::string log_level = "warn";
    bool test_clock = false;
};

// Adds the `run` sub-command and its options to `app`; the values land in `opts`.
void add_run_command(CLI::App& app, run_options& opts);

// Runs the phone until SIGINT/SIGTERM. Prints `ca <file>` (when it issued its own certificate),
// `listening http://ADDR:PORT`, `listening https://ADDR:PORT` and `ready` on stdout. Returns 0
// after a signal, 2 on usage or configuration errors (bad options, a port in use, bad TLS files).
int run_phone(const run_options& opts);

}  // namespace phone_agent
