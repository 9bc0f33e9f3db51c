// libFuzzer harness for WWW-Authenticate / Proxy-Authenticate values. Beyond "no crash", it checks
// that whatever the parser accepts can be written back by serialize() and reads back identically,
// since the CMS mock builds its challenges with the same serializer the phone side parses with.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/auth/auth_header.hpp"

namespace auth = common::auth;

namespace {

// A broken property must crash so that libFuzzer (and the replay test) report the input.
void require(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = auth::parse_challenges(input);
    const auto* items = std::get_if<std::vector<auth::challenge>>(&first);
    if (items == nullptr) {
        require(std::get<auth::parse_error>(first).offset <= size);
        return 0;
    }
    require(!items->empty() && items->size() <= auth::max_params);

    const auto text = auth::serialize(*items);
    require(text.has_value());
    const auto second = auth::parse_challenges(*text);
    // Normalising ",a" into ", a" can push a value that was just under the limit over it.
    if (text->size() > auth::max_header_value) {
        require(std::holds_alternative<auth::parse_error>(second));
        return 0;
    }
    const auto* again = std::get_if<std::vector<auth::challenge>>(&second);
    require(again != nullptr && *again == *items);
    require(auth::serialize(*again) == text);
    return 0;
}
