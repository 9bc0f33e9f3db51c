// `phone-agent fleet --metrics ADDR:PORT`, pure: the fleet's figures in the Prometheus text
// exposition format (version 0.0.4), for a scraper while the run goes on. Counters end in _total;
// latencies are summaries in seconds with quantiles 0.5, 0.9, 0.99, 0.999 per histogram.
#pragma once

#include "logic/fleet_stats.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace phone_agent {

struct fleet_gauges {
    std::size_t planned_boots = 0;
    std::size_t in_flight = 0;
    double elapsed_s = 0;
    double generator_cpu_share = 0;  // last progress interval
    std::size_t open_fds = 0;
    bool generator_warning = false;  // the last interval warned
};

std::string render_fleet_metrics(const fleet_stats& stats, const fleet_gauges& gauges);

}  // namespace phone_agent
