// From `phone-agent fleet`'s command line to a fleet_request: the phones (MAC range or --devices
// CSV, model mix, --shard), the load shape, connection options; usage errors exit with code 2.
#pragma once

#include "cli.hpp"
#include "logic/agent_config.hpp"

#include <optional>
#include <string>

namespace phone_agent {

int fleet_command(const fleet_options& f, bool firmware_given, std::string command_line);

// Shared with boot (commands.cpp): a client certificate or key that cannot be read.
std::optional<std::string> check_client_certificate(const agent_config& agent);

// Shared with boot and run: tls.cipher_list, tls.ciphersuites and tls.groups that OpenSSL does
// not accept are a start-up error (exit 2), not a TLS failure of every request.
std::optional<std::string> check_tls_offer(const agent_config& agent);

}  // namespace phone_agent
