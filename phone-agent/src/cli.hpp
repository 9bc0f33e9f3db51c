// Command-line interface of phone-agent: one sub-command per mode.
#pragma once

#include "run/run_command.hpp"
#include "validate/validate_command.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
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
    bool keep_alive = false;
    bool tls_resumption = false;
    std::optional<std::string> client_cert;  // overrides tls.client_certificate
    std::optional<std::string> client_key;
};

struct fleet_options {
    std::string server;  // may contain {model}, e.g. http://host:8080/dms/Aastra{model}/
    std::string mac_start = "00085D000000";
    std::size_t count = 1;
    std::string model = "6731i";
    std::optional<std::string> models;  // "6731i:50,9480i:50"
    std::string firmware = "3.2.2.3077";
    std::optional<std::string> ca_file;
    std::optional<std::string> state_dir;
    bool no_state = false;
    std::optional<std::string> json_file;
    std::optional<std::string> config_file;
    std::vector<std::string> set;
    std::size_t concurrency = 0;
    std::size_t threads = 1;
    std::string storm_window = "0s";
    std::string storm_shape = "uniform";
    std::optional<std::string> duration;
    std::vector<std::string> thresholds;
    std::vector<std::string> deadlines;
    std::optional<std::string> source_addresses;
    bool keep_alive = false;
    bool tls_resumption = false;
    std::optional<std::string> client_cert;
    std::optional<std::string> client_key;
    std::optional<std::string> devices;  // CSV: mac,model,firmware,username,password,client_cert,client_key
    std::optional<std::string> shard;    // K/N
    std::size_t resyncs = 0;
    std::optional<std::string> resync_interval;
    std::optional<std::string> arrival_rate;
    std::optional<std::string> ramp;
    std::optional<std::string> html_file;
    std::optional<std::string> metrics;  // ADDR:PORT
};

struct cli {
    boot_options boot;
    fleet_options fleet;
    run_options run;
    validate_options validate;
    CLI::App* boot_cmd = nullptr;
    CLI::App* fleet_cmd = nullptr;
};

void add_commands(CLI::App& app, cli& c);

// Parses the command line and runs the chosen sub-command; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace phone_agent
