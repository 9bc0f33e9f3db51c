#include "common/http/http_types.hpp"

#include "common/auth/auth_header.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace common::http {
namespace {

class string_source final : public body_source {
public:
    explicit string_source(std::string s) : data_(std::move(s)) {}
    std::uint64_t size() const override { return data_.size(); }
    std::size_t read(std::uint64_t offset, std::span<char> out) const override {
        if (offset >= data_.size()) return 0;
        auto n = std::min<std::size_t>(out.size(), data_.size() - static_cast<std::size_t>(offset));
        std::copy_n(data_.data() + offset, n, out.data());
        return n;
    }
    std::optional<std::string_view> contiguous() const override { return std::string_view(data_); }

private:
    std::string data_;
};

class file_source final : public body_source {
public:
    file_source(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
    ~file_source() override { ::close(fd_); }
    file_source(const file_source&) = delete;
    file_source& operator=(const file_source&) = delete;

    std::uint64_t size() const override { return size_; }
    std::size_t read(std::uint64_t offset, std::span<char> out) const override {
        if (offset >= size_) return 0;
        for (;;) {
            auto n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            return n < 0 ? 0 : static_cast<std::size_t>(n);
        }
    }

private:
    int fd_;
    std::uint64_t size_;
};

}  // namespace

std::optional<std::string_view> request_view::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (common::auth::iequals(h.name, name)) return std::string_view(h.value);
    }
    return std::nullopt;
}

std::shared_ptr<const body_source> string_body(std::string content) {
    return std::make_shared<string_source>(std::move(content));
}

std::shared_ptr<const body_source> file_body(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return nullptr;
    }
    return std::make_shared<file_source>(fd, static_cast<std::uint64_t>(st.st_size));
}

std::uint64_t response_plan::length() const {
    if (!body) return 0;
    auto total = body->size();
    if (body_offset >= total) return 0;
    auto rest = total - body_offset;
    return body_length ? std::min(*body_length, rest) : rest;
}

void response_plan::set_header(std::string name, std::string value) {
    for (auto& h : headers) {
        if (common::auth::iequals(h.name, name)) {
            h.value = std::move(value);
            return;
        }
    }
    headers.push_back({std::move(name), std::move(value)});
}

response_plan text_response(unsigned status, std::string body, std::string content_type) {
    response_plan p;
    p.status = status;
    p.headers.push_back({"Content-Type", std::move(content_type)});
    p.body = string_body(std::move(body));
    return p;
}

}  // namespace common::http
