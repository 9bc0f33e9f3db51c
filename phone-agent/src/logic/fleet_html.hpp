// `phone-agent fleet --html FILE`, pure: one self-contained HTML page (inline SVG, no scripts, no
// network) with the run's figures over time and its latency percentile spectra. The runner
// collects the points; this file only draws them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace phone_agent {

// One progress interval (about a second) of the run.
struct timeline_point {
    double t_s = 0;                 // end of the interval, seconds since the start
    double requests_per_s = 0;      // in the interval
    std::uint64_t in_flight = 0;    // at its end
    std::uint64_t provisioned = 0;  // cumulative
    std::uint64_t failed = 0;       // cumulative
    // Time to provisioned of the boots that finished in the interval, microseconds (0: none).
    std::uint64_t ttp_p50_us = 0;
    std::uint64_t ttp_p99_us = 0;
    std::uint64_t ttp_max_us = 0;
};

// A latency distribution as (percentile, microseconds) pairs, percentile ascending.
struct percentile_spectrum {
    std::string name;  // "ttp", "connect", ...
    std::vector<std::pair<double, std::uint64_t>> points;
};

struct fleet_html_input {
    std::string title;
    std::string command_line;
    std::string summary;  // the text summary, shown as preformatted text
    std::vector<timeline_point> timeline;
    std::vector<percentile_spectrum> spectra;  // empty ones are skipped
};

// Every text is HTML-escaped; numbers are finite (non-finite values are drawn as 0).
std::string render_fleet_html(const fleet_html_input& in);

// Percentiles worth plotting: 0, 10, ..., 90, 95, 99, 99.9, 99.99, 100.
std::vector<double> spectrum_percentiles();

}  // namespace phone_agent
