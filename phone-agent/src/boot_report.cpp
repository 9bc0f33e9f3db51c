#include "boot_report.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <iomanip>
#include <sstream>

namespace phone_agent {

namespace json = boost::json;

namespace {

std::string ms(std::chrono::microseconds us) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << static_cast<double>(us.count()) / 1000.0 << "ms";
    return s.str();
}

double ms_value(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

}  // namespace

void boot_report::begin(const std::string& user_agent) {
    user_agent_ = user_agent;
    out_ << "boot: " << user_agent << "\n";
}

void boot_report::exchange(const std::string& file, const common::net::fetch_result& r, bool authorized) {
    out_ << "  " << file << ": ";
    if (r.ok()) {
        out_ << r.status << ", " << r.body_bytes << " B";
    } else {
        out_ << common::net::to_string(r.error) << " (" << r.detail << ")";
        if (r.status) out_ << ", status " << r.status << ", " << r.body_bytes << " B";
    }
    if (r.connection_reused) {
        out_ << ", reused connection";
    } else {
        out_ << ", connect " << ms(r.timings.connect);
        if (!r.tls_version.empty()) {
            out_ << ", tls " << ms(r.timings.tls) << " " << r.tls_version;
            if (r.tls_resumed) out_ << " resumed";
            else if (r.tls_session_offered) out_ << " (session offered, full handshake)";
        }
    }
    out_ << ", ttfb " << ms(r.timings.ttfb) << ", transfer " << ms(r.timings.transfer)
         << (authorized ? ", with Authorization" : "") << "\n";
    exchanges_.push_back({file, r, authorized});
}

void boot_report::note(const std::string& text) {
    out_ << "  " << text << "\n";
    notes_.push_back(text);
}

void boot_report::finish(const boot_outcome& outcome, const std::string& firmware) {
    out_ << "result: " << to_string(outcome.status) << " (exit " << exit_code(outcome.status) << ")";
    if (!outcome.reason.empty()) out_ << ": " << outcome.reason;
    out_ << "\n";
    for (const auto& s : outcome.steps) {
        out_ << "  " << s.file << ": " << to_string(s.result);
        if (s.http_status) out_ << " (HTTP " << s.http_status << ")";
        if (!s.note.empty()) out_ << " - " << s.note;
        out_ << "\n";
        for (const auto& a : s.auth) out_ << "    auth: " << a << "\n";
    }
    if (outcome.kept_last_good) out_ << "  kept the last good configuration\n";
    out_ << "  firmware: " << firmware << "\n";
}

std::string boot_report::json(const boot_outcome& outcome, const std::string& firmware) const {
    json::array steps;
    for (const auto& s : outcome.steps) {
        json::array auth;
        for (const auto& a : s.auth) auth.emplace_back(a);
        json::array attempts;
        for (const auto& a : s.attempts) {
            attempts.push_back(json::object{{"http_status", a.http_status},
                                            {"error", a.error},
                                            {"authorized", a.authorized},
                                            {"connect_ms", ms_value(a.timings.connect)},
                                            {"tls_ms", ms_value(a.timings.tls)},
                                            {"ttfb_ms", ms_value(a.timings.ttfb)},
                                            {"transfer_ms", ms_value(a.timings.transfer)}});
        }
        steps.push_back(json::object{{"step", to_string(s.step)},
                                     {"file", s.file},
                                     {"result", to_string(s.result)},
                                     {"http_status", s.http_status},
                                     {"bytes", s.bytes},
                                     {"auth", std::move(auth)},
                                     {"attempts", std::move(attempts)},
                                     {"note", s.note}});
    }
    json::array exchanges;
    for (const auto& e : exchanges_) {
        const auto& r = e.result;
        exchanges.push_back(json::object{{"file", e.file},
                                         {"status", r.status},
                                         {"error", std::string(common::net::to_string(r.error))},
                                         {"detail", r.detail},
                                         {"bytes", r.body_bytes},
                                         {"peer", r.peer},
                                         {"tls_version", r.tls_version},
                                         {"tls_cipher", r.tls_cipher},
                                         {"authorized", e.authorized},
                                         {"connection_reused", r.connection_reused},
                                         {"tls_session_offered", r.tls_session_offered},
                                         {"tls_resumed", r.tls_resumed},
                                         {"connect_ms", ms_value(r.timings.connect)},
                                         {"tls_ms", ms_value(r.timings.tls)},
                                         {"ttfb_ms", ms_value(r.timings.ttfb)},
                                         {"transfer_ms", ms_value(r.timings.transfer)},
                                         {"total_ms", ms_value(r.timings.total)}});
    }
    json::array notes;
    for (const auto& n : notes_) notes.emplace_back(n);
    json::object root{{"user_agent", user_agent_},
                      {"status", to_string(outcome.status)},
                      {"exit_code", exit_code(outcome.status)},
                      {"reason", outcome.reason},
                      {"kept_last_good", outcome.kept_last_good},
                      {"firmware", firmware},
                      {"steps", std::move(steps)},
                      {"exchanges", std::move(exchanges)},
                      {"notes", std::move(notes)}};
    return json::serialize(root) + "\n";
}

}  // namespace phone_agent
