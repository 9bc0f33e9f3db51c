#include "logic/boot_events.hpp"

#include <algorithm>
#include <ostream>

namespace phone_agent {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lx = (x >= 'A' && x <= 'Z') ? x - 'A' + 'a' : x;
               const auto ly = (y >= 'A' && y <= 'Z') ? y - 'A' + 'a' : y;
               return lx == ly;
           });
}

// Test output stays readable when a body or header is long.
std::string_view clip(std::string_view s) noexcept {
    return s.size() > 60 ? s.substr(0, 60) : s;
}

std::ostream& print_headers(std::ostream& out, const std::vector<header_field>& headers) {
    out << " [";
    for (std::size_t i = 0; i < headers.size(); ++i) {
        out << (i == 0 ? "" : "; ") << headers[i].name << ": " << clip(headers[i].value);
    }
    return out << "]";
}

}  // namespace

std::optional<std::string_view> find_header(const std::vector<header_field>& headers,
                                            std::string_view name) {
    for (const auto& h : headers) {
        if (iequals(h.name, name)) return std::string_view(h.value);
    }
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, const header_field& field) {
    return out << field.name << ": " << field.value;
}

std::string http_status_text(unsigned status) {
    std::string out = "HTTP " + std::to_string(status);
    if (status >= 300 && status < 400) out += " (redirects are not followed)";
    return out;
}

const char* to_string(transport_failure failure) noexcept {
    switch (failure) {
        case transport_failure::resolve: return "resolve";
        case transport_failure::connect: return "connect";
        case transport_failure::timeout: return "timeout";
        case transport_failure::tls: return "tls";
        case transport_failure::truncated: return "truncated";
        case transport_failure::bad_response: return "bad_response";
        case transport_failure::local_io: return "local_io";
    }
    return "?";
}

const char* to_string(boot_step step) noexcept {
    switch (step) {
        case boot_step::global_cfg: return "global_cfg";
        case boot_step::model_cfg: return "model_cfg";
        case boot_step::mac_cfg: return "mac_cfg";
        case boot_step::firmware: return "firmware";
        case boot_step::user_certificates: return "user_certificates";
    }
    return "?";
}

const char* to_string(boot_event_type type) noexcept {
    switch (type) {
        case boot_event_type::start: return "start";
        case boot_event_type::login: return "login";
        case boot_event_type::http_response: return "http_response";
        case boot_event_type::transport_error: return "transport_error";
        case boot_event_type::download_result: return "download_result";
        case boot_event_type::timer_fired: return "timer_fired";
        case boot_event_type::file_op_done: return "file_op_done";
    }
    return "?";
}

const char* to_string(boot_status status) noexcept {
    switch (status) {
        case boot_status::provisioned: return "provisioned";
        case boot_status::usage_error: return "usage_error";
        case boot_status::network_error: return "network_error";
        case boot_status::tls_error: return "tls_error";
        case boot_status::auth_failed: return "auth_failed";
        case boot_status::server_error: return "server_error";
        case boot_status::force_login_required: return "force_login_required";
    }
    return "?";
}

int exit_code(boot_status status) noexcept {
    switch (status) {
        case boot_status::provisioned: return 0;
        case boot_status::usage_error: return 2;
        case boot_status::network_error: return 3;
        case boot_status::tls_error: return 4;
        case boot_status::auth_failed: return 5;
        case boot_status::server_error: return 6;
        case boot_status::force_login_required: return 7;
    }
    return 2;
}

const char* to_string(step_result result) noexcept {
    switch (result) {
        case step_result::ok: return "ok";
        case step_result::not_found: return "not_found";
        case step_result::unchanged: return "unchanged";
        case step_result::skipped: return "skipped";
        case step_result::failed: return "failed";
    }
    return "?";
}

const char* to_string(boot_action_type type) noexcept {
    switch (type) {
        case boot_action_type::send_request: return "send_request";
        case boot_action_type::download_to_file: return "download_to_file";
        case boot_action_type::wait: return "wait";
        case boot_action_type::commit_download: return "commit_download";
        case boot_action_type::discard_download: return "discard_download";
        case boot_action_type::save_certificates: return "save_certificates";
        case boot_action_type::persist: return "persist";
        case boot_action_type::done: return "done";
    }
    return "?";
}

boot_event_type type_of(const boot_event& ev) noexcept {
    // The variant's alternatives are declared in the enum's order.
    return static_cast<boot_event_type>(ev.index());
}

boot_action_type type_of(const boot_action& act) noexcept {
    return static_cast<boot_action_type>(act.index());
}

std::ostream& operator<<(std::ostream& out, transport_failure v) { return out << to_string(v); }
std::ostream& operator<<(std::ostream& out, boot_step v) { return out << to_string(v); }
std::ostream& operator<<(std::ostream& out, boot_event_type v) { return out << to_string(v); }
std::ostream& operator<<(std::ostream& out, boot_status v) { return out << to_string(v); }
std::ostream& operator<<(std::ostream& out, step_result v) { return out << to_string(v); }
std::ostream& operator<<(std::ostream& out, boot_action_type v) { return out << to_string(v); }

namespace event {

std::ostream& operator<<(std::ostream& out, const start&) { return out << "start"; }

std::ostream& operator<<(std::ostream& out, const login& ev) {
    return out << "login{user '" << ev.username << "'}";
}

std::ostream& operator<<(std::ostream& out, const http_response& ev) {
    out << "http_response{" << ev.status;
    print_headers(out, ev.headers);
    return out << " body " << ev.body.size() << " B}";
}

std::ostream& operator<<(std::ostream& out, const transport_error& ev) {
    return out << "transport_error{" << ev.failure << ": " << ev.detail << "}";
}

std::ostream& operator<<(std::ostream& out, const download_result& ev) {
    out << "download_result{" << ev.status << ", " << ev.bytes << " B, sha256 " << clip(ev.sha256);
    if (ev.failure) out << ", " << *ev.failure << ": " << ev.detail;
    return out << "}";
}

std::ostream& operator<<(std::ostream& out, const timer_fired&) { return out << "timer_fired"; }

std::ostream& operator<<(std::ostream& out, const file_op_done& ev) {
    return out << "file_op_done{" << (ev.error.empty() ? "ok" : ev.error) << "}";
}

std::ostream& operator<<(std::ostream& out, const boot_event& ev) {
    std::visit([&out](const auto& e) { out << e; }, ev);
    return out;
}

}  // namespace event

namespace action {

std::ostream& operator<<(std::ostream& out, const send_request& act) {
    out << "send_request{" << act.step << " GET " << act.url;
    print_headers(out, act.headers);
    return out << "}";
}

std::ostream& operator<<(std::ostream& out, const download_to_file& act) {
    out << "download_to_file{" << act.file << " GET " << act.url;
    print_headers(out, act.headers);
    return out << "}";
}

std::ostream& operator<<(std::ostream& out, const wait& act) {
    return out << "wait{" << act.duration.count() << " ms: " << act.reason << "}";
}

std::ostream& operator<<(std::ostream& out, const commit_download& act) {
    return out << "commit_download{" << act.file << ", " << act.bytes << " B}";
}

std::ostream& operator<<(std::ostream& out, const discard_download& act) {
    return out << "discard_download{" << act.file << "}";
}

std::ostream& operator<<(std::ostream& out, const save_certificates& act) {
    return out << "save_certificates{" << act.file << ", " << act.pem.size() << " B}";
}

std::ostream& operator<<(std::ostream& out, const persist& act) {
    return out << "persist{server.cfg " << act.server_cfg.size() << " B, local.cfg "
               << act.local_cfg.size() << " B}";
}

std::ostream& operator<<(std::ostream& out, const done& act) {
    return out << "done{" << act.outcome << "}";
}

std::ostream& operator<<(std::ostream& out, const boot_action& act) {
    std::visit([&out](const auto& a) { out << a; }, act);
    return out;
}

}  // namespace action

std::ostream& operator<<(std::ostream& out, const step_record& record) {
    out << record.file << ": " << record.result;
    if (record.http_status != 0) out << " (" << record.http_status << ")";
    if (!record.note.empty()) out << " - " << record.note;
    return out;
}

std::ostream& operator<<(std::ostream& out, const boot_outcome& outcome) {
    out << outcome.status << " (exit " << exit_code(outcome.status) << ")";
    if (!outcome.reason.empty()) out << ": " << outcome.reason;
    return out;
}

}  // namespace phone_agent
