// The end of a `phone-agent fleet` run: the text summary (stdout) and the JSON document (--json)
// built from the fleet statistics, with every --threshold evaluated.
#pragma once

#include "fleet.hpp"
#include "logic/fleet_stats.hpp"

#include <chrono>
#include <map>
#include <ostream>
#include <string>

namespace phone_agent {

// How the generator itself fared over the run (see logic/fleet_health.hpp).
struct generator_health {
    double cpu_share = 0;       // whole run: own CPU time over elapsed time
    double peak_cpu_share = 0;  // worst progress interval
    std::chrono::microseconds worst_start_lag{0};
    std::size_t peak_open_fds = 0;
    std::uint64_t warnings = 0;  // progress intervals with a warning
    std::string last_warning;
};

class fleet_report {
public:
    fleet_report(const fleet_request& req, const fleet_stats& stats, std::chrono::microseconds elapsed,
                 const std::map<error_class, std::string>& error_examples, const generator_health& health);

    // Writes the summary; returns true when every threshold passed (or there were none).
    bool print_summary(std::ostream& out) const;
    // The whole run: plan, counts, throughput, error taxonomy, histograms (µs), thresholds.
    std::string json() const;

private:
    double tls_time_share() const;  // TLS handshake time over the summed exchange time
    // "phones provisioned after the start: 50% by 412ms, ..., all by -" (not reached).
    std::string fleet_progress_line() const;
    // --deadline D: phones first provisioned by D after the start, and their share of the phones.
    struct deadline_figure {
        std::uint64_t provisioned = 0;
        double share = 0;
    };
    deadline_figure by_deadline(std::chrono::microseconds d) const;
    // Open model: how long arrivals were planned for (the run, or --duration if shorter), and how
    // many phones were due to start in it.
    std::chrono::microseconds arrival_window() const;
    std::uint64_t arrivals_due() const;

    const fleet_request& req_;
    const fleet_stats& stats_;
    std::chrono::microseconds elapsed_;
    const std::map<error_class, std::string>& error_examples_;
    const generator_health& health_;
    std::vector<threshold_result> results_;
    bool passed_ = true;
};

}  // namespace phone_agent
