// Action URIs (domain.md §5.6): phone events that make the phone GET a configured URL with
// $$VAR$$ tokens filled in. The configuration is read through a lookup function at each event, so
// changes apply at once and this file does not depend on the configuration classes. Pure; one
// owner (not thread-safe, it remembers the last registration state and the poll schedule).
#pragma once

#include "logic/var_substitution.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>

namespace phone_agent {

enum class action_event {
    startup,
    registered,
    registration_event,
    incoming,
    outgoing,
    offhook,
    onhook,
    connected,
    disconnected,
    xml_sip_notify,
    poll,
};
std::string_view to_string(action_event e) noexcept;
std::ostream& operator<<(std::ostream& os, action_event e);
// The configuration key, e.g. "action uri incoming".
std::string_view config_key(action_event e) noexcept;

inline constexpr std::string_view poll_interval_key = "action uri poll interval";
// The firmware stores up to 128 characters per action URI (AG33 A-117).
inline constexpr std::size_t max_action_uri_length = 128;

using config_lookup = std::function<std::optional<std::string>(std::string_view key)>;
using action_time = std::chrono::steady_clock::time_point;

// GET `url`. Action URI GETs block the phone (XMLG p.25), unlike screen fetches; the I/O layer
// must still bound them (`xml get timeout`) so a dead server cannot hang the phone.
struct action_uri_request {
    action_event event = action_event::startup;
    std::string url;
    bool blocking = true;
};

enum class skip_reason {
    not_configured,  // key absent or empty: the normal case, nothing to log
    not_http,        // the value is not an http:// or https:// URL
    too_long,        // the configured value exceeds max_action_uri_length
    repeated_state,  // registration event for the state already reported
};
std::string_view to_string(skip_reason r) noexcept;
std::ostream& operator<<(std::ostream& os, skip_reason r);

struct action_uri_skip {
    skip_reason reason = skip_reason::not_configured;
    std::string detail;
};

using action_uri_outcome = std::variant<action_uri_request, action_uri_skip>;

class action_uris {
public:
    explicit action_uris(config_lookup lookup);

    // The request for `event` with the phone's current values. The firmware binds every
    // variable for every event, so a token that means nothing for the event is empty.
    action_uri_outcome fire(action_event event, const variable_values& values) const;

    // `action uri registration event`: fires only when `state` (registered, unregistered,
    // expired, refused, timeout) differs from the last one reported; sets $$REGISTRATIONSTATE$$
    // and $$REGISTRATIONCODE$$ (e.g. "001", "403") in the values used.
    action_uri_outcome registration_changed(std::string_view state, std::string_view code,
                                            variable_values values);

    // Seconds from `action uri poll interval`; nullopt when unset, 0 or not a number.
    std::optional<std::chrono::seconds> poll_interval() const;
    // Call at least at next_poll(). The first call only schedules; afterwards a due poll yields
    // its outcome and the next one is scheduled a full interval after `now`, so a phone that was
    // busy does not fire a burst of missed polls.
    std::optional<action_uri_outcome> poll_tick(action_time now);
    std::optional<action_time> next_poll() const noexcept { return next_poll_; }

private:
    config_lookup lookup_;
    std::optional<std::string> last_registration_state_;
    std::optional<action_time> next_poll_;
};

}  // namespace phone_agent
