#include "logic/fleet_stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace phone_agent {

const char* to_string(error_class c) noexcept {
    switch (c) {
        case error_class::connect: return "connect";
        case error_class::tls: return "tls";
        case error_class::timeout: return "timeout";
        case error_class::auth: return "auth";
        case error_class::http_4xx: return "4xx";
        case error_class::http_5xx: return "5xx";
        case error_class::truncated: return "truncated";
        case error_class::other: return "other";
    }
    return "?";
}

const char* to_string(file_class c) noexcept {
    switch (c) {
        case file_class::aastra_cfg: return "aastra.cfg";
        case file_class::model_cfg: return "model.cfg";
        case file_class::mac_cfg: return "mac.cfg";
        case file_class::firmware: return "firmware";
        case file_class::other: return "other";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& out, error_class c) { return out << to_string(c); }
std::ostream& operator<<(std::ostream& out, file_class c) { return out << to_string(c); }
std::ostream& operator<<(std::ostream& out, metric m) { return out << to_string(m); }

file_class file_class_of(boot_step step) noexcept {
    switch (step) {
        case boot_step::global_cfg: return file_class::aastra_cfg;
        case boot_step::model_cfg: return file_class::model_cfg;
        case boot_step::mac_cfg: return file_class::mac_cfg;
        case boot_step::firmware: return file_class::firmware;
        case boot_step::user_certificates: return file_class::other;
    }
    return file_class::other;
}

error_class classify(const failure_facts& f) noexcept {
    switch (f.status) {
        case boot_status::tls_error: return error_class::tls;
        case boot_status::auth_failed: return error_class::auth;
        case boot_status::network_error:
            if (!f.last_transport) return error_class::other;
            switch (*f.last_transport) {
                case transport_failure::resolve:
                case transport_failure::connect: return error_class::connect;
                case transport_failure::timeout: return error_class::timeout;
                case transport_failure::tls: return error_class::tls;
                case transport_failure::truncated: return error_class::truncated;
                case transport_failure::bad_response:
                case transport_failure::local_io: return error_class::other;
            }
            return error_class::other;
        case boot_status::server_error:
            if (f.last_transport == transport_failure::truncated) return error_class::truncated;
            if (f.last_http_status >= 400 && f.last_http_status < 500) return error_class::http_4xx;
            if (f.last_http_status >= 500 && f.last_http_status < 600) return error_class::http_5xx;
            return error_class::other;
        case boot_status::provisioned:
        case boot_status::usage_error:
        case boot_status::force_login_required: return error_class::other;
    }
    return error_class::other;
}

namespace {
constexpr std::array<const char*, metric_count> metric_names{
    "ttp", "service", "connect", "tls", "ttfb", "transfer", "aastra_cfg", "model_cfg", "mac_cfg", "firmware"};
}

const char* to_string(metric m) noexcept { return metric_names[static_cast<std::size_t>(m)]; }

std::optional<metric> metric_from_string(std::string_view name) noexcept {
    for (std::size_t i = 0; i < metric_count; ++i) {
        if (name == metric_names[i]) return static_cast<metric>(i);
    }
    return std::nullopt;
}

void fleet_stats::phone_provisioned(std::chrono::microseconds time_to_outcome, std::chrono::microseconds service_time) {
    ++provisioned_;
    histograms_[static_cast<std::size_t>(metric::time_to_provisioned)].record(time_to_outcome);
    histograms_[static_cast<std::size_t>(metric::service_time)].record(service_time);
}

void fleet_stats::phone_failed(error_class why, std::chrono::microseconds service_time) {
    ++failed_;
    ++errors_[static_cast<std::size_t>(why)];
    (void)service_time;  // a failed phone's time is not a provisioning latency
}

void fleet_stats::exchange(const exchange_sample& s) {
    ++requests_;
    bytes_ += s.bytes;
    if (!s.transport_ok && s.status == 0) ++request_failures_;
    if (s.status >= 100 && s.status < 600) ++status_classes_[s.status / 100];
    auto rec = [&](metric m, std::chrono::microseconds d) { histograms_[static_cast<std::size_t>(m)].record(d); };
    // A phase that did not happen (no TLS on http, no body after a failed header) is not a sample.
    if (s.timings.connect.count() > 0) rec(metric::connect, s.timings.connect);
    if (s.timings.tls.count() > 0) rec(metric::tls, s.timings.tls);
    if (s.connection_reused) ++connections_reused_;
    if (s.timings.tls.count() > 0) {
        ++tls_handshakes_;
        tls_time_ += s.timings.tls;
        if (s.tls_resumed) ++tls_resumed_;
    }
    if (s.status != 0) rec(metric::ttfb, s.timings.ttfb);
    if (s.transport_ok && s.status != 0) rec(metric::transfer, s.timings.transfer);
    switch (file_class_of(s.step)) {
        case file_class::aastra_cfg: rec(metric::aastra_cfg, s.timings.total); break;
        case file_class::model_cfg: rec(metric::model_cfg, s.timings.total); break;
        case file_class::mac_cfg: rec(metric::mac_cfg, s.timings.total); break;
        case file_class::firmware: rec(metric::firmware, s.timings.total); break;
        case file_class::other: break;
    }
}

void fleet_stats::phone_started(std::uint64_t in_flight, bool arrival) noexcept {
    ++started_;
    if (arrival) ++arrivals_;
    peak_in_flight_ = std::max(peak_in_flight_, in_flight);
}

void fleet_stats::resync_behind_schedule(std::chrono::microseconds behind) noexcept {
    ++behind_schedule_;
    worst_behind_schedule_ = std::max(worst_behind_schedule_, behind);
}

double fleet_stats::mean_in_flight(std::chrono::microseconds elapsed) const noexcept {
    return elapsed.count() > 0 ? static_cast<double>(busy_time_.count()) / static_cast<double>(elapsed.count()) : 0.0;
}

void fleet_stats::phone_first_provisioned(std::chrono::microseconds since_start) noexcept {
    first_provisioned_.record(since_start);
    for (std::size_t i = 0; i < deadlines_.size(); ++i) {
        if (since_start <= deadlines_[i]) ++by_deadline_[i];
    }
}

void fleet_stats::watch_deadlines(const std::vector<std::chrono::microseconds>& deadlines) {
    for (const auto d : deadlines) {
        if (std::find(deadlines_.begin(), deadlines_.end(), d) != deadlines_.end()) continue;
        deadlines_.push_back(d);
        by_deadline_.push_back(0);
    }
}

std::uint64_t fleet_stats::provisioned_by(std::chrono::microseconds deadline) const noexcept {
    for (std::size_t i = 0; i < deadlines_.size(); ++i) {
        if (deadlines_[i] == deadline) return by_deadline_[i];
    }
    // Not watched: whole buckets up to the deadline's (its bucket is at most 0.78 % wide).
    return first_provisioned_.count_at_most(deadline.count() < 0 ? 0 : static_cast<std::uint64_t>(deadline.count()));
}

std::optional<std::chrono::microseconds> fleet_stats::fleet_provisioned_at(double share,
                                                                           std::uint64_t phones) const noexcept {
    if (phones == 0 || !(share > 0.0)) return std::nullopt;
    const auto rank = static_cast<std::uint64_t>(std::ceil(std::min(share, 1.0) * static_cast<double>(phones)));
    if (rank > first_provisioned_.count()) return std::nullopt;
    return std::chrono::microseconds(static_cast<std::int64_t>(first_provisioned_.at_rank(rank)));
}

std::uint64_t fleet_stats::requests_with_status(unsigned klass) const noexcept {
    return klass >= 1 && klass <= 5 ? status_classes_[klass] : 0;
}

void fleet_stats::merge(const fleet_stats& other) {
    for (std::size_t i = 0; i < histograms_.size(); ++i) histograms_[i].merge(other.histograms_[i]);
    for (std::size_t i = 0; i < errors_.size(); ++i) errors_[i] += other.errors_[i];
    for (std::size_t i = 0; i < status_classes_.size(); ++i) status_classes_[i] += other.status_classes_[i];
    started_ += other.started_;
    not_started_ += other.not_started_;
    provisioned_ += other.provisioned_;
    failed_ += other.failed_;
    requests_ += other.requests_;
    request_failures_ += other.request_failures_;
    bytes_ += other.bytes_;
    connections_reused_ += other.connections_reused_;
    tls_handshakes_ += other.tls_handshakes_;
    tls_resumed_ += other.tls_resumed_;
    tls_time_ += other.tls_time_;
    arrivals_ += other.arrivals_;
    peak_in_flight_ += other.peak_in_flight_;
    busy_time_ += other.busy_time_;
    behind_schedule_ += other.behind_schedule_;
    worst_behind_schedule_ = std::max(worst_behind_schedule_, other.worst_behind_schedule_);
    first_provisioned_.merge(other.first_provisioned_);
    // Every shard watches the same deadlines (the fleet's).
    watch_deadlines(other.deadlines_);
    for (std::size_t i = 0; i < other.deadlines_.size(); ++i) {
        const auto at = std::find(deadlines_.begin(), deadlines_.end(), other.deadlines_[i]) - deadlines_.begin();
        by_deadline_[static_cast<std::size_t>(at)] += other.by_deadline_[i];
    }
}

double fleet_stats::error_rate_percent() const noexcept {
    const auto done = finished();
    return done ? 100.0 * static_cast<double>(failed_) / static_cast<double>(done) : 0.0;
}

// ---------------------------------------------------------------------------------------------
// Thresholds

namespace {

bool parse_number(std::string_view s, double& out) {
    if (s.empty()) return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(out) && out >= 0;
}

std::string percent_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g%%", v);
    return buf;
}

}  // namespace

std::variant<threshold, plan_error> parse_threshold(std::string_view text) {
    auto fail = [&](const std::string& why) {
        return plan_error{"--threshold '" + std::string(text) + "': " + why};
    };
    threshold t;
    t.text = std::string(text);
    // Split at the operator.
    auto op_at = text.find_first_of("<>");
    if (op_at == std::string_view::npos) return fail("expected e.g. 'p99<500ms', 'errors<0.1%', 'provisioned>=99%'");
    std::size_t op_len = (op_at + 1 < text.size() && text[op_at + 1] == '=') ? 2 : 1;
    t.op = std::string(text.substr(op_at, op_len));
    std::string_view left = text.substr(0, op_at);
    std::string_view right = text.substr(op_at + op_len);
    while (!left.empty() && left.back() == ' ') left.remove_suffix(1);
    while (!left.empty() && left.front() == ' ') left.remove_prefix(1);
    while (!right.empty() && right.front() == ' ') right.remove_prefix(1);
    while (!right.empty() && right.back() == ' ') right.remove_suffix(1);
    if (right.empty()) return fail("no limit after '" + t.op + "'");

    if (left.starts_with("provisioned@")) {
        auto d = parse_duration(left.substr(12));
        if (auto* err = std::get_if<plan_error>(&d)) return fail("deadline " + err->message);
        t.deadline = std::get<std::chrono::microseconds>(d);
        if (t.deadline.count() <= 0) return fail("the deadline must be more than 0");
        left = "provisioned@";
    }
    if (left == "errors" || left == "provisioned" || left == "provisioned@") {
        t.what = left == "errors"        ? threshold::kind::errors
                 : left == "provisioned" ? threshold::kind::provisioned
                                         : threshold::kind::provisioned_by;
        if (right.back() == '%') {
            t.percent = true;
            right.remove_suffix(1);
        }
        if (!parse_number(right, t.limit)) return fail("the limit must be a number or a percentage");
        if (t.percent && t.limit > 100) return fail("a percentage above 100");
        return t;
    }

    t.what = threshold::kind::latency;
    std::string_view stat = left;
    // A metric prefix never contains '.', but p99.9 does: the prefix is what precedes the first '.'
    // when that names a metric.
    if (auto dot = left.find('.'); dot != std::string_view::npos) {
        if (auto m = metric_from_string(left.substr(0, dot))) {
            t.hist = *m;
            stat = left.substr(dot + 1);
        }
    }
    t.stat = std::string(stat);
    if (stat == "max") {
        t.quantile = 100;
    } else if (stat == "mean") {
        t.quantile = -1;
    } else if (stat.size() >= 2 && stat.front() == 'p') {
        if (!parse_number(stat.substr(1), t.quantile) || t.quantile > 100) return fail("bad percentile '" + t.stat + "'");
    } else {
        std::string names;
        for (std::size_t i = 0; i < metric_count; ++i) names += std::string(i ? ", " : "") + metric_names[i];
        return fail("expected pNN, mean or max, optionally after one of " + names + " and a '.'");
    }
    auto d = parse_duration(right);
    if (auto* err = std::get_if<plan_error>(&d)) return fail(err->message);
    t.limit = static_cast<double>(std::get<std::chrono::microseconds>(d).count());
    return t;
}

threshold_result evaluate(const threshold& t, const fleet_stats& stats, std::uint64_t boots, std::uint64_t phones) {
    threshold_result r;
    r.spec = &t;
    switch (t.what) {
        case threshold::kind::latency: {
            const auto& h = stats.get(t.hist);
            if (t.quantile < 0) r.observed = h.mean();
            else r.observed = static_cast<double>(h.percentile(t.quantile));
            r.observed_text = std::string(to_string(t.hist)) + "." + t.stat + " = " +
                              format_duration(std::chrono::microseconds(static_cast<std::int64_t>(r.observed))) +
                              " (" + std::to_string(h.count()) + " samples)";
            break;
        }
        case threshold::kind::errors: {
            const double rate = stats.error_rate_percent();
            r.observed = t.percent ? rate : static_cast<double>(stats.failed());
            r.observed_text = "errors = " + percent_text(rate) + " (" + std::to_string(stats.failed()) + " of " +
                              std::to_string(stats.finished()) + " finished)";
            break;
        }
        case threshold::kind::provisioned: {
            const double share =
                boots ? 100.0 * static_cast<double>(stats.provisioned()) / static_cast<double>(boots) : 0.0;
            r.observed = t.percent ? share : static_cast<double>(stats.provisioned());
            r.observed_text = "provisioned = " + percent_text(share) + " (" + std::to_string(stats.provisioned()) +
                              " of " + std::to_string(boots) + ")";
            break;
        }
        case threshold::kind::provisioned_by: {
            const auto by = stats.provisioned_by(t.deadline);
            const double share = phones ? 100.0 * static_cast<double>(by) / static_cast<double>(phones) : 0.0;
            r.observed = t.percent ? share : static_cast<double>(by);
            r.observed_text = "provisioned by " + format_duration(t.deadline) + " after the start = " +
                              percent_text(share) + " (" + std::to_string(by) + " of " + std::to_string(phones) +
                              " phones)";
            break;
        }
    }
    if (t.op == "<") r.passed = r.observed < t.limit;
    else if (t.op == "<=") r.passed = r.observed <= t.limit;
    else if (t.op == ">") r.passed = r.observed > t.limit;
    else r.passed = r.observed >= t.limit;
    // A latency threshold with no samples cannot pass: nothing was measured.
    if (t.what == threshold::kind::latency && stats.get(t.hist).empty()) r.passed = false;
    return r;
}

}  // namespace phone_agent
