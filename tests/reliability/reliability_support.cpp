#include "reliability_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace reliability {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

int connect_from(const std::string& source, std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        const int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "bind " + source);
    }
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        const int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "connect 127.0.0.1:" + std::to_string(port));
    }
    return fd;
}

int remaining_ms(clock_type::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_type::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

probe_result probe(std::uint16_t port, std::string_view request, std::chrono::milliseconds deadline,
                   const std::string& source) {
    probe_result out;
    const int fd = connect_from(source, port);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    // Sending and reading interleave: a server may answer (and close) before taking every byte.
    std::size_t sent = 0;
    const auto send_end = clock_type::now() + deadline + std::chrono::seconds(5);
    char buf[16 * 1024];
    while (sent < request.size() && !out.closed) {
        pollfd p{fd, POLLOUT | POLLIN, 0};
        if (::poll(&p, 1, remaining_ms(send_end)) <= 0) break;
        if (p.revents & POLLOUT) {
            const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n > 0) sent += static_cast<std::size_t>(n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                out.send_failed = true;
                break;
            }
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n > 0) out.received.append(buf, static_cast<std::size_t>(n));
            else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                out.closed = true;
                out.send_failed = sent < request.size();
            }
        }
    }
    ::shutdown(fd, SHUT_WR);
    const auto start = clock_type::now();
    const auto end = start + deadline;
    while (!out.closed) {
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, remaining_ms(end));
        if (r <= 0) break;
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) out.received.append(buf, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) out.closed = true;
    }
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    ::close(fd);
    return out;
}

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::vector<unsigned> response_statuses(std::string_view rest) {
    std::vector<unsigned> out;
    while (rest.size() >= 12 && rest.starts_with("HTTP/1.")) {
        unsigned status = 0;
        std::from_chars(rest.data() + 9, rest.data() + 12, status);
        out.push_back(status);
        const auto head_end = rest.find("\r\n\r\n");
        if (head_end == std::string_view::npos) break;
        const auto head = rest.substr(0, head_end + 2);
        rest.remove_prefix(head_end + 4);
        std::optional<std::size_t> length;
        bool chunked = false;
        for (std::size_t pos = head.find("\r\n") + 2; pos < head.size();) {
            const auto eol = head.find("\r\n", pos);
            const auto line = head.substr(pos, eol - pos);
            if (iequals_prefix(line, "content-length:")) {
                std::size_t v = 0;
                auto value = line.substr(15);
                while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                std::from_chars(value.data(), value.data() + value.size(), v);
                length = v;
            }
            if (iequals_prefix(line, "transfer-encoding:") && line.find("chunked") != std::string_view::npos) chunked = true;
            pos = eol + 2;
        }
        if (status == 204 || status == 304 || status / 100 == 1) continue;
        if (chunked) {
            for (;;) {
                const auto eol = rest.find("\r\n");
                if (eol == std::string_view::npos) return out;
                std::size_t size = 0;
                std::from_chars(rest.data(), rest.data() + eol, size, 16);
                rest.remove_prefix(eol + 2);
                if (size == 0) {
                    const auto end = rest.find("\r\n");
                    if (end == std::string_view::npos) return out;
                    rest.remove_prefix(end + 2);
                    break;
                }
                if (rest.size() < size + 2) return out;
                rest.remove_prefix(size + 2);
            }
        } else if (length) {
            // HEAD answers carry a length without a body; the corpus sends HEAD only alone.
            rest.remove_prefix(std::min(*length, rest.size()));
        } else {
            break;
        }
    }
    return out;
}

std::vector<corpus_case> read_corpus(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::vector<corpus_case> out;
    std::string line;
    std::size_t number = 0;
    auto fail = [&](const std::string& why) {
        throw std::runtime_error(file.string() + ":" + std::to_string(number) + ": " + why);
    };
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line.front() == '#') continue;
        corpus_case c;
        c.line = number;
        std::size_t fields[3];
        std::size_t pos = 0;
        for (auto& f : fields) {
            f = line.find('|', pos);
            if (f == std::string::npos) fail("expected name|expect|servers|request");
            pos = f + 1;
        }
        c.name = line.substr(0, fields[0]);
        const auto expect = line.substr(fields[0] + 1, fields[1] - fields[0] - 1);
        const auto servers = line.substr(fields[1] + 1, fields[2] - fields[1] - 1);
        if (expect != "close") {
            for (std::size_t at = 0; at <= expect.size();) {
                const auto comma = std::min(expect.find(',', at), expect.size());
                unsigned status = 0;
                const auto r = std::from_chars(expect.data() + at, expect.data() + comma, status);
                if (r.ec != std::errc() || r.ptr != expect.data() + comma || status < 100 || status > 599) {
                    fail("bad expectation '" + expect + "'");
                }
                c.statuses.push_back(status);
                at = comma + 1;
            }
        }
        if (servers != "cms" && servers != "both") fail("servers must be cms or both, not '" + servers + "'");
        c.phone_too = servers == "both";
        const std::string_view raw = std::string_view(line).substr(fields[2] + 1);
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '\\') {
                c.request.push_back(raw[i]);
                continue;
            }
            if (++i >= raw.size()) fail("dangling backslash");
            switch (raw[i]) {
                case 'r': c.request.push_back('\r'); break;
                case 'n': c.request.push_back('\n'); break;
                case 't': c.request.push_back('\t'); break;
                case '\\': c.request.push_back('\\'); break;
                case 'x': {
                    unsigned v = 0;
                    if (i + 2 >= raw.size() ||
                        std::from_chars(raw.data() + i + 1, raw.data() + i + 3, v, 16).ptr != raw.data() + i + 3) {
                        fail("bad \\x escape");
                    }
                    c.request.push_back(static_cast<char>(v));
                    i += 2;
                    break;
                }
                case '*': {
                    const auto colon = raw.find(':', i);
                    std::size_t n = 0;
                    if (colon == std::string_view::npos || colon + 1 >= raw.size() ||
                        std::from_chars(raw.data() + i + 1, raw.data() + colon, n).ptr != raw.data() + colon ||
                        n > 1'000'000) {
                        fail("bad \\*N:c repeat");
                    }
                    c.request.append(n, raw[colon + 1]);
                    i = colon + 1;
                    break;
                }
                default: fail(std::string("unknown escape \\") + raw[i]);
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

int open_fds(int pid) {
    std::error_code ec;
    int n = 0;
    for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
    return ec ? -1 : n;
}

long rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    }
    return -1;
}

fs::path source_dir() {
    const char* dir = std::getenv("APL_SOURCE_DIR");
    if (!dir) throw std::runtime_error("APL_SOURCE_DIR is not set (run the test through ctest)");
    return dir;
}

std::uint64_t raise_fd_limit(std::uint64_t wanted) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < wanted) {
        lim.rlim_cur = std::min<rlim_t>(wanted, lim.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &lim);
        ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur;
}

}  // namespace reliability
