// Starts the real cms-mock binary on 127.0.0.1 with port 0 listeners and a private state directory,
// and reads the URLs it prints. For integration tests of cms-mock and of clients that talk to it.
#pragma once

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace test_support {

std::filesystem::path binary_path(std::string_view relative);  // below the build directory

struct cms_mock_options {
    std::string config_yaml;           // written to <state>/cms-mock.yaml when not empty
    std::vector<std::string> extra_args;
    bool https = true;
};

class cms_mock_runner {
public:
    explicit cms_mock_runner(cms_mock_options options = {});
    ~cms_mock_runner();

    const std::string& http_url() const { return http_url_; }    // "http://127.0.0.1:PORT"
    const std::string& https_url() const { return https_url_; }  // "https://127.0.0.1:PORT"
    const std::string& admin_url() const { return admin_url_; }
    const std::filesystem::path& ca_file() const { return ca_file_; }
    const temp_dir& state() const { return *state_; }
    child_process& process() { return *process_; }

private:
    std::unique_ptr<temp_dir> state_;
    std::unique_ptr<child_process> process_;
    std::string http_url_, https_url_, admin_url_;
    std::filesystem::path ca_file_;
};

}  // namespace test_support
