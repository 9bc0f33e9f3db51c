// Faults in *what* cms-mock serves rather than in how it sends it: a wrong or missing
// Content-Type, HEAD disagreeing with GET, Range ignored or answered with a wrong Content-Range,
// conditional GETs ignored or always answered 304. They exist so that a client's conformance
// checks (phone-agent validate HTTP-003..006) can be shown to catch each of them.
//
// Two hooks around the normal request handling, each called only when a fault rule with a content
// fault matched (std::optional in picked_faults), so an unconfigured server pays one branch:
// apply_request_faults before the conditionals and the Range are evaluated, apply_response_faults
// on the finished 200/206 plan.
#pragma once

#include "logic/http_types.hpp"
#include "logic/mock_config.hpp"

namespace cms_mock {

// Hides the Range or conditional headers a fault says to ignore; for always_304 a conditional
// request is made to match whatever the file's validators are.
void apply_request_faults(const content_fault& fault, request_view& req);

// Rewrites Content-Type, the HEAD Content-Length and a 206's Content-Range as the fault says.
void apply_response_faults(const content_fault& fault, response_plan& plan);

}  // namespace cms_mock
