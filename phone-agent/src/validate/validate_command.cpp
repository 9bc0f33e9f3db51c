#include "validate/validate_command.hpp"

#include "validate/validate_runner.hpp"

#include "common/fs/atomic_file.hpp"
#include "common/net/tls_context.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace phone_agent {

namespace {

// A baseline is a short list; anything past 1 MiB is not one.
std::optional<std::string> read_small_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read " + path;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    if (out.size() > (1u << 20)) return path + ": larger than 1 MiB";
    return std::nullopt;
}

}  // namespace

void add_validate_command(CLI::App& app, validate_options& v) {
    auto* cmd = app.add_subcommand(
        "validate", "exercise a provisioning server the way a phone does and report numbered checks");
    cmd->add_option("--server", v.server, "provisioning server URL, e.g. https://host:8443/dms/Aastra9480i/")->required();
    cmd->add_option("--mac", v.mac, "MAC of a device to boot and whose <MAC>.cfg is checked (PROV-001/003)");
    cmd->add_option("--model", v.model, "phone model (User-Agent and <model>.cfg)")->capture_default_str();
    cmd->add_option("--firmware", v.firmware, "running firmware version in the User-Agent")->capture_default_str();
    cmd->add_option("--user", v.user, "login for aastra.cfg")->capture_default_str();
    cmd->add_option("--password", v.password, "password for aastra.cfg")->capture_default_str();
    cmd->add_option("--ca", v.ca_file, "extra trusted CA certificates (PEM)");
    cmd->add_option("--json", v.json_file, "write the results as JSON to this file");
    cmd->add_option("--junit", v.junit_file, "write the results as JUnit XML (one testcase per check)");
    cmd->add_option("--timeout-ms", v.timeout_ms, "deadline of every phase of every exchange")
        ->capture_default_str()
        ->check(CLI::Range(100u, 600'000u));
    cmd->add_option("--missing-file", v.missing_file, "a file name the server does not have (HTTP-002)")
        ->capture_default_str();
    cmd->add_option("--baseline", v.baseline_file,
                    "known failures: check ids one per line, or a previous --json report; they do not fail the run")
        ->check(CLI::ExistingFile);
    cmd->add_option("--stale-after", v.stale_after_seconds,
                    "AUTH-008: reuse the first nonce after this many seconds (longer than the server's nonce lifetime); 0 skips")
        ->capture_default_str()
        ->check(CLI::Range(0u, 3600u));
    cmd->add_option("--client-cert", v.client_cert, "client certificate (PEM) for TLS-006")->check(CLI::ExistingFile);
    cmd->add_option("--client-key", v.client_key, "its private key (PEM)")->check(CLI::ExistingFile);
    cmd->add_option("--tls-ciphers", v.tls_ciphers, "TLS 1.2 ciphers offered, OpenSSL syntax (default: OpenSSL's)");
    cmd->add_option("--tls-ciphersuites", v.tls_ciphersuites, "TLS 1.3 suites offered (default: OpenSSL's)");
    cmd->add_option("--tls-groups", v.tls_groups, "key exchange groups offered, e.g. X25519:P-256 (default: OpenSSL's)");
    cmd->add_option("--check", v.only, "run only this check (repeatable), e.g. --check AUTH-003");
    cmd->footer("Results: pass, warn, fail, skip. Exit codes: 0 no unexpected failure, 1 a check failed "
                "(not listed in --baseline), 2 usage.");
}

int run_validate(const validate_options& v) {
    auto usage = [](const std::string& m) {
        std::cerr << "phone-agent validate: " << m << "\n";
        return 2;
    };
    validate::runner_settings s;
    s.server_url = v.server;
    std::string error;
    auto base = common::net::parse_url(v.server, &error);
    if (!base) return usage("--server: " + error);
    if (!base->target.ends_with('/')) base->target += '/';
    s.base = *base;
    auto model = common::aastra::find_model(v.model);
    if (auto* err = std::get_if<common::aastra::model_error>(&model)) return usage("--model: " + err->message);
    s.model = std::get<common::aastra::model_info>(model);
    if (v.mac) {
        auto mac = common::aastra::mac_address::parse(*v.mac);
        if (auto* err = std::get_if<common::aastra::mac_error>(&mac)) return usage("--mac: " + err->message);
        s.mac = std::get<common::aastra::mac_address>(mac);
    }
    s.firmware = v.firmware;
    s.user = v.user;
    s.password = v.password;
    if (v.ca_file) s.ca_file = *v.ca_file;
    s.system_roots = v.system_roots;
    s.tls_offer = {v.tls_ciphers, v.tls_ciphersuites, v.tls_groups};
    if (auto err = common::tls::check_client_offer(s.tls_offer)) {
        return usage("--tls-ciphers/--tls-ciphersuites/--tls-groups: " + err->message);
    }
    s.timeout = std::chrono::milliseconds(v.timeout_ms);
    s.missing_file = v.missing_file;
    s.stale_after = std::chrono::seconds(v.stale_after_seconds);
    if (v.client_cert.has_value() != v.client_key.has_value()) {
        return usage("--client-cert and --client-key go together");
    }
    if (v.client_cert) {
        s.client_cert = *v.client_cert;
        s.client_key = *v.client_key;
    }
    std::vector<validate::check_def> selected;
    for (const auto& id : v.only) {
        const auto* def = validate::find_check(id);
        if (!def) return usage("--check: unknown check id '" + id + "'");
        selected.push_back(*def);
    }
    if (v.only.empty()) selected = validate::check_registry();
    std::optional<validate::baseline> known;
    if (v.baseline_file) {
        std::string text;
        if (auto err = read_small_file(*v.baseline_file, text)) return usage("--baseline: " + *err);
        auto parsed = validate::parse_baseline(text, *v.baseline_file);
        if (auto* err = std::get_if<validate::baseline_error>(&parsed)) return usage("--baseline: " + err->message);
        known = std::get<validate::baseline>(std::move(parsed));
    }

    validate::observations obs;
    try {
        obs = validate::collect(s, validate::needs_of(selected));
    } catch (const std::exception& e) {
        return usage(e.what());
    }
    std::vector<validate::check_result> results;
    for (const auto& def : selected) results.push_back(validate::evaluate_one(def, obs));
    validate::baseline_report report;
    if (known) report = validate::apply_baseline(*known, results);
    std::cout << "phone-agent validate " << v.server << "\n" << validate::render_table(results, report) << std::flush;
    if (v.json_file) {
        if (auto err = common::fs::write_file_atomically(*v.json_file, validate::render_json(v.server, results, report))) {
            std::cerr << "phone-agent validate: --json: " << err->message << "\n";
            return 2;
        }
    }
    if (v.junit_file) {
        if (auto err = common::fs::write_file_atomically(*v.junit_file, validate::render_junit(v.server, results))) {
            std::cerr << "phone-agent validate: --junit: " << err->message << "\n";
            return 2;
        }
    }
    return validate::exit_code(results);
}

}  // namespace phone_agent
