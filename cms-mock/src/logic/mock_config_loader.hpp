// Reads cms-mock's YAML configuration into mock_config. Unknown keys, wrong types and bad values
// throw common::config::config_error naming the key path and line:column (start-up only).
#pragma once

#include "logic/mock_config.hpp"

#include "common/config/yaml_reader.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace cms_mock {

// Fills `cfg` (pre-set with defaults) from a reader positioned at the document root.
void read_mock_config(const common::config::node_reader& root, mock_config& cfg);

// The whole precedence: built-in defaults < YAML file < CMS_MOCK_* environment < --set flags.
mock_config load_mock_config(const std::optional<std::filesystem::path>& file,
                             const std::vector<std::string>& environment,
                             const std::vector<std::string>& set_flags);

}  // namespace cms_mock
