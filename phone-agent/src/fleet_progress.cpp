#include "fleet_progress.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

namespace phone_agent {

process_figures read_process_figures() {
    process_figures f;
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) {
        const auto us = [](const timeval& t) {
            return std::chrono::microseconds(static_cast<std::int64_t>(t.tv_sec) * 1'000'000 + t.tv_usec);
        };
        f.cpu = us(usage.ru_utime) + us(usage.ru_stime);
    }
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
        ++f.open_fds;
    }
    if (f.open_fds > 0) --f.open_fds;  // the iterator's own descriptor
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        f.fd_limit = static_cast<std::size_t>(limit.rlim_cur);
    }
    return f;
}

bool progress_printer::stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

void progress_printer::update(const std::string& line) {
    if (tty_) {
        out_ << '\r' << line << "\x1b[K" << std::flush;
        pending_ = true;
    } else {
        out_ << line << std::endl;
    }
}

void progress_printer::message(const std::string& text) {
    if (pending_) out_ << "\r\x1b[K";
    out_ << text << std::endl;
    pending_ = false;
}

void progress_printer::finish() {
    if (pending_) out_ << std::endl;
    pending_ = false;
}

}  // namespace phone_agent
