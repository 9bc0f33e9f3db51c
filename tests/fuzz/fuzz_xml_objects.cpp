// libFuzzer harness for the phone's XML object parser (pugixml underneath): hostile bodies end in
// an object or an xml_error with a message, within the size limit, and every URI of an accepted
// object classifies without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include "logic/xml_objects.hpp"

namespace pa = phone_agent;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

void check_uris(const pa::xml_object& object) {
    if (const auto* ui = pa::ui_of(object)) {
        require(ui->softkeys.size() <= static_cast<std::size_t>(pa::max_softkey_index));
        for (const auto& key : ui->softkeys) {
            require(key.index >= 1 && key.index <= pa::max_softkey_index);
            (void)pa::classify_uri(key.uri);
        }
    }
    std::visit(
        [](const auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, pa::text_menu>) {
                require(!o.items.empty() && o.items.size() <= pa::max_menu_items);
                require(o.default_index < o.items.size());
                for (const auto& item : o.items) (void)pa::classify_uri(item.uri);
            } else if constexpr (std::is_same_v<T, pa::configuration>) {
                for (const auto& item : o.items) (void)pa::expand(item);
            }
        },
        object);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto result = pa::parse_xml_object(input);
    if (const auto* object = std::get_if<pa::xml_object>(&result)) {
        require(size <= pa::default_max_object_size);
        require(pa::root_name(*object).starts_with("AastraIPPhone"));
        check_uris(*object);
    } else {
        const auto& error = std::get<pa::xml_error>(result);
        require(!error.message.empty());
        require(error.kind != pa::xml_error_kind::too_large || size > pa::default_max_object_size);
    }
    (void)pa::parse_refresh_header(input);
    return 0;
}
