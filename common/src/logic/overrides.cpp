#include "common/config/overrides.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <utility>

namespace common::config {

namespace {

[[noreturn]] void fail(std::string key_path, std::string detail, std::string origin) {
    error_location where;
    where.origin = std::move(origin);
    throw config_error(std::move(key_path), std::move(detail), std::move(where));
}

std::string raw_path(const std::vector<std::string>& segments) {
    std::string path;
    for (const auto& segment : segments) path += (path.empty() ? "" : ".") + segment;
    return path;
}

std::vector<std::string> split(std::string_view text, std::string_view separator) {
    std::vector<std::string> parts;
    for (;;) {
        const auto at = text.find(separator);
        parts.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + separator.size());
    }
}

bool has_empty_segment(const std::vector<std::string>& segments) {
    return std::any_of(segments.begin(), segments.end(), [](const auto& s) { return s.empty(); });
}

bool has_map_key(const YAML::Node& map, std::string_view key) {
    return std::any_of(map.begin(), map.end(), [&](const auto& kv) {
        return kv.first.IsScalar() && kv.first.Scalar() == key;
    });
}

// Forgets origins recorded at or below `path`: a later override replaced those values.
void forget_below(value_origins& origins, const std::string& path) {
    for (auto it = origins.lower_bound(path); it != origins.end();) {
        const std::string& p = it->first;
        if (!p.starts_with(path)) break;
        it = path_encloses(path, p) ? origins.erase(it) : std::next(it);
    }
}

YAML::Node parse_value(const override_entry& entry) {
    try {
        return YAML::Load(entry.value);
    } catch (const YAML::ParserException& e) {
        fail(raw_path(entry.segments), "value is not valid YAML: " + e.msg, entry.origin);
    }
}

void apply_one(YAML::Node& root, const override_entry& entry, value_origins& origins) {
    const YAML::Node value = parse_value(entry);
    const std::string raw = raw_path(entry.segments);
    YAML::Node current(root);
    std::string path;
    for (std::size_t i = 0; i < entry.segments.size(); ++i) {
        const std::string& segment = entry.segments[i];
        const bool last = i + 1 == entry.segments.size();
        YAML::Node next;
        std::string next_path;
        if (current.IsSequence()) {
            std::size_t index = 0;
            const auto* end = segment.data() + segment.size();
            const auto [ptr, ec] = std::from_chars(segment.data(), end, index);
            if (segment.empty() || ec != std::errc{} || ptr != end) {
                fail(raw, "cannot set: " + (path.empty() ? "the top level" : path) +
                              " is a sequence and '" + segment + "' is not an index",
                     entry.origin);
            }
            if (index > current.size()) {
                fail(raw, "cannot set: index " + segment + " is past the end of " + path + " (" +
                              std::to_string(current.size()) + " items)",
                     entry.origin);
            }
            next_path = join_index_path(path, index);
            const bool append = index == current.size();
            if (last) {
                if (append) {
                    current.push_back(value);
                } else {
                    current[index] = value;
                }
            } else if (append || std::as_const(current)[index].IsNull()) {
                if (append) {
                    current.push_back(YAML::Node(YAML::NodeType::Map));
                } else {
                    current[index] = YAML::Node(YAML::NodeType::Map);
                }
                forget_below(origins, next_path);
                origins[next_path] = entry.origin;
            }
            if (!last) next.reset(current[index]);
        } else {
            next_path = join_key_path(path, segment);
            if (last) {
                current[segment] = value;
            } else if (!has_map_key(current, segment) ||
                       std::as_const(current)[segment].IsNull()) {
                current[segment] = YAML::Node(YAML::NodeType::Map);
                forget_below(origins, next_path);
                origins[next_path] = entry.origin;
            }
            if (!last) next.reset(current[segment]);
        }
        if (last) {
            forget_below(origins, next_path);
            origins[next_path] = entry.origin;
            return;
        }
        if (!next.IsMap() && !next.IsSequence()) {
            fail(raw, "cannot set: " + next_path + " is a single value, not a mapping or sequence",
                 entry.origin);
        }
        // reset() rebinds the handle; assigning a YAML::Node would overwrite the node it refers to.
        current.reset(next);
        path = std::move(next_path);
    }
}

}  // namespace

std::vector<std::string> environment_from_environ() {
    std::vector<std::string> result;
    for (char** entry = ::environ; entry != nullptr && *entry != nullptr; ++entry) {
        result.emplace_back(*entry);
    }
    return result;
}

std::vector<override_entry> overrides_from_environment(const std::vector<std::string>& environment,
                                                       std::string_view prefix) {
    std::vector<std::pair<std::string, std::string>> matching;
    if (prefix.empty()) return {};
    for (const auto& variable : environment) {
        const auto eq = variable.find('=');
        if (eq == std::string::npos) continue;
        std::string name = variable.substr(0, eq);
        if (!name.starts_with(prefix)) continue;
        matching.emplace_back(std::move(name), variable.substr(eq + 1));
    }
    std::sort(matching.begin(), matching.end());

    std::vector<override_entry> entries;
    for (auto& [name, value] : matching) {
        std::string origin = "environment variable " + name;
        std::string key = name.substr(prefix.size());
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto segments = split(key, "__");
        if (has_empty_segment(segments)) {
            fail({}, "cannot map the variable name to a key path (empty segment)",
                 std::move(origin));
        }
        entries.push_back({std::move(segments), std::move(value), std::move(origin)});
    }
    return entries;
}

std::vector<override_entry> overrides_from_set_flags(const std::vector<std::string>& flags) {
    std::vector<override_entry> entries;
    for (const auto& flag : flags) {
        const auto eq = flag.find('=');
        if (eq == std::string::npos) {
            fail({}, "expected key.path=value", "--set " + flag);
        }
        const std::string key = flag.substr(0, eq);
        std::string origin = "--set " + key + "=...";
        auto segments = split(key, ".");
        if (has_empty_segment(segments)) {
            fail({}, "expected key.path=value with non-empty path segments", std::move(origin));
        }
        entries.push_back({std::move(segments), flag.substr(eq + 1), std::move(origin)});
    }
    return entries;
}

value_origins apply_overrides(YAML::Node& root, const std::vector<override_entry>& entries) {
    value_origins origins;
    if (!root.IsMap() && !entries.empty()) {
        fail({}, "cannot apply overrides: the top level is not a mapping", entries.front().origin);
    }
    for (const auto& entry : entries) apply_one(root, entry, origins);
    return origins;
}

node_reader load_config(const load_options& options) {
    YAML::Node root =
        options.file ? parse_file(*options.file) : YAML::Node(YAML::NodeType::Map);
    const std::string source = options.file ? options.file->string() : std::string{};
    // Report a non-mapping document with its own position before overrides look at it.
    if (!root.IsMap()) root_reader(root, source);

    auto entries = overrides_from_environment(options.environment, options.env_prefix);
    auto flags = overrides_from_set_flags(options.set_flags);
    entries.insert(entries.end(), std::make_move_iterator(flags.begin()),
                   std::make_move_iterator(flags.end()));
    auto origins = std::make_shared<const value_origins>(apply_overrides(root, entries));
    return root_reader(std::move(root), source, std::move(origins));
}

}  // namespace common::config
