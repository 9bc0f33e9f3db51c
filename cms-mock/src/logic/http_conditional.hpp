// HTTP validators and partial content for served files: dates, ETags, conditional requests
// (RFC 9110 §13), byte ranges (RFC 9110 §14) and content types. Pure functions, no I/O; safe to
// call from any thread.
#pragma once

#include "common/http/http_date.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace cms_mock {

// HTTP dates live in common/http (the phone's Retry-After parser uses them too).
using common::http::format_http_date;
using common::http::parse_http_date;

// Strong ETag from file metadata, in the style of nginx: "\"<size hex>-<mtime ns hex>\"".
// Negative mtimes (before 1970) are encoded as their two's complement, which still changes with
// every modification.
std::string make_etag(std::uint64_t size, std::chrono::nanoseconds mtime_since_epoch);

// Strong ETag from a content digest given as hex (e.g. SHA-256 of the body): "\"<hex>\"".
// Characters that cannot appear in an entity-tag are dropped so the result is always valid.
std::string make_etag_from_digest(std::string_view hex_digest);

enum class conditional_outcome {
    proceed,              // serve the representation normally
    not_modified,         // 304 (GET/HEAD only)
    precondition_failed,  // 412: If-None-Match matched on a method other than GET/HEAD
};
std::string_view to_string(conditional_outcome outcome) noexcept;
std::ostream& operator<<(std::ostream& os, conditional_outcome outcome);

// RFC 9110 §13.2.2 steps 3-4: If-None-Match is evaluated first and, when present, If-Modified-Since
// is ignored. If-None-Match is `*` or a comma-separated list of entity-tags compared weakly; a
// malformed list matches nothing. If-Modified-Since is only honoured for GET/HEAD and ignored when it
// is not a valid HTTP-date. `etag` may be empty (no validator): then only `*` can match.
// `last_modified` is compared at one-second precision, because HTTP dates carry no fractions.
conditional_outcome evaluate_conditionals(std::string_view method,
                                          std::optional<std::string_view> if_none_match,
                                          std::optional<std::string_view> if_modified_since,
                                          std::string_view etag,
                                          std::chrono::system_clock::time_point last_modified);

enum class range_kind {
    none,           // ignore the Range header and send the whole entity with 200
    single,         // send 206 with bytes [first, last] (inclusive) and content_range_value()
    unsatisfiable,  // send 416 with "Content-Range: bytes */<size>"
};
std::string_view to_string(range_kind kind) noexcept;
std::ostream& operator<<(std::ostream& os, range_kind kind);

struct range_decision {
    range_kind kind = range_kind::none;
    std::uint64_t first = 0;
    std::uint64_t last = 0;  // inclusive; only meaningful for range_kind::single

    std::uint64_t length() const noexcept { return kind == range_kind::single ? last - first + 1 : 0; }
};

// Parses a Range header for an entity of `size` bytes. Supported: "bytes=a-b", "bytes=a-",
// "bytes=-suffix" (unit case-insensitive, OWS around the single spec). Decisions:
//  - unknown unit or any syntax error (incl. last < first) -> none, as RFC 9110 §14.2 allows;
//  - more than one range-spec -> none: the whole entity is cheaper and safer than multipart
//    responses, and it defeats many-overlapping-ranges abuse (CVE-2011-3192, "Apache Killer");
//  - numbers are parsed saturating, never overflowing: a huge first-pos is unsatisfiable, a huge
//    last-pos or suffix is clamped to the entity;
//  - an empty entity has nothing to send as 206, so a suffix range on it yields none (200, empty)
//    and "bytes=0-" yields unsatisfiable.
range_decision parse_range(std::string_view range_header, std::uint64_t size);

// If-Range (RFC 9110 §13.1.5): true when the Range header may be honoured. An entity-tag must match
// `etag` strongly (a weak tag never does); a date must equal `last_modified` to the second. Anything
// else, including garbage, means "do not honour Range".
bool if_range_matches(std::string_view if_range, std::string_view etag,
                      std::chrono::system_clock::time_point last_modified);

// Convenience for GET handlers: applies If-Range (when present) and then parse_range.
range_decision decide_range(std::optional<std::string_view> range_header,
                            std::optional<std::string_view> if_range, std::uint64_t size,
                            std::string_view etag,
                            std::chrono::system_clock::time_point last_modified);

// Value for the Content-Range header: "bytes first-last/size" for single, "bytes */size" for
// unsatisfiable, empty for none.
std::string content_range_value(const range_decision& decision, std::uint64_t size);

// Media type by file extension (case-insensitive); application/octet-stream when unknown.
std::string_view content_type_for(std::string_view file_name);

}  // namespace cms_mock
