// The JSON control API that tests drive a running phone with (not a firmware feature): key
// presses in, the rendered screen and the phone's status out. Pure request parsing and JSON
// rendering; the I/O layer checks the admin login and routes:
//   POST /api/key         {"key": "softkey1"} or {"keys": ["1", "2", "select"]}
//   GET  /api/screen      screen_json(render())
//   POST /api/check-sync  re-provision (like a SIP NOTIFY check-sync)
//   GET  /api/status      status_json(...)
//   POST /api/event       {"event": "incoming", "number": "201", "name": "Bob"}: a telephony event
//                         (no SIP stack here), which fires its action URI and sets the line state
//   POST /api/clock       {"advance_seconds": 3600}: moves the phone's wall clock (only with
//                         `run --test-clock`), for auto-resync tests that do not sleep
#pragma once

#include "logic/action_uris.hpp"
#include "logic/phone_screen.hpp"
#include "logic/screen_actions.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

// Errors name what is wrong: not JSON, not an object, no "key"/"keys", an unknown key name.
std::variant<std::vector<key_press>, std::string> parse_key_request(std::string_view body);

std::string screen_json(const screen_view& view);

struct event_request {
    action_event event = action_event::offhook;
    std::string number;  // $$REMOTENUMBER$$ for incoming/outgoing
    std::string name;    // $$DISPLAYNAME$$ / $$INCOMINGNAME$$ for incoming
};
// Accepts the events a caller can cause: incoming, outgoing, offhook, onhook, connected,
// disconnected, registered, xml_sip_notify. Errors name the field.
std::variant<event_request, std::string> parse_event_request(std::string_view body);

// The LINESTATE after `event` (IDLE, INCOMING, OUTGOING, CONNECTED, ...), or nullopt when the
// event does not change it.
std::optional<std::string> line_state_after(action_event event);

// {"advance_seconds": N}, 0 <= N <= 400 days.
std::variant<std::chrono::seconds, std::string> parse_clock_request(std::string_view body);

struct phone_status {
    std::string model;
    std::string mac;
    std::string firmware;
    std::string user_agent;
    std::string provisioning;  // "idle", "provisioning", or the last boot_status name
    std::string provisioning_reason;
    std::uint64_t boots = 0;   // provisioning runs finished since start
    bool loading = false;      // a screen fetch is pending
    std::size_t fetches_in_flight = 0;       // screen and action URI fetches with a socket
    std::size_t queued_keys = 0;             // keys waiting behind a blocking action URI
    bool action_uri_pending = false;
    std::uint64_t action_uris_sent = 0;
    std::uint64_t pushes_accepted = 0;
    std::uint64_t pushes_refused = 0;
    std::vector<std::string> addresses;      // the phone's listener URLs
    std::size_t background_action_uris = 0; // non-blocking action URIs pending
    std::string local_ip;                    // $$LOCALIP$$
    std::string line_state;                  // $$LINESTATE$$
    bool idle = false;                       // what auto-resync waits for
    std::string clock;                       // the phone's wall clock, ISO 8601 UTC
    std::string resync_next;                 // next auto-resync check, ISO 8601 UTC, or ""
    std::uint64_t resync_checks = 0;
};

std::string status_json(const phone_status& status);

// {"error": "..."} for 4xx answers.
std::string error_json(std::string_view message);

}  // namespace phone_agent
