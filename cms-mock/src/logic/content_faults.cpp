#include "logic/content_faults.hpp"

#include "common/auth/auth_header.hpp"

#include <algorithm>

namespace cms_mock {

namespace {

void drop_headers(request_view& req, std::initializer_list<std::string_view> names) {
    std::erase_if(req.headers, [&](const header_field& h) {
        return std::any_of(names.begin(), names.end(),
                           [&](std::string_view n) { return common::auth::iequals(h.name, n); });
    });
}

}  // namespace

void apply_request_faults(const content_fault& fault, request_view& req) {
    if (fault.range == range_fault::ignore) drop_headers(req, {"Range", "If-Range"});
    if (fault.conditional == conditional_fault::ignore) drop_headers(req, {"If-None-Match", "If-Modified-Since"});
    if (fault.conditional == conditional_fault::always_304 &&
        (req.header("If-None-Match") || req.header("If-Modified-Since"))) {
        // `If-None-Match: *` matches any current representation (RFC 9110 §13.1.2): 304 for GET.
        drop_headers(req, {"If-None-Match", "If-Modified-Since"});
        req.headers.push_back({"If-None-Match", "*"});
    }
}

void apply_response_faults(const content_fault& fault, response_plan& plan) {
    if (fault.content_type) {
        std::erase_if(plan.headers,
                      [](const header_field& h) { return common::auth::iequals(h.name, "Content-Type"); });
        if (!fault.content_type->empty()) plan.set_header("Content-Type", *fault.content_type);
    }
    if (fault.head_mismatch && plan.head) {
        // The I/O layer announces the slice length as Content-Length: half of it, as a server
        // that computes HEAD's length differently from GET's would.
        plan.body_length = plan.length() / 2;
    }
    if (fault.range == range_fault::wrong && plan.status == 206 && plan.body) {
        // The bytes sent stay those asked for; the Content-Range claims the slice one byte later.
        const auto size = plan.body->size();
        const auto first = plan.body_offset + 1;
        const auto last = plan.body_offset + plan.length();
        plan.set_header("Content-Range",
                        "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size));
    }
}

}  // namespace cms_mock
