// A directory under the system temp dir that is removed with everything in it on destruction.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace test_support {

class temp_dir {
public:
    explicit temp_dir(std::string_view prefix = "apl-test");
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

    // Writes `content` to `name` (creating parent directories) and returns the full path.
    std::filesystem::path write(std::string_view name, std::string_view content) const;

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& p);

}  // namespace test_support
