// The three report formats of `phone-agent validate`: a table for people, JSON for tools (and as a
// later --baseline), JUnit XML for CI (one testcase per check; known failures are skipped).
#include "logic/validate_checks.hpp"

#include <cstdio>
#include <sstream>

namespace phone_agent::validate {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    return out;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

std::string json_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out;
}

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            // XML 1.0 allows only TAB, LF, CR below 0x20.
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                out += '?';
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out;
}

std::string message_of(const verdict& v) {
    std::string m;
    if (!v.expected.empty()) m += "expected " + v.expected;
    if (!v.seen.empty()) m += (m.empty() ? "" : "; ") + std::string("seen ") + v.seen;
    if (!v.detail.empty()) m += (m.empty() ? "" : "; ") + v.detail;
    return m;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ",\"" : "\"") + json_escape(items[i]) + "\"";
    return out + "]";
}

}  // namespace

std::string render_table(const std::vector<check_result>& results, const baseline_report& baseline) {
    std::size_t title_width = 5;
    for (const auto& r : results) title_width = std::max(title_width, r.title.size());
    std::ostringstream out;
    out << pad("ID", 9) << pad("RESULT", 7) << pad("CHECK", title_width + 2) << "SOURCE\n";
    for (const auto& r : results) {
        out << pad(r.id, 9) << pad(upper(to_string(r.result.status)), 7) << pad(r.title, title_width + 2) << r.source
            << "\n";
        const auto& v = r.result;
        if (r.known_failure) out << "         known failure (--baseline): does not fail the run\n";
        if (v.status == check_status::fail || v.status == check_status::warn) {
            if (!v.expected.empty()) out << "         expected: " << v.expected << "\n";
            if (!v.seen.empty()) out << "         seen:     " << v.seen << "\n";
        }
        if (!v.detail.empty()) out << "         " << (v.status == check_status::skip ? "skipped: " : "note: ") << v.detail << "\n";
    }
    const auto s = summarise(results);
    out << results.size() << " checks: " << s.pass << " pass, " << s.warn << " warn, " << s.fail << " fail";
    if (baseline.used) out << " (" << s.known << " known)";
    out << ", " << s.skip << " skip\n";
    if (baseline.used && !baseline.fixed.empty()) {
        out << "fixed since the baseline: " << join(baseline.fixed) << "\n";
    }
    return out.str();
}

std::string render_json(const std::string& server, const std::vector<check_result>& results,
                        const baseline_report& baseline) {
    const auto s = summarise(results);
    std::ostringstream out;
    out << "{\"server\":\"" << json_escape(server) << "\",\"summary\":{\"pass\":" << s.pass << ",\"warn\":" << s.warn
        << ",\"fail\":" << s.fail << ",\"known\":" << s.known << ",\"skip\":" << s.skip << "}";
    if (baseline.used) {
        out << ",\"baseline\":{\"known\":" << json_list(baseline.known) << ",\"fixed\":" << json_list(baseline.fixed)
            << "}";
    }
    out << ",\"checks\":[";
    bool first = true;
    for (const auto& r : results) {
        out << (first ? "" : ",") << "\n{\"id\":\"" << json_escape(r.id) << "\",\"title\":\"" << json_escape(r.title)
            << "\",\"source\":\"" << json_escape(r.source) << "\",\"result\":\"" << to_string(r.result.status)
            << "\",\"known_failure\":" << (r.known_failure ? "true" : "false") << ",\"expected\":\""
            << json_escape(r.result.expected) << "\",\"seen\":\"" << json_escape(r.result.seen) << "\",\"detail\":\""
            << json_escape(r.result.detail) << "\"}";
        first = false;
    }
    out << "\n]}\n";
    return out.str();
}

std::string render_junit(const std::string& server, const std::vector<check_result>& results) {
    const auto s = summarise(results);
    const auto failures = s.fail - s.known;
    const auto skipped = s.skip + s.known;
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuites name=\"phone-agent validate\" tests=\"" << results.size() << "\" failures=\"" << failures
        << "\" skipped=\"" << skipped << "\">\n"
        << "  <testsuite name=\"validate " << xml_escape(server) << "\" tests=\"" << results.size()
        << "\" failures=\"" << failures << "\" errors=\"0\" skipped=\"" << skipped << "\">\n";
    for (const auto& r : results) {
        const auto dash = r.id.find('-');
        const std::string area = r.id.substr(0, dash);
        out << "    <testcase classname=\"validate." << xml_escape(area) << "\" name=\"" << xml_escape(r.id + " " + r.title)
            << "\">";
        const auto msg = message_of(r.result);
        switch (r.result.status) {
        case check_status::fail:
            if (r.known_failure) {
                out << "\n      <skipped message=\"known failure (baseline): " << xml_escape(msg) << "\"/>\n    ";
            } else {
                out << "\n      <failure message=\"" << xml_escape(msg) << "\" type=\"fail\">" << xml_escape(r.source)
                    << "</failure>\n    ";
            }
            break;
        case check_status::skip: out << "\n      <skipped message=\"" << xml_escape(msg) << "\"/>\n    "; break;
        case check_status::warn:
            out << "\n      <system-out>warning: " << xml_escape(msg) << "</system-out>\n    ";
            break;
        case check_status::pass: break;
        }
        out << "</testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
    return out.str();
}

}  // namespace phone_agent::validate
