// Judges from the journal whether a phone's last boot fetched its configuration in the Aastra
// order: aastra.cfg -> <model>.cfg -> <MAC>.cfg, with the firmware <model>.st optional after them
// (or before aastra.cfg, which belongs to the previous window and is not judged). Pure function.
#pragma once

#include "logic/journal.hpp"

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cms_mock {

enum class boot_verdict_kind { ok, out_of_order, incomplete };
std::string_view to_string(boot_verdict_kind kind) noexcept;
std::ostream& operator<<(std::ostream& os, boot_verdict_kind kind);

struct boot_step {
    std::string file;        // last path segment as requested, e.g. "00085D1A2B3C.cfg"
    unsigned status = 0;     // of the last attempt
    std::uint64_t entry_id = 0;  // journal id of the last attempt
    unsigned attempts = 1;   // 401-then-retry of the same file counts as one step
};

struct boot_verdict {
    boot_verdict_kind verdict = boot_verdict_kind::incomplete;
    std::string message;
    std::vector<boot_step> files;  // the judged window: from the last aastra.cfg fetch on
};

// `entries` may hold other devices' requests: only those whose device_mac or ua_mac is `mac` (any
// spelling) count, in id order. The last boot starts at the last fetch of aastra.cfg (the whole
// list when there is none). A step counts as fetched on 2xx or 304, and <model>.cfg also on 404
// (phones tolerate a missing model file). Verdicts:
//   ok            all three files fetched in order; firmware and other files anywhere after;
//   out_of_order  a file came before its predecessor, a file was fetched again after a later
//                 one, or <model>.st came between the configuration files;
//   incomplete    a file is missing, or one answered with another status (e.g. 401, 404).
// Repeating the same file back to back (e.g. a retry after 503) counts once.
boot_verdict boot_sequence_verdict(std::span<const journal_entry> entries, std::string_view mac,
                                   std::string_view model);

}  // namespace cms_mock
