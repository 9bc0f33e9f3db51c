#include "cli.hpp"

namespace phone_agent {

void add_commands(CLI::App& app, cli& c) {
    app.description(
        "phone-agent: emulates Aastra 6700i / 9143i / 9480i SIP phones (firmware 3.2.x) on HTTP and\n"
        "HTTPS: boot provisioning, Digest/Basic answers, XML pages, action URIs, its own web servers.");
    app.require_subcommand(1);
    auto& b = c.boot;
    add_run_command(app, c.run);
    add_validate_command(app, c.validate);
    c.boot_cmd = app.add_subcommand("boot", "provision one phone from a server and exit (0 = provisioned)");
    c.boot_cmd->add_option("--server", b.server, "provisioning server URL, e.g. https://host:8443/dms/Aastra9480i/")->required();
    c.boot_cmd->add_option("--mac", b.mac, "MAC address, 12 hex digits (separators allowed)")->required();
    c.boot_cmd->add_option("--model", b.model, "phone model (6730i ... 9480iCT)")->capture_default_str();
    c.boot_cmd->add_option("--firmware", b.firmware, "running firmware version")->capture_default_str();
    c.boot_cmd->add_option("--ca", b.ca_file, "extra trusted CA certificates (PEM)");
    c.boot_cmd->add_option("--state-dir", b.state_dir, "where server.cfg, local.cfg and firmware are kept")->capture_default_str();
    c.boot_cmd->add_option("--json", b.json_file, "write a JSON report of the boot to this file");
    c.boot_cmd->add_option("--config", b.config_file, "YAML configuration file");
    c.boot_cmd->add_option("--login", b.login, "USER:PASS answering the CMS force-login flow (http digest force login: 1)");
    c.boot_cmd->add_option("--set", b.set, "override one agent setting: --set retry.max_attempts=2 (repeatable)");
    c.boot_cmd->add_flag("--keep-alive", b.keep_alive,
                         "reuse one connection for successive requests to the same server (the phone does not)");
    c.boot_cmd->add_flag("--tls-resumption", b.tls_resumption,
                         "offer the previous connection's TLS session on the next one (the phone does not)");
    c.boot_cmd->add_option("--client-cert", b.client_cert, "client certificate (PEM; may hold the key too)");
    c.boot_cmd->add_option("--client-key", b.client_key, "private key of --client-cert (PEM)");
    c.boot_cmd->footer(
        "Exit codes: 0 provisioned, 2 usage or config, 3 network, 4 TLS, 5 auth, 6 server error,\n"
        "7 force login required. Settings: defaults < --config < PHONE_AGENT_* environment < --set.");

    auto& f = c.fleet;
    auto* fl = c.fleet_cmd = app.add_subcommand(
        "fleet", "emulate N phones provisioning against one server and measure it (load test)");
    fl->add_option("--server", f.server,
                   "provisioning server URL; {model} is replaced per phone, e.g. http://host:8080/dms/Aastra{model}/")
        ->required();
    fl->add_option("--mac-start", f.mac_start, "MAC of the first phone; the others follow")->capture_default_str();
    fl->add_option("--count", f.count, "number of phones")->capture_default_str()->check(CLI::Range(1, 1'000'000));
    auto* model_opt = fl->add_option("--model", f.model, "model of every phone")->capture_default_str();
    fl->add_option("--models", f.models, "model mix with weights, e.g. 6731i:50,9480i:50")->excludes(model_opt);
    fl->add_option("--firmware", f.firmware, "running firmware of every phone")->capture_default_str();
    fl->add_option("--ca", f.ca_file, "extra trusted CA certificates (PEM)");
    auto* state_opt = fl->add_option("--state-dir", f.state_dir, "keep each phone's files in DIR/<MAC>/ like boot");
    fl->add_flag("--no-state", f.no_state, "keep phones in memory; firmware is hashed, not stored (the default)")
        ->excludes(state_opt);
    fl->add_option("--json", f.json_file, "write every figure as JSON to this file");
    fl->add_option("--metrics", f.metrics, "serve Prometheus /metrics on ADDR:PORT while running (port 0 picks one)");
    fl->add_option("--html", f.html_file, "write a report with latency-over-time and percentile plots (inline SVG)");
    fl->add_option("--config", f.config_file, "YAML agent settings (as for boot)");
    fl->add_option("--set", f.set, "override one agent setting (repeatable)");
    fl->add_option("--concurrency", f.concurrency, "at most C phones in flight (0 = no limit)")->capture_default_str();
    fl->add_option("--threads", f.threads, "io_context threads; phones dealt round-robin, --concurrency split")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    fl->add_option("--storm-window", f.storm_window, "release the phones within this time (boot storm)")
        ->capture_default_str();
    fl->add_option("--storm-shape", f.storm_shape,
                   "spread over the window: uniform (evenly) or exponential (most at once, a thinning tail)")
        ->capture_default_str();
    fl->add_option("--duration", f.duration, "start no new phone after this time");
    fl->add_option("--threshold", f.thresholds,
                   "pass/fail check, repeatable: 'p99<500ms', 'firmware.p90<2s', 'errors<0.1%', 'provisioned>=99%', 'provisioned@60s>=99%'");
    fl->add_option("--deadline", f.deadlines,
                   "report the share of the phones provisioned by this time after the start (repeatable)");
    fl->add_option("--source-addresses", f.source_addresses,
                   "bind phones' connections to these addresses in turn, e.g. 127.0.0.2-127.0.0.50");
    fl->add_flag("--keep-alive", f.keep_alive, "each phone reuses one connection per server (the phone does not)");
    fl->add_flag("--tls-resumption", f.tls_resumption, "each phone offers its previous TLS session (the phone does not)");
    fl->add_option("--client-cert", f.client_cert, "TLS client certificate of every phone (PEM; may hold the key)");
    fl->add_option("--client-key", f.client_key, "private key of --client-cert (PEM)");
    auto* devices_opt = fl->add_option(
        "--devices", f.devices, "CSV of phones: header mac,model,firmware,username,password,client_cert,client_key");
    for (auto* o : {fl->get_option("--mac-start"), fl->get_option("--count")}) o->excludes(devices_opt);
    fl->add_option("--shard", f.shard, "run only shard K (0-based) of N equal parts of the phones, e.g. 2/4");
    fl->add_option("--resyncs", f.resyncs, "boot every phone again this many times (resync)")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000'000}))
        ->capture_default_str();
    fl->add_option("--resync-interval", f.resync_interval, "time between a phone's boots, from its intended start");
    auto* rate_opt = fl->add_option("--arrival-rate", f.arrival_rate,
                                    "open model: phones started per second (50, 50/s, 3000/m), not waiting for others");
    rate_opt->excludes(fl->get_option("--storm-window"));
    rate_opt->excludes(fl->get_option("--storm-shape"));
    fl->add_option("--ramp", f.ramp, "open-model stages DURATION:RATE, linear ramps, e.g. 30s:100,1m:100,30s:0")
        ->needs(rate_opt);
    fl->footer(
        "Latency is measured from each phone's intended start (coordinated-omission safe). Histograms:\n"
        "ttp (time to provisioned), service, connect, tls, ttfb, transfer, aastra_cfg, model_cfg, mac_cfg,\n"
        "firmware. Exit codes: 0 done and every threshold passed, 1 a threshold failed, 2 usage.");
}

}  // namespace phone_agent
