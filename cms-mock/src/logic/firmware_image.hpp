// Synthetic `<model>.st` firmware images: any size, deterministic, streamed from a pure function
// of the byte offset, so the mock can serve (and Range-serve) hundreds of megabytes without
// storing them and a client can verify what it downloaded.
//
// Layout: a 128-byte text header padded with NUL,
//   "AASTRA-ST\nmodel=<model>\nversion=<version>\nsize=<total bytes>\n"
// then 64-bit words w(i) = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15) stored little-endian,
// where seed is FNV-1a-64 of "<model>\0<version>". An image shorter than the header is the header
// cut short. The images only look like firmware; real phones would reject them.
#pragma once

#include "logic/http_types.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace cms_mock {

struct firmware_error {
    std::string message;  // names the offending field and value
};

class synthetic_firmware final : public body_source {
public:
    static constexpr std::size_t header_size = 128;
    static constexpr std::size_t max_field_length = 32;

    // model and version: 1..32 printable ASCII characters without spaces or '='.
    static std::variant<synthetic_firmware, firmware_error> create(std::string model,
                                                                   std::string version,
                                                                   std::uint64_t size);

    const std::string& model() const noexcept { return model_; }
    const std::string& version() const noexcept { return version_; }
    std::uint64_t size() const override { return size_; }

    // Copies the bytes at [offset, offset + out.size()) clipped to the image; returns the count
    // (0 at or past the end). Never allocates; cost is linear in out.size().
    std::size_t read(std::uint64_t offset, std::span<char> out) const override;

    // Lower-case hex SHA-256 of the whole image, computed by streaming on first use and cached.
    // Not thread-safe (the cache is filled lazily); the mock calls it from one thread only.
    const std::string& sha256_hex() const;

private:
    synthetic_firmware(std::string model, std::string version, std::uint64_t size);

    std::string model_;
    std::string version_;
    std::uint64_t size_ = 0;
    std::uint64_t seed_ = 0;
    std::string header_;  // exactly header_size bytes
    mutable std::optional<std::string> sha256_;
};

struct firmware_header {
    std::string model;
    std::string version;
    std::uint64_t size = 0;
};

// Reads the header back from the first bytes of an image (at least up to the end of the "size="
// line; at most header_size bytes are looked at). nullopt when the magic or a field is missing.
std::optional<firmware_header> parse_firmware_header(std::string_view header_bytes);
std::optional<std::string> firmware_version_of(std::string_view header_bytes);

}  // namespace cms_mock
