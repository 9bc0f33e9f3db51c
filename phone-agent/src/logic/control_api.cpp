// JSON control API parsing and rendering; see control_api.hpp.
#include "logic/control_api.hpp"

#include "logic/web_ui.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>

namespace phone_agent {

namespace json = boost::json;

std::variant<std::vector<key_press>, std::string> parse_key_request(std::string_view body) {
    boost::system::error_code ec;
    json::value doc = json::parse(body, ec);
    if (ec) return "body is not JSON: " + ec.message();
    const auto* obj = doc.if_object();
    if (!obj) return std::string("body must be a JSON object");
    std::vector<std::string> names;
    if (const auto* key = obj->if_contains("key")) {
        const auto* s = key->if_string();
        if (!s) return std::string("\"key\" must be a string");
        names.emplace_back(*s);
    }
    if (const auto* keys = obj->if_contains("keys")) {
        const auto* arr = keys->if_array();
        if (!arr) return std::string("\"keys\" must be an array of strings");
        for (const auto& k : *arr) {
            const auto* s = k.if_string();
            if (!s) return std::string("\"keys\" must be an array of strings");
            names.emplace_back(*s);
        }
    }
    if (names.empty()) return std::string("expected \"key\" or \"keys\"");
    std::vector<key_press> out;
    for (const auto& n : names) {
        auto k = web::key_from_name(n);
        if (!k) {
            return "unknown key '" + n +
                   "' (softkey1..10, goodbye, line1..9, 0..9, *, #, up, down, left, right, select)";
        }
        out.push_back(*k);
    }
    return out;
}

std::string screen_json(const screen_view& view) {
    json::object o;
    o["kind"] = view.kind;
    o["title"] = view.title;
    json::array lines;
    for (const auto& l : view.lines) lines.emplace_back(l);
    o["lines"] = std::move(lines);
    if (view.selected) {
        o["selected"] = static_cast<std::uint64_t>(*view.selected);
    } else {
        o["selected"] = nullptr;
    }
    json::array keys;
    for (const auto& sk : view.softkeys) {
        json::object k;
        k["index"] = sk.index;
        k["label"] = sk.label;
        keys.emplace_back(std::move(k));
    }
    o["softkeys"] = std::move(keys);
    o["status_line"] = view.status_line;
    o["loading"] = view.loading;
    o["depth"] = static_cast<std::uint64_t>(view.depth);
    return json::serialize(o);
}

std::variant<event_request, std::string> parse_event_request(std::string_view body) {
    boost::system::error_code ec;
    json::value doc = json::parse(body, ec);
    if (ec) return "body is not JSON: " + ec.message();
    const auto* obj = doc.if_object();
    if (!obj) return std::string("body must be a JSON object");
    auto text = [&](std::string_view field, std::string& out) -> std::optional<std::string> {
        const auto* v = obj->if_contains(field);
        if (!v) return std::nullopt;
        const auto* s = v->if_string();
        if (!s) return "\"" + std::string(field) + "\" must be a string";
        if (s->size() > 128) return "\"" + std::string(field) + "\" is longer than 128 characters";
        out.assign(s->data(), s->size());
        return std::nullopt;
    };
    event_request r;
    std::string name;
    if (auto err = text("event", name)) return *err;
    if (name.empty()) return std::string("expected \"event\"");
    static constexpr action_event allowed[] = {
        action_event::incoming,  action_event::outgoing,     action_event::offhook,    action_event::onhook,
        action_event::connected, action_event::disconnected, action_event::registered, action_event::xml_sip_notify};
    bool found = false;
    for (auto e : allowed) {
        if (to_string(e) == name) {
            r.event = e;
            found = true;
        }
    }
    if (!found) {
        return "unknown event '" + name +
               "' (incoming, outgoing, offhook, onhook, connected, disconnected, registered, xml_sip_notify)";
    }
    if (auto err = text("number", r.number)) return *err;
    if (auto err = text("name", r.name)) return *err;
    return r;
}

std::optional<std::string> line_state_after(action_event event) {
    switch (event) {
        case action_event::incoming: return "INCOMING";
        case action_event::outgoing: return "OUTGOING";
        case action_event::offhook: return "OFFHOOK";
        case action_event::connected: return "CONNECTED";
        case action_event::onhook:
        case action_event::disconnected: return "IDLE";
        default: return std::nullopt;
    }
}

std::variant<std::chrono::seconds, std::string> parse_clock_request(std::string_view body) {
    boost::system::error_code ec;
    json::value doc = json::parse(body, ec);
    if (ec) return "body is not JSON: " + ec.message();
    const auto* obj = doc.if_object();
    const auto* v = obj ? obj->if_contains("advance_seconds") : nullptr;
    if (!v) return std::string("expected {\"advance_seconds\": N}");
    const auto* n = v->if_int64();
    const auto* u = v->if_uint64();
    std::int64_t seconds = n ? *n : u ? static_cast<std::int64_t>(std::min<std::uint64_t>(*u, INT64_MAX)) : -1;
    constexpr std::int64_t most = 400LL * 24 * 3600;
    if (!n && !u) return std::string("\"advance_seconds\" must be a whole number");
    if (seconds < 0 || seconds > most) return std::string("\"advance_seconds\" must be in 0..34560000");
    return std::chrono::seconds(seconds);
}

std::string status_json(const phone_status& s) {
    json::object o;
    o["model"] = s.model;
    o["mac"] = s.mac;
    o["firmware"] = s.firmware;
    o["user_agent"] = s.user_agent;
    o["provisioning"] = s.provisioning;
    o["provisioning_reason"] = s.provisioning_reason;
    o["boots"] = s.boots;
    o["loading"] = s.loading;
    o["fetches_in_flight"] = static_cast<std::uint64_t>(s.fetches_in_flight);
    o["queued_keys"] = static_cast<std::uint64_t>(s.queued_keys);
    o["action_uri_pending"] = s.action_uri_pending;
    o["action_uris_sent"] = s.action_uris_sent;
    o["pushes_accepted"] = s.pushes_accepted;
    o["pushes_refused"] = s.pushes_refused;
    json::array addrs;
    for (const auto& a : s.addresses) addrs.emplace_back(a);
    o["addresses"] = std::move(addrs);
    o["background_action_uris"] = static_cast<std::uint64_t>(s.background_action_uris);
    o["local_ip"] = s.local_ip;
    o["line_state"] = s.line_state;
    o["idle"] = s.idle;
    o["clock"] = s.clock;
    o["resync_next"] = s.resync_next;
    o["resync_checks"] = s.resync_checks;
    return json::serialize(o);
}

std::string error_json(std::string_view message) {
    json::object o;
    o["error"] = message;
    return json::serialize(o);
}

}  // namespace phone_agent
