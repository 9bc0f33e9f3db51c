#include "logic/fleet_health.hpp"

#include <cstdio>

namespace phone_agent {

health_verdict assess(const health_sample& s, std::chrono::microseconds lag_limit) {
    health_verdict v;
    const double wall = static_cast<double>(s.wall.count());
    if (wall <= 0) return v;
    v.cpu_share = static_cast<double>(s.cpu.count()) / (wall * (s.threads ? s.threads : 1));
    v.achieved_rate = static_cast<double>(s.started) * 1e6 / wall;
    char buf[200];
    auto add = [&](const char* text) {
        if (!v.warning.empty()) v.warning += "; ";
        v.warning += text;
    };
    if (v.cpu_share >= 0.9) {
        std::snprintf(buf, sizeof buf, "generator CPU at %.0f%% of its %u core(s)", v.cpu_share * 100,
                      s.threads ? s.threads : 1);
        add(buf);
    }
    if (s.worst_start_lag > lag_limit) {
        std::snprintf(buf, sizeof buf, "phones started up to %.0f ms after their intended time",
                      static_cast<double>(s.worst_start_lag.count()) / 1e3);
        add(buf);
    }
    const bool capped = s.concurrency > 0 && s.in_flight >= s.concurrency;
    if (s.requested_rate && *s.requested_rate > 0 && !capped && v.achieved_rate < 0.9 * *s.requested_rate &&
        s.worst_start_lag > lag_limit) {
        std::snprintf(buf, sizeof buf, "achieved %.1f phones/s of %.1f requested", v.achieved_rate, *s.requested_rate);
        add(buf);
    }
    if (s.fd_limit > 0 && s.open_fds * 10 >= s.fd_limit * 9) {
        std::snprintf(buf, sizeof buf, "%zu open files of a limit of %zu", s.open_fds, s.fd_limit);
        add(buf);
    }
    if (!v.warning.empty()) v.warning = "the generator, not the server, may be the bottleneck: " + v.warning;
    return v;
}

}  // namespace phone_agent
