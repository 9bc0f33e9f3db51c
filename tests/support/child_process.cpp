#include "child_process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace test_support {

namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

std::string errno_text(int err) { return std::strerror(err); }

int remaining_ms(clock_type::time_point deadline) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - clock_type::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000'000));
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

// PATH lookup happens in the parent: after fork() in a multi-threaded test only async-signal-safe
// calls are allowed, and execvp may allocate.
std::string resolve_program(const std::string& name, const std::string& path_var) {
    if (name.find('/') != std::string::npos) return name;
    std::size_t start = 0;
    while (start <= path_var.size()) {
        const auto end = std::min(path_var.find(':', start), path_var.size());
        std::string dir = path_var.substr(start, end - start);
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + name;
        if (is_executable_file(candidate)) return candidate;
        start = end + 1;
    }
    throw std::runtime_error("child_process: '" + name + "' not found in PATH (" + path_var + ")");
}

std::vector<std::string> build_environment(const process_options& options) {
    std::map<std::string, std::string> vars;
    if (options.inherit_env) {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            std::string_view entry(*e);
            const auto eq = entry.find('=');
            if (eq == std::string_view::npos) continue;
            vars[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
        }
    }
    for (const auto& [key, value] : options.env) vars[key] = value;
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [key, value] : vars) out.push_back(key + "=" + value);
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

struct pipe_pair {
    int read = -1;
    int write = -1;
    ~pipe_pair() {
        close_fd(read);
        close_fd(write);
    }
};

void make_pipe(pipe_pair& p, const std::string& program) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error("child_process: pipe2 for '" + program +
                                 "' failed: " + errno_text(errno));
    }
    p.read = fds[0];
    p.write = fds[1];
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Runs in the forked child: async-signal-safe calls only, no allocation, no exceptions.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp,
                             const char* working_dir, pid_t parent, int in_fd, int out_fd,
                             int err_fd, int report_fd) {
    auto fail = [report_fd](int err) {
        ssize_t ignored = ::write(report_fd, &err, sizeof err);
        (void)ignored;
        ::_exit(127);
    };
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);

    // Signal state is inherited across exec; the test process may have blocked or ignored some.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    const std::array<int, 3> sources{in_fd, out_fd, err_fd};
    for (int target = 0; target < 3; ++target) {
        const int src = sources[static_cast<std::size_t>(target)];
        // dup2 onto itself keeps FD_CLOEXEC, so clear it explicitly in that case.
        if (src == target) {
            if (::fcntl(src, F_SETFD, 0) != 0) fail(errno);
        } else if (::dup2(src, target) < 0) {
            fail(errno);
        }
    }
    // Descriptors the test opened without O_CLOEXEC (sockets, files) must not leak into the child;
    // only the exec-error report pipe stays open, and it is close-on-exec.
    const auto max_fd = static_cast<unsigned>(::sysconf(_SC_OPEN_MAX) > 0 ? ::sysconf(_SC_OPEN_MAX)
                                                                         : 65536);
    const auto report = static_cast<unsigned>(report_fd);
    auto close_between = [max_fd](unsigned first, unsigned last) {
        if (first > last) return;
        if (::close_range(first, last, 0) != 0) {
            for (unsigned fd = first; fd <= last && fd < max_fd; ++fd) {
                ::close(static_cast<int>(fd));
            }
        }
    };
    if (report > 3) close_between(3, report - 1);
    close_between(report + 1, ~0U);

    if (working_dir != nullptr && ::chdir(working_dir) != 0) fail(errno);
    ::execve(path, argv, envp);
    fail(errno);
    ::_exit(127);
}

}  // namespace

child_process::child_process(process_options options) {
    if (options.argv.empty()) throw std::runtime_error("child_process: empty argv");
    std::vector<std::string> env = build_environment(options);
    // The child's PATH decides the lookup, as a shell would; the parent's is the fallback.
    std::string path_var = "/usr/local/bin:/usr/bin:/bin";
    if (const char* own = ::getenv("PATH"); own != nullptr) path_var = own;
    for (const auto& entry : env) {
        if (entry.rfind("PATH=", 0) == 0) path_var = entry.substr(5);
    }
    const std::string program = resolve_program(options.argv.front(), path_var);
    std::vector<std::string> argv_strings = options.argv;
    std::vector<char*> argv = c_strings(argv_strings);
    std::vector<char*> envp = c_strings(env);
    const std::string dir = options.working_dir.string();

    pipe_pair in, out, err, report;
    make_pipe(in, program);
    make_pipe(out, program);
    make_pipe(err, program);
    make_pipe(report, program);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("child_process: fork for '" + program +
                                 "' failed: " + errno_text(errno));
    }
    if (pid == 0) {
        exec_child(program.c_str(), argv.data(), envp.data(), dir.empty() ? nullptr : dir.c_str(),
                   parent, in.read, out.write, err.write, report.write);
    }
    pid_ = pid;
    close_fd(report.write);

    // EOF on the report pipe means exec succeeded (close-on-exec); otherwise it carries errno.
    int child_errno = 0;
    ssize_t n = 0;
    do {
        n = ::read(report.read, &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        kill_and_reap();
        const std::string where = dir.empty() ? std::string() : " in '" + dir + "'";
        throw std::runtime_error("child_process: cannot start '" + program + "'" + where + ": " +
                                 errno_text(child_errno));
    }

    stdin_fd_ = std::exchange(in.write, -1);
    out_.fd = std::exchange(out.read, -1);
    err_.fd = std::exchange(err.read, -1);
    set_nonblocking(stdin_fd_);
    set_nonblocking(out_.fd);
    set_nonblocking(err_.fd);
}

child_process::~child_process() {
    kill_and_reap();
    close_all();
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      reaped_(other.reaped_),
      exit_code_(other.exit_code_),
      term_signal_(other.term_signal_),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      pending_stdin_(std::move(other.pending_stdin_)),
      out_(std::exchange(other.out_, pipe_in{})),
      err_(std::exchange(other.err_, pipe_in{})) {}

child_process& child_process::operator=(child_process&& other) noexcept {
    if (this != &other) {
        kill_and_reap();
        close_all();
        pid_ = std::exchange(other.pid_, -1);
        reaped_ = other.reaped_;
        exit_code_ = other.exit_code_;
        term_signal_ = other.term_signal_;
        stdin_fd_ = std::exchange(other.stdin_fd_, -1);
        pending_stdin_ = std::move(other.pending_stdin_);
        out_ = std::exchange(other.out_, pipe_in{});
        err_ = std::exchange(other.err_, pipe_in{});
    }
    return *this;
}

void child_process::read_available(pipe_in& in) {
    std::array<char, 65536> buf{};
    while (in.fd >= 0) {
        const ssize_t n = ::read(in.fd, buf.data(), buf.size());
        if (n > 0) {
            in.unread.append(buf.data(), static_cast<std::size_t>(n));
            in.all.append(buf.data(), static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            in.eof = true;
            close_fd(in.fd);
        }
    }
}

void child_process::write_pending() {
    // A child that closed its stdin makes write() raise SIGPIPE, which would kill the whole test
    // binary: block it on this thread and swallow a SIGPIPE generated here.
    sigset_t pipe_set, old_set, pending;
    ::sigemptyset(&pipe_set);
    ::sigaddset(&pipe_set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    ::sigpending(&pending);
    const bool already_pending = ::sigismember(&pending, SIGPIPE) == 1;

    bool broken = false;
    while (stdin_fd_ >= 0 && !pending_stdin_.empty()) {
        const ssize_t n = ::write(stdin_fd_, pending_stdin_.data(), pending_stdin_.size());
        if (n > 0) {
            pending_stdin_.erase(0, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            broken = true;
            break;
        }
    }
    if (broken) {
        pending_stdin_.clear();
        close_fd(stdin_fd_);
        if (!already_pending) {
            const timespec zero{};
            ::sigtimedwait(&pipe_set, nullptr, &zero);
        }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
}

void child_process::pump(int timeout_ms) {
    std::array<pollfd, 3> fds{};
    std::array<pipe_in*, 3> owners{};
    nfds_t count = 0;
    for (pipe_in* in : {&out_, &err_}) {
        if (in->fd < 0) continue;
        fds[count] = pollfd{in->fd, POLLIN, 0};
        owners[count] = in;
        ++count;
    }
    if (stdin_fd_ >= 0 && !pending_stdin_.empty()) {
        fds[count] = pollfd{stdin_fd_, POLLOUT, 0};
        ++count;
    }
    // With nothing left to watch poll() just sleeps, which keeps callers' loops from spinning.
    const int ready = ::poll(count == 0 ? nullptr : fds.data(), count, timeout_ms);
    if (ready <= 0) return;
    for (nfds_t i = 0; i < count; ++i) {
        if (fds[i].revents == 0) continue;
        if (owners[i] != nullptr) {
            read_available(*owners[i]);
        } else {
            write_pending();
        }
    }
}

std::optional<std::string> child_process::read_line_from(pipe_in& in, milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        if (const auto nl = in.unread.find('\n'); nl != std::string::npos) {
            std::string line = in.unread.substr(0, nl);
            in.unread.erase(0, nl + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        }
        if (in.eof) {
            if (in.unread.empty()) return std::nullopt;
            return std::exchange(in.unread, std::string());
        }
        const int left = remaining_ms(deadline);
        if (left == 0) {
            read_available(in);
            if (in.unread.find('\n') == std::string::npos && !in.eof) return std::nullopt;
            continue;
        }
        pump(left);
    }
}

std::optional<std::string> child_process::read_line(milliseconds timeout) {
    return read_line_from(out_, timeout);
}

std::optional<std::string> child_process::read_stderr_line(milliseconds timeout) {
    return read_line_from(err_, timeout);
}

std::optional<std::string> child_process::wait_for_line(std::string_view needle,
                                                        milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        auto line = read_line(milliseconds(remaining_ms(deadline)));
        if (!line) return std::nullopt;
        if (line->find(needle) != std::string::npos) return line;
    }
}

const std::string& child_process::stdout_text() {
    read_available(out_);
    return out_.all;
}

const std::string& child_process::stderr_text() {
    read_available(err_);
    return err_.all;
}

bool child_process::write_stdin(std::string_view data, milliseconds timeout) {
    if (stdin_fd_ < 0) return false;
    pending_stdin_.append(data);
    const auto deadline = clock_type::now() + timeout;
    write_pending();
    while (!pending_stdin_.empty() && stdin_fd_ >= 0) {
        const int left = remaining_ms(deadline);
        if (left == 0) break;
        pump(left);
    }
    const bool done = pending_stdin_.empty() && stdin_fd_ >= 0;
    // Data that missed the deadline is dropped so a later call does not resend a stale tail.
    pending_stdin_.clear();
    return done;
}

void child_process::close_stdin() noexcept {
    pending_stdin_.clear();
    close_fd(stdin_fd_);
}

void child_process::terminate(int signal) {
    reap_nohang();
    if (pid_ > 0 && !reaped_) ::kill(pid_, signal);
}

void child_process::reap_nohang() {
    if (pid_ <= 0 || reaped_) return;
    int status = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r != pid_) return;
    reaped_ = true;
    if (WIFEXITED(status)) {
        exit_code_ = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        term_signal_ = WTERMSIG(status);
        exit_code_ = 128 + WTERMSIG(status);
    }
}

bool child_process::running() {
    reap_nohang();
    return pid_ > 0 && !reaped_;
}

std::optional<int> child_process::wait(milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        reap_nohang();
        if (reaped_ || pid_ <= 0) {
            // The exited child's last output is already in the pipes; take it without waiting
            // for EOF, which a grandchild holding the pipe could delay forever.
            read_available(out_);
            read_available(err_);
            return exit_code_;
        }
        const int left = remaining_ms(deadline);
        if (left == 0) return std::nullopt;
        // Exit is noticed by polling waitpid, so keep the slices short.
        pump(std::min(left, 5));
    }
}

void child_process::kill_and_reap() noexcept {
    if (pid_ <= 0 || reaped_) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    reaped_ = true;
    if (r == pid_ && WIFSIGNALED(status)) {
        term_signal_ = WTERMSIG(status);
        exit_code_ = 128 + WTERMSIG(status);
    } else if (r == pid_ && WIFEXITED(status)) {
        exit_code_ = WEXITSTATUS(status);
    }
}

void child_process::close_all() noexcept {
    close_fd(stdin_fd_);
    close_fd(out_.fd);
    close_fd(err_.fd);
}

run_result run(process_options options, milliseconds timeout, std::string_view stdin_data) {
    const auto deadline = clock_type::now() + timeout;
    child_process child(std::move(options));
    // A child that never reads stdin is fine: its output still counts, so the result is ignored.
    if (!stdin_data.empty()) (void)child.write_stdin(stdin_data, timeout);
    child.close_stdin();
    run_result result;
    result.exit_code = child.wait(milliseconds(remaining_ms(deadline)));
    if (!result.exit_code) {
        child.terminate(SIGKILL);
        (void)child.wait(milliseconds(2000));
    }
    result.stdout_text = child.stdout_text();
    result.stderr_text = child.stderr_text();
    return result;
}

run_result run(std::vector<std::string> argv, milliseconds timeout, std::string_view stdin_data) {
    process_options options;
    options.argv = std::move(argv);
    return run(std::move(options), timeout, stdin_data);
}

}  // namespace test_support
