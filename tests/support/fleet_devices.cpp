#include "fleet_devices.hpp"

#include <cstdio>

namespace test_support {

std::string fleet_mac(unsigned base, unsigned i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "00085D%06X", base + i);
    return buf;
}

std::string fleet_devices_yaml(unsigned count, unsigned mac_base, unsigned login_base,
                               std::string_view firmware_size) {
    const std::string size(firmware_size);
    std::string y = "firmware:\n"
                    "  - {model: 6731i, version: 3.2.2.3077, size: " + size + "}\n"
                    "  - {model: 9480i, version: 3.2.2.3077, size: " + size + "}\n"
                    "devices:\n";
    for (unsigned i = 0; i < count; ++i) {
        const auto n = std::to_string(login_base + i);
        y += "  - {mac: " + fleet_mac(mac_base, i) + ", model: " + (i % 2 ? "9480i" : "6731i") +
             ", device: {username: dev" + n + ", password: pw" + n + "}, lines: [{auth_name: \"" + n +
             "\", password: x, user_name: \"" + n + "\", display_name: P" + n + ", registrar: 127.0.0.1}]}\n";
    }
    return y;
}

}  // namespace test_support
