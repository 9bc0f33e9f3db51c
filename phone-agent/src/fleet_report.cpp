#include "fleet_report.hpp"

#include "logic/fleet_plan.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>

namespace phone_agent {

namespace json = boost::json;
using std::chrono::microseconds;

namespace {

constexpr double quantiles[] = {50.0, 90.0, 99.0, 99.9};
constexpr const char* quantile_names[] = {"p50", "p90", "p99", "p99.9"};
// Shares of the fleet's phones whose first provisioning time the summary names.
struct fleet_share {
    const char* text;  // summary
    const char* key;   // JSON
    double share;
};
constexpr fleet_share fleet_shares[] = {
    {"50%", "p50_s", 0.5}, {"90%", "p90_s", 0.9}, {"99%", "p99_s", 0.99}, {"all", "p100_s", 1.0}};

double seconds(microseconds d) { return static_cast<double>(d.count()) / 1e6; }

json::object histogram_json(const histogram& h) {
    json::object o{{"count", h.count()}, {"min", h.min()}, {"mean", h.mean()}};
    for (std::size_t i = 0; i < std::size(quantiles); ++i) o[quantile_names[i]] = h.percentile(quantiles[i]);
    o["max"] = h.max();
    return o;
}

std::string histogram_line(const char* name, const histogram& h) {
    char buf[256];
    if (h.empty()) {
        std::snprintf(buf, sizeof buf, "  %-11s        -\n", name);
        return buf;
    }
    auto f = [](std::uint64_t us) { return format_duration(microseconds(static_cast<std::int64_t>(us))); };
    std::snprintf(buf, sizeof buf, "  %-11s %7llu  %9s %9s %9s %9s %9s %9s\n", name,
                  static_cast<unsigned long long>(h.count()), f(h.percentile(50)).c_str(),
                  f(h.percentile(90)).c_str(), f(h.percentile(99)).c_str(), f(h.percentile(99.9)).c_str(),
                  f(h.max()).c_str(), f(static_cast<std::uint64_t>(h.mean())).c_str());
    return buf;
}

}  // namespace

fleet_report::fleet_report(const fleet_request& req, const fleet_stats& stats, microseconds elapsed,
                           const std::map<error_class, std::string>& error_examples, const generator_health& health)
    : req_(req), stats_(stats), elapsed_(elapsed), error_examples_(error_examples), health_(health) {
    for (const auto& t : req_.thresholds) {
        results_.push_back(evaluate(t, stats_, req_.planned_boots(), req_.phones.size()));
        if (!results_.back().passed) passed_ = false;
    }
}

bool fleet_report::print_summary(std::ostream& out) const {
    const double secs = seconds(elapsed_);
    const auto n = req_.planned_boots();
    char buf[512];
    if (req_.resyncs > 0) {
        std::snprintf(buf, sizeof buf, "fleet: %zu phones x %zu boots (every %s)\n", req_.phones.size(),
                      req_.resyncs + 1, format_duration(req_.resync_interval).c_str());
        out << buf;
    }
    std::snprintf(buf, sizeof buf,
                  "fleet: %zu boots in %.2fs: provisioned %llu (%.2f%%), failed %llu, not started %llu\n"
                  "requests: %llu (%.1f req/s, %.1f phones/s), %llu without a response, %.1f MiB received; "
                  "status 2xx %llu 3xx %llu 4xx %llu 5xx %llu\n",
                  n, secs, static_cast<unsigned long long>(stats_.provisioned()),
                  n ? 100.0 * static_cast<double>(stats_.provisioned()) / static_cast<double>(n) : 0.0,
                  static_cast<unsigned long long>(stats_.failed()),
                  static_cast<unsigned long long>(stats_.not_started()),
                  static_cast<unsigned long long>(stats_.requests()),
                  secs > 0 ? static_cast<double>(stats_.requests()) / secs : 0.0,
                  secs > 0 ? static_cast<double>(stats_.provisioned()) / secs : 0.0,
                  static_cast<unsigned long long>(stats_.request_failures()),
                  static_cast<double>(stats_.bytes()) / (1024.0 * 1024.0),
                  static_cast<unsigned long long>(stats_.requests_with_status(2)),
                  static_cast<unsigned long long>(stats_.requests_with_status(3)),
                  static_cast<unsigned long long>(stats_.requests_with_status(4)),
                  static_cast<unsigned long long>(stats_.requests_with_status(5)));
    out << buf;
    out << fleet_progress_line();
    for (const auto d : req_.deadlines) {
        const auto f = by_deadline(d);
        std::snprintf(buf, sizeof buf, "deadline %s after the start: %llu of %zu phones provisioned (%.2f%%)\n",
                      format_duration(d).c_str(), static_cast<unsigned long long>(f.provisioned), req_.phones.size(),
                      100.0 * f.share);
        out << buf;
    }
    std::snprintf(buf, sizeof buf,
                  "connections: %llu reused (keep-alive), %llu TLS handshakes of which %llu resumed, %.1f%% of "
                  "request time in TLS handshakes\n",
                  static_cast<unsigned long long>(stats_.connections_reused()),
                  static_cast<unsigned long long>(stats_.tls_handshakes()),
                  static_cast<unsigned long long>(stats_.tls_resumed()), tls_time_share() * 100);
    out << buf;
    std::snprintf(buf, sizeof buf, "generator: cpu %.0f%% (peak %.0f%%), worst start lag %s, peak %zu open files\n",
                  health_.cpu_share * 100, health_.peak_cpu_share * 100,
                  format_duration(health_.worst_start_lag).c_str(), health_.peak_open_fds);
    out << buf;
    std::snprintf(buf, sizeof buf, "phones in flight: mean %.1f, peak %llu (%s)\n",
                  stats_.mean_in_flight(elapsed_), static_cast<unsigned long long>(stats_.peak_in_flight()),
                  req_.concurrency ? ("--concurrency " + std::to_string(req_.concurrency)).c_str() : "no --concurrency cap");
    out << buf;
    if (req_.arrival) {
        const auto due = arrivals_due();
        const double window = seconds(arrival_window());
        std::snprintf(buf, sizeof buf, "arrivals: %llu phones started of %llu due (%.1f/s achieved, %.1f/s planned)\n",
                      static_cast<unsigned long long>(stats_.arrivals()), static_cast<unsigned long long>(due),
                      window > 0 ? static_cast<double>(stats_.arrivals()) / window : 0.0,
                      window > 0 ? static_cast<double>(due) / window : 0.0);
        out << buf;
    }
    if (req_.resyncs > 0) {
        std::snprintf(buf, sizeof buf,
                      "resyncs behind schedule: %llu (the phone's previous boot outlasted --resync-interval; "
                      "worst %s late; not the generator)\n",
                      static_cast<unsigned long long>(stats_.resyncs_behind_schedule()),
                      format_duration(stats_.worst_behind_schedule()).c_str());
        out << buf;
    }
    if (!health_.last_warning.empty()) out << "generator warning: " << health_.last_warning << "\n";
    out << "errors:";
    for (std::size_t i = 0; i < error_class_count; ++i) {
        const auto c = static_cast<error_class>(i);
        out << " " << to_string(c) << " " << stats_.errors(c);
    }
    out << "\n";
    for (const auto& [c, text] : error_examples_) out << "  first " << to_string(c) << ": " << text << "\n";
    std::snprintf(buf, sizeof buf, "latency     %7s  %9s %9s %9s %9s %9s %9s\n", "count", "p50", "p90", "p99",
                  "p99.9", "max", "mean");
    out << buf;
    for (std::size_t i = 0; i < metric_count; ++i) {
        const auto m = static_cast<metric>(i);
        out << histogram_line(to_string(m), stats_.get(m));
    }
    for (const auto& r : results_) {
        out << "threshold " << r.spec->text << ": " << (r.passed ? "passed" : "FAILED") << " (" << r.observed_text
            << ")\n";
    }
    out.flush();
    return passed_;
}

std::string fleet_report::fleet_progress_line() const {
    std::string line = "phones provisioned after the start:";
    const char* sep = " ";
    for (const auto& s : fleet_shares) {
        const auto at = stats_.fleet_provisioned_at(s.share, req_.phones.size());
        line += sep;
        line += s.text;
        line += " by ";
        line += at ? format_duration(*at) : std::string("-");
        sep = ", ";
    }
    return line + "\n";
}

fleet_report::deadline_figure fleet_report::by_deadline(microseconds d) const {
    const auto by = stats_.provisioned_by(d);
    const auto phones = req_.phones.size();
    return {by, phones ? static_cast<double>(by) / static_cast<double>(phones) : 0.0};
}

microseconds fleet_report::arrival_window() const {
    return req_.duration.count() > 0 ? std::min(elapsed_, req_.duration) : elapsed_;
}

std::uint64_t fleet_report::arrivals_due() const {
    if (!req_.arrival) return req_.phones.size();
    // Arrival offsets never decrease: the first phone not due before the window's end, by bisection.
    const auto window = arrival_window();
    std::size_t low = 0, high = req_.phones.size();
    while (low < high) {
        const std::size_t mid = low + (high - low) / 2;
        const auto at = arrival_offset(*req_.arrival, mid);
        if (at && *at < window) low = mid + 1;
        else high = mid;
    }
    return low;
}

double fleet_report::tls_time_share() const {
    std::uint64_t total = 0;
    for (auto m : {metric::aastra_cfg, metric::model_cfg, metric::mac_cfg, metric::firmware}) {
        const auto& h = stats_.get(m);
        total += static_cast<std::uint64_t>(h.mean() * static_cast<double>(h.count()));
    }
    return total ? static_cast<double>(stats_.tls_time().count()) / static_cast<double>(total) : 0.0;
}

std::string fleet_report::json() const {
    const auto n = req_.planned_boots();
    const double secs = seconds(elapsed_);
    json::object models;
    for (const auto& p : req_.phones) {
        auto name = std::string(req_.models[p.model_index].model.name);
        auto it = models.find(name);
        if (it == models.end()) models[name] = 1;
        else it->value() = it->value().as_int64() + 1;
    }
    json::object plan{{"phones", n},
                      {"mac_first", n ? req_.phones.front().mac.compact_upper() : ""},
                      {"mac_last", n ? req_.phones.back().mac.compact_upper() : ""},
                      {"models", std::move(models)},
                      {"firmware", req_.firmware},
                      {"concurrency", req_.concurrency},
                      {"storm_window_s", seconds(req_.storm_window)},
                      {"storm_shape", to_string(req_.storm_spread)},
                      {"duration_s", seconds(req_.duration)},
                      {"source_addresses", req_.source_addresses.size()},
                      {"state", req_.state_dir ? "disk" : "memory"},
                      {"boots", n},
                      {"resyncs", req_.resyncs},
                      {"resync_interval_s", seconds(req_.resync_interval)},
                      {"arrival_rate", req_.arrival ? json::value(req_.arrival->start_rate) : json::value(nullptr)},
                      {"ramp_stages", req_.arrival ? req_.arrival->stages.size() : 0},
                      {"shard", req_.shard_of ? json::value(std::to_string(req_.shard_of->index) + "/" +
                                                            std::to_string(req_.shard_of->count))
                                              : json::value(nullptr)},
                      {"fleet_size", req_.fleet_size},
                      {"keep_alive", req_.connection.keep_alive},
                      {"tls_resumption", req_.connection.tls_resumption},
                      {"command", req_.command_line}};
    json::array servers;
    for (const auto& m : req_.models) servers.push_back(json::string(m.server_url));
    plan["servers"] = std::move(servers);

    json::object errors;
    for (std::size_t i = 0; i < error_class_count; ++i) {
        const auto c = static_cast<error_class>(i);
        errors[to_string(c)] = stats_.errors(c);
    }
    json::object examples;
    for (const auto& [c, text] : error_examples_) examples[to_string(c)] = text;

    json::object latency;
    for (std::size_t i = 0; i < metric_count; ++i) {
        const auto m = static_cast<metric>(i);
        latency[to_string(m)] = histogram_json(stats_.get(m));
    }
    json::array thresholds;
    for (const auto& r : results_) {
        thresholds.push_back(json::object{{"threshold", r.spec->text},
                                          {"observed", r.observed},
                                          {"limit", r.spec->limit},
                                          {"passed", r.passed},
                                          {"detail", r.observed_text}});
    }
    json::object fleet_provisioned;
    for (const auto& s : fleet_shares) {
        const auto at = stats_.fleet_provisioned_at(s.share, req_.phones.size());
        fleet_provisioned[s.key] = at ? json::value(seconds(*at)) : json::value(nullptr);
    }
    json::array deadlines;
    for (const auto d : req_.deadlines) {
        const auto f = by_deadline(d);
        deadlines.push_back(json::object{{"after_s", seconds(d)}, {"provisioned", f.provisioned}, {"share", f.share}});
    }
    json::object status{{"2xx", stats_.requests_with_status(2)},
                        {"3xx", stats_.requests_with_status(3)},
                        {"4xx", stats_.requests_with_status(4)},
                        {"5xx", stats_.requests_with_status(5)}};
    json::object root{
        {"plan", std::move(plan)},
        {"elapsed_s", secs},
        {"phones",
         json::object{{"started", stats_.started()},
                      {"not_started", stats_.not_started()},
                      {"provisioned", stats_.provisioned()},
                      {"failed", stats_.failed()},
                      {"resyncs_behind_schedule", stats_.resyncs_behind_schedule()},
                      {"worst_behind_schedule_us", stats_.worst_behind_schedule().count()},
                      {"provisioned_share", n ? static_cast<double>(stats_.provisioned()) / static_cast<double>(n) : 0.0},
                      {"error_rate", stats_.error_rate_percent() / 100.0}}},
        {"fleet_provisioned", std::move(fleet_provisioned)},
        {"deadlines", std::move(deadlines)},
        {"throughput",
         json::object{{"requests", stats_.requests()},
                      {"requests_per_s", secs > 0 ? static_cast<double>(stats_.requests()) / secs : 0.0},
                      {"provisioned_per_s", secs > 0 ? static_cast<double>(stats_.provisioned()) / secs : 0.0},
                      {"requests_without_response", stats_.request_failures()},
                      {"bytes", stats_.bytes()},
                      {"status", std::move(status)}}},
        {"connections",
         json::object{{"reused", stats_.connections_reused()},
                      {"tls_handshakes", stats_.tls_handshakes()},
                      {"tls_resumed", stats_.tls_resumed()},
                      {"tls_time_share", tls_time_share()}}},
        {"generator",
         json::object{{"cpu_share", health_.cpu_share},
                      {"peak_cpu_share", health_.peak_cpu_share},
                      {"worst_start_lag_us", health_.worst_start_lag.count()},
                      {"peak_open_fds", health_.peak_open_fds},
                      {"warnings", health_.warnings},
                      {"last_warning", health_.last_warning},
                      {"mean_in_flight", stats_.mean_in_flight(elapsed_)},
                      {"peak_in_flight", stats_.peak_in_flight()},
                      {"concurrency", req_.concurrency},
                      {"arrivals", stats_.arrivals()},
                      {"arrivals_due", req_.arrival ? json::value(arrivals_due()) : json::value(nullptr)}}},
        {"errors", std::move(errors)},
        {"error_examples", std::move(examples)},
        {"latency_us", std::move(latency)},
        {"thresholds", std::move(thresholds)},
        {"passed", passed_}};
    return json::serialize(root) + "\n";
}

}  // namespace phone_agent
