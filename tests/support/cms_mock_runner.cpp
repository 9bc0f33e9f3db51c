#include "cms_mock_runner.hpp"

#include <cstdlib>
#include <stdexcept>

namespace test_support {

std::filesystem::path binary_path(std::string_view relative) {
    const char* dir = std::getenv("APL_BINARY_DIR");
    if (!dir) throw std::runtime_error("APL_BINARY_DIR is not set (run the test through ctest)");
    return std::filesystem::path(dir) / relative;
}

cms_mock_runner::cms_mock_runner(cms_mock_options options) : state_(std::make_unique<temp_dir>("cms-mock")) {
    process_options p;
    p.argv = {binary_path("cms-mock/cms-mock").string(), "--http", "127.0.0.1:0", "--https",
              options.https ? "127.0.0.1:0" : "off", "--admin", "127.0.0.1:0", "--state-dir",
              (state_->path() / "state").string(), "--log-level", "warn"};
    if (!options.config_yaml.empty()) {
        auto file = state_->write("cms-mock.yaml", options.config_yaml);
        p.argv.push_back("--config");
        p.argv.push_back(file.string());
    }
    for (auto& a : options.extra_args) p.argv.push_back(a);
    process_ = std::make_unique<child_process>(p);
    for (;;) {
        auto line = process_->read_line(std::chrono::seconds(20));
        if (!line) {
            throw std::runtime_error("cms-mock did not become ready; stderr: " + process_->stderr_text());
        }
        if (*line == "ready") break;
        if (line->starts_with("listening http://")) http_url_ = line->substr(10);
        else if (line->starts_with("listening https://")) https_url_ = line->substr(10);
        else if (line->starts_with("listening admin ")) admin_url_ = line->substr(16);
        else if (line->starts_with("ca ")) ca_file_ = line->substr(3);
    }
}

cms_mock_runner::~cms_mock_runner() {
    process_->terminate(15);
    process_->wait(std::chrono::seconds(5));
}

}  // namespace test_support
