// Shared by the tests in tests/reliability: a raw request probe that half-closes and times the
// answer, the malformed-request corpus reader, /proc readers for a child's fds and RSS, and the
// served tree (with a canary outside it) both services are started on.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reliability {

struct probe_result {
    std::string received;
    bool closed = false;  // EOF or reset seen before the deadline
    bool send_failed = false;  // the server closed before taking every byte (fine after a refusal)
    std::chrono::milliseconds elapsed{0};  // from the last byte sent (or the send failure) to close
};

// Connects from `source` (a 127.x address) to 127.0.0.1:port, sends `request`, shuts down the
// write side, and reads until the server closes or `deadline` passes.
probe_result probe(std::uint16_t port, std::string_view request, std::chrono::milliseconds deadline,
                   const std::string& source = "127.0.0.1");

// The status codes of the responses in `received`, in order (status lines at message starts,
// found by walking Content-Length / chunked framing; stops at the first unparsable part).
std::vector<unsigned> response_statuses(std::string_view received);

struct corpus_case {
    std::string name;
    std::vector<unsigned> statuses;  // one per response, in order; empty: closed without a response
    bool phone_too = false;
    std::string request;
    std::size_t line = 0;
};

// Reads tests/reliability/malformed_requests.txt (see gen_malformed_requests.py for the format).
// Throws std::runtime_error naming the file and line of a malformed entry.
std::vector<corpus_case> read_corpus(const std::filesystem::path& file);

// Entries in /proc/<pid>/fd; -1 when the process is gone.
int open_fds(int pid);
// VmRSS of the process in KiB; -1 when unreadable.
long rss_kib(int pid);

// The source tree ($APL_SOURCE_DIR).
std::filesystem::path source_dir();

// Raises this process's soft RLIMIT_NOFILE to at least `wanted` (children inherit it). Returns
// the soft limit in force afterwards.
std::uint64_t raise_fd_limit(std::uint64_t wanted);

// Polls `condition` every 50 ms until it holds or `timeout` passes; returns the last result.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout);

}  // namespace reliability

#include <thread>

template <class Condition>
bool reliability::eventually(Condition condition, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}
