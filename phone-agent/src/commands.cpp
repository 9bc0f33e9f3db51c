// From the command line to a sub-command: validates the phone's identity and the server URL,
// loads the agent settings, and runs the mode. Usage and configuration errors exit with code 2.
#include "boot_runner.hpp"
#include "cli.hpp"
#include "fleet.hpp"
#include "logic/fleet_plan.hpp"
#include "logic/fleet_stats.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/config/overrides.hpp"
#include "logic/server_url.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

namespace phone_agent {

namespace {

int usage_error(const std::string& message) {
    std::cerr << "phone-agent: " << message << "\n";
    return 2;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

int boot_command(const boot_options& b, bool firmware_given) {
    auto mac = common::aastra::mac_address::parse(b.mac);
    if (auto* err = std::get_if<common::aastra::mac_error>(&mac)) return usage_error("--mac: " + err->message);
    auto model = common::aastra::find_model(b.model);
    if (auto* err = std::get_if<common::aastra::model_error>(&model)) return usage_error("--model: " + err->message);
    auto server = parse_server_url(b.server);
    if (auto* err = std::get_if<server_url_error>(&server)) return usage_error("--server: " + err->message);

    agent_config agent;
    try {
        std::optional<std::filesystem::path> file;
        if (b.config_file) file = *b.config_file;
        agent = load_agent_config(file, common::config::environment_from_environ(), b.set);
    } catch (const std::exception& e) {
        return usage_error(e.what());
    }
    const std::filesystem::path state_dir = b.state_dir;
    std::string firmware = b.firmware;
    if (!firmware_given) {
        // A firmware committed by an earlier boot is the one running now.
        std::ifstream in(state_dir / "firmware.version");
        std::string stored;
        if (in && std::getline(in, stored) && !trim(stored).empty()) firmware = trim(stored);
    }
    boot_request req{phone_identity{std::get<common::aastra::model_info>(model),
                                    std::get<common::aastra::mac_address>(mac), firmware},
                     boot_settings{}, std::move(agent), state_dir, std::nullopt, std::nullopt, std::nullopt};
    req.settings.order = req.agent.order;
    req.settings.retry = req.agent.retry;
    req.settings.preemptive_auth = req.agent.preemptive_auth;
    req.settings.max_firmware_bytes = req.agent.max_firmware_bytes;
    req.settings.local_settings = settings_for(std::get<server_location>(server));
    if (b.ca_file) req.ca_file = *b.ca_file;
    if (b.json_file) req.json_file = *b.json_file;
    if (b.login) {
        auto colon = b.login->find(':');
        if (colon == std::string::npos) return usage_error("--login: expected USER:PASS");
        req.login = login_credentials{b.login->substr(0, colon), b.login->substr(colon + 1)};
    }
    return run_boot(req);
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

int fleet_command(const fleet_options& f, bool firmware_given, std::string command_line) {
    fleet_request req;
    req.command_line = std::move(command_line);
    try {
        std::optional<std::filesystem::path> file;
        if (f.config_file) file = *f.config_file;
        req.agent = load_agent_config(file, common::config::environment_from_environ(), f.set);
    } catch (const std::exception& e) {
        return usage_error(e.what());
    }

    std::vector<model_share> mix{{f.model, 1}};
    if (f.models) {
        auto parsed = parse_model_mix(*f.models);
        if (auto* err = std::get_if<plan_error>(&parsed)) return usage_error(err->message);
        mix = std::get<std::vector<model_share>>(parsed);
    }
    for (const auto& share : mix) {
        auto model = common::aastra::find_model(share.model);
        if (auto* err = std::get_if<common::aastra::model_error>(&model)) return usage_error("--model: " + err->message);
        fleet_model fm{std::get<common::aastra::model_info>(model), replace_all(f.server, "{model}", share.model), {}};
        auto server = parse_server_url(fm.server_url);
        if (auto* err = std::get_if<server_url_error>(&server)) return usage_error("--server: " + err->message);
        fm.settings.order = req.agent.order;
        fm.settings.retry = req.agent.retry;
        fm.settings.preemptive_auth = req.agent.preemptive_auth;
        fm.settings.max_firmware_bytes = req.agent.max_firmware_bytes;
        fm.settings.local_settings = settings_for(std::get<server_location>(server));
        req.models.push_back(std::move(fm));
    }

    auto first = common::aastra::mac_address::parse(f.mac_start);
    if (auto* err = std::get_if<common::aastra::mac_error>(&first)) return usage_error("--mac-start: " + err->message);
    const auto& start = std::get<common::aastra::mac_address>(first);
    const auto assignment = assign_models(mix, f.count);
    req.phones.reserve(f.count);
    for (std::size_t i = 0; i < f.count; ++i) {
        auto mac = start.next(i);
        if (auto* err = std::get_if<common::aastra::mac_error>(&mac)) return usage_error("--count: " + err->message);
        req.phones.push_back({std::get<common::aastra::mac_address>(mac), assignment[i]});
    }

    req.firmware = f.firmware;
    req.firmware_given = firmware_given;
    if (f.ca_file) req.ca_file = *f.ca_file;
    if (f.state_dir) req.state_dir = *f.state_dir;
    if (f.json_file) req.json_file = *f.json_file;
    req.concurrency = f.concurrency;
    auto window = parse_duration(f.storm_window);
    if (auto* err = std::get_if<plan_error>(&window)) return usage_error("--storm-window " + err->message);
    req.storm_window = std::get<std::chrono::microseconds>(window);
    if (f.duration) {
        auto d = parse_duration(*f.duration);
        if (auto* err = std::get_if<plan_error>(&d)) return usage_error("--duration " + err->message);
        req.duration = std::get<std::chrono::microseconds>(d);
        if (req.duration.count() == 0) return usage_error("--duration: must be more than 0");
    }
    for (const auto& text : f.thresholds) {
        auto t = parse_threshold(text);
        if (auto* err = std::get_if<plan_error>(&t)) return usage_error(err->message);
        req.thresholds.push_back(std::get<threshold>(t));
    }
    if (f.source_addresses) {
        auto addresses = parse_address_list(*f.source_addresses);
        if (auto* err = std::get_if<plan_error>(&addresses)) return usage_error(err->message);
        req.source_addresses = std::get<std::vector<std::string>>(addresses);
    }
    return run_fleet(req);
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app;
    cli c;
    add_commands(app, c);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    spdlog::set_level(spdlog::level::warn);
    if (app.got_subcommand("run")) return run_phone(c.run);
    if (app.got_subcommand("validate")) return run_validate(c.validate);
    if (c.boot_cmd->parsed()) return boot_command(c.boot, c.boot_cmd->count("--firmware") > 0);
    if (c.fleet_cmd->parsed()) {
        std::string command_line;
        for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
        return fleet_command(c.fleet, c.fleet_cmd->count("--firmware") > 0, std::move(command_line));
    }
    return 2;
}

}  // namespace phone_agent
