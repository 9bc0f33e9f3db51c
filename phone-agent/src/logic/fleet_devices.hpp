// `phone-agent fleet --devices FILE`, pure: a CSV table of phones in place of a MAC range. The
// first non-comment line is a header naming the columns (any order, case-insensitive):
//   mac (required), model, firmware, username, password, client_cert, client_key
// Empty cells fall back to the command line (--model/--models, --firmware, no credentials, no
// certificate). Fields may be double-quoted ("" is a quote inside); blank lines and lines whose
// first character is '#' are skipped. Every error names the file, the line and the column.
#pragma once

#include "logic/boot_auth.hpp"
#include "logic/fleet_plan.hpp"

#include "common/aastra/mac.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phone_agent {

struct device_row {
    std::size_t line = 0;  // 1-based, for messages
    common::aastra::mac_address mac;
    std::optional<std::string> model;     // a known model name (checked)
    std::optional<std::string> firmware;  // running version
    // The phone's own login: answers aastra.cfg's challenge and is its local
    // `http digest username/password`. Both or neither.
    std::optional<login_credentials> credentials;
    std::optional<std::string> client_cert;  // path as written (relative to the CSV's directory)
    std::optional<std::string> client_key;   // only with client_cert
};

// `file` is only used in messages ("devices.csv:4: ..."). A MAC listed twice, an unknown or
// repeated column, a row with more or fewer cells than the header, a bad MAC or model, a username
// without password (or the reverse), a key without certificate, and a table without rows are
// errors. At most 1,000,000 rows.
std::variant<std::vector<device_row>, plan_error> parse_devices_csv(std::string_view text, std::string_view file);

}  // namespace phone_agent
