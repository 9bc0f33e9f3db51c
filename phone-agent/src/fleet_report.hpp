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

class fleet_report {
public:
    fleet_report(const fleet_request& req, const fleet_stats& stats, std::chrono::microseconds elapsed,
                 const std::map<error_class, std::string>& error_examples);

    // Writes the summary; returns true when every threshold passed (or there were none).
    bool print_summary(std::ostream& out) const;
    // The whole run: plan, counts, throughput, error taxonomy, histograms (µs), thresholds.
    std::string json() const;

private:
    const fleet_request& req_;
    const fleet_stats& stats_;
    std::chrono::microseconds elapsed_;
    const std::map<error_class, std::string>& error_examples_;
    std::vector<threshold_result> results_;
    bool passed_ = true;
};

}  // namespace phone_agent
