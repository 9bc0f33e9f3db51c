#include "common/config/yaml_reader.hpp"

#include "config_scalars.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

namespace common::config {

namespace detail {

struct reader_context {
    std::string source;
    std::shared_ptr<const value_origins> origins;
};

// One node of the document as seen by the schema. Kept in a tree so finish() can find keys that
// nobody asked for anywhere below the root.
struct reader_state {
    std::shared_ptr<const reader_context> ctx;
    YAML::Node node;  // a null node when the key is absent
    std::string path;
    YAML::Mark mark;  // the node's own mark, or the nearest ancestor's when it has none
    bool absent = false;
    bool free_keys = false;                      // entries() read every key
    std::vector<std::string> asked;              // keys requested at this level
    std::vector<std::pair<std::string, std::shared_ptr<reader_state>>> children;  // by segment
};

}  // namespace detail

namespace {

using detail::reader_state;

std::string format_what(const std::string& key_path, const std::string& detail,
                        const error_location& where) {
    std::string what;
    const std::string path_part = key_path.empty() ? std::string{} : key_path + ": ";
    if (!where.origin.empty()) {
        what = "config error: " + path_part + detail + " (from " + where.origin + ")";
    } else if (!where.source.empty()) {
        what = where.source;
        if (where.line > 0) {
            what += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
        }
        what += ": " + path_part + detail;
    } else {
        what = "config error: " + path_part + detail;
        if (where.line > 0) {
            what += " (line " + std::to_string(where.line) + ", column " +
                    std::to_string(where.column) + ")";
        }
    }
    return what;
}

bool needs_quoting(std::string_view key) {
    if (key.empty()) return true;
    return std::any_of(key.begin(), key.end(), [](char c) {
        return c == '.' || c == '[' || c == ']' || c == '"' || c == ' ' || c == '\t';
    });
}

// The origin recorded for `path` or for the closest enclosing path, if any.
const std::string* find_origin(const value_origins* origins, std::string_view path) {
    if (origins == nullptr) return nullptr;
    const std::string* best = nullptr;
    std::size_t best_len = 0;
    for (const auto& [prefix, origin] : *origins) {
        if (path_encloses(prefix, path) && (best == nullptr || prefix.size() > best_len)) {
            best = &origin;
            best_len = prefix.size();
        }
    }
    return best;
}

[[noreturn]] void throw_at(const reader_state& s, const std::string& path, const YAML::Mark& mark,
                           std::string_view detail) {
    error_location where;
    where.source = s.ctx->source;
    if (const auto* origin = find_origin(s.ctx->origins.get(), path)) {
        where.origin = *origin;
    } else if (!mark.is_null()) {
        where.line = mark.line + 1;
        where.column = mark.column + 1;
    }
    throw config_error(path, std::string(detail), std::move(where));
}

std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Scalar: {
        const std::string& text = node.Scalar();
        if (text.size() > 40) return "'" + text.substr(0, 37) + "...'";
        return "'" + text + "'";
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: break;
    }
    return "null";
}

std::shared_ptr<reader_state> make_child(const reader_state& parent, std::string path,
                                         YAML::Node node, YAML::Mark fallback, bool absent) {
    auto child = std::make_shared<reader_state>();
    child->ctx = parent.ctx;
    child->path = std::move(path);
    child->absent = absent;
    // yaml-cpp places an empty value ("key:") at the start of the next line; the key is clearer.
    const YAML::Mark own = absent || node.IsNull() ? YAML::Mark::null_mark() : node.Mark();
    child->mark = own.is_null() ? (fallback.is_null() ? parent.mark : fallback) : own;
    child->node = std::move(node);
    return child;
}

// The tracked child for `segment`, created on first use so repeated reads share bookkeeping.
std::shared_ptr<reader_state> tracked_child(reader_state& parent, const std::string& segment,
                                            std::string path, const YAML::Node& node,
                                            const YAML::Mark& fallback, bool absent) {
    for (const auto& [name, child] : parent.children) {
        if (name == segment) return child;
    }
    auto child = make_child(parent, std::move(path), node, fallback, absent);
    parent.children.emplace_back(segment, child);
    return child;
}

void check_unknown_keys(const reader_state& s);

void check_children_in(const reader_state& s, const std::string& segment) {
    for (const auto& [name, child] : s.children) {
        if (name == segment) check_unknown_keys(*child);
    }
}

void check_unknown_keys(const reader_state& s) {
    if (s.node.IsSequence()) {
        for (std::size_t i = 0; i < s.node.size(); ++i) {
            check_children_in(s, "[" + std::to_string(i) + "]");
        }
        return;
    }
    if (!s.node.IsMap()) return;
    for (const auto& kv : s.node) {
        if (!kv.first.IsScalar()) {
            throw_at(s, s.path, kv.first.Mark(), "mapping keys must be plain strings");
        }
        const std::string& key = kv.first.Scalar();
        const bool known = s.free_keys || std::find(s.asked.begin(), s.asked.end(), key) !=
                                              s.asked.end();
        if (!known) {
            std::vector<std::string_view> candidates;
            for (const auto& asked : s.asked) {
                if (!s.node[asked].IsDefined()) candidates.push_back(asked);
            }
            throw_at(s, join_key_path(s.path, key), kv.first.Mark(),
                     "unknown key '" + key + "'" + detail::did_you_mean(key, candidates));
        }
        check_children_in(s, key);
    }
}

}  // namespace

config_error::config_error(std::string key_path, std::string detail, error_location where)
    : std::runtime_error(format_what(key_path, detail, where)),
      key_path_(std::move(key_path)),
      detail_(std::move(detail)),
      where_(std::move(where)) {}

std::string join_key_path(std::string_view parent, std::string_view key) {
    std::string path(parent);
    if (needs_quoting(key)) {
        path += "[\"";
        for (const char c : key) {
            if (c == '"' || c == '\\') path += '\\';
            path += c;
        }
        path += "\"]";
        return path;
    }
    if (!path.empty()) path += '.';
    path += key;
    return path;
}

bool path_encloses(std::string_view prefix, std::string_view path) {
    return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '.' ||
                                        path[prefix.size()] == '[');
}

std::string join_index_path(std::string_view parent, std::size_t index) {
    return std::string(parent) + "[" + std::to_string(index) + "]";
}

node_reader::node_reader(YAML::Node node, std::string source_name,
                         std::shared_ptr<const value_origins> origins) {
    auto ctx = std::make_shared<detail::reader_context>();
    ctx->source = std::move(source_name);
    ctx->origins = std::move(origins);
    state_ = std::make_shared<reader_state>();
    state_->ctx = std::move(ctx);
    state_->mark = node.Mark();
    state_->node = std::move(node);
}

node_reader::node_reader(std::shared_ptr<detail::reader_state> state) : state_(std::move(state)) {}

const std::string& node_reader::key_path() const noexcept { return state_->path; }

bool node_reader::present() const { return !state_->absent && !state_->node.IsNull(); }

bool node_reader::is_null() const { return state_->node.IsNull(); }

bool node_reader::has(std::string_view key) const {
    if (!state_->node.IsMap()) return false;
    const auto& node = state_->node;
    return std::any_of(node.begin(), node.end(), [&](const auto& kv) {
        return kv.first.IsScalar() && kv.first.Scalar() == key;
    });
}

void node_reader::fail(std::string_view message) const {
    throw_at(*state_, state_->path, state_->mark, message);
}

std::optional<node_reader> node_reader::value_at(std::string_view key, bool required) const {
    reader_state& s = *state_;
    const std::string path = join_key_path(s.path, key);
    if (s.node.IsDefined() && !s.node.IsNull() && !s.node.IsMap()) {
        fail("expected a mapping, got " + describe(s.node));
    }
    if (std::find(s.asked.begin(), s.asked.end(), key) == s.asked.end()) s.asked.emplace_back(key);

    std::optional<YAML::Mark> found_at;
    YAML::Node value;
    if (s.node.IsMap()) {
        for (const auto& kv : std::as_const(s.node)) {
            if (!kv.first.IsScalar() || kv.first.Scalar() != key) continue;
            if (found_at) {
                throw_at(s, path, kv.first.Mark(),
                         "duplicate key (first at line " + std::to_string(found_at->line + 1) +
                             ")");
            }
            found_at = kv.first.Mark();
            value.reset(kv.second);
        }
    }
    if (!found_at) {
        if (required) throw_at(s, path, s.mark, "missing required key");
        return std::nullopt;
    }
    return node_reader(tracked_child(s, std::string(key), path, value, *found_at, false));
}

node_reader node_reader::child(std::string_view key) const {
    if (auto value = value_at(key, false)) {
        if (value->is_null() || value->state_->node.IsMap()) return *value;
        value->fail("expected a mapping, got " + describe(value->state_->node));
    }
    reader_state& s = *state_;
    return node_reader(tracked_child(s, std::string(key), join_key_path(s.path, key),
                                     YAML::Node(), s.mark, true));
}

std::size_t node_reader::sequence(std::string_view key,
                                  const std::function<void(node_reader)>& fn) const {
    const auto value = value_at(key, false);
    if (!value || value->is_null()) return 0;
    const std::size_t n = value->sequence_size();
    reader_state& seq = *value->state_;
    for (std::size_t i = 0; i < n; ++i) {
        const YAML::Node item = std::as_const(seq.node)[i];
        fn(node_reader(tracked_child(seq, "[" + std::to_string(i) + "]",
                                     join_index_path(seq.path, i), item, seq.mark, false)));
    }
    return n;
}

void node_reader::entries(const std::function<void(const std::string&, node_reader)>& fn) const {
    reader_state& s = *state_;
    if (s.node.IsNull()) return;
    if (!s.node.IsMap()) fail("expected a mapping, got " + describe(s.node));
    s.free_keys = true;
    std::vector<std::pair<std::string, YAML::Mark>> seen;
    for (const auto& kv : s.node) {
        if (!kv.first.IsScalar()) {
            throw_at(s, s.path, kv.first.Mark(), "mapping keys must be plain strings");
        }
        const std::string& key = kv.first.Scalar();
        const std::string path = join_key_path(s.path, key);
        for (const auto& [other, mark] : seen) {
            if (other == key) {
                throw_at(s, path, kv.first.Mark(),
                         "duplicate key (first at line " + std::to_string(mark.line + 1) + ")");
            }
        }
        seen.emplace_back(key, kv.first.Mark());
        fn(key, node_reader(tracked_child(s, key, path, kv.second, kv.first.Mark(), false)));
    }
}

node_reader node_reader::element(std::size_t index) const {
    const reader_state& s = *state_;
    return node_reader(make_child(s, join_index_path(s.path, index), s.node[index], s.mark, false));
}

std::size_t node_reader::sequence_size() const {
    if (!state_->node.IsSequence()) fail("expected a sequence, got " + describe(state_->node));
    return state_->node.size();
}

std::string node_reader::read_string() const {
    if (!state_->node.IsScalar()) fail("expected a string, got " + describe(state_->node));
    return state_->node.Scalar();
}

bool node_reader::read_bool() const {
    if (state_->node.IsScalar()) {
        if (const auto value = detail::parse_bool(state_->node.Scalar())) return *value;
    }
    fail("expected a boolean (true/false, yes/no, on/off, 1/0), got " + describe(state_->node));
}

std::int64_t node_reader::read_signed(std::int64_t min, std::int64_t max) const {
    const auto parsed = state_->node.IsScalar() ? detail::parse_integer(state_->node.Scalar())
                                                : std::nullopt;
    if (!parsed) fail("expected an integer, got " + describe(state_->node));
    const auto limit = parsed->negative ? static_cast<std::uint64_t>(-(min + 1)) + 1
                                        : static_cast<std::uint64_t>(max);
    if (parsed->overflow || parsed->magnitude > limit) {
        fail(state_->node.Scalar() + " is out of range (" + std::to_string(min) + " to " +
             std::to_string(max) + ")");
    }
    if (!parsed->negative) return static_cast<std::int64_t>(parsed->magnitude);
    if (parsed->magnitude == 0) return 0;
    return -static_cast<std::int64_t>(parsed->magnitude - 1) - 1;
}

std::uint64_t node_reader::read_unsigned(std::uint64_t max) const {
    const auto parsed = state_->node.IsScalar() ? detail::parse_integer(state_->node.Scalar())
                                                : std::nullopt;
    if (!parsed) fail("expected an integer, got " + describe(state_->node));
    if (parsed->overflow || parsed->magnitude > max ||
        (parsed->negative && parsed->magnitude != 0)) {
        fail(state_->node.Scalar() + " is out of range (0 to " + std::to_string(max) + ")");
    }
    return parsed->magnitude;
}

double node_reader::read_double() const {
    if (state_->node.IsScalar()) {
        if (const auto value = detail::parse_finite_double(state_->node.Scalar())) return *value;
    }
    fail("expected a finite number, got " + describe(state_->node));
}

std::int64_t node_reader::read_duration_ns() const {
    const std::string expected =
        "expected a duration such as 250ms, 30s, 5m, 1h, 2d, got " + describe(state_->node);
    if (!state_->node.IsScalar()) fail(expected);
    const auto parsed = detail::parse_duration_ns(state_->node.Scalar());
    switch (parsed.status) {
    case detail::scalar_status::ok: return parsed.value;
    case detail::scalar_status::negative:
        fail("a duration cannot be negative, got " + describe(state_->node));
    case detail::scalar_status::fractional:
        fail(expected + " (use whole numbers: 1500ms, not 1.5s)");
    case detail::scalar_status::too_large: fail_duration_range();
    case detail::scalar_status::malformed: break;
    }
    fail(expected);
}

void node_reader::fail_duration_precision(std::intmax_t ns_per_tick) const {
    fail(describe(state_->node) + " is not a whole number of " +
         detail::duration_unit_name(ns_per_tick));
}

void node_reader::fail_duration_range() const {
    fail("duration " + describe(state_->node) + " is too large");
}

byte_size node_reader::read_byte_size() const {
    if (state_->node.IsScalar()) {
        const auto parsed = detail::parse_byte_count(state_->node.Scalar());
        if (parsed.status == detail::scalar_status::ok) return byte_size{parsed.value};
        if (parsed.status == detail::scalar_status::too_large) {
            fail("size " + describe(state_->node) + " is too large");
        }
    }
    fail("expected a size such as 512, 10KiB, 8MiB, 1GB, got " + describe(state_->node));
}

std::size_t node_reader::match_name(const std::vector<std::string_view>& names) const {
    std::string allowed;
    for (const auto name : names) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    if (!state_->node.IsScalar()) {
        fail("expected one of " + allowed + "; got " + describe(state_->node));
    }
    const std::string& text = state_->node.Scalar();
    const auto it = std::find(names.begin(), names.end(), text);
    if (it == names.end()) {
        fail("expected one of " + allowed + "; got " + describe(state_->node) +
             detail::did_you_mean(text, names));
    }
    return static_cast<std::size_t>(std::distance(names.begin(), it));
}

void node_reader::finish() const { check_unknown_keys(*state_); }

YAML::Node parse_string(std::string_view text, const std::string& source_name) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::ParserException& e) {
        error_location where;
        where.source = source_name;
        if (!e.mark.is_null()) {
            where.line = e.mark.line + 1;
            where.column = e.mark.column + 1;
        }
        throw config_error({}, "YAML syntax error: " + e.msg, std::move(where));
    }
    // An empty document (or one with only comments) means "all defaults".
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    return root;
}

YAML::Node parse_file(const std::filesystem::path& path) {
    error_location where;
    where.source = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw config_error({}, "cannot read configuration file: it is a directory", where);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config_error({}, std::string("cannot open configuration file: ") +
                                   std::strerror(errno), where);
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw config_error({}, std::string("cannot read configuration file: ") +
                                   std::strerror(errno), where);
    }
    return parse_string(text.str(), where.source);
}

node_reader root_reader(YAML::Node root, const std::string& source_name,
                        std::shared_ptr<const value_origins> origins) {
    if (!root.IsMap()) {
        error_location where;
        where.source = source_name;
        const YAML::Mark mark = root.Mark();
        if (!mark.is_null()) {
            where.line = mark.line + 1;
            where.column = mark.column + 1;
        }
        throw config_error({}, "the top level must be a mapping, got " + describe(root), where);
    }
    return node_reader(std::move(root), source_name, std::move(origins));
}

node_reader load_string(std::string_view text, const std::string& source_name) {
    return root_reader(parse_string(text, source_name), source_name);
}

node_reader load_file(const std::filesystem::path& path) {
    return root_reader(parse_file(path), path.string());
}

}  // namespace common::config
