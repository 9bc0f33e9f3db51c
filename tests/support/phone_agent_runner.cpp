#include "phone_agent_runner.hpp"

#include "cms_mock_runner.hpp"
#include "raw_socket.hpp"

#include "common/crypto/hash.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace test_support {

std::vector<std::string> boot_argv(const boot_options& o) {
    std::vector<std::string> argv{binary_path("phone-agent/phone-agent").string(), "boot", "--server", o.server,
                                  "--mac", o.mac, "--model", o.model, "--state-dir", o.state_dir.string()};
    if (o.firmware) argv.insert(argv.end(), {"--firmware", *o.firmware});
    if (o.ca) argv.insert(argv.end(), {"--ca", o.ca->string()});
    if (o.json) argv.insert(argv.end(), {"--json", o.json->string()});
    if (o.login) argv.insert(argv.end(), {"--login", *o.login});
    for (const auto& s : o.sets) argv.insert(argv.end(), {"--set", s});
    return argv;
}

run_result run_boot(const boot_options& options, std::chrono::milliseconds timeout) {
    return run(boot_argv(options), timeout);
}

child_process start_boot(const boot_options& options) {
    process_options p;
    p.argv = boot_argv(options);
    return child_process(p);
}

namespace {

std::string decode_chunked(std::string_view body) {
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        auto eol = body.find("\r\n", pos);
        if (eol == std::string_view::npos) throw std::runtime_error("bad chunked body");
        std::size_t size = 0;
        auto line = body.substr(pos, eol - pos);
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (ec != std::errc()) throw std::runtime_error("bad chunk size");
        (void)p;
        if (size == 0) return out;
        if (eol + 2 + size > body.size()) throw std::runtime_error("short chunk");
        out.append(body.substr(eol + 2, size));
        pos = eol + 2 + size + 2;
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace

std::string http_get_body(const std::string& base_url, const std::string& target,
                          std::chrono::milliseconds timeout) {
    auto r = raw_exchange("127.0.0.1", port_of(base_url),
                          "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", timeout);
    if (!r.received.starts_with("HTTP/1.1 200")) {
        throw std::runtime_error("GET " + target + ": " + r.received.substr(0, r.received.find("\r\n")));
    }
    auto split = r.received.find("\r\n\r\n");
    if (split == std::string::npos) throw std::runtime_error("GET " + target + ": no header end");
    const auto head = lower(std::string_view(r.received).substr(0, split));
    std::string_view body = std::string_view(r.received).substr(split + 4);
    if (head.find("transfer-encoding: chunked") != std::string::npos) return decode_chunked(body);
    return std::string(body);
}

std::string sha256_of_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    common::crypto::hasher h(common::crypto::hash_algorithm::sha256);
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto got = in.gcount();
        if (got > 0) h.update(std::string_view(buf.data(), static_cast<std::size_t>(got)));
    }
    return h.finish_hex();
}

std::uint16_t pick_free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind a free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return false;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (ok) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::vector<std::string> temp_files_in(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        auto name = entry.path().filename().string();
        if (name.find(".tmp-") != std::string::npos) out.push_back(name);
    }
    return out;
}

std::size_t count_occurrences(std::string_view text, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + needle.size())) ++n;
    return n;
}

std::string tail(std::string_view text, std::size_t n) {
    return std::string(text.size() > n ? text.substr(text.size() - n) : text);
}

}  // namespace test_support
