#include "logic/fleet_devices.hpp"

#include "common/aastra/models.hpp"

#include <array>
#include <cctype>
#include <unordered_map>

namespace phone_agent {

namespace {

enum class column { mac, model, firmware, username, password, client_cert, client_key };
constexpr std::array<std::string_view, 7> column_names{"mac",      "model",       "firmware",  "username",
                                                      "password", "client_cert", "client_key"};
constexpr std::size_t max_rows = 1'000'000;

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Splits one line into cells; nullopt with `why` on an unterminated quote or text after one.
std::optional<std::vector<std::string>> split_cells(std::string_view line, std::string& why) {
    std::vector<std::string> cells;
    std::size_t i = 0;
    for (;;) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::string cell;
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        cell += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                cell += line[i++];
            }
            if (!closed) {
                why = "unterminated quote";
                return std::nullopt;
            }
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
            if (i < line.size() && line[i] != ',') {
                why = "text after a closing quote";
                return std::nullopt;
            }
        } else {
            const auto end = line.find(',', i);
            cell = std::string(trim(line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
            i = end == std::string_view::npos ? line.size() : end;
        }
        cells.push_back(std::move(cell));
        if (i >= line.size()) return cells;
        ++i;  // the comma
    }
}

}  // namespace

std::variant<std::vector<device_row>, plan_error> parse_devices_csv(std::string_view text, std::string_view file) {
    const std::string where(file);
    auto fail = [&](std::size_t line, const std::string& what) {
        return plan_error{where + ":" + std::to_string(line) + ": " + what};
    };
    std::vector<std::optional<column>> header;
    std::array<std::optional<std::size_t>, column_names.size()> position{};
    std::vector<device_row> rows;
    std::unordered_map<std::string, std::size_t> seen;  // MAC -> line
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        const auto raw = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++line_no;
        const auto line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        std::string why;
        auto cells = split_cells(line, why);
        if (!cells) return fail(line_no, why);

        if (header.empty()) {
            for (std::size_t i = 0; i < cells->size(); ++i) {
                const auto name = lower((*cells)[i]);
                std::optional<column> col;
                for (std::size_t c = 0; c < column_names.size(); ++c) {
                    if (column_names[c] == name) col = static_cast<column>(c);
                }
                if (!col) {
                    return fail(line_no, "unknown column '" + (*cells)[i] +
                                             "' (columns: mac, model, firmware, username, password, client_cert, "
                                             "client_key)");
                }
                auto& slot = position[static_cast<std::size_t>(*col)];
                if (slot) return fail(line_no, "column '" + name + "' appears twice");
                slot = i;
                header.push_back(col);
            }
            if (!position[static_cast<std::size_t>(column::mac)]) return fail(line_no, "the header has no 'mac' column");
            continue;
        }
        if (cells->size() != header.size()) {
            return fail(line_no, std::to_string(cells->size()) + " cells, the header has " +
                                     std::to_string(header.size()));
        }
        if (rows.size() >= max_rows) return fail(line_no, "more than 1000000 devices");
        auto cell = [&](column c) -> std::optional<std::string> {
            const auto& p = position[static_cast<std::size_t>(c)];
            if (!p || (*cells)[*p].empty()) return std::nullopt;
            return (*cells)[*p];
        };
        const auto mac_text = cell(column::mac).value_or("");
        auto mac = common::aastra::mac_address::parse(mac_text);
        if (auto* err = std::get_if<common::aastra::mac_error>(&mac)) return fail(line_no, "mac: " + err->message);
        device_row row{line_no, std::get<common::aastra::mac_address>(mac), {}, {}, {}, {}, {}};
        const auto key = row.mac.compact_upper();
        if (auto [it, inserted] = seen.emplace(key, line_no); !inserted) {
            return fail(line_no, "MAC " + key + " already listed on line " + std::to_string(it->second));
        }
        if (auto model = cell(column::model)) {
            auto found = common::aastra::find_model(*model);
            if (auto* err = std::get_if<common::aastra::model_error>(&found)) return fail(line_no, "model: " + err->message);
            row.model = std::string(std::get<common::aastra::model_info>(found).name);
        }
        row.firmware = cell(column::firmware);
        const auto user = cell(column::username);
        const auto password = cell(column::password);
        if (user.has_value() != password.has_value()) {
            return fail(line_no, user ? "username without password" : "password without username");
        }
        if (user) row.credentials = login_credentials{*user, *password};
        row.client_cert = cell(column::client_cert);
        row.client_key = cell(column::client_key);
        if (row.client_key && !row.client_cert) return fail(line_no, "client_key without client_cert");
        rows.push_back(std::move(row));
    }
    if (header.empty()) return plan_error{where + ": no header line (mac,model,firmware,username,password,...)"};
    if (rows.empty()) return plan_error{where + ": no devices after the header"};
    return rows;
}

}  // namespace phone_agent
