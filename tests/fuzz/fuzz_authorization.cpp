// libFuzzer harness for Authorization values: the credentials grammar round trip, and for Basic
// the strict decoder, whose accepted inputs must re-encode to exactly the same token68.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/auth/auth_header.hpp"
#include "common/auth/basic.hpp"

namespace auth = common::auth;

namespace {

// A broken property must crash so that libFuzzer (and the replay test) report the input.
void require(bool ok) {
    if (!ok) __builtin_trap();
}

void check_basic(const auth::credentials& item) {
    const auto decoded = auth::decode_basic(item);
    const auto* pair = std::get_if<auth::basic_credentials>(&decoded);
    if (pair == nullptr) return;
    require(pair->user.find(':') == std::string::npos);
    const auto header = auth::basic_authorization(pair->user, pair->password);
    const auto* text = std::get_if<std::string>(&header);
    require(text != nullptr && item.token68 && *text == "Basic " + *item.token68);
    require(auth::basic_matches(*pair, pair->user, pair->password));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = auth::parse_credentials(input);
    const auto* item = std::get_if<auth::credentials>(&first);
    if (item == nullptr) {
        require(std::get<auth::parse_error>(first).offset <= size);
        return 0;
    }
    if (auth::iequals(item->scheme, "Basic")) check_basic(*item);

    const auto text = auth::serialize(*item);
    require(text.has_value());
    const auto second = auth::parse_credentials(*text);
    // Normalising ",a" into ", a" can push a value that was just under the limit over it.
    if (text->size() > auth::max_header_value) {
        require(std::holds_alternative<auth::parse_error>(second));
        return 0;
    }
    const auto* again = std::get_if<auth::credentials>(&second);
    require(again != nullptr && *again == *item);
    require(auth::serialize(*again) == text);
    return 0;
}
