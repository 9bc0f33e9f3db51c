// The Aastra `.cfg` text format (aastra.cfg, <model>.cfg, <MAC>.cfg, and the phone's own
// server.cfg / local.cfg): one `key: value` per line, `#` comment lines.
//
// The phone skips lines it cannot read instead of rejecting the file, so parsing does the same
// and reports each skipped line as a diagnostic with its line number. Only a file too large to
// hold (bytes or entries) is an error.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace common::aastra {

inline constexpr std::size_t max_cfg_bytes = 1024 * 1024;
inline constexpr std::size_t max_cfg_entries = 20000;
inline constexpr std::size_t max_cfg_line_bytes = 4096;
// A hostile file of a million bad lines must not produce a million messages.
inline constexpr std::size_t max_cfg_diagnostics = 1000;

struct cfg_entry {
    std::string key;          // normalised: ASCII lower-case, whitespace runs as one space
    std::string written_key;  // as written, trimmed, without the `!` / `^` prefixes
    std::string value;        // trimmed, one pair of surrounding double quotes removed
    bool locked = false;          // `!key`: read-only in the Web UI, phone UI and XML
    bool override_local = false;  // `^key`: replaces a value the user set locally
    std::size_t line = 0;         // where the winning line was read; 0 when set in code

    // The line number is provenance, not content: the same settings read back from a file with
    // different comments or ordering compare equal.
    friend bool operator==(const cfg_entry& a, const cfg_entry& b) noexcept {
        return a.key == b.key && a.written_key == b.written_key && a.value == b.value &&
               a.locked == b.locked && a.override_local == b.override_local;
    }
};

struct cfg_error {
    std::string message;
};

// The normalised form used for comparing keys ("SIP  Line1 Auth Name" -> "sip line1 auth name").
std::string normalise_cfg_key(std::string_view key);
// True when normalise_cfg_key(key) == key, without building the copy.
bool is_normalised_cfg_key(std::string_view key) noexcept;

struct cfg_parse_result;

// Entries in first-seen order, unique by normalised key.
class cfg_file {
public:
    const std::vector<cfg_entry>& entries() const noexcept { return entries_; }
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }

    // Looks the key up after normalising it; nullptr when absent. The pointer is valid until the
    // next change to this file.
    const cfg_entry* find(std::string_view key) const;
    // The same for a key that is normalised already (is_normalised_cfg_key): a layered lookup
    // normalises once and asks every layer.
    const cfg_entry* find_normalised(std::string_view key) const;

    // Adds the entry or replaces the one with the same key in place ("last value read wins").
    // Refuses what could not be written back as one line and read again as the same entry:
    // an empty key, a key with `:`, a key starting with `#`, `!` or `^`, CR/LF/NUL anywhere, or
    // more than max_cfg_entries keys. `entry.key` is recomputed from `written_key`.
    std::optional<cfg_error> set(cfg_entry entry);
    std::optional<cfg_error> set(std::string_view key, std::string_view value,
                                 bool locked = false);

    bool erase(std::string_view key);
    void clear() noexcept;

    friend bool operator==(const cfg_file& a, const cfg_file& b) noexcept {
        return a.entries_ == b.entries_;
    }

private:
    // Looked up by string_view: the keys code asks for are normalised already, and copying each
    // into a std::string first was most of the cost of reading a setting.
    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    // Provisioning files hold a handful of keys among their comments: up to this many, a scan
    // that compares lengths first beats hashing the key, and the file needs no index nodes (an
    // allocation per key, copied with the file).
    static constexpr std::size_t unindexed_entries = 16;
    // set() without its checks, for an entry that passed them (a trimmed, writable key and a
    // value without CR, LF or NUL); only the key limit can refuse it.
    std::optional<cfg_error> store(cfg_entry entry);
    friend std::variant<cfg_parse_result, cfg_error> parse_cfg(std::string_view, std::string_view);
    std::size_t slot_of(std::string_view normalised) const;
    void rebuild_index();

    std::vector<cfg_entry> entries_;
    // normalised key -> slot; empty while the file has at most unindexed_entries keys
    std::unordered_map<std::string, std::size_t, key_hash, std::equal_to<>> index_;
};

enum class cfg_problem {
    no_colon,
    empty_key,
    bad_key,        // starts with `#` after a `!` / `^` prefix, so it could not be written back
    control_byte,   // NUL, or a carriage return that does not end the line
    line_too_long,  // more than max_cfg_line_bytes, not counting the line ending
    duplicate_key,  // legal; the later line wins, reported because it is usually a mistake
};

const char* to_string(cfg_problem problem) noexcept;
std::ostream& operator<<(std::ostream& out, cfg_problem problem);

struct cfg_diagnostic {
    std::size_t line = 0;  // 1-based
    cfg_problem problem = cfg_problem::no_colon;
    std::string message;  // "aastra.cfg:12: line has no ':' separator"
};

struct cfg_parse_result {
    cfg_file file;
    std::vector<cfg_diagnostic> diagnostics;  // at most max_cfg_diagnostics
    std::size_t suppressed_diagnostics = 0;   // how many more there were
};

// `source` names the file in messages ("aastra.cfg"); empty means "line N: ...".
// Errors only for more than max_cfg_bytes of input or more than max_cfg_entries distinct keys.
std::variant<cfg_parse_result, cfg_error> parse_cfg(std::string_view text,
                                                    std::string_view source = {});

// One `key: value` line per entry in entry order, LF endings, `!` / `^` prefixes restored.
// Values are quoted when unquoted text would read back differently (leading or trailing blanks,
// a `#`, or a value that is itself wrapped in double quotes). parse_cfg(serialise_cfg(f)) == f.
std::string serialise_cfg(const cfg_file& file);

}  // namespace common::aastra
