// MAC addresses as Aastra phones and provisioning servers spell them.
//
// The phone names its per-device file with 12 upper-case hex digits (`00085D1A2B3C.cfg`), puts
// a dashed upper-case form in its User-Agent, and operators type either form (or colons) into
// configuration, so parsing accepts all three spellings while formatting is explicit per use.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

namespace common::aastra {

// Why a MAC could not be parsed or advanced; `message` quotes the offending input.
struct mac_error {
    std::string message;
};

class mac_address {
public:
    static constexpr std::uint64_t max_value = 0xFFFF'FFFF'FFFFULL;

    // Accepts `00085d1a2b3c`, `00:08:5D:1A:2B:3C` or `00-08-5d-1a-2b-3c` (hex case-insensitive).
    // Mixed separators, separators in other places, whitespace and any other length are errors.
    static std::variant<mac_address, mac_error> parse(std::string_view text);

    // A 48-bit value; larger values are an error rather than silently truncated.
    static std::variant<mac_address, mac_error> from_value(std::uint64_t value);

    std::uint64_t value() const noexcept { return value_; }

    std::string compact_upper() const;  // "00085D1A2B3C" (the `<MAC>.cfg` stem)
    std::string dashed_upper() const;   // "00-08-5D-1A-2B-3C" (the User-Agent form)
    std::string colon_lower() const;    // "00:08:5d:1a:2b:3c" (logs, Linux tools)

    // The address `n` places further on, for numbering a fleet of emulated phones; running past
    // FF-FF-FF-FF-FF-FF is an error naming the start and the step.
    std::variant<mac_address, mac_error> next(std::uint64_t n = 1) const;

    friend auto operator<=>(const mac_address&, const mac_address&) = default;

private:
    explicit constexpr mac_address(std::uint64_t value) noexcept : value_(value) {}

    std::uint64_t value_ = 0;
};

}  // namespace common::aastra

template <>
struct std::hash<common::aastra::mac_address> {
    std::size_t operator()(const common::aastra::mac_address& mac) const noexcept {
        return std::hash<std::uint64_t>{}(mac.value());
    }
};
