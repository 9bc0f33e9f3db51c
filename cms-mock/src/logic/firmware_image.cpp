#include "logic/firmware_image.hpp"

#include "common/crypto/hash.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

namespace cms_mock {

namespace {

constexpr std::string_view magic = "AASTRA-ST\n";
constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ULL;

constexpr std::uint64_t splitmix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t fnv1a64(std::string_view a, std::string_view b) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto feed = [&h](char c) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    };
    for (const char c : a) feed(c);
    feed('\0');
    for (const char c : b) feed(c);
    return h;
}

void store_le(char* dst, std::uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(dst, &v, sizeof v);
    } else {
        for (std::size_t k = 0; k < 8; ++k) dst[k] = static_cast<char>((v >> (8 * k)) & 0xff);
    }
}

std::optional<std::string> field_problem(std::string_view what, std::string_view value) {
    if (value.empty() || value.size() > synthetic_firmware::max_field_length) {
        return std::string(what) + " '" + std::string(value) + "' must have 1.." +
               std::to_string(synthetic_firmware::max_field_length) + " characters";
    }
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '=') {
            return std::string(what) + " '" + std::string(value) +
                   "' may only hold printable ASCII without spaces or '='";
        }
    }
    return std::nullopt;
}

// The value of "key=" on its own line inside the header text, if present.
std::optional<std::string_view> image_header_value(std::string_view text, std::string_view key) {
    const std::string needle = "\n" + std::string(key) + "=";
    const auto at = text.find(needle);
    if (at == std::string_view::npos) return std::nullopt;
    const auto start = at + needle.size();
    const auto end = text.find('\n', start);
    if (end == std::string_view::npos) return std::nullopt;
    return text.substr(start, end - start);
}

}  // namespace

std::variant<synthetic_firmware, firmware_error> synthetic_firmware::create(std::string model,
                                                                            std::string version,
                                                                            std::uint64_t size) {
    if (auto problem = field_problem("firmware model", model)) return firmware_error{*problem};
    if (auto problem = field_problem("firmware version", version)) return firmware_error{*problem};
    return synthetic_firmware{std::move(model), std::move(version), size};
}

synthetic_firmware::synthetic_firmware(std::string model, std::string version, std::uint64_t size)
    : model_(std::move(model)),
      version_(std::move(version)),
      size_(size),
      seed_(fnv1a64(model_, version_)) {
    header_ = std::string(magic) + "model=" + model_ + "\nversion=" + version_ +
              "\nsize=" + std::to_string(size_) + "\n";
    header_.resize(header_size, '\0');  // create() bounds the fields, so this only pads
}

std::size_t synthetic_firmware::read(std::uint64_t offset, std::span<char> out) const {
    if (offset >= size_) return 0;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
    char* dst = out.data();
    std::size_t done = 0;

    if (offset < header_size) {
        const auto from_header = std::min<std::size_t>(n, header_size - static_cast<std::size_t>(offset));
        std::memcpy(dst, header_.data() + offset, from_header);
        done = from_header;
    }
    if (done == n) return n;

    // Body position of the next byte; words are 8 bytes, so split into head, words, tail.
    std::uint64_t body = offset + done - header_size;
    std::uint64_t word = body / 8;
    if (const auto skip = static_cast<std::size_t>(body % 8); skip != 0) {
        char buf[8];
        store_le(buf, splitmix64(seed_ + (word + 1) * golden));
        const auto take = std::min<std::size_t>(8 - skip, n - done);
        std::memcpy(dst + done, buf + skip, take);
        done += take;
        ++word;
    }
    while (n - done >= 8) {
        store_le(dst + done, splitmix64(seed_ + (word + 1) * golden));
        done += 8;
        ++word;
    }
    if (done < n) {
        char buf[8];
        store_le(buf, splitmix64(seed_ + (word + 1) * golden));
        std::memcpy(dst + done, buf, n - done);
        done = n;
    }
    return done;
}

const std::string& synthetic_firmware::sha256_hex() const {
    if (!sha256_) {
        common::crypto::hasher h{common::crypto::hash_algorithm::sha256};
        std::array<char, 64 * 1024> chunk{};
        for (std::uint64_t at = 0; at < size_;) {
            const auto got = read(at, chunk);
            h.update(std::string_view(chunk.data(), got));
            at += got;
        }
        sha256_ = h.finish_hex();
    }
    return *sha256_;
}

std::optional<firmware_header> parse_firmware_header(std::string_view header_bytes) {
    auto text = header_bytes.substr(0, synthetic_firmware::header_size);
    if (!text.starts_with(magic)) return std::nullopt;
    text = text.substr(0, text.find('\0'));
    const auto with_newline = "\n" + std::string(text.substr(magic.size()));
    const auto model = image_header_value(with_newline, "model");
    const auto version = image_header_value(with_newline, "version");
    const auto size_text = image_header_value(with_newline, "size");
    if (!model || !version || !size_text || model->empty() || version->empty()) {
        return std::nullopt;
    }
    firmware_header h{std::string(*model), std::string(*version), 0};
    const auto* end = size_text->data() + size_text->size();
    const auto [ptr, ec] = std::from_chars(size_text->data(), end, h.size);
    if (ec != std::errc{} || ptr != end) return std::nullopt;
    return h;
}

std::optional<std::string> firmware_version_of(std::string_view header_bytes) {
    if (auto h = parse_firmware_header(header_bytes)) return std::move(h->version);
    return std::nullopt;
}

}  // namespace cms_mock
