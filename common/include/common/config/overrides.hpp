// Environment and command-line overrides for YAML configuration, with one precedence for every
// service:
//
//     built-in defaults  <  YAML file  <  environment variables  <  --set flags
//
// Defaults are the in-class initialisers of the config struct (node_reader leaves a destination
// untouched when its key is absent). Overrides are applied to the parsed YAML tree before the
// schema is read, so an overridden value goes through exactly the same validation as one written
// in the file, and its errors name where it came from instead of a line:
//     config error: listen.http: expected an integer, got 'x'
//         (from environment variable CMS_MOCK_LISTEN__HTTP)
//
// Environment variables: with prefix "CMS_MOCK_", a variable CMS_MOCK_<PATH>=<value> sets the key
// path obtained from <PATH> by splitting at "__" (double underscore) and lower-casing letters; a
// single "_" stays part of the key. CMS_MOCK_LISTEN__HTTP -> listen.http,
// CMS_MOCK_AUTH__RULES__0__REALM -> auth.rules[0].realm, CMS_MOCK_TLS__CERT_FILE -> tls.cert_file.
// Every variable with the prefix is an override, so a misspelt one is reported as an unknown key
// rather than silently ignored. Variables are applied in name order, so CMS_MOCK_LISTEN (a whole
// mapping) is applied before CMS_MOCK_LISTEN__HTTP refines it.
//
// Flags: "--set key.path=value", repeatable, applied in command-line order after the environment.
//
// Paths: segments separated by '.'; on a sequence a segment is an index (rules.0.realm), and the
// index one past the end appends. Missing intermediate mappings are created. Keys containing '.'
// cannot be addressed.
//
// Values are YAML: "5s" and "abc" are strings, "[a, b]" a sequence, "{user: x}" a mapping, an
// empty value is null (use '' for an empty string). Messages never echo a --set value, since it
// may be a password.
//
// Errors: config_error (start-up only). Thread-safety: environment_from_environ() reads the
// process environment and must not race with setenv(); the rest is pure.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/yaml_reader.hpp"

namespace common::config {

struct override_entry {
    std::vector<std::string> segments;  // key path split at '.' / '__', not yet resolved
    std::string value;                  // YAML text
    std::string origin;                 // "environment variable X" or "--set a.b=..."
};

// The process environment as "NAME=value" strings, for main().
std::vector<std::string> environment_from_environ();

// Overrides from `environment` ("NAME=value" strings) whose names start with `prefix`, sorted by
// name. An empty prefix yields nothing (every variable would otherwise be a key).
std::vector<override_entry> overrides_from_environment(const std::vector<std::string>& environment,
                                                       std::string_view prefix);

// Overrides from the values of repeated --set flags ("key.path=value"), in order.
std::vector<override_entry> overrides_from_set_flags(const std::vector<std::string>& flags);

// Applies `entries` in order onto `root` (which must be a mapping) and returns the canonical key
// path (join_key_path form) of every value it set or mapping it created, with its origin.
// Throws config_error when a value is not valid YAML or a path runs through a scalar or past the
// end of a sequence.
value_origins apply_overrides(YAML::Node& root, const std::vector<override_entry>& entries);

struct load_options {
    std::optional<std::filesystem::path> file;  // none: defaults plus overrides only
    std::string env_prefix;                     // e.g. "CMS_MOCK_"; empty disables the environment
    std::vector<std::string> environment;       // e.g. environment_from_environ()
    std::vector<std::string> set_flags;         // values of the repeated --set flag
};

// The whole precedence in one call: parse the file (or start from an empty mapping), apply the
// environment, then the flags, and return the root reader with origins attached.
node_reader load_config(const load_options& options);

}  // namespace common::config
