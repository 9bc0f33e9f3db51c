// `$$NAME$$` tokens in softkey and action URIs, replaced by the phone's current values before the
// GET (domain.md §5.6). Pure functions and a plain value holder; safe to use from any thread as
// long as each variable_values object is not shared between writers.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace phone_agent {

// The variables the firmware documents. $$MACADDRESS$$ and similar names are deliberately absent:
// no source for firmware 3.2.x lists them, so they stay unknown (and are left untouched).
enum class phone_variable {
    remote_number,       // REMOTENUMBER
    display_name,        // DISPLAYNAME
    sip_user_name,       // SIPUSERNAME
    sip_auth_name,       // SIPAUTHNAME
    incoming_name,       // INCOMINGNAME
    proxy_url,           // PROXYURL
    line_state,          // LINESTATE
    local_ip,            // LOCALIP
    call_duration,       // CALLDURATION
    call_direction,      // CALLDIRECTION
    registration_state,  // REGISTRATIONSTATE
    registration_code,   // REGISTRATIONCODE
};
inline constexpr std::size_t phone_variable_count = 12;

// The token name without the `$$` delimiters, e.g. "REMOTENUMBER".
std::string_view token_name(phone_variable v) noexcept;
std::optional<phone_variable> variable_from_token(std::string_view name) noexcept;
std::ostream& operator<<(std::ostream& os, phone_variable v);

// What the phone knows right now. A variable never set is substituted as an empty string: the
// firmware "binds all variables" whatever the phone's state, so e.g. $$REMOTENUMBER$$ outside a
// call is empty rather than a literal token.
class variable_values {
public:
    void set(phone_variable v, std::string value);
    void clear(phone_variable v);
    const std::string& get(phone_variable v) const noexcept;

private:
    std::array<std::string, phone_variable_count> values_{};
};

// RFC 3986 percent-encoding of everything but unreserved characters (ALPHA DIGIT - . _ ~), with
// upper-case hex. Used for every value placed into a URL: variables, `selection=`, InputScreen
// values.
std::string percent_encode(std::string_view value);

// Replaces each `$$NAME$$` whose NAME is a known variable by its percent-encoded value. Unknown
// names and an unpaired `$$` stay as they are, so a misspelt token shows up verbatim in the
// server's access log instead of silently vanishing. Replaced text is never scanned again, so a
// value containing `$$` cannot inject another token.
std::string substitute_variables(std::string_view uri, const variable_values& values);

}  // namespace phone_agent

namespace phone_agent {

// $$LOCALIP$$: the address servers see the phone as. A listener bound to a specific address is
// that address; a wildcard listener (0.0.0.0, ::, or none) says nothing, so the local address of
// a socket routed to the provisioning server is used, else the first non-loopback interface
// address, else 127.0.0.1. Empty strings count as absent.
std::string choose_local_ip(std::string_view listener_address, std::string_view route_address,
                            const std::vector<std::string>& interface_addresses);

}  // namespace phone_agent
