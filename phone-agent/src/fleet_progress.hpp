// `phone-agent fleet`'s live output on stderr: on a terminal one status line rewritten in place
// ("\r", clear to end of line) once per interval; otherwise (a pipe, a log file, CI) plain lines.
// Also reads the generator's own figures for the self-health check (CPU time, open descriptors).
#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

namespace phone_agent {

struct process_figures {
    std::chrono::microseconds cpu{0};  // user + system, whole process
    std::size_t open_fds = 0;          // entries of /proc/self/fd
    std::size_t fd_limit = 0;          // soft RLIMIT_NOFILE
};
process_figures read_process_figures();

class progress_printer {
public:
    progress_printer(std::ostream& out, bool tty) : out_(out), tty_(tty) {}
    static bool stderr_is_tty();

    bool tty() const noexcept { return tty_; }
    void update(const std::string& line);   // the status line
    void message(const std::string& text);  // a line of its own, kept above the status line
    void finish();                          // ends a pending status line

private:
    std::ostream& out_;
    bool tty_;
    bool pending_ = false;  // a status line without its newline is on screen
};

}  // namespace phone_agent
