// A child process with piped stdin/stdout/stderr for integration tests of real binaries
// (cms-mock, phone-agent, openssl s_client, ...). Every blocking call takes a timeout so a
// misbehaving child can fail a test but never hang it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace test_support {

struct process_options {
    // argv[0] is looked up in PATH unless it contains a '/'.
    std::vector<std::string> argv;
    // Added to (or overriding) the parent's environment; with inherit_env = false they are all
    // the child gets.
    std::vector<std::pair<std::string, std::string>> env;
    bool inherit_env = true;
    // Empty = the parent's current directory.
    std::filesystem::path working_dir;
};

// Thread-safety: one object must only be used from one thread at a time.
// Lifetime: the destructor sends SIGKILL to the child's process group (the child is made a group
// leader so helpers it spawns die with it) and reaps it. The child also gets SIGKILL if the
// thread that spawned it exits (PR_SET_PDEATHSIG), so spawn from the test's main thread.
class child_process {
public:
    // Throws std::runtime_error naming the program and the errno text when the program cannot be
    // started (not found, not executable, bad working directory, out of resources): a test cannot
    // continue without its child, and Boost.Test reports the message.
    explicit child_process(process_options options);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&& other) noexcept;

    int pid() const noexcept { return pid_; }

    // Next line from stdout without its '\n' (a trailing '\r' is dropped too). At end of stream
    // an unterminated last fragment is returned as a line. nullopt on timeout or when stdout is
    // closed and nothing is left. stderr is drained meanwhile so the child never blocks on it.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    std::optional<std::string> read_stderr_line(std::chrono::milliseconds timeout);

    // Reads stdout lines until one contains `needle` and returns it; lines before it are
    // consumed (they remain in stdout_text()). nullopt on timeout or end of stream.
    std::optional<std::string> wait_for_line(std::string_view needle,
                                             std::chrono::milliseconds timeout);

    // Everything the child wrote so far, including lines already returned by read_line.
    // Collects what is available right now without waiting.
    const std::string& stdout_text();
    const std::string& stderr_text();

    // True when all of `data` was written within the timeout; false on timeout or when the child
    // closed its stdin (EPIPE, which does not raise SIGPIPE in the test process).
    bool write_stdin(std::string_view data, std::chrono::milliseconds timeout);
    void close_stdin() noexcept;

    // Sends `signal` to the child only (not its group). No effect once the child is reaped.
    void terminate(int signal);

    // Exit code once the child has exited within the timeout: the exit status, or 128 + signal
    // number when it was killed by a signal (shell convention; see term_signal()). nullopt on
    // timeout. Output is collected while waiting so a chatty child cannot block on a full pipe.
    std::optional<int> wait(std::chrono::milliseconds timeout);

    // The signal that ended the child, if it was reaped and a signal ended it.
    std::optional<int> term_signal() const noexcept { return term_signal_; }
    bool running();

private:
    struct pipe_in {
        int fd = -1;
        std::string unread;
        std::string all;
        bool eof = false;
    };

    void reap_nohang();
    // One poll() round over the open pipes, reading/writing whatever is ready.
    void pump(int timeout_ms);
    void read_available(pipe_in& in);
    void write_pending();
    std::optional<std::string> read_line_from(pipe_in& in, std::chrono::milliseconds timeout);
    void kill_and_reap() noexcept;
    void close_all() noexcept;

    int pid_ = -1;
    bool reaped_ = false;
    std::optional<int> exit_code_;
    std::optional<int> term_signal_;
    int stdin_fd_ = -1;
    std::string pending_stdin_;
    pipe_in out_;
    pipe_in err_;
};

struct run_result {
    // nullopt when the child did not exit within the timeout (it was then killed).
    std::optional<int> exit_code;
    std::string stdout_text;
    std::string stderr_text;
};

// Starts `argv`, feeds `stdin_data` then closes stdin, and collects output until the child exits
// and its pipes close, all within `timeout`. Throws like child_process when it cannot start.
run_result run(std::vector<std::string> argv, std::chrono::milliseconds timeout,
               std::string_view stdin_data = {});
run_result run(process_options options, std::chrono::milliseconds timeout,
               std::string_view stdin_data = {});

}  // namespace test_support
