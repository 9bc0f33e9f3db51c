// The phones the mock CMS knows: their Device Access and CMS user credentials, SIP lines and free
// template variables, kept in a table keyed by MAC. Devices come from YAML (read by the config
// loader), from a CSV file (parse_devices_csv) or from the built-in demo set (demo_devices).
// Not thread-safe: the mock touches the table only from its single io_context thread.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cms_mock {

struct sip_line {
    std::string auth_name;
    std::string password;
    std::string user_name;
    std::string display_name;
    std::string registrar;

    friend bool operator==(const sip_line&, const sip_line&) = default;
};

struct device {
    std::string mac;  // 12 upper-case hex digits (device_table::insert normalises any spelling)
    std::string model;             // canonical model name, e.g. "9480i"
    std::string firmware_version;  // e.g. "3.2.2.3077"
    std::string device_username;   // BroadWorks "Device Access User Name"
    std::string device_password;
    std::optional<std::string> previous_password;  // still accepted during credential rotation
    std::string user_username;  // CMS force-login user credentials
    std::string user_password;
    bool logged_in_once = false;  // runtime state: the user has logged in since start-up
    std::vector<sip_line> lines;                // lines[0] is line 1
    std::map<std::string, std::string> extra;   // free template variables
};

// An error naming where: "<source>:<line>:<column>: <what>" (line/column 1-based, column in bytes).
struct device_error {
    std::string message;
};

class device_table {
public:
    // Normalises d.mac to compact upper case. Fails, leaving the table unchanged, when the MAC is
    // not a valid MAC or is already present, or the model is not a known Aastra model.
    std::optional<device_error> insert(device d);

    // `mac` in any spelling mac_address::parse accepts (case-insensitive); nullptr if unknown or
    // not a MAC. Pointers stay valid until the table is destroyed or reassigned.
    device* find(std::string_view mac);
    const device* find(std::string_view mac) const;

    // Exact (case-sensitive) user name matches, for authenticating without a MAC. O(n).
    const device* find_by_device_username(std::string_view username) const;
    const device* find_by_user_username(std::string_view username) const;

    std::vector<const device*> list() const;  // ordered by MAC
    std::size_t size() const noexcept { return by_mac_.size(); }
    bool empty() const noexcept { return by_mac_.empty(); }

private:
    std::map<std::string, device, std::less<>> by_mac_;
};

// Parses RFC 4180 CSV (CRLF or LF, quoted fields with "" escapes and embedded commas/newlines, an
// optional UTF-8 BOM) whose first record is a header. Header names are trimmed and matched
// case-insensitively: mac and model are required; firmware, device_username, device_password,
// previous_password, user_username, user_password and line<N>_{auth_name,password,user_name,
// display_name,registrar} (N = 1..max_csv_lines) are known; any other column becomes an `extra`
// variable under its header name. Unquoted values are trimmed of spaces and tabs (quote a value
// to keep them). Empty lines are skipped. A device gets lines up to the highest N with a value.
// Errors name `source_name`, line and column of the offending field.
inline constexpr std::size_t max_csv_lines = 24;
std::variant<device_table, device_error> parse_devices_csv(std::string_view text,
                                                           std::string_view source_name);

// Three demo phones (6731i, 6739i, 9480i; MACs 00085D000001..3; Device Access dev00000N /
// pw00000N; users alice@example.com, bob@example.com, carol@example.com, all with password
// 1234; one SIP line each, extension 100N on registrar 127.0.0.1).
device_table demo_devices();

}  // namespace cms_mock
