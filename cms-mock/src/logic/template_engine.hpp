// `{{name}}` substitution for provisioning file templates (aastra.cfg, <model>.cfg, <MAC>.cfg).
// Pure functions; safe to call from any thread.
//
// Syntax: `{{ name }}` where name is [A-Za-z0-9_.-]+ (dotted names such as `device.username`),
// with optional spaces/tabs inside the braces. `{{{{` is the escape for a literal `{{`; a lone `}}`
// needs no escape. Values are inserted verbatim (CR/LF included), since config bodies are not
// headers.
#pragma once

#include "logic/devices.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace cms_mock {

using template_vars_map = std::map<std::string, std::string, std::less<>>;

// Variables for one device, layered so a device cannot spoof the built-ins:
//   server_vars (e.g. "server.host")  <  device.extra  <  built-ins:
//   mac (00085D1A2B3C), mac.lower, mac.dashed (00-08-5D-1A-2B-3C), model, firmware,
//   device.username, device.password, user.username, user.password, lines.count and, for each line
//   N (1-based), lineN.auth_name, lineN.password, lineN.user_name, lineN.display_name,
//   lineN.registrar.
template_vars_map template_vars(const device& d, const template_vars_map& server_vars = {});

enum class template_mode {
    strict,   // an unknown variable is an error
    lenient,  // an unknown variable renders as the empty string
};

struct template_error {
    std::string message;  // "<source>:<line>:<column>: <what>"
    std::size_t line = 0;    // 1-based
    std::size_t column = 0;  // 1-based, in bytes
};

inline constexpr std::size_t default_template_output_limit = 1024 * 1024;

// Renders `text`. Errors: unknown variable (strict mode; names the variable), unterminated `{{`,
// an invalid or empty name, and output larger than `max_output` bytes (so a small template with
// huge values cannot blow up a response). Positions point at the opening `{{`.
std::variant<std::string, template_error> render_template(
    std::string_view text, const template_vars_map& vars, template_mode mode = template_mode::strict,
    std::string_view source_name = "template",
    std::size_t max_output = default_template_output_limit);

}  // namespace cms_mock
