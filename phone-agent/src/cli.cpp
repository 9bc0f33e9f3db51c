#include "cli.hpp"

namespace phone_agent {

void add_commands(CLI::App& app, cli& c) {
    app.description(
        "phone-agent: emulates Aastra 6700i / 9143i / 9480i SIP phones (firmware 3.2.x) on HTTP and\n"
        "HTTPS: boot provisioning, Digest/Basic answers, XML pages, action URIs, its own web servers.");
    app.require_subcommand(1);
    auto& b = c.boot;
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
    c.boot_cmd->footer(
        "Exit codes: 0 provisioned, 2 usage or config, 3 network, 4 TLS, 5 auth, 6 server error,\n"
        "7 force login required. Settings: defaults < --config < PHONE_AGENT_* environment < --set.");
}

}  // namespace phone_agent
