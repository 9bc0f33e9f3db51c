// JSON views of the journal for the admin API, built with Boost.JSON (compiled header-only in
// json_impl.cpp). Field names are the journal_entry member names; times are RFC 3339 UTC with
// microseconds ("2024-05-01T12:00:00.123456Z"), durations are whole microseconds.
#pragma once

#include "logic/boot_sequence.hpp"
#include "logic/journal.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <span>
#include <string>

namespace cms_mock {

std::string format_rfc3339(std::chrono::system_clock::time_point t);

// {"id", "time", "peer", "tls_version", "tls_cipher", "method", "target", "user_agent", "ua_mac",
//  "ua_model", "ua_firmware", "auth_scheme", "auth_outcome", "auth_user", "status", "bytes_sent",
//  "duration_us", "fault", "device_mac"}; strings are "" when unknown.
boost::json::object to_json(const journal_entry& entry);
boost::json::array to_json(std::span<const journal_entry> entries);

// {"total", "bytes_sent", "evicted", "by_status_class": {"1xx".."5xx", "other"},
//  "by_auth_outcome": {"none": n, "challenged": n, ...}}
boost::json::object to_json(const journal_counters& counters);

// {"verdict": "ok"|"out_of_order"|"incomplete", "message",
//  "files": [{"file", "status", "entry_id", "attempts"}...]}
boost::json::object to_json(const boot_verdict& verdict);

}  // namespace cms_mock
