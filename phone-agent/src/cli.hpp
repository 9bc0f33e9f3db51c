// Command-line interface of phone-agent: one sub-command per mode.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace phone_agent {

struct boot_options {
    std::string server;  // URL, e.g. https://host:8443/dms/Aastra9480i/
    std::string mac;
    std::string model = "6731i";
    std::string firmware = "3.2.2.3077";
    std::optional<std::string> ca_file;
    std::string state_dir = "phone-agent-state";
    std::optional<std::string> json_file;
    std::optional<std::string> config_file;
    std::optional<std::string> login;  // USER:PASS for the CMS force-login flow
    std::vector<std::string> set;      // --set key.path=value (agent settings)
};

struct cli {
    boot_options boot;
    CLI::App* boot_cmd = nullptr;
};

void add_commands(CLI::App& app, cli& c);

// Parses the command line and runs the chosen sub-command; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace phone_agent
