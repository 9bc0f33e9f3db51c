// libFuzzer harness for the Aastra .cfg parser: never more diagnostics than the cap, and whatever
// it accepts serialises to text that parses back to the same settings without new diagnostics.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "common/aastra/cfg_file.hpp"

namespace aastra = common::aastra;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = aastra::parse_cfg(input, "fuzz.cfg");
    const auto* parsed = std::get_if<aastra::cfg_parse_result>(&first);
    if (parsed == nullptr) {
        require(size > aastra::max_cfg_bytes || !std::get<aastra::cfg_error>(first).message.empty());
        return 0;
    }
    require(parsed->diagnostics.size() <= aastra::max_cfg_diagnostics);
    require(parsed->file.size() <= aastra::max_cfg_entries);
    for (const auto& entry : parsed->file.entries()) {
        require(entry.key == aastra::normalise_cfg_key(entry.written_key));
        require(parsed->file.find(entry.written_key) == &entry);
    }

    const auto text = aastra::serialise_cfg(parsed->file);
    const auto second = aastra::parse_cfg(text, "fuzz.cfg");
    const auto* again = std::get_if<aastra::cfg_parse_result>(&second);
    // Quoting can grow a file that was just under the byte limit past it.
    if (again == nullptr) {
        require(text.size() > aastra::max_cfg_bytes);
        return 0;
    }
    require(again->file == parsed->file);
    require(again->diagnostics.empty());
    return 0;
}
