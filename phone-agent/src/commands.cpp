// From the command line to a sub-command: validates the phone's identity and the server URL,
// loads the agent settings, and runs the mode. Usage and configuration errors exit with code 2.
#include "boot_runner.hpp"
#include "cli.hpp"
#include "fleet_command.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/config/overrides.hpp"
#include "common/net/tls_context.hpp"
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

}  // namespace

// The client certificate and key are read at each handshake; a file that cannot be read is a
// start-up error (exit 2), not a TLS failure of the first request.
std::optional<std::string> check_client_certificate(const agent_config& agent) {
    if (agent.client_key && !agent.client_certificate) {
        return "--client-key (tls.client_key) needs --client-cert (tls.client_certificate)";
    }
    for (const auto* file : {&agent.client_certificate, &agent.client_key}) {
        if (!*file) continue;
        std::ifstream in(**file);
        if (!in) return std::string(file == &agent.client_key ? "client key" : "client certificate") + " '" +
                        **file + "': cannot be read";
    }
    return std::nullopt;
}

std::optional<std::string> check_tls_offer(const agent_config& agent) {
    if (auto err = common::tls::check_client_offer(agent.tls_offer)) return "agent setting tls." + err->message;
    return std::nullopt;
}

namespace {

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
    if (b.client_cert) agent.client_certificate = *b.client_cert;
    if (b.client_key) agent.client_key = *b.client_key;
    if (auto err = check_client_certificate(agent)) return usage_error(*err);
    if (auto err = check_tls_offer(agent)) return usage_error(*err);
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
                     boot_settings{}, std::move(agent), state_dir, std::nullopt, std::nullopt, std::nullopt, {}};
    req.settings.order = req.agent.order;
    req.settings.retry = req.agent.retry;
    req.settings.preemptive_auth = req.agent.preemptive_auth;
    req.settings.max_firmware_bytes = req.agent.max_firmware_bytes;
    req.settings.local_settings = settings_for(std::get<server_location>(server));
    if (b.ca_file) req.ca_file = *b.ca_file;
    if (b.json_file) req.json_file = *b.json_file;
    req.connection = {b.keep_alive, b.tls_resumption};
    if (b.login) {
        auto colon = b.login->find(':');
        if (colon == std::string::npos) return usage_error("--login: expected USER:PASS");
        req.login = login_credentials{b.login->substr(0, colon), b.login->substr(colon + 1)};
    }
    return run_boot(req);
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
