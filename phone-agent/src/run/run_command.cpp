// `phone-agent run`: options, validation and the process around phone_runtime (one io_context,
// one thread, signals).
#include "run/run_command.hpp"

#include "fleet_command.hpp"
#include "run/phone_runtime.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/config/overrides.hpp"
#include "common/http/endpoint.hpp"
#include "common/net/dev_ca.hpp"
#include "common/net/tls_context.hpp"
#include "logic/server_url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <fstream>
#include <iostream>

namespace phone_agent {

namespace asio = boost::asio;

namespace {

int usage_error(const std::string& message) {
    std::cerr << "phone-agent run: " << message << "\n";
    return 2;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace

void add_run_command(CLI::App& app, run_options& o) {
    auto* cmd = app.add_subcommand(
        "run", "one phone that provisions, then stays up: Web UI, XML push, control API, XML browser");
    cmd->add_option("--server", o.server,
                    "provisioning server URL (default: the server the state directory remembers)");
    cmd->add_option("--mac", o.mac, "MAC address, 12 hex digits (separators allowed)")->required();
    cmd->add_option("--model", o.model, "phone model (6730i ... 9480iCT)")->capture_default_str();
    cmd->add_option("--firmware", o.firmware, "running firmware version (default: the state directory's)");
    cmd->add_option("--ca", o.ca_file, "extra trusted CA certificates (PEM) for provisioning and XML GETs");
    cmd->add_option("--state-dir", o.state_dir, "server.cfg, local.cfg, firmware/, web-tls/")->capture_default_str();
    cmd->add_option("--config", o.config_file, "YAML agent settings (as for boot)");
    cmd->add_option("--set", o.set, "override one agent setting (repeatable)");
    cmd->add_option("--login", o.login, "USER:PASS answering the CMS force-login flow");
    cmd->add_option("--http", o.http, "Web UI over HTTP, ADDR:PORT (port 0 picks one; 'off' disables)")
        ->capture_default_str();
    cmd->add_option("--https", o.https, "Web UI over HTTPS, ADDR:PORT ('off' disables)")->capture_default_str();
    cmd->add_option("--cert", o.cert_file, "HTTPS certificate (PEM); default: issued by a dev CA in the state dir");
    cmd->add_option("--key", o.key_file, "HTTPS private key (PEM) for --cert");
    cmd->add_option("--push-limit", o.push_limit, "largest XML object accepted by push, bytes")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
    cmd->add_flag("--test-clock", o.test_clock,
                  "allow POST /api/clock {\"advance_seconds\":N} to move the phone's wall clock (auto-resync tests)");
    cmd->add_option("--log-level", o.log_level, "trace, debug, info, warn, error, off (stderr)")
        ->capture_default_str();
    cmd->footer(
        "Prints 'listening http://...', 'listening https://...' and 'ready' on stdout. Web UI logins:\n"
        "admin/22222 and user/(empty) unless the configuration says otherwise. Control API (admin):\n"
        "POST /api/key {\"key\":\"softkey1\"}, GET /api/screen, POST /api/check-sync, GET /api/status,\n"
        "POST /api/event {\"event\":\"incoming\",\"number\":\"201\"}.\n"
        "Exit codes: 0 after SIGINT/SIGTERM, 2 usage or configuration.");
}

int run_phone(const run_options& o) {
    spdlog::set_level(spdlog::level::from_str(o.log_level));
    auto mac = common::aastra::mac_address::parse(o.mac);
    if (auto* err = std::get_if<common::aastra::mac_error>(&mac)) return usage_error("--mac: " + err->message);
    auto model = common::aastra::find_model(o.model);
    if (auto* err = std::get_if<common::aastra::model_error>(&model)) return usage_error("--model: " + err->message);
    if ((o.cert_file.has_value()) != (o.key_file.has_value())) return usage_error("--cert and --key go together");

    agent_config agent;
    try {
        std::optional<std::filesystem::path> file;
        if (o.config_file) file = *o.config_file;
        agent = load_agent_config(file, common::config::environment_from_environ(), o.set);
    } catch (const std::exception& e) {
        return usage_error(e.what());
    }
    if (auto err = check_tls_offer(agent)) return usage_error(*err);
    std::vector<config_setting> server_settings;
    if (o.server) {
        auto server = parse_server_url(*o.server);
        if (auto* err = std::get_if<server_url_error>(&server)) return usage_error("--server: " + err->message);
        server_settings = settings_for(std::get<server_location>(server));
    }
    const std::filesystem::path state_dir = o.state_dir;
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (ec) return usage_error("--state-dir " + o.state_dir + ": " + ec.message());

    std::string firmware = o.firmware.value_or("3.2.2.3077");
    if (!o.firmware) {
        // A firmware committed by an earlier boot is the one running now.
        std::ifstream in(state_dir / "firmware.version");
        std::string stored;
        if (in && std::getline(in, stored) && !trim(stored).empty()) firmware = trim(stored);
    }
    run_settings settings{phone_identity{std::get<common::aastra::model_info>(model),
                                         std::get<common::aastra::mac_address>(mac), firmware},
                          boot_settings{}, std::move(agent), state_dir, std::nullopt, std::nullopt,
                          push_limits{o.push_limit}, common::http::server_limits{}};
    settings.boot.local_settings = std::move(server_settings);
    settings.boot.order = settings.agent.order;
    settings.boot.retry = settings.agent.retry;
    settings.boot.preemptive_auth = settings.agent.preemptive_auth;
    settings.boot.max_firmware_bytes = settings.agent.max_firmware_bytes;
    if (o.ca_file) settings.ca_file = *o.ca_file;
    settings.test_clock = o.test_clock;
    if (o.login) {
        auto colon = o.login->find(':');
        if (colon == std::string::npos) return usage_error("--login: expected USER:PASS");
        settings.login = login_credentials{o.login->substr(0, colon), o.login->substr(colon + 1)};
    }

    // Listener addresses first, so a typo fails before anything else happens.
    std::optional<asio::ip::tcp::endpoint> http_ep, https_ep;
    for (auto [text, out, name] : {std::tuple{&o.http, &http_ep, "--http"}, std::tuple{&o.https, &https_ep, "--https"}}) {
        if (*text == "off") continue;
        auto parsed = common::http::parse_listen_address(*text);
        if (!parsed.endpoint) return usage_error(std::string(name) + ": " + parsed.error);
        *out = *parsed.endpoint;
    }
    if (!http_ep && !https_ep) return usage_error("--http and --https are both off");

    std::shared_ptr<asio::ssl::context> server_tls;
    if (https_ep) {
        common::tls::tls_config tls;
        if (o.cert_file) {
            tls.certificate = common::tls::pem_source::from_file(*o.cert_file);
            tls.private_key = common::tls::pem_source::from_file(*o.key_file);
        } else {
            const auto dir = settings.state_dir / "web-tls";
            auto now = std::chrono::system_clock::now();
            auto ca = common::tls::dev_ca::load_or_create(dir, now);
            if (auto* err = std::get_if<common::tls::ca_error>(&ca)) return usage_error("HTTPS certificate: " + err->message);
            auto& authority = std::get<common::tls::dev_ca>(ca);
            auto sans = common::tls::dev_ca::default_sans();
            const auto host = https_ep->address();
            if (!host.is_unspecified() && !host.is_loopback()) sans.push_back(host.to_string());
            auto files = authority.ensure_server_cert(dir, sans, now);
            if (auto* err = std::get_if<common::tls::ca_error>(&files)) return usage_error("HTTPS certificate: " + err->message);
            const auto& f = std::get<common::tls::server_cert_files>(files);
            tls.certificate = common::tls::pem_source::from_file(f.cert_file);
            tls.private_key = common::tls::pem_source::from_file(f.key_file);
            std::cout << "ca " << authority.cert_file().string() << "\n";
        }
        auto ctx = common::tls::make_server_context(tls);
        if (auto* err = std::get_if<common::tls::tls_error>(&ctx)) return usage_error("HTTPS: " + err->message);
        server_tls = std::make_shared<asio::ssl::context>(std::move(std::get<asio::ssl::context>(ctx)));
    }

    asio::io_context ioc{1};
    phone_runtime phone(ioc, std::move(settings));
    try {
        if (http_ep) std::cout << "listening " << phone.listen("http", *http_ep, nullptr) << "\n";
        if (https_ep) std::cout << "listening " << phone.listen("https", *https_ep, server_tls) << "\n";
    } catch (const std::exception& e) {
        return usage_error(e.what());
    }
    std::cout << "ready" << std::endl;

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& sec, int) {
        if (sec) return;
        phone.stop([&ioc] { ioc.stop(); });
    });
    phone.start();
    ioc.run();
    return 0;
}

}  // namespace phone_agent
