// Schema reading for YAML configuration: a service's loader walks the document with node_reader
// calls that read like a table (key, destination, default = the destination's current value), and
// every mistake becomes one config_error naming the key path and where the value came from.
//
// yaml-cpp 0.7 alone ignores unknown keys and reports a missing key's `.as<T>()` failure without a
// position, so this layer tracks which keys were read and keeps the marks itself.
//
// Errors: everything here throws config_error. It is meant for start-up only (main turns it into
// exit status 2); nothing in a running service should parse configuration.
// Thread-safety: none; a node_reader tree is used by one thread during start-up.
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ratio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace common::config {

// Where a bad value was written. A value set by an override has an origin instead of a position.
struct error_location {
    std::string source;  // file name or the name given to load_string; may be empty
    int line = 0;        // 1-based; 0 = unknown
    int column = 0;      // 1-based; 0 = unknown
    std::string origin;  // e.g. "environment variable CMS_MOCK_LISTEN__HTTP"; empty for file values
};

// what() is one of
//   "cms-mock.yaml:14:12: auth.rules[2].realm: expected a string"                  (file known)
//   "config error: auth.rules[2].realm: expected a string (line 14, column 12)"   (no file name)
//   "config error: listen.http: expected ... (from environment variable CMS_MOCK_LISTEN__HTTP)"
// The key path part is left out for errors about the document as a whole.
class config_error : public std::runtime_error {
public:
    config_error(std::string key_path, std::string detail, error_location where);

    const std::string& key_path() const noexcept { return key_path_; }
    const std::string& detail() const noexcept { return detail_; }  // message without location
    const std::string& source() const noexcept { return where_.source; }
    const std::string& origin() const noexcept { return where_.origin; }
    int line() const noexcept { return where_.line; }
    int column() const noexcept { return where_.column; }

private:
    std::string key_path_;
    std::string detail_;
    error_location where_;
};

// A size in bytes, written as "512", "10KiB", "8MiB", "1GB" (KB/MB/GB/TB are powers of 1000,
// KiB/MiB/GiB/TiB powers of 1024; units are case-insensitive, an optional "B" means bytes).
struct byte_size {
    std::uint64_t bytes = 0;
    friend auto operator<=>(const byte_size&, const byte_size&) = default;
};

// Key paths as shown in errors and as used by overrides: "auth.rules[2].realm". Keys that would
// be ambiguous in that syntax (containing '.', '[', ']', '"', spaces, or empty) are quoted:
// devices["a.b"].
std::string join_key_path(std::string_view parent, std::string_view key);
std::string join_index_path(std::string_view parent, std::size_t index);
// True when `path` is `prefix` or lies below it ("a.b" encloses "a.b[0]", not "a.bc").
bool path_encloses(std::string_view prefix, std::string_view path);

// Values that came from somewhere other than the file, by canonical key path (join_key_path
// form) -> description such as "environment variable CMS_MOCK_LISTEN__HTTP". An error at a path
// or anywhere below a recorded path names that origin instead of a line and column.
using value_origins = std::map<std::string, std::string, std::less<>>;

namespace detail {
struct reader_state;
template <class T> inline constexpr bool is_vector_v = false;
template <class T, class A> inline constexpr bool is_vector_v<std::vector<T, A>> = true;
template <class T> inline constexpr bool is_optional_v = false;
template <class T> inline constexpr bool is_optional_v<std::optional<T>> = true;
template <class T> inline constexpr bool is_duration_v = false;
template <class R, class P> inline constexpr bool is_duration_v<std::chrono::duration<R, P>> = true;
template <class T> inline constexpr bool dependent_false_v = false;
}  // namespace detail

template <class E>
using enum_table = std::initializer_list<std::pair<std::string_view, std::type_identity_t<E>>>;

// A handle on one node of the document plus its key path. Copies share the bookkeeping of which
// keys were read, so readers can be passed by value into lambdas.
//
// Reading functions take the destination by reference and leave it untouched when the key is
// absent, so in-class defaults of the config struct are the built-in defaults. On error the
// destination is also untouched. Supported value types T:
//   std::string; bool (true/false/yes/no/on/off/1/0, case-insensitive); any integer type, range
//   checked (decimal, 0x hex, 0o octal); double (finite); std::chrono::duration (an integer with
//   unit ns/us/ms/s/m/h/d, or a plain integer = seconds, converted exactly: "1500ms" into
//   std::chrono::seconds is an error); byte_size; std::vector<T> (a YAML sequence);
//   std::optional<T> (null resets it to nullopt).
// A null value ("key:" or "key: ~") is an error for every type except std::optional.
class node_reader {
public:
    // Wraps `node` as the document root. `source_name` is used in messages; `origins` marks
    // values that came from overrides (see overrides.hpp).
    explicit node_reader(YAML::Node node, std::string source_name = {},
                         std::shared_ptr<const value_origins> origins = nullptr);

    const std::string& key_path() const noexcept;
    // False for a missing key and for null; such a reader acts as an empty mapping.
    bool present() const;
    // True when this node is a mapping containing `key`. Does not count as reading it.
    bool has(std::string_view key) const;

    template <class T>
    void optional(std::string_view key, T& out) const {
        if (auto v = value_at(key, false)) v->get(out);
    }
    template <class T>
    void required(std::string_view key, T& out) const {
        value_at(key, true)->get(out);
    }
    // Enums by name; an unknown name's error lists the allowed names.
    template <class E>
    void optional_enum(std::string_view key, E& out, enum_table<E> table) const {
        if (auto v = value_at(key, false)) v->get_enum(out, table);
    }
    template <class E>
    void required_enum(std::string_view key, E& out, enum_table<E> table) const {
        value_at(key, true)->get_enum(out, table);
    }

    // A nested mapping. A missing or null key gives an empty reader (so all its reads keep
    // defaults); any other non-mapping value is an error. Asking twice returns the same node.
    node_reader child(std::string_view key) const;
    // Calls fn(item) for each element of the sequence at `key` (item paths are key[i]); a missing
    // or null key means no elements. Returns the number of elements.
    std::size_t sequence(std::string_view key, const std::function<void(node_reader)>& fn) const;
    // For mappings whose keys are data (e.g. devices keyed by MAC): calls fn(key, value) for
    // every entry in document order and counts all keys as read. Keys must be scalars and unique.
    void entries(const std::function<void(const std::string&, node_reader)>& fn) const;

    // Reads this node itself as T (e.g. the value handed to an entries() callback).
    template <class T>
    void get(T& out) const;
    template <class E>
    void get_enum(E& out, enum_table<E> table) const {
        std::vector<std::string_view> names;
        names.reserve(table.size());
        for (const auto& entry : table) names.push_back(entry.first);
        out = (table.begin() + match_name(names))->second;
    }

    // Throws config_error at this node (its path and position, or its origin). For checks that
    // span fields, e.g. "tls.cert is required when listen.https is set".
    [[noreturn]] void fail(std::string_view message) const;

    // Throws for the first key, in document order, in this mapping or in any mapping reached
    // from it through child()/sequence()/entries(), that was never asked for: "unknown key
    // 'realmm' (did you mean 'realm'?)". Call it once on the root after reading everything.
    void finish() const;

private:
    explicit node_reader(std::shared_ptr<detail::reader_state> state);

    // The reader for `key`, or nullopt when absent (required: error at this mapping).
    std::optional<node_reader> value_at(std::string_view key, bool required) const;
    node_reader element(std::size_t index) const;  // not tracked: only for get<std::vector>

    std::string read_string() const;
    bool read_bool() const;
    std::int64_t read_signed(std::int64_t min, std::int64_t max) const;
    std::uint64_t read_unsigned(std::uint64_t max) const;
    double read_double() const;
    std::int64_t read_duration_ns() const;
    byte_size read_byte_size() const;
    std::size_t match_name(const std::vector<std::string_view>& names) const;
    std::size_t sequence_size() const;  // checks the node is a sequence
    bool is_null() const;
    [[noreturn]] void fail_duration_precision(std::intmax_t ns_per_tick) const;
    [[noreturn]] void fail_duration_range() const;

    std::shared_ptr<detail::reader_state> state_;
};

// Parses YAML text. Syntax errors become config_error with `source_name`, line and column.
// The result is never undefined: empty text gives an empty mapping.
YAML::Node parse_string(std::string_view text, const std::string& source_name);
// Same for a file; a missing or unreadable file is a config_error naming the path.
YAML::Node parse_file(const std::filesystem::path& path);

// The root reader for a parsed document; throws config_error (with the document's position) when
// the top level is not a mapping.
node_reader root_reader(YAML::Node root, const std::string& source_name,
                        std::shared_ptr<const value_origins> origins = nullptr);

// parse_* plus root_reader. For environment and --set overrides use load_config (overrides.hpp).
node_reader load_string(std::string_view text, const std::string& source_name = {});
node_reader load_file(const std::filesystem::path& path);

template <class T>
void node_reader::get(T& out) const {
    if constexpr (std::is_same_v<T, std::string>) {
        out = read_string();
    } else if constexpr (std::is_same_v<T, bool>) {
        out = read_bool();
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        static_assert(sizeof(T) <= sizeof(std::int64_t));
        out = static_cast<T>(read_signed(std::numeric_limits<T>::min(),
                                         std::numeric_limits<T>::max()));
    } else if constexpr (std::is_integral_v<T>) {
        static_assert(sizeof(T) <= sizeof(std::uint64_t));
        out = static_cast<T>(read_unsigned(std::numeric_limits<T>::max()));
    } else if constexpr (std::is_same_v<T, double>) {
        out = read_double();
    } else if constexpr (detail::is_duration_v<T>) {
        // Exact conversion from nanoseconds: a value the target cannot hold is an error, not a
        // silently truncated timeout.
        using ticks = std::ratio_divide<typename T::period, std::nano>;
        static_assert(ticks::den == 1, "durations finer than nanoseconds are not supported");
        static_assert(std::is_integral_v<typename T::rep>, "use an integral duration rep");
        const std::int64_t ns = read_duration_ns();
        if (ns % ticks::num != 0) fail_duration_precision(ticks::num);
        const std::int64_t count = ns / ticks::num;
        using rep = typename T::rep;
        if (std::cmp_greater(count, std::numeric_limits<rep>::max())) fail_duration_range();
        out = T{static_cast<rep>(count)};
    } else if constexpr (std::is_same_v<T, byte_size>) {
        out = read_byte_size();
    } else if constexpr (detail::is_vector_v<T>) {
        const std::size_t n = sequence_size();
        T result;
        result.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            typename T::value_type item{};
            element(i).get(item);
            result.push_back(std::move(item));
        }
        out = std::move(result);
    } else if constexpr (detail::is_optional_v<T>) {
        if (is_null()) {
            out.reset();
        } else {
            typename T::value_type value{};
            get(value);
            out = std::move(value);
        }
    } else {
        static_assert(detail::dependent_false_v<T>, "unsupported configuration value type");
    }
}

}  // namespace common::config
