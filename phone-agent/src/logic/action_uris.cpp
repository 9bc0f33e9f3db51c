#include "logic/action_uris.hpp"

#include "logic/ascii.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace phone_agent {

namespace {

struct event_names {
    std::string_view name;
    std::string_view key;
};

constexpr std::array<event_names, 11> names{{
    {"startup", "action uri startup"},
    {"registered", "action uri registered"},
    {"registration_event", "action uri registration event"},
    {"incoming", "action uri incoming"},
    {"outgoing", "action uri outgoing"},
    {"offhook", "action uri offhook"},
    {"onhook", "action uri onhook"},
    {"connected", "action uri connected"},
    {"disconnected", "action uri disconnected"},
    {"xml_sip_notify", "action uri xml sip notify"},
    {"poll", "action uri poll"},
}};

const event_names& names_of(action_event e) noexcept { return names[static_cast<std::size_t>(e)]; }

}  // namespace

std::string_view to_string(action_event e) noexcept { return names_of(e).name; }
std::string_view config_key(action_event e) noexcept { return names_of(e).key; }
std::ostream& operator<<(std::ostream& os, action_event e) { return os << to_string(e); }

std::string_view to_string(skip_reason r) noexcept {
    switch (r) {
        case skip_reason::not_configured: return "not_configured";
        case skip_reason::not_http: return "not_http";
        case skip_reason::too_long: return "too_long";
        case skip_reason::repeated_state: return "repeated_state";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, skip_reason r) { return os << to_string(r); }

action_uris::action_uris(config_lookup lookup) : lookup_(std::move(lookup)) {}

action_uri_outcome action_uris::fire(action_event event, const variable_values& values) const {
    const auto key = config_key(event);
    const auto configured = lookup_ ? lookup_(key) : std::nullopt;
    const auto value = configured ? ascii::trim(*configured) : std::string_view{};
    if (value.empty()) return action_uri_skip{skip_reason::not_configured, std::string(key)};
    // Checked before substitution: the limit is on what the configuration can hold.
    if (value.size() > max_action_uri_length) {
        return action_uri_skip{skip_reason::too_long,
                               std::string(key) + ": " + std::to_string(value.size()) +
                                   " characters, at most " +
                                   std::to_string(max_action_uri_length)};
    }
    if (!ascii::istarts_with(value, "http://") && !ascii::istarts_with(value, "https://")) {
        return action_uri_skip{skip_reason::not_http,
                               std::string(key) + ": '" + std::string(value) + "'"};
    }
    return action_uri_request{event, substitute_variables(value, values), true};
}

action_uri_outcome action_uris::registration_changed(std::string_view state, std::string_view code,
                                                     variable_values values) {
    if (last_registration_state_ && *last_registration_state_ == state) {
        return action_uri_skip{skip_reason::repeated_state, std::string(state)};
    }
    last_registration_state_ = std::string(state);
    values.set(phone_variable::registration_state, std::string(state));
    values.set(phone_variable::registration_code, std::string(code));
    return fire(action_event::registration_event, values);
}

std::optional<std::chrono::seconds> action_uris::poll_interval() const {
    const auto configured = lookup_ ? lookup_(poll_interval_key) : std::nullopt;
    if (!configured) return std::nullopt;
    const auto text = ascii::trim(*configured);
    long seconds = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
    if (text.empty() || ec != std::errc{} || ptr != end || seconds <= 0) return std::nullopt;
    return std::chrono::seconds{seconds};
}

std::optional<action_uri_outcome> action_uris::poll_tick(action_time now) {
    const auto interval = poll_interval();
    if (!interval) {
        next_poll_.reset();
        return std::nullopt;
    }
    if (!next_poll_) {
        next_poll_ = now + *interval;
        return std::nullopt;
    }
    if (now < *next_poll_) return std::nullopt;
    next_poll_ = now + *interval;
    // Poll binds no variables (AG322 5-310).
    return fire(action_event::poll, variable_values{});
}

}  // namespace phone_agent
