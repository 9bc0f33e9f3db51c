// Configuration key spelling as the .cfg layers compare it: trimmed, lower case, inner blanks
// collapsed to one space ("SoftKey1  Type" == "softkey1 type").
#pragma once

#include "logic/ascii.hpp"

#include <string>
#include <string_view>

namespace phone_agent {

inline std::string normalise_key(std::string_view key) {
    std::string out;
    bool space = false;
    for (char c : ascii::trim(key)) {
        if (ascii::is_space(c)) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += ascii::lower(c);
    }
    return out;
}

}  // namespace phone_agent
