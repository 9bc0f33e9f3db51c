#include "logic/fault_picker.hpp"

#include <fnmatch.h>

namespace cms_mock {

namespace {

std::string describe(const fault_rule& r) {
    if (!r.name.empty()) return r.name;
    std::string s;
    auto add = [&s](const std::string& part) { s += (s.empty() ? "" : "+") + part; };
    if (r.delay.count() > 0 || r.delay_max) add("delay");
    if (r.throttle > 0) add("throttle");
    if (r.stall) add("stall");
    if (r.close_after) add("close");
    if (r.truncate) add("truncate");
    if (r.reset) add("reset");
    if (r.unavailable) add("503");
    if (r.content.content_type) add("content-type");
    if (r.content.head_mismatch) add("head-mismatch");
    if (r.content.range == range_fault::ignore) add("range-ignored");
    if (r.content.range == range_fault::wrong) add("range-wrong");
    if (r.content.conditional == conditional_fault::ignore) add("conditional-ignored");
    if (r.content.conditional == conditional_fault::always_304) add("always-304");
    return s;
}

}  // namespace

fault_picker::fault_picker(std::vector<fault_rule> rules, std::uint64_t seed)
    : rules_(std::move(rules)), rng_(seed) {}

picked_faults fault_picker::pick(std::string_view path, std::string_view mac) {
    picked_faults out;
    if (rules_.empty()) return out;  // the common case: no copy of the path for fnmatch
    const std::string p(path);
    for (const auto& r : rules_) {
        // Match against the path with and without its leading '/', so "/dms/*" and "dms/*" both work.
        if (::fnmatch(r.path.c_str(), p.c_str(), 0) != 0 && ::fnmatch(r.path.c_str(), ("/" + p).c_str(), 0) != 0) {
            continue;
        }
        if (r.mac && *r.mac != mac) continue;
        if (r.probability < 1.0) {
            std::uniform_real_distribution<double> dice(0.0, 1.0);
            if (dice(rng_) >= r.probability) continue;
        }
        auto& plan = out.plan;
        if (r.delay_max && *r.delay_max > r.delay) {
            std::uniform_int_distribution<long long> d(r.delay.count(), r.delay_max->count());
            plan.delay_before_headers = std::chrono::milliseconds(d(rng_));
        } else if (r.delay.count() > 0) {
            plan.delay_before_headers = r.delay;
        }
        if (r.throttle > 0) plan.throttle_bytes_per_second = r.throttle;
        if (r.stall) plan.stall_after_headers = r.stall;
        if (r.close_after) plan.close_after_body_bytes = r.close_after;
        if (r.reset) plan.reset = true;
        if (r.truncate) out.truncate = true;
        if (r.unavailable) out.unavailable = r.unavailable;
        if (r.content.any()) {
            auto& c = out.content ? *out.content : out.content.emplace();
            if (r.content.content_type) c.content_type = r.content.content_type;
            if (r.content.head_mismatch) c.head_mismatch = true;
            if (r.content.range != range_fault::none) c.range = r.content.range;
            if (r.content.conditional != conditional_fault::none) c.conditional = r.content.conditional;
        }
        auto name = describe(r);
        plan.name += (plan.name.empty() ? "" : ",") + name;
    }
    return out;
}

}  // namespace cms_mock
