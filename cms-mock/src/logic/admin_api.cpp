// The admin API (admin listener only): health, journal, devices and their boot sequence,
// firmware hashes, reload, and Prometheus metrics.
#include "logic/service_impl.hpp"

#include "logic/boot_sequence.hpp"
#include "logic/journal_json.hpp"

#include "common/aastra/mac.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <sstream>

namespace cms_mock {

namespace json = boost::json;

namespace {

response_plan json_response(unsigned status, const json::value& v) {
    return text_response(status, json::serialize(v) + "\n", "application/json");
}

response_plan json_error(unsigned status, std::string message) {
    return json_response(status, json::object{{"error", std::move(message)}});
}

std::optional<std::string> normalised_mac(std::string_view text) {
    auto parsed = common::aastra::mac_address::parse(text);
    if (auto* mac = std::get_if<common::aastra::mac_address>(&parsed)) return mac->compact_upper();
    return std::nullopt;
}

json::object device_json(const device& d) {
    json::array lines;
    for (const auto& l : d.lines) {
        lines.push_back(json::object{{"auth_name", l.auth_name}, {"user_name", l.user_name},
                                     {"display_name", l.display_name}, {"registrar", l.registrar}});
    }
    return json::object{{"mac", d.mac},
                        {"model", d.model},
                        {"firmware", d.firmware_version},
                        {"device_username", d.device_username},
                        {"user_username", d.user_username},
                        {"logged_in", d.logged_in_once},
                        {"lines", std::move(lines)}};
}

void metric(std::ostringstream& out, std::string_view name, std::string_view type, std::string_view help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

response_plan provisioning_service::impl::handle_admin(request_view& req) {
    auto parsed = boost::urls::parse_origin_form(req.target);
    if (!parsed) return json_error(400, "malformed request target");
    const std::string path = parsed->path();
    const auto params = parsed->params();
    auto param = [&](std::string_view key) -> std::optional<std::string> {
        auto it = params.find(key);
        if (it == params.end()) return std::nullopt;
        return std::string((*it).value);
    };

    if (path == "/_admin/health" && (req.method == "GET" || req.method == "HEAD")) {
        return json_response(200, json::object{{"status", "ok"},
                                               {"devices", devices.size()},
                                               {"journal_entries", log.size()}});
    }
    if (path == "/_admin/journal") {
        if (req.method == "DELETE") {
            log.clear();
            return text_response(204, "");
        }
        if (req.method != "GET") return json_error(405, "GET or DELETE");
        journal_filter f;
        if (auto mac = param("mac")) {
            auto norm = normalised_mac(*mac);
            if (!norm) return json_error(400, "mac: '" + *mac + "' is not a MAC address");
            f.mac = *norm;
        }
        f.path = param("path");
        if (auto since = param("since")) {
            std::uint64_t id = 0;
            auto [p, ec] = std::from_chars(since->data(), since->data() + since->size(), id);
            if (ec != std::errc() || p != since->data() + since->size()) {
                return json_error(400, "since: expected an entry id (a number)");
            }
            f.since_id = id;
        }
        if (auto limit = param("limit")) {
            std::size_t n = 0;
            auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
            if (ec != std::errc() || p != limit->data() + limit->size()) return json_error(400, "limit: expected a number");
            f.limit = n;
        }
        auto entries = log.query(f);
        return json_response(200, to_json(entries));
    }
    if (path == "/_admin/devices" && req.method == "GET") {
        json::array all;
        for (const auto* d : devices.list()) all.push_back(device_json(*d));
        return json_response(200, all);
    }
    if (path.starts_with("/_admin/devices/") && req.method == "GET") {
        std::string_view rest = std::string_view(path).substr(16);
        auto slash = rest.find('/');
        auto mac = normalised_mac(rest.substr(0, slash));
        if (!mac) return json_error(400, "'" + std::string(rest.substr(0, slash)) + "' is not a MAC address");
        const auto* d = devices.find(*mac);
        if (slash == std::string_view::npos) {
            if (!d) return json_error(404, "unknown device " + *mac);
            return json_response(200, device_json(*d));
        }
        if (rest.substr(slash) != "/sequence") return json_error(404, "unknown admin path");
        journal_filter f;
        f.mac = *mac;
        auto model = d ? d->model : std::string();
        auto entries = log.query(f);
        return json_response(200, to_json(boot_sequence_verdict(entries, *mac, model)));
    }
    if (path == "/_admin/firmware" && req.method == "GET") {
        json::array all;
        for (const auto& fw : firmware) {
            all.push_back(json::object{{"model", fw.model},
                                       {"version", fw.version},
                                       {"size", fw.body->size()},
                                       {"sha256", fw.synthetic ? fw.synthetic->sha256_hex() : std::string()},
                                       {"source", fw.synthetic ? "synthetic" : fw.file}});
        }
        return json_response(200, all);
    }
    if (path == "/_admin/reload" && req.method == "POST") {
        if (!config_source) return json_error(501, "this instance has no configuration source to reload");
        mock_config next;
        try {
            next = config_source();
        } catch (const std::exception& e) {
            return json_error(400, e.what());
        }
        if (auto err = reload(std::move(next)); !err.empty()) return json_error(400, err);
        return json_response(200, json::object{{"status", "reloaded"}, {"devices", devices.size()}});
    }
    if (path == "/metrics" && req.method == "GET") {
        std::ostringstream out;
        const auto& c = log.counters();
        metric(out, "cms_mock_requests_total", "counter", "Provisioning requests by status class.");
        for (std::size_t cls = 0; cls < c.by_status_class.size(); ++cls) {
            out << "cms_mock_requests_total{status=\"" << (cls == 0 ? std::string("other") : std::to_string(cls) + "xx")
                << "\"} " << c.by_status_class[cls] << '\n';
        }
        metric(out, "cms_mock_auth_total", "counter", "Provisioning requests by authentication outcome.");
        for (std::size_t i = 0; i < c.by_auth_outcome.size(); ++i) {
            out << "cms_mock_auth_total{outcome=\"" << to_string(static_cast<auth_outcome>(i)) << "\"} "
                << c.by_auth_outcome[i] << '\n';
        }
        metric(out, "cms_mock_response_bytes_total", "counter", "Body bytes sent.");
        out << "cms_mock_response_bytes_total " << bytes_sent_total << '\n';
        metric(out, "cms_mock_request_duration_seconds", "histogram", "Time to send each response.");
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < std::size(latency_buckets); ++i) {
            cumulative += latency.counts[i];
            out << "cms_mock_request_duration_seconds_bucket{le=\"" << latency_buckets[i] << "\"} " << cumulative << '\n';
        }
        out << "cms_mock_request_duration_seconds_bucket{le=\"+Inf\"} " << latency.total << '\n';
        out << "cms_mock_request_duration_seconds_sum " << latency.sum << '\n';
        out << "cms_mock_request_duration_seconds_count " << latency.total << '\n';
        if (stats) {
            auto s = stats();
            metric(out, "cms_mock_open_connections", "gauge", "Open client connections.");
            out << "cms_mock_open_connections " << s.open_connections << '\n';
            metric(out, "cms_mock_tls_handshakes_total", "counter", "TLS handshakes by result.");
            out << "cms_mock_tls_handshakes_total{result=\"ok\"} " << s.tls_handshakes_ok << '\n';
            out << "cms_mock_tls_handshakes_total{result=\"failed\"} " << s.tls_handshakes_failed << '\n';
            metric(out, "cms_mock_connections_refused_total", "counter", "Connections refused over the limit.");
            out << "cms_mock_connections_refused_total " << s.connections_refused << '\n';
            metric(out, "cms_mock_requests_rejected_total", "counter", "Requests refused by the framing checks.");
            out << "cms_mock_requests_rejected_total " << s.requests_rejected << '\n';
        }
        return text_response(200, out.str(), "text/plain; version=0.0.4");
    }
    return json_error(404, "unknown admin path " + path);
}

}  // namespace cms_mock
