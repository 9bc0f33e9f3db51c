// Device tables shared by the fleet integration tests.
#pragma once

#include <string>
#include <string_view>

namespace test_support {

// The i-th phone of a test fleet: 00085D000000 + base + i, 12 upper-case hex digits.
std::string fleet_mac(unsigned base, unsigned i);

// A cms-mock devices table for `count` phones starting at fleet_mac(mac_base, 0), models
// alternating 6731i/9480i, each with its own login dev<N>/pw<N> (N = login_base + i) so that every
// <MAC>.cfg needs its own Digest answer, a line (the built-in MAC template needs line1), and
// synthetic firmware of `firmware_size` (e.g. "64KiB") for both models.
std::string fleet_devices_yaml(unsigned count, unsigned mac_base, unsigned login_base,
                               std::string_view firmware_size);

}  // namespace test_support
