#include "net/app.hpp"

#include "cli.hpp"
#include "logic/mock_config_loader.hpp"
#include "logic/provisioning_service.hpp"

#include "common/config/overrides.hpp"
#include "common/http/endpoint.hpp"
#include "common/http/http_server.hpp"
#include "common/net/dev_ca.hpp"
#include "common/net/tls_context.hpp"

#include <boost/asio/signal_set.hpp>
#include <openssl/rand.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

namespace cms_mock {

namespace net = boost::asio;
using common::http::http_server;
using common::http::listener_spec;
using common::http::parse_listen_address;
using common::http::server_limits;
using common::http::url_of;

namespace {

std::string random_secret() {
    std::string s(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(s.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed: cannot make the nonce secret");
    }
    return s;
}

common::tls::tls_version parse_version(const std::string& v) {
    if (v == "1.0") return common::tls::tls_version::tls1_0;
    if (v == "1.1") return common::tls::tls_version::tls1_1;
    if (v == "1.3") return common::tls::tls_version::tls1_3;
    return common::tls::tls_version::tls1_2;
}

// Server TLS context from the config: the given certificate, or one issued by the development CA
// kept in the state directory (whose ca.pem clients should trust).
std::shared_ptr<net::ssl::context> make_tls(const mock_config& cfg) {
    common::tls::tls_config tc;
    const auto now = std::chrono::system_clock::now();
    std::filesystem::path state = cfg.state_dir;
    auto ca = common::tls::dev_ca::load_or_create(state, now);
    if (auto* err = std::get_if<common::tls::ca_error>(&ca)) {
        throw std::runtime_error("development CA in " + state.string() + ": " + err->message);
    }
    auto& dev = std::get<common::tls::dev_ca>(ca);
    std::cout << "ca " << dev.cert_file().string() << std::endl;
    if (cfg.tls.cert_file) {
        tc.certificate.file = *cfg.tls.cert_file;
        tc.private_key.file = *cfg.tls.key_file;
    } else {
        auto files = dev.ensure_server_cert(state, cfg.tls.sans, now);
        if (auto* err = std::get_if<common::tls::ca_error>(&files)) {
            throw std::runtime_error("server certificate in " + state.string() + ": " + err->message);
        }
        const auto& f = std::get<common::tls::server_cert_files>(files);
        tc.certificate.file = f.cert_file;
        tc.private_key.file = f.key_file;
        // The leaf alone: the development CA is a self-signed root, which a client must already
        // trust for the leaf to verify, so sending it adds nothing but bytes and one more
        // certificate for every client to parse in every full handshake (about 1.5 million
        // instructions in OpenSSL 3.0, a fifth of a phone's handshake).
    }
    tc.min_version = parse_version(cfg.tls.min_version);
    tc.legacy_tls10 = cfg.tls.legacy_tls10;
    tc.offer = cfg.tls.offer;
    if (cfg.tls.client_certificates != "none") {
        tc.client_cert = cfg.tls.client_certificates == "require" ? common::tls::client_cert_mode::require
                                                                   : common::tls::client_cert_mode::request;
        tc.ca_files.push_back({});
        tc.ca_files.back().pem = dev.cert_pem();
    }
    auto ctx = common::tls::make_server_context(tc);
    if (auto* err = std::get_if<common::tls::tls_error>(&ctx)) {
        throw std::runtime_error("TLS: " + err->message);
    }
    return std::make_shared<net::ssl::context>(std::move(std::get<net::ssl::context>(ctx)));
}

server_limits limits_from(const limits_settings& l) {
    server_limits s;
    s.header_limit = l.header_limit;
    s.body_limit = l.body_limit;
    s.max_connections = l.max_connections;
    s.queue_when_full = l.queue_when_full;
    s.request_timeout = l.request_timeout;
    s.idle_timeout = l.idle_timeout;
    s.handshake_timeout = l.handshake_timeout;
    s.write_timeout = l.write_timeout;
    s.shutdown_grace = l.shutdown_grace;
    return s;
}

net::ip::tcp::endpoint endpoint_or_throw(const std::string& key, const std::string& text) {
    auto parsed = parse_listen_address(text);
    if (!parsed.endpoint) throw std::runtime_error("listen." + key + ": " + parsed.error);
    return *parsed.endpoint;
}

}  // namespace

int run_cms_mock(int argc, char** argv) {
    CLI::App app;
    cli_options opts;
    add_options(app, opts);
    CLI11_PARSE(app, argc, argv);

    spdlog::set_default_logger(spdlog::stderr_color_st("cms-mock"));
    // The whole precedence, re-run on POST /_admin/reload: defaults < file < env < --set < flags.
    auto load = [opts]() {
        std::optional<std::filesystem::path> file;
        if (opts.config_file) file = *opts.config_file;
        auto c = load_mock_config(file, common::config::environment_from_environ(), opts.set);
        if (opts.http) c.http = *opts.http;
        if (opts.https) c.https = *opts.https;
        if (opts.admin) c.admin = *opts.admin;
        if (opts.root) c.root = *opts.root;
        if (opts.state_dir) c.state_dir = *opts.state_dir;
        if (opts.log_level) c.log_level = *opts.log_level;
        return c;
    };
    mock_config cfg;
    try {
        cfg = load();
    } catch (const std::exception& e) {
        std::cerr << "cms-mock: " << e.what() << std::endl;
        return 2;
    }
    auto level = spdlog::level::from_str(cfg.log_level);
    if (level == spdlog::level::off && cfg.log_level != "off") {
        std::cerr << "cms-mock: log_level: unknown level '" << cfg.log_level
                  << "' (trace, debug, info, warn, error, off)" << std::endl;
        return 2;
    }
    spdlog::set_level(level);

    // Everything runs on this one thread (the signal_set included), so the scheduler and reactor
    // need no locks (their lock and unlock calls were ~700 instructions per keep-alive request).
    net::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
    std::unique_ptr<provisioning_service> service;
    http_server server(ioc, limits_from(cfg.limits));
    try {
        service = std::make_unique<provisioning_service>(cfg, random_secret(),
                                                         [] { return std::chrono::system_clock::now(); });
        std::vector<std::pair<std::string, std::string>> lines;
        auto provisioning = [&service](request_view& r) { return service->handle(r); };
        if (cfg.http != "off") {
            auto ep = server.listen({"http", endpoint_or_throw("http", cfg.http), nullptr, provisioning});
            lines.emplace_back("listening", url_of("http", ep));
        }
        if (cfg.https != "off") {
            auto tls = make_tls(cfg);
            auto ep = server.listen({"https", endpoint_or_throw("https", cfg.https), tls, provisioning});
            lines.emplace_back("listening", url_of("https", ep));
        }
        if (cfg.admin != "off") {
            auto admin = [&service](request_view& r) { return service->handle_admin(r); };
            auto ep = server.listen({"admin", endpoint_or_throw("admin", cfg.admin), nullptr, admin});
            lines.emplace_back("listening admin", url_of("http", ep));
        }
        for (const auto& [what, url] : lines) std::cout << what << ' ' << url << '\n';
    } catch (const std::exception& e) {
        std::cerr << "cms-mock: " << e.what() << std::endl;
        return 2;
    }
    service->set_config_source(load);
    service->set_stats_source([&server] {
        service_stats s;
        s.open_connections = server.open_connections();
        s.tls_handshakes_ok = server.counters().tls_handshakes_ok;
        s.tls_handshakes_failed = server.counters().tls_handshakes_failed;
        s.connections_refused = server.counters().connections_refused;
        s.requests_rejected = server.counters().requests_rejected;
        return s;
    });

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: stopping (grace {} ms)", sig, cfg.limits.shutdown_grace.count());
        server.shutdown([&ioc] { ioc.stop(); });
    });
    server.start();
    std::cout << "ready" << std::endl;
    ioc.run();
    return 0;
}

}  // namespace cms_mock
