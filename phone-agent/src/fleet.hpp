// `phone-agent fleet`: N emulated phones provisioning against one server, each driving its own
// provisioning_fsm through boot_driver, on --threads single-threaded io_contexts (fleet_shard.hpp).
// Phones are released on a boot-storm schedule (over --storm-window, --storm-shape) and at most
// --concurrency are in flight (closed model); latency is measured from each phone's intended
// start. A progress line per second goes to stderr, the summary to stdout, everything to --json.
#pragma once

#include "logic/agent_config.hpp"
#include "logic/boot_fsm.hpp"
#include "logic/fleet_schedule.hpp"
#include "logic/fleet_stats.hpp"

#include "common/net/http_client.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace phone_agent {

struct fleet_model {
    common::aastra::model_info model;
    std::string server_url;   // --server with {model} replaced
    boot_settings settings;   // local layer from server_url, retries, order
};

struct fleet_phone {
    common::aastra::mac_address mac;
    std::size_t model_index = 0;  // into fleet_request::models
    // From --devices; unset falls back to the fleet-wide values.
    std::optional<std::string> firmware;
    std::optional<login_credentials> credentials;  // aastra.cfg's answer and local http digest login
    std::optional<std::string> client_cert;
    std::optional<std::string> client_key;
};

struct fleet_request {
    std::vector<fleet_model> models;
    std::vector<fleet_phone> phones;
    agent_config agent;
    std::string firmware = "3.2.2.3077";  // running version of every phone
    bool firmware_given = false;          // else a state dir's firmware.version wins
    std::optional<std::filesystem::path> ca_file;
    // Per phone <state_dir>/<MAC>/ like `boot`; nullopt keeps everything in memory and only
    // hashes firmware.
    std::optional<std::filesystem::path> state_dir;
    std::optional<std::filesystem::path> json_file;
    std::optional<std::filesystem::path> html_file;  // report with inline SVG plots
    std::optional<std::string> metrics_listen;       // ADDR:PORT for Prometheus /metrics while running
    std::size_t concurrency = 0;  // 0: no limit; split evenly over the threads
    std::size_t threads = 1;      // io_contexts, one thread each; phone i runs on i % threads
    std::chrono::microseconds storm_window{0};
    storm_shape storm_spread = storm_shape::uniform;  // how the window is filled
    std::chrono::microseconds duration{0};  // 0: start every phone
    std::vector<threshold> thresholds;
    // --deadline: report the phones provisioned by each, after the start.
    std::vector<std::chrono::microseconds> deadlines;
    // What the statistics count exactly: deadlines plus those of `provisioned@D` thresholds.
    std::vector<std::chrono::microseconds> watched_deadlines() const;
    std::vector<std::string> source_addresses;  // phone i binds to [i % size]
    std::chrono::milliseconds progress_interval{1000};
    std::string command_line;  // for the report
    common::net::connection_options connection;  // per phone: keep-alive, TLS resumption
    // Open model: phone i starts at arrival_offset(i) instead of the boot-storm slot.
    std::optional<arrival_plan> arrival;
    // Each phone boots 1 + resyncs times, resync_interval apart (from its intended first start).
    std::size_t resyncs = 0;
    std::chrono::microseconds resync_interval{0};
    std::optional<shard> shard_of;  // this process's part (already applied to `phones`)
    std::size_t fleet_size = 0;     // phones before --shard

    std::size_t planned_boots() const { return phones.size() * (1 + resyncs); }
};

// Runs the fleet to the end; returns 0, 1 when a threshold failed, 2 on a usage error (state
// directory unusable). Phones that fail are counted, not fatal.
int run_fleet(const fleet_request& req);

}  // namespace phone_agent
