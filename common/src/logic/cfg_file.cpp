#include "common/aastra/cfg_file.hpp"

#include <array>
#include <ostream>
#include <utility>

namespace common::aastra {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_blank(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_blank(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// Three memchr scans, not find_first_of: libstdc++ runs a memchr over the three bytes for every
// character, which made this check most of the cost of reading a 2 KiB file.
bool has_line_breaking_byte(std::string_view s) noexcept {
    return s.find('\n') != std::string_view::npos || s.find('\r') != std::string_view::npos ||
           s.find('\0') != std::string_view::npos;
}

bool is_wrapped_in_quotes(std::string_view s) noexcept {
    return s.size() >= 2 && s.front() == '"' && s.back() == '"';
}

std::string where(std::string_view source, std::size_t line) {
    std::string out = source.empty() ? "line " : std::string(source) + ":";
    out += std::to_string(line);
    return out;
}

// Keys from hostile files end up in messages; keep them short and printable.
std::string shown_key(std::string_view key) {
    constexpr std::size_t limit = 60;
    std::string out = "'";
    for (std::size_t i = 0; i < key.size() && i < limit; ++i) {
        const auto byte = static_cast<unsigned char>(key[i]);
        out += byte >= 0x20 && byte < 0x7F ? key[i] : '?';
    }
    out += key.size() > limit ? "'..." : "'";
    return out;
}

class diagnostics_sink {
public:
    diagnostics_sink(cfg_parse_result& result, std::string_view source)
        : result_(result), source_(source) {}

    void add(std::size_t line, cfg_problem problem, std::string_view detail) {
        if (result_.diagnostics.size() >= max_cfg_diagnostics) {
            ++result_.suppressed_diagnostics;
            return;
        }
        result_.diagnostics.push_back(
            cfg_diagnostic{line, problem, where(source_, line) + ": " + std::string(detail)});
    }

private:
    cfg_parse_result& result_;
    std::string_view source_;
};

}  // namespace

std::string normalise_cfg_key(std::string_view key) {
    key = trim(key);
    std::string out;
    out.reserve(key.size());
    bool in_blank_run = false;
    for (const char c : key) {
        if (is_blank(c)) {
            in_blank_run = true;
            continue;
        }
        if (in_blank_run) {
            out += ' ';
            in_blank_run = false;
        }
        out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

bool is_normalised_cfg_key(std::string_view key) noexcept {
    if (!key.empty() && (key.front() == ' ' || key.back() == ' ')) return false;
    // Every configuration read asks this of its key: one table look-up per byte, and a blank
    // only looks back when it is one.
    static constexpr auto changed_by_normalising = [] {
        std::array<bool, 256> table{};
        for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
        table[static_cast<std::size_t>('\t')] = true;
        return table;
    }();
    for (std::size_t i = 0; i < key.size(); ++i) {
        const char c = key[i];
        if (changed_by_normalising[static_cast<unsigned char>(c)]) return false;
        if (c == ' ' && key[i - 1] == ' ') return false;  // i > 0: key.front() is not a blank
    }
    return true;
}

std::size_t cfg_file::slot_of(std::string_view normalised) const {
    if (index_.empty()) {
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (entries_[i].key == normalised) return i;
        }
        return entries_.size();
    }
    const auto it = index_.find(normalised);
    return it == index_.end() ? entries_.size() : it->second;
}

void cfg_file::rebuild_index() {
    index_.clear();
    if (entries_.size() <= unindexed_entries) return;
    index_.reserve(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].key, i);
}

const cfg_entry* cfg_file::find_normalised(std::string_view key) const {
    const std::size_t slot = slot_of(key);
    return slot == entries_.size() ? nullptr : &entries_[slot];
}

const cfg_entry* cfg_file::find(std::string_view key) const {
    return is_normalised_cfg_key(key) ? find_normalised(key) : find_normalised(normalise_cfg_key(key));
}

std::optional<cfg_error> cfg_file::set(cfg_entry entry) {
    const std::string_view written = trim(entry.written_key);
    if (written.empty()) {
        return cfg_error{"configuration key is empty"};
    }
    if (written.front() == '#' || written.front() == '!' || written.front() == '^' ||
        written.starts_with(utf8_bom) || written.find(':') != std::string_view::npos ||
        has_line_breaking_byte(written)) {
        return cfg_error{"configuration key " + shown_key(written) +
                         " cannot be written to a .cfg file (':', CR, LF, NUL or a leading "
                         "'#', '!', '^' or byte-order mark)"};
    }
    if (has_line_breaking_byte(entry.value)) {
        return cfg_error{"value of configuration key " + shown_key(written) +
                         " contains CR, LF or NUL"};
    }
    if (written.size() != entry.written_key.size()) {
        entry.written_key = std::string(written);  // `written` is dangling from here on
    }
    return store(std::move(entry));
}

std::optional<cfg_error> cfg_file::store(cfg_entry entry) {
    // Most keys are written in lower case already: no second copy to normalise then.
    entry.key = is_normalised_cfg_key(entry.written_key) ? entry.written_key : normalise_cfg_key(entry.written_key);

    if (const std::size_t slot = slot_of(entry.key); slot != entries_.size()) {
        entries_[slot] = std::move(entry);
        return std::nullopt;
    }
    if (entries_.size() >= max_cfg_entries) {
        return cfg_error{"more than " + std::to_string(max_cfg_entries) +
                         " configuration keys (adding " + shown_key(entry.written_key) + ")"};
    }
    entries_.push_back(std::move(entry));
    if (!index_.empty()) {
        index_.emplace(entries_.back().key, entries_.size() - 1);
    } else if (entries_.size() > unindexed_entries) {
        rebuild_index();
    }
    return std::nullopt;
}

std::optional<cfg_error> cfg_file::set(std::string_view key, std::string_view value, bool locked) {
    cfg_entry entry;
    entry.written_key = std::string(key);
    entry.value = std::string(value);
    entry.locked = locked;
    return set(std::move(entry));
}

bool cfg_file::erase(std::string_view key) {
    const std::size_t slot = is_normalised_cfg_key(key) ? slot_of(key) : slot_of(normalise_cfg_key(key));
    if (slot == entries_.size()) {
        return false;
    }
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(slot));
    if (!index_.empty()) rebuild_index();
    return true;
}

void cfg_file::clear() noexcept {
    entries_.clear();
    index_.clear();
}

const char* to_string(cfg_problem problem) noexcept {
    switch (problem) {
        case cfg_problem::no_colon: return "no_colon";
        case cfg_problem::empty_key: return "empty_key";
        case cfg_problem::bad_key: return "bad_key";
        case cfg_problem::control_byte: return "control_byte";
        case cfg_problem::line_too_long: return "line_too_long";
        case cfg_problem::duplicate_key: return "duplicate_key";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& out, cfg_problem problem) {
    return out << to_string(problem);
}

std::variant<cfg_parse_result, cfg_error> parse_cfg(std::string_view text,
                                                    std::string_view source) {
    if (text.size() > max_cfg_bytes) {
        const std::string name = source.empty() ? std::string("configuration file") : std::string(source);
        return cfg_error{name + " is " + std::to_string(text.size()) + " bytes; the limit is " +
                         std::to_string(max_cfg_bytes)};
    }
    if (text.starts_with(utf8_bom)) {
        text.remove_prefix(utf8_bom.size());
    }

    // Lines are split at LF, so only CR and NUL can break one; a file without either (nearly
    // every file) needs no per-line scan for them, which was a third of the cost of parsing.
    const bool may_break_lines =
        text.find('\r') != std::string_view::npos || text.find('\0') != std::string_view::npos;

    cfg_parse_result result;
    diagnostics_sink sink(result, source);
    std::size_t line_number = 0;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++line_number;

        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        if (line.size() > max_cfg_line_bytes) {
            sink.add(line_number, cfg_problem::line_too_long,
                     "line is " + std::to_string(line.size()) + " bytes; the limit is " +
                         std::to_string(max_cfg_line_bytes));
            continue;
        }
        if (may_break_lines && has_line_breaking_byte(line)) {
            sink.add(line_number, cfg_problem::control_byte,
                     "line contains a NUL byte or a stray carriage return");
            continue;
        }
        const std::string_view content = trim(line);
        if (content.empty() || content.front() == '#') {
            continue;
        }
        const std::size_t colon = content.find(':');
        if (colon == std::string_view::npos) {
            sink.add(line_number, cfg_problem::no_colon, "line has no ':' separator");
            continue;
        }

        cfg_entry entry;
        entry.line = line_number;
        std::string_view key = trim(content.substr(0, colon));
        while (!key.empty() && (key.front() == '!' || key.front() == '^')) {
            (key.front() == '!' ? entry.locked : entry.override_local) = true;
            key = trim(key.substr(1));
        }
        if (key.empty()) {
            sink.add(line_number, cfg_problem::empty_key, "line has an empty key");
            continue;
        }
        if (key.front() == '#') {
            sink.add(line_number, cfg_problem::bad_key, "key " + shown_key(key) +
                                                            " starts with '#'");
            continue;
        }
        // Only the file's first bytes may be a BOM (stripped above); a key starting with one
        // would, once written first in a file, read back as a different key.
        if (key.starts_with(utf8_bom)) {
            sink.add(line_number, cfg_problem::bad_key, "key " + shown_key(key) +
                                                            " starts with a byte-order mark");
            continue;
        }
        std::string_view value = trim(content.substr(colon + 1));
        if (is_wrapped_in_quotes(value)) {
            value = value.substr(1, value.size() - 2);
        }
        entry.written_key = std::string(key);
        entry.value = std::string(value);

        if (const cfg_entry* previous = result.file.empty() ? nullptr : result.file.find(key)) {
            sink.add(line_number, cfg_problem::duplicate_key,
                     "key " + shown_key(key) + " repeats line " + std::to_string(previous->line) +
                         "; this later value wins");
        }
        // store(), not set(): the checks above already refused every line set() would refuse.
        if (auto error = result.file.store(std::move(entry))) {
            return cfg_error{where(source, line_number) + ": " + error->message};
        }
    }
    return result;
}

std::string serialise_cfg(const cfg_file& file) {
    std::string out;
    for (const cfg_entry& entry : file.entries()) {
        if (entry.locked) {
            out += '!';
        }
        if (entry.override_local) {
            out += '^';
        }
        out += entry.written_key;
        out += ": ";
        const std::string_view value = entry.value;
        const bool needs_quotes =
            !value.empty() && (is_blank(value.front()) || is_blank(value.back()) ||
                               value.find('#') != std::string_view::npos ||
                               is_wrapped_in_quotes(value));
        if (needs_quotes) {
            out += '"';
            out += value;
            out += '"';
        } else {
            out += value;
        }
        out += '\n';
    }
    return out;
}

}  // namespace common::aastra
