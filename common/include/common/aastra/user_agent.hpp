// The User-Agent an Aastra phone sends on every HTTP(S) request:
//   Aastra<model> MAC:<XX-XX-XX-XX-XX-XX> V:<firmware>-SIP
// Servers (and the CMS mock) identify the phone by it, so the agent must send it exactly and the
// mock must read it with the same shape wazo's regex accepts:
//   ^Aastra(\w+) MAC:([^ ]+) V:([^ ]+)-SIP$
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"

namespace common::aastra {

struct user_agent_info {
    model_info model;
    mac_address mac;
    std::string firmware;  // e.g. "3.2.2.3077"
};

// Firmware that would make the header unparseable or unsafe (empty, space, control byte,
// non-ASCII); `message` names the offending value.
struct user_agent_error {
    std::string message;
};

// Uses the model's legacy token where the real phone does (a 6757i says "Aastra57i").
std::variant<std::string, user_agent_error> format_user_agent(const model_info& model,
                                                              const mac_address& mac,
                                                              std::string_view firmware);

// Returns nothing for other agents, and for Aastra-shaped strings whose model is not one we know
// or whose MAC is not a valid MAC: either way the request is not from a phone we can serve.
std::optional<user_agent_info> parse_user_agent(std::string_view header);

}  // namespace common::aastra
