// Command-line options of cms-mock. Flags override the YAML file (see README "Configuration").
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cms_mock {

struct cli_options {
    std::optional<std::string> config_file;
    std::optional<std::string> http;    // ADDR:PORT, "off" disables
    std::optional<std::string> https;   // ADDR:PORT, "off" disables
    std::optional<std::string> admin;   // ADDR:PORT
    std::optional<std::string> root;    // served file tree
    std::optional<std::string> state_dir;
    std::optional<std::string> log_level;
    std::vector<std::string> set;  // --set key.path=value overrides
};

// Registers every option on `app`; values land in `opts` when app.parse() runs.
void add_options(CLI::App& app, cli_options& opts);

}  // namespace cms_mock
