#include "logic/fleet_metrics.hpp"

#include <cstdio>

namespace phone_agent {

namespace {

void line(std::string& out, const std::string& name, const std::string& labels, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", value);
    out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + buf + "\n";
}

void header(std::string& out, const std::string& name, const char* type, const char* help) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

double u(std::uint64_t v) { return static_cast<double>(v); }

}  // namespace

std::string render_fleet_metrics(const fleet_stats& stats, const fleet_gauges& g) {
    std::string out;
    const std::string p = "phone_agent_fleet_";
    header(out, p + "boots_planned", "gauge", "Boots planned for this process (phones x (1 + resyncs)).");
    line(out, p + "boots_planned", "", u(g.planned_boots));
    header(out, p + "boots_started_total", "counter", "Boots started.");
    line(out, p + "boots_started_total", "", u(stats.started()));
    header(out, p + "boots_provisioned_total", "counter", "Boots that ended provisioned.");
    line(out, p + "boots_provisioned_total", "", u(stats.provisioned()));
    header(out, p + "boots_failed_total", "counter", "Boots that failed, by error class.");
    for (std::size_t i = 0; i < error_class_count; ++i) {
        const auto c = static_cast<error_class>(i);
        line(out, p + "boots_failed_total", std::string("reason=\"") + to_string(c) + "\"", u(stats.errors(c)));
    }
    header(out, p + "boots_in_flight", "gauge", "Boots running now.");
    line(out, p + "boots_in_flight", "", u(g.in_flight));
    header(out, p + "boots_in_flight_peak", "gauge", "Most boots in flight at once so far (with threads, the sum of their peaks).");
    line(out, p + "boots_in_flight_peak", "", u(stats.peak_in_flight()));
    header(out, p + "phones_arrived_total", "counter", "Phones whose first boot started (resyncs not counted).");
    line(out, p + "phones_arrived_total", "", u(stats.arrivals()));
    header(out, p + "phones_provisioned_total", "counter",
           "Phones provisioned at least once (each counted at its first successful boot).");
    line(out, p + "phones_provisioned_total", "", u(stats.first_provisioned().count()));
    header(out, p + "requests_total", "counter", "HTTP exchanges attempted.");
    line(out, p + "requests_total", "", u(stats.requests()));
    header(out, p + "responses_total", "counter", "HTTP responses by status class.");
    for (unsigned k = 1; k <= 5; ++k) {
        line(out, p + "responses_total", "class=\"" + std::to_string(k) + "xx\"", u(stats.requests_with_status(k)));
    }
    header(out, p + "requests_without_response_total", "counter", "Exchanges that ended before a response.");
    line(out, p + "requests_without_response_total", "", u(stats.request_failures()));
    header(out, p + "received_bytes_total", "counter", "Response body bytes received.");
    line(out, p + "received_bytes_total", "", u(stats.bytes()));
    header(out, p + "connections_reused_total", "counter", "Requests sent on a kept-alive connection.");
    line(out, p + "connections_reused_total", "", u(stats.connections_reused()));
    header(out, p + "tls_handshakes_total", "counter", "TLS handshakes, by whether the session was resumed.");
    line(out, p + "tls_handshakes_total", "resumed=\"false\"", u(stats.tls_handshakes() - stats.tls_resumed()));
    line(out, p + "tls_handshakes_total", "resumed=\"true\"", u(stats.tls_resumed()));
    header(out, p + "latency_seconds", "summary",
           "Latencies: ttp from the intended start, service from the actual start, exchange phases, file classes.");
    for (std::size_t i = 0; i < metric_count; ++i) {
        const auto m = static_cast<metric>(i);
        const auto& h = stats.get(m);
        const std::string name = std::string("metric=\"") + to_string(m) + "\"";
        for (double q : {0.5, 0.9, 0.99, 0.999}) {
            char qs[16];
            std::snprintf(qs, sizeof qs, "%g", q);
            line(out, p + "latency_seconds", name + ",quantile=\"" + qs + "\"", u(h.percentile(q * 100)) / 1e6);
        }
        line(out, p + "latency_seconds_sum", name, h.mean() * u(h.count()) / 1e6);
        line(out, p + "latency_seconds_count", name, u(h.count()));
    }
    header(out, p + "elapsed_seconds", "gauge", "Time since the fleet started.");
    line(out, p + "elapsed_seconds", "", g.elapsed_s);
    header(out, p + "generator_cpu_share", "gauge", "The generator's own CPU over its last progress interval (1 = one core).");
    line(out, p + "generator_cpu_share", "", g.generator_cpu_share);
    header(out, p + "generator_open_fds", "gauge", "Open file descriptors of the generator.");
    line(out, p + "generator_open_fds", "", u(g.open_fds));
    header(out, p + "generator_bottleneck", "gauge", "1 when the last interval's self-check warned.");
    line(out, p + "generator_bottleneck", "", g.generator_warning ? 1 : 0);
    return out;
}

}  // namespace phone_agent
