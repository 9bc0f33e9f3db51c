#include "cli.hpp"

namespace cms_mock {

void add_options(CLI::App& app, cli_options& opts) {
    app.description(
        "cms-mock: a mock BroadSoft CMS / BroadWorks DMS provisioning server for Aastra phones.\n"
        "Serves aastra.cfg, <model>.cfg, <MAC>.cfg and firmware over HTTP and HTTPS, issues\n"
        "Digest/Basic challenges, injects faults and journals every request.");
    app.add_option("--config", opts.config_file, "YAML configuration file")->check(CLI::ExistingFile);
    app.add_option("--http", opts.http, "HTTP listener ADDR:PORT (default 0.0.0.0:8080; port 0 = any; 'off')");
    app.add_option("--https", opts.https, "HTTPS listener ADDR:PORT (default 0.0.0.0:8443; 'off')");
    app.add_option("--admin", opts.admin, "admin API listener ADDR:PORT (default 127.0.0.1:9090)");
    app.add_option("--root", opts.root, "directory served as the provisioning tree (default: built-in demo tree)");
    app.add_option("--state-dir", opts.state_dir, "where the development CA and keys live (default ./cms-mock-state)");
    app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error (default info)");
    app.add_option("--set", opts.set, "override one config key: --set auth.realm=X (repeatable; beats CMS_MOCK_* env)");
    app.footer(
        "Precedence: built-in defaults < --config file < CMS_MOCK_* environment < --set < the flags above.\n"
        "Prints one 'listening <url>' line per listener, the CA path, then 'ready'. Exit 2 on bad config.");
}

}  // namespace cms_mock
