#include "raw_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>

namespace test_support {

namespace {

int connect_to(const std::string& host, std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + " failed");
    }
    return fd;
}

}  // namespace

idle_connection::idle_connection(const std::string& host, std::uint16_t port) : fd_(connect_to(host, port)) {}

idle_connection::~idle_connection() { ::close(fd_); }

bool idle_connection::closed_by_peer_within(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char c;
    auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

raw_result raw_exchange(const std::string& host, std::uint16_t port, std::string_view request,
                        std::chrono::milliseconds timeout) {
    raw_result r;
    const auto start = std::chrono::steady_clock::now();
    int fd = connect_to(host, port);
    std::size_t sent = 0;
    while (sent < request.size()) {
        auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    char buf[16384];
    for (;;) {
        auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start);
        if (left.count() <= 0) {
            r.timed_out = true;
            break;
        }
        pollfd p{fd, POLLIN, 0};
        int pr = ::poll(&p, 1, static_cast<int>(left.count()));
        if (pr == 0) {
            r.timed_out = true;
            break;
        }
        if (pr < 0 && errno == EINTR) continue;
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (r.first_byte.count() < 0) {
                r.first_byte = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start);
            }
            r.received.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) r.closed_by_peer = true;
        else if (errno == ECONNRESET) r.reset = true;
        break;
    }
    ::close(fd);
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return r;
}

std::uint16_t port_of(std::string_view url) {
    auto colon = url.rfind(':');
    unsigned v = 0;
    std::from_chars(url.data() + colon + 1, url.data() + url.size(), v);
    return static_cast<std::uint16_t>(v);
}

}  // namespace test_support
