// What `phone-agent fleet` measures, pure: per-phone outcomes with an error taxonomy, latency
// histograms (time to provisioned from the intended start, service time, exchange phases, file
// classes) and the --threshold checks evaluated against them.
//
// Time to provisioned is measured from the moment the phone was *meant* to power up (its slot in
// the boot-storm schedule), not from when the driver got round to starting it, so a saturated
// fleet runner or server shows up as latency instead of silently stretching the schedule
// (coordinated omission). Service time is from the actual start; the two differ by the time a
// phone waited for a --concurrency slot or for the runner.
//
// Not thread-safe: one fleet_stats per io_context.
#pragma once

#include "logic/boot_events.hpp"
#include "logic/fleet_plan.hpp"
#include "logic/histogram.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

enum class error_class { connect, tls, timeout, auth, http_4xx, http_5xx, truncated, other };
inline constexpr std::size_t error_class_count = 8;
const char* to_string(error_class c) noexcept;  // "connect", ..., "4xx", "5xx", ...
std::ostream& operator<<(std::ostream& out, error_class c);

enum class file_class { aastra_cfg, model_cfg, mac_cfg, firmware, other };
inline constexpr std::size_t file_class_count = 5;
const char* to_string(file_class c) noexcept;  // "aastra.cfg", "model.cfg", "mac.cfg", "firmware", "other"
std::ostream& operator<<(std::ostream& out, file_class c);
file_class file_class_of(boot_step step) noexcept;

// The facts a failed phone left behind: its final status and the last exchange's result.
struct failure_facts {
    boot_status status = boot_status::server_error;
    std::optional<transport_failure> last_transport;  // of the last exchange, when it failed
    unsigned last_http_status = 0;                    // of the last exchange that got a response
};
// Auth and TLS outcomes come from the status; network errors from the last transport failure;
// server errors from the last HTTP status (4xx/5xx); anything else (an empty aastra.cfg, a
// usage error, force login) is `other`.
error_class classify(const failure_facts& facts) noexcept;

// One exchange on the wire, as the driver saw it.
struct exchange_sample {
    boot_step step = boot_step::global_cfg;
    bool transport_ok = true;
    unsigned status = 0;
    std::uint64_t bytes = 0;
    exchange_timings timings;
    bool connection_reused = false;  // --keep-alive: no connect, no handshake
    bool tls_resumed = false;        // --tls-resumption: abbreviated handshake
};

// Histograms by name; the names are also the JSON keys and the threshold prefixes.
enum class metric {
    time_to_provisioned,  // "ttp"
    service_time,         // "service"
    connect,
    tls,
    ttfb,
    transfer,
    aastra_cfg,  // whole exchange time per file class
    model_cfg,
    mac_cfg,
    firmware,
};
inline constexpr std::size_t metric_count = 10;
const char* to_string(metric m) noexcept;
std::ostream& operator<<(std::ostream& out, metric m);
std::optional<metric> metric_from_string(std::string_view name) noexcept;

class fleet_stats {
public:
    // `in_flight`: boots in flight with this one; `arrival`: a phone's first boot (not a resync).
    void phone_started(std::uint64_t in_flight = 0, bool arrival = true) noexcept;
    // Every boot, provisioned or failed: its service time, for the mean concurrency (Little's law).
    void boot_ended(std::chrono::microseconds busy) noexcept { busy_time_ += busy; }
    void phone_skipped(std::uint64_t boots = 1) noexcept { not_started_ += boots; }  // --duration ended first
    // A resync due `behind` ago whose phone was still in its previous boot: the server's latency
    // (or an interval shorter than a boot) kept it off its schedule, not the generator.
    void resync_behind_schedule(std::chrono::microseconds behind) noexcept;
    // time_to_outcome from the intended start, service_time from the actual start.
    void phone_provisioned(std::chrono::microseconds time_to_outcome, std::chrono::microseconds service_time);
    void phone_failed(error_class why, std::chrono::microseconds service_time);
    void exchange(const exchange_sample& s);
    // The fleet against the clock: a phone's first successful boot, once per phone, at
    // `since_start` after the run's start (not the phone's own intended start: "how much of the
    // fleet is up n seconds after the power came back").
    void phone_first_provisioned(std::chrono::microseconds since_start) noexcept;
    // Deadlines after the start whose provisioned phones are counted exactly (--deadline and
    // `provisioned@D` thresholds); call before the first phone_first_provisioned.
    void watch_deadlines(const std::vector<std::chrono::microseconds>& deadlines);
    // Adds another shard's counts and histograms (fleet --threads).
    void merge(const fleet_stats& other);

    const histogram& get(metric m) const noexcept { return histograms_[static_cast<std::size_t>(m)]; }
    std::uint64_t started() const noexcept { return started_; }
    std::uint64_t arrivals() const noexcept { return arrivals_; }  // phones whose first boot started
    // Most boots in flight at once; with --threads, the sum of each thread's peak (an upper bound).
    std::uint64_t peak_in_flight() const noexcept { return peak_in_flight_; }
    // Boots in flight on average over `elapsed`: their summed service time over it.
    double mean_in_flight(std::chrono::microseconds elapsed) const noexcept;
    std::uint64_t not_started() const noexcept { return not_started_; }
    std::uint64_t resyncs_behind_schedule() const noexcept { return behind_schedule_; }
    std::chrono::microseconds worst_behind_schedule() const noexcept { return worst_behind_schedule_; }
    std::uint64_t provisioned() const noexcept { return provisioned_; }
    std::uint64_t failed() const noexcept { return failed_; }
    std::uint64_t finished() const noexcept { return provisioned_ + failed_; }
    std::uint64_t in_flight() const noexcept { return started_ - finished(); }
    std::uint64_t errors(error_class c) const noexcept { return errors_[static_cast<std::size_t>(c)]; }
    std::uint64_t requests() const noexcept { return requests_; }
    std::uint64_t request_failures() const noexcept { return request_failures_; }  // no response
    std::uint64_t bytes() const noexcept { return bytes_; }
    std::uint64_t connections_reused() const noexcept { return connections_reused_; }
    std::uint64_t tls_handshakes() const noexcept { return tls_handshakes_; }  // full and resumed
    std::uint64_t tls_resumed() const noexcept { return tls_resumed_; }
    // Summed TLS handshake time, for the share of time spent in handshakes.
    std::chrono::microseconds tls_time() const noexcept { return tls_time_; }
    std::uint64_t requests_with_status(unsigned klass) const noexcept;  // klass 1..5 for 1xx..5xx
    // Failed phones over finished phones, in percent; 0 when none finished.
    double error_rate_percent() const noexcept;
    // Phones provisioned at least once, and when (after the start) each first was.
    const histogram& first_provisioned() const noexcept { return first_provisioned_; }
    // Phones first provisioned by `deadline`: exact for a watched deadline, else from the histogram.
    std::uint64_t provisioned_by(std::chrono::microseconds deadline) const noexcept;
    const std::vector<std::chrono::microseconds>& deadlines() const noexcept { return deadlines_; }
    // When `share` (0 < share <= 1) of `phones` had provisioned, after the start (within 0.4 %);
    // nullopt when fewer ever did.
    std::optional<std::chrono::microseconds> fleet_provisioned_at(double share, std::uint64_t phones) const noexcept;

private:
    std::array<histogram, metric_count> histograms_{};
    std::array<std::uint64_t, error_class_count> errors_{};
    std::array<std::uint64_t, 6> status_classes_{};
    std::uint64_t started_ = 0, not_started_ = 0, provisioned_ = 0, failed_ = 0;
    std::uint64_t requests_ = 0, request_failures_ = 0, bytes_ = 0;
    std::uint64_t connections_reused_ = 0, tls_handshakes_ = 0, tls_resumed_ = 0;
    std::chrono::microseconds tls_time_{0};
    std::uint64_t arrivals_ = 0, peak_in_flight_ = 0;
    std::chrono::microseconds busy_time_{0};
    std::uint64_t behind_schedule_ = 0;
    std::chrono::microseconds worst_behind_schedule_{0};
    histogram first_provisioned_;
    std::vector<std::chrono::microseconds> deadlines_;
    std::vector<std::uint64_t> by_deadline_;  // per deadlines_ entry
};

// --threshold: `[metric.]stat OP duration` (stat p50, p90, p99, p99.9, any pNN[.N], mean, max;
// metric defaults to ttp), `errors OP N%` (share of finished phones) or `errors OP N` (count),
// `provisioned OP N%` (share of the fleet's boots) or `provisioned OP N`, and
// `provisioned@DURATION OP N%` (share of the fleet's phones provisioned by DURATION after the
// start) or `provisioned@DURATION OP N`. OP is <, <=, > or >=.
struct threshold {
    enum class kind { latency, errors, provisioned, provisioned_by };
    std::string text;
    kind what = kind::latency;
    metric hist = metric::time_to_provisioned;
    std::string stat;          // "p99", "p99.9", "max", "mean"
    double quantile = 99.0;    // for pNN
    std::string op;            // "<", "<=", ">", ">="
    double limit = 0;          // microseconds for latency; percent or count otherwise
    bool percent = false;
    std::chrono::microseconds deadline{0};  // provisioned_by
};
std::variant<threshold, plan_error> parse_threshold(std::string_view text);

struct threshold_result {
    const threshold* spec = nullptr;
    double observed = 0;  // same unit as spec->limit
    bool passed = false;
    std::string observed_text;  // "p99 = 3.21ms", "errors = 0.20% (2 of 1000)"
};
// `boots`: the boots in the plan (phones x (1 + resyncs)), what `provisioned` shares are of;
// `phones`: the phones in it, what `provisioned@D` shares are of.
threshold_result evaluate(const threshold& t, const fleet_stats& stats, std::uint64_t boots, std::uint64_t phones);

}  // namespace phone_agent
