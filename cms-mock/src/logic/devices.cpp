#include "logic/devices.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace cms_mock {

namespace {

namespace aastra = common::aastra;

std::optional<std::string> normalised_mac(std::string_view text) {
    const auto parsed = aastra::mac_address::parse(text);
    if (const auto* m = std::get_if<aastra::mac_address>(&parsed)) return m->compact_upper();
    return std::nullopt;
}

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

struct csv_field {
    std::string value;
    std::size_t line = 0;
    std::size_t column = 0;
};

using csv_record = std::vector<csv_field>;

// RFC 4180 tokenizer that remembers where every field starts.
class csv_reader {
public:
    csv_reader(std::string_view text, std::string_view source) : text_(text), source_(source) {
        if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);
    }

    // Reads the next record into `out`; false at the end of input. Sets error() on bad syntax.
    bool next(csv_record& out) {
        out.clear();
        while (pos_ < text_.size()) {
            if (at_line_end()) {  // an empty line is no record
                skip_line_end();
                continue;
            }
            while (true) {
                csv_field field{{}, line_, column()};
                if (!read_field(field)) return false;
                out.push_back(std::move(field));
                if (pos_ < text_.size() && text_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                skip_line_end();
                return true;
            }
        }
        return false;
    }

    const std::optional<device_error>& error() const noexcept { return error_; }

private:
    bool at_line_end() const noexcept {
        return text_[pos_] == '\n' || (text_[pos_] == '\r' && pos_ + 1 < text_.size() &&
                                       text_[pos_ + 1] == '\n');
    }

    void skip_line_end() {
        if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '\n') {
            ++pos_;
            ++line_;
            line_start_ = pos_;
        }
    }

    std::size_t column() const noexcept { return pos_ - line_start_ + 1; }

    bool fail(std::size_t line, std::size_t col, const std::string& what) {
        error_ = device_error{std::string(source_) + ":" + std::to_string(line) + ":" +
                              std::to_string(col) + ": " + what};
        return false;
    }

    bool read_field(csv_field& field) {
        // Leading blanks before an opening quote are tolerated, as hand-edited files have them.
        std::size_t probe = pos_;
        while (probe < text_.size() && (text_[probe] == ' ' || text_[probe] == '\t')) ++probe;
        if (probe < text_.size() && text_[probe] == '"') {
            pos_ = probe;
            return read_quoted(field);
        }
        const auto start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
               !(text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')) {
            if (text_[pos_] == '"') return fail(line_, column(), "quote inside an unquoted field");
            if (text_[pos_] == '\r') return fail(line_, column(), "bare CR in a field");
            ++pos_;
        }
        field.value = std::string(trim(text_.substr(start, pos_ - start)));
        return true;
    }

    bool read_quoted(csv_field& field) {
        const auto open_line = line_;
        const auto open_col = column();
        ++pos_;  // opening quote
        while (true) {
            if (pos_ >= text_.size()) return fail(open_line, open_col, "unterminated quoted field");
            const char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    field.value.push_back('"');
                    pos_ += 2;
                    continue;
                }
                ++pos_;
                break;
            }
            field.value.push_back(c);
            ++pos_;
            if (c == '\n') {
                ++line_;
                line_start_ = pos_;
            }
        }
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
        if (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) {
            return fail(line_, column(), "unexpected character after closing quote");
        }
        return true;
    }

    std::string_view text_;
    std::string_view source_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t line_start_ = 0;
    std::optional<device_error> error_;
};

enum class column_role {
    mac, model, firmware, device_username, device_password, previous_password, user_username,
    user_password, line_field, extra,
};

struct column_spec {
    column_role role = column_role::extra;
    std::string name;             // as written in the header (trimmed)
    std::size_t line_index = 0;   // for line_field: 0-based line
    std::string sip_line::*line_member = nullptr;
};

std::optional<column_spec> line_column(std::string_view lower) {
    if (!lower.starts_with("line")) return std::nullopt;
    const auto underscore = lower.find('_');
    if (underscore == std::string_view::npos || underscore == 4) return std::nullopt;
    std::size_t n = 0;
    const auto digits = lower.substr(4, underscore - 4);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || n == 0 || n > max_csv_lines) {
        return std::nullopt;
    }
    const auto field = lower.substr(underscore + 1);
    column_spec spec{column_role::line_field, {}, n - 1, nullptr};
    if (field == "auth_name") spec.line_member = &sip_line::auth_name;
    else if (field == "password") spec.line_member = &sip_line::password;
    else if (field == "user_name") spec.line_member = &sip_line::user_name;
    else if (field == "display_name") spec.line_member = &sip_line::display_name;
    else if (field == "registrar") spec.line_member = &sip_line::registrar;
    else return std::nullopt;
    return spec;
}

column_spec classify_column(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), ascii_lower);
    static const std::map<std::string, column_role, std::less<>> known{
        {"mac", column_role::mac},
        {"model", column_role::model},
        {"firmware", column_role::firmware},
        {"device_username", column_role::device_username},
        {"device_password", column_role::device_password},
        {"previous_password", column_role::previous_password},
        {"user_username", column_role::user_username},
        {"user_password", column_role::user_password},
    };
    column_spec spec;
    if (const auto it = known.find(lower); it != known.end()) {
        spec.role = it->second;
    } else if (auto line = line_column(lower)) {
        spec = *line;
    }
    spec.name = std::string(name);
    return spec;
}

std::string where(std::string_view source, const csv_field& f) {
    return std::string(source) + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) +
           ": ";
}

void assign(device& d, const column_spec& spec, std::string value) {
    switch (spec.role) {
    case column_role::mac: d.mac = std::move(value); break;
    case column_role::model: d.model = std::move(value); break;
    case column_role::firmware: d.firmware_version = std::move(value); break;
    case column_role::device_username: d.device_username = std::move(value); break;
    case column_role::device_password: d.device_password = std::move(value); break;
    case column_role::previous_password:
        if (!value.empty()) d.previous_password = std::move(value);
        break;
    case column_role::user_username: d.user_username = std::move(value); break;
    case column_role::user_password: d.user_password = std::move(value); break;
    case column_role::line_field:
        if (value.empty()) break;
        if (d.lines.size() <= spec.line_index) d.lines.resize(spec.line_index + 1);
        d.lines[spec.line_index].*spec.line_member = std::move(value);
        break;
    case column_role::extra: d.extra[spec.name] = std::move(value); break;
    }
}

}  // namespace

std::optional<device_error> device_table::insert(device d) {
    auto mac = normalised_mac(d.mac);
    if (!mac) return device_error{"invalid MAC '" + d.mac + "'"};
    const auto model = aastra::find_model(d.model);
    if (const auto* e = std::get_if<aastra::model_error>(&model)) return device_error{e->message};
    d.model = std::string(std::get<aastra::model_info>(model).name);
    if (by_mac_.contains(*mac)) return device_error{"duplicate MAC " + *mac};
    d.mac = *mac;
    by_mac_.emplace(std::move(*mac), std::move(d));
    return std::nullopt;
}

const device* device_table::find(std::string_view mac) const {
    const auto key = normalised_mac(mac);
    if (!key) return nullptr;
    const auto it = by_mac_.find(*key);
    return it == by_mac_.end() ? nullptr : &it->second;
}

device* device_table::find(std::string_view mac) {
    // The table owns the device mutably; only the lookup is shared with the const overload.
    return const_cast<device*>(std::as_const(*this).find(mac));
}

const device* device_table::find_by_device_username(std::string_view username) const {
    for (const auto& [mac, d] : by_mac_) {
        if (d.device_username == username) return &d;
    }
    return nullptr;
}

const device* device_table::find_by_user_username(std::string_view username) const {
    for (const auto& [mac, d] : by_mac_) {
        if (d.user_username == username) return &d;
    }
    return nullptr;
}

std::vector<const device*> device_table::list() const {
    std::vector<const device*> out;
    out.reserve(by_mac_.size());
    for (const auto& [mac, d] : by_mac_) out.push_back(&d);
    return out;
}

std::variant<device_table, device_error> parse_devices_csv(std::string_view text,
                                                           std::string_view source_name) {
    csv_reader reader{text, source_name};
    csv_record header;
    if (!reader.next(header)) {
        if (reader.error()) return *reader.error();
        return device_error{std::string(source_name) + ":1:1: no header row"};
    }
    std::vector<column_spec> columns;
    std::map<std::string, std::size_t, std::less<>> seen;  // lower-case name -> column
    for (const auto& h : header) {
        auto spec = classify_column(trim(h.value));
        if (spec.name.empty()) return device_error{where(source_name, h) + "empty column name"};
        std::string lower = spec.name;
        std::transform(lower.begin(), lower.end(), lower.begin(), ascii_lower);
        if (!seen.emplace(lower, columns.size()).second) {
            return device_error{where(source_name, h) + "duplicate column '" + spec.name + "'"};
        }
        columns.push_back(std::move(spec));
    }
    for (const auto required : {column_role::mac, column_role::model}) {
        if (std::none_of(columns.begin(), columns.end(),
                         [&](const column_spec& c) { return c.role == required; })) {
            return device_error{std::string(source_name) + ":" + std::to_string(header[0].line) +
                                ":1: missing required column '" +
                                (required == column_role::mac ? "mac" : "model") + "'"};
        }
    }

    device_table table;
    std::map<std::string, std::size_t> first_line;  // MAC -> line it was defined on
    csv_record record;
    while (reader.next(record)) {
        const auto& start = record.front();
        if (record.size() != columns.size()) {
            const auto& at = record.size() > columns.size() ? record[columns.size()] : record.back();
            return device_error{where(source_name, at) + "expected " +
                                std::to_string(columns.size()) + " fields, found " +
                                std::to_string(record.size())};
        }
        device d;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const auto& f = record[i];
            if (columns[i].role == column_role::mac) {
                const auto mac = normalised_mac(f.value);
                if (!mac) return device_error{where(source_name, f) + "invalid MAC '" + f.value + "'"};
                if (const auto it = first_line.find(*mac); it != first_line.end()) {
                    return device_error{where(source_name, f) + "duplicate MAC " + *mac +
                                        " (first on line " + std::to_string(it->second) + ")"};
                }
                first_line.emplace(*mac, start.line);
            }
            if (columns[i].role == column_role::model &&
                std::holds_alternative<aastra::model_error>(aastra::find_model(f.value))) {
                return device_error{where(source_name, f) + "unknown model '" + f.value + "'"};
            }
            assign(d, columns[i], f.value);
        }
        if (auto e = table.insert(std::move(d))) {
            return device_error{where(source_name, start) + e->message};
        }
    }
    if (reader.error()) return *reader.error();
    return table;
}

device_table demo_devices() {
    struct demo {
        const char* model;
        const char* user;
    };
    static constexpr demo demos[] = {
        {"6731i", "alice@example.com"}, {"6739i", "bob@example.com"}, {"9480i", "carol@example.com"}};
    device_table table;
    for (std::size_t i = 0; i < std::size(demos); ++i) {
        const auto n = std::to_string(i + 1);
        const auto six = std::string(6 - n.size(), '0') + n;  // "000001"
        device d;
        d.mac = "00085D" + six;
        d.model = demos[i].model;
        d.firmware_version = "3.2.2.3077";
        d.device_username = "dev" + six;
        d.device_password = "pw" + six;
        d.user_username = demos[i].user;
        d.user_password = "1234";
        const auto extension = "100" + n;
        const std::string display = demos[i].user;
        d.lines.push_back(sip_line{extension, "sip" + six, extension,
                                   display.substr(0, display.find('@')), "127.0.0.1"});
        table.insert(std::move(d));
    }
    return table;
}

}  // namespace cms_mock
