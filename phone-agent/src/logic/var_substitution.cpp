#include "logic/var_substitution.hpp"

namespace phone_agent {

namespace {

constexpr std::array<std::string_view, phone_variable_count> token_names = {
    "REMOTENUMBER", "DISPLAYNAME", "SIPUSERNAME",   "SIPAUTHNAME",       "INCOMINGNAME",
    "PROXYURL",     "LINESTATE",   "LOCALIP",       "CALLDURATION",      "CALLDIRECTION",
    "REGISTRATIONSTATE", "REGISTRATIONCODE",
};

std::size_t index_of(phone_variable v) noexcept { return static_cast<std::size_t>(v); }

bool is_unreserved(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string_view token_name(phone_variable v) noexcept { return token_names[index_of(v)]; }

std::optional<phone_variable> variable_from_token(std::string_view name) noexcept {
    for (std::size_t i = 0; i < token_names.size(); ++i) {
        if (token_names[i] == name) return static_cast<phone_variable>(i);
    }
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, phone_variable v) { return os << token_name(v); }

void variable_values::set(phone_variable v, std::string value) {
    values_[index_of(v)] = std::move(value);
}

void variable_values::clear(phone_variable v) { values_[index_of(v)].clear(); }

const std::string& variable_values::get(phone_variable v) const noexcept {
    return values_[index_of(v)];
}

std::string percent_encode(std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (is_unreserved(c)) {
            out.push_back(c);
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        out.push_back('%');
        out.push_back(hex[byte >> 4U]);
        out.push_back(hex[byte & 0x0FU]);
    }
    return out;
}

std::string substitute_variables(std::string_view uri, const variable_values& values) {
    std::string out;
    out.reserve(uri.size());
    std::size_t pos = 0;
    while (pos < uri.size()) {
        const auto open = uri.find("$$", pos);
        if (open == std::string_view::npos) break;
        const auto close = uri.find("$$", open + 2);
        if (close == std::string_view::npos) break;
        const auto name = uri.substr(open + 2, close - open - 2);
        const auto var = variable_from_token(name);
        if (!var) {
            // Keep the first `$$` and rescan from the second one: it may open a real token,
            // as in "$$$$REMOTENUMBER$$".
            out.append(uri.substr(pos, close - pos));
            pos = close;
            continue;
        }
        out.append(uri.substr(pos, open - pos));
        out.append(percent_encode(values.get(*var)));
        pos = close + 2;
    }
    out.append(uri.substr(pos));
    return out;
}

}  // namespace phone_agent

namespace phone_agent {

namespace {

bool unusable(std::string_view address) {
    return address.empty() || address == "0.0.0.0" || address == "::" || address == "::0";
}

bool loopback(std::string_view address) { return address.starts_with("127.") || address == "::1"; }

}  // namespace

std::string choose_local_ip(std::string_view listener_address, std::string_view route_address,
                            const std::vector<std::string>& interface_addresses) {
    if (!unusable(listener_address)) return std::string(listener_address);
    if (!unusable(route_address)) return std::string(route_address);
    for (const auto& a : interface_addresses) {
        if (!unusable(a) && !loopback(a)) return a;
    }
    return "127.0.0.1";
}

}  // namespace phone_agent
