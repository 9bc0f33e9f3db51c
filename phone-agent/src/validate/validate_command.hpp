// `phone-agent validate --server URL`: exercises a provisioning server the way an Aastra phone
// does and reports numbered checks (HTTP, AUTH, TLS, PROV) as a table, JSON and JUnit.
// The checks themselves are pure (logic/validate_checks.hpp); validate_runner performs the I/O.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace phone_agent {

struct validate_options {
    std::string server;  // http(s)://host[:port]/path/
    std::optional<std::string> mac;
    std::string model = "6731i";
    std::string firmware = "3.2.2.3077";
    std::string user = "aastra";  // the login for aastra.cfg
    std::string password = "aastra";
    std::optional<std::string> ca_file;
    std::optional<std::string> json_file;
    std::optional<std::string> junit_file;
    unsigned timeout_ms = 10'000;  // every phase of every exchange; also the Connection: close wait
    std::string missing_file = "phone-agent-validate-missing.cfg";
    bool system_roots = true;
    std::string tls_ciphers, tls_ciphersuites, tls_groups;  // the ClientHello's offer (OpenSSL syntax)
    std::optional<std::string> baseline_file;  // known failures
    unsigned stale_after_seconds = 0;          // AUTH-008: wait this long, then reuse the nonce
    std::optional<std::string> client_cert;    // TLS-006
    std::optional<std::string> client_key;
    std::vector<std::string> only;             // --check: run only these ids
};

// Adds the `validate` sub-command to `app`, filling `options`; `app.got_subcommand("validate")`
// tells afterwards whether it was chosen.
void add_validate_command(CLI::App& app, validate_options& options);

// Runs every check on its own io_context and prints the table on stdout; writes --json/--junit.
// Returns 0 when no check failed unexpectedly (failures listed in --baseline are expected), 1 when
// one did, 2 for a usage error (bad URL, MAC, model, CA, baseline file).
int run_validate(const validate_options& options);

}  // namespace phone_agent
