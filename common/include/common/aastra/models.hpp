// The Aastra phone models the emulator knows, with the per-model facts other code branches on:
// file names on the configuration server, the token the model puts in its User-Agent, and
// whether XML objects may carry custom softkeys on it.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace common::aastra {

struct model_info {
    std::string_view name;      // canonical spelling, e.g. "6757iCT"
    std::string_view ua_token;  // after "Aastra" in the User-Agent; "57iCT" for the 6757iCT
    bool has_softkeys = false;  // custom <SoftKey> elements in XML objects are shown
    std::size_t xml_softkeys = 0;  // how many such softkeys the screen offers (0 without)

    std::string cfg_file_name() const;       // "<name>.cfg"
    std::string firmware_file_name() const;  // "<name>.st"

    friend bool operator==(const model_info& a, const model_info& b) noexcept {
        return a.name == b.name;
    }
};

// Unknown name; `message` quotes it and lists every known model.
struct model_error {
    std::string message;
};

// All known models in a stable order (the order used in error messages).
std::span<const model_info> known_models() noexcept;

// Finds a model by its canonical name or by the legacy User-Agent name (53i, 55i, 57i, 57iCT),
// ignoring ASCII case. An "Aastra" prefix is not accepted here: strip it where it appears.
std::variant<model_info, model_error> find_model(std::string_view name);

}  // namespace common::aastra
