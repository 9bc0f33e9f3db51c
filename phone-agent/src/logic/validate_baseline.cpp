// --baseline: the failures a vendor already knows about, so CI fails only on new ones.
#include "logic/validate_checks.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace phone_agent::validate {

namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return std::string(s);
}

std::variant<baseline, baseline_error> from_json(std::string_view text, std::string_view file_name) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(text, ec);
    const std::string where(file_name);
    if (ec) return baseline_error{where + ": not valid JSON: " + ec.message()};
    const auto* root = doc.if_object();
    const auto* checks = root ? root->if_contains("checks") : nullptr;
    if (!checks || !checks->is_array()) {
        return baseline_error{where + ": a JSON baseline must be a `phone-agent validate --json` report (no \"checks\" array)"};
    }
    baseline out;
    std::size_t index = 0;
    for (const auto& c : checks->as_array()) {
        const auto* obj = c.if_object();
        const auto* id = obj ? obj->if_contains("id") : nullptr;
        const auto* result = obj ? obj->if_contains("result") : nullptr;
        if (!id || !id->is_string() || !result || !result->is_string()) {
            return baseline_error{where + ": checks[" + std::to_string(index) + "]: needs string \"id\" and \"result\""};
        }
        const std::string name(id->as_string());
        if (!find_check(name)) {
            return baseline_error{where + ": checks[" + std::to_string(index) + "]: unknown check id '" + name + "'"};
        }
        if (result->as_string() == "fail") out.ids.insert(name);
        ++index;
    }
    return out;
}

}  // namespace

std::variant<baseline, baseline_error> parse_baseline(std::string_view text, std::string_view file_name) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && text[first] == '{') return from_json(text, file_name);
    baseline out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto end = text.find('\n');
        std::string line = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (auto hash = line.find('#'); hash != std::string::npos) line = trim(std::string_view(line).substr(0, hash));
        if (line.empty()) continue;
        const std::string id = line.substr(0, line.find_first_of(" \t"));
        if (!find_check(id)) {
            return baseline_error{std::string(file_name) + ":" + std::to_string(line_no) + ": unknown check id '" + id +
                                  "' (ids look like HTTP-001, AUTH-003, TLS-002, PROV-001, ROB-001)"};
        }
        out.ids.insert(id);
    }
    return out;
}

baseline_report apply_baseline(const baseline& known, std::vector<check_result>& results) {
    baseline_report report;
    report.used = true;
    for (auto& r : results) {
        if (!known.ids.contains(r.id)) continue;
        if (r.result.status == check_status::fail) {
            r.known_failure = true;
            report.known.push_back(r.id);
        } else if (r.result.status != check_status::skip) {
            report.fixed.push_back(r.id);
        }
    }
    return report;
}

}  // namespace phone_agent::validate
