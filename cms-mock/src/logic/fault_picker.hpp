// Chooses which configured faults apply to a request (path glob, device, probability). The random
// source is seeded by the caller, so a test or a reproducible run gets the same choices.
#pragma once

#include "logic/http_types.hpp"
#include "logic/mock_config.hpp"

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cms_mock {

struct picked_faults {
    fault_plan plan;
    std::optional<std::chrono::seconds> unavailable;  // answer 503 with this Retry-After
    bool truncate = false;  // send half the body under a full Content-Length
    std::optional<content_fault> content;  // set only when a matching rule has one
};

class fault_picker {
public:
    fault_picker(std::vector<fault_rule> rules, std::uint64_t seed);

    // Every matching rule whose dice roll succeeds contributes; later rules override earlier ones
    // field by field. `path` is the decoded request path without the leading '/'.
    picked_faults pick(std::string_view path, std::string_view mac);

    bool empty() const noexcept { return rules_.empty(); }

private:
    std::vector<fault_rule> rules_;
    std::mt19937_64 rng_;
};

}  // namespace cms_mock
