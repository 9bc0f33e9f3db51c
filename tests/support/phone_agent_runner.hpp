// Runs the real `phone-agent boot` binary for integration tests, plus the small helpers those tests
// share: a GET against a plain-HTTP admin URL, a file's SHA-256, a free loopback port, and waiting
// until a server accepts connections.
#pragma once

#include "child_process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace test_support {

struct boot_options {
    std::string server;                          // --server URL (required)
    std::string mac = "00085D000003";
    std::string model = "9480i";
    std::optional<std::string> firmware;         // --firmware; none = what the state dir says
    std::optional<std::filesystem::path> ca;     // --ca
    std::filesystem::path state_dir;             // --state-dir (required)
    std::optional<std::filesystem::path> json;   // --json
    std::optional<std::string> login;            // --login USER:PASS
    std::vector<std::string> sets;               // each becomes --set KEY=VALUE
};

std::vector<std::string> boot_argv(const boot_options& options);

// Runs one boot to completion; a boot that does not exit within `timeout` is killed and reported
// with exit_code == nullopt.
run_result run_boot(const boot_options& options,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Starts a boot and returns at once (for tests that interfere while it runs).
child_process start_boot(const boot_options& options);

// GET base_url + target over plain HTTP (the cms-mock admin API); returns the body (chunked
// transfer coding decoded). Throws std::runtime_error unless the status is 200.
std::string http_get_body(const std::string& base_url, const std::string& target,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Lower-case hex SHA-256 of a file's content.
std::string sha256_of_file(const std::filesystem::path& file);

// A port that was free on 127.0.0.1 a moment ago (bound with port 0, then released).
std::uint16_t pick_free_port();

// True once something accepts TCP connections on 127.0.0.1:port, polling until `timeout`.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

// Names in `dir` (not recursive) that are atomic-write temp files (".<name>.tmp-<hex>").
std::vector<std::string> temp_files_in(const std::filesystem::path& dir);

// How many times `needle` occurs in `text` (non-overlapping).
std::size_t count_occurrences(std::string_view text, std::string_view needle);

// The last `n` characters of `text`, for short failure messages.
std::string tail(std::string_view text, std::size_t n = 400);

}  // namespace test_support
