// Shared scaffolding for the provisioning_fsm tests: a 9480i with a known MAC, canned events, and
// a script runner in the style of Boost.MySQL's algo_test (expected action -> reply event).
#pragma once

#include <boost/test/unit_test.hpp>

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/auth/auth_header.hpp"
#include "logic/boot_fsm.hpp"

#include <chrono>
#include <string>
#include <variant>
#include <vector>

namespace boot_test {

using namespace phone_agent;
using namespace std::chrono_literals;

inline const std::chrono::system_clock::time_point t0 =
    std::chrono::sys_days{std::chrono::year{2024} / std::chrono::March / 1};
inline constexpr std::string_view server = "https://cms.example:8443/dms/Aastra9480i/";
inline constexpr std::string_view old_fw = "3.2.2.3077";
inline constexpr std::string_view new_fw = "3.2.2.4000";
inline const std::string image_sha(64, 'a');
inline const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
inline const std::string global_cfg =
    "download protocol: HTTPS\nfirmware version: 3.2.2.4000\nhttps user certificates: ca.pem\n"
    "sip proxy ip: 10.0.0.1\n";
inline const std::string last_good_server_cfg = "sip line1 user name: old\n";

inline phone_identity identity(std::string firmware = std::string(old_fw)) {
    auto model = common::aastra::find_model("9480i");
    auto mac = common::aastra::mac_address::parse("00:08:5D:1A:2B:3C");
    return {std::get<common::aastra::model_info>(model),
            std::get<common::aastra::mac_address>(mac), std::move(firmware)};
}

inline boot_settings settings(unsigned max_attempts = 4, std::string_view url = server) {
    boot_settings s;
    s.retry.max_attempts = max_attempts;
    s.local_settings = settings_for(std::get<server_location>(parse_server_url(url)));
    return s;
}

inline provisioning_fsm make_fsm(boot_settings s = settings(),
                                 persisted_layers last = {last_good_server_cfg, std::nullopt},
                                 std::string firmware = std::string(old_fw)) {
    auto created = provisioning_fsm::create(identity(std::move(firmware)), std::move(s),
                                            std::move(last));
    if (const auto* error = std::get_if<boot_setup_error>(&created)) BOOST_FAIL(error->message);
    return std::get<provisioning_fsm>(std::move(created));
}

inline resume_inputs inputs(std::string cnonce = "0a4f113b", double jitter = 0.0) {
    return {t0, jitter, std::move(cnonce)};
}

inline event::http_response ok(std::string body) { return {200, {}, std::move(body), {}}; }

inline event::http_response status(unsigned code, std::vector<header_field> headers = {}) {
    return {code, std::move(headers), {}, {}};
}

inline event::http_response challenge(std::string nonce, bool stale = false,
                                      std::string realm = "BroadWorks") {
    std::string value = "Digest realm=\"" + realm + "\", nonce=\"" + nonce +
                        "\", qop=\"auth\", algorithm=MD5";
    if (stale) value += ", stale=true";
    return status(401, {{"WWW-Authenticate", value}});
}

inline event::download_result image(std::uint64_t bytes = 1000) {
    return {200, {{"Content-Length", std::to_string(bytes)}}, bytes, image_sha, {}, {}, {}};
}

// The same response, as the end of a download_to_file (no body kept).
inline event::download_result as_download(const event::http_response& r) {
    return {r.status, r.headers, 0, {}, {}, {}, {}};
}

inline const event::file_op_done op_ok{};

inline std::string file_of(const boot_action& act) {
    return std::visit(
        [](const auto& a) -> std::string {
            if constexpr (requires { a.file; }) {
                return a.file;
            } else {
                return {};
            }
        },
        act);
}

inline const std::vector<header_field>* headers_of(const boot_action& act) {
    if (const auto* r = std::get_if<action::send_request>(&act)) return &r->headers;
    if (const auto* d = std::get_if<action::download_to_file>(&act)) return &d->headers;
    return nullptr;
}

inline std::optional<std::string> authorization_of(const boot_action& act) {
    const auto* headers = headers_of(act);
    if (headers == nullptr) return std::nullopt;
    auto value = find_header(*headers, "Authorization");
    return value ? std::optional<std::string>(*value) : std::nullopt;
}

// The named parameter of the Authorization header, or "<absent>".
inline std::string auth_param(const boot_action& act, std::string_view name) {
    const auto value = authorization_of(act);
    if (!value) return "<no Authorization>";
    auto parsed = common::auth::parse_credentials(*value);
    if (!std::holds_alternative<common::auth::credentials>(parsed)) return "<unparsable>";
    const auto* p = std::get<common::auth::credentials>(parsed).find(name);
    return p != nullptr ? p->value : "<absent>";
}

inline void expect(const boot_action& act, boot_action_type type, std::string_view file = {}) {
    BOOST_TEST_REQUIRE(type_of(act) == type, "expected " << type << ", got " << act);
    if (!file.empty()) BOOST_TEST(file_of(act) == file);
}

// A copy: the action is usually a temporary.
inline boot_outcome outcome_of(const boot_action& act) {
    BOOST_TEST_REQUIRE(type_of(act) == boot_action_type::done, "expected done, got " << act);
    return std::get<action::done>(act).outcome;
}

struct exchange {
    boot_action_type expect;
    std::string file;  // checked when not empty
    boot_event reply;
};

// aastra.cfg, 9480i.cfg, <MAC>.cfg, firmware 3.2.2.4000 (committed), ca.pem, persist.
inline std::vector<exchange> happy_script() {
    return {
        {boot_action_type::send_request, "aastra.cfg", ok(global_cfg)},
        {boot_action_type::send_request, "9480i.cfg", ok("sip line1 display name: Front desk\n")},
        {boot_action_type::send_request, "00085D1A2B3C.cfg", ok("sip line1 user name: 1001\n")},
        {boot_action_type::download_to_file, "9480i.st", image()},
        {boot_action_type::commit_download, "9480i.st", op_ok},
        {boot_action_type::send_request, "ca.pem", ok(pem)},
        {boot_action_type::save_certificates, "ca.pem", op_ok},
        {boot_action_type::persist, "", op_ok},
    };
}

// Checks and answers script[from..]; `act` is the action the machine returned last. Returns the
// action after the last reply.
inline boot_action play(provisioning_fsm& fsm, boot_action act, const std::vector<exchange>& script,
                        std::size_t from = 0) {
    for (std::size_t i = from; i < script.size(); ++i) {
        BOOST_TEST_CONTEXT("script exchange " << i) {
            expect(act, script[i].expect, script[i].file);
            act = fsm.resume(script[i].reply, inputs());
        }
    }
    return act;
}

// Starts the machine and answers script[0..until); returns the action for script[until].
inline boot_action play_until(provisioning_fsm& fsm, const std::vector<exchange>& script,
                              std::size_t until) {
    boot_action act = fsm.resume(event::start{}, inputs());
    for (std::size_t i = 0; i < until; ++i) {
        expect(act, script[i].expect, script[i].file);
        act = fsm.resume(script[i].reply, inputs());
    }
    expect(act, script[until].expect, script[until].file);
    return act;
}

inline bool is_fetch(boot_action_type type) {
    return type == boot_action_type::send_request || type == boot_action_type::download_to_file;
}

}  // namespace boot_test
