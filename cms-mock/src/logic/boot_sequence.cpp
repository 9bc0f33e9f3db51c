#include "logic/boot_sequence.hpp"

#include "common/aastra/mac.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace cms_mock {

namespace {

enum class role { aastra, model, mac, firmware, other };

std::string lowered(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

std::optional<std::string> compact(std::string_view text) {
    const auto parsed = common::aastra::mac_address::parse(text);
    if (const auto* m = std::get_if<common::aastra::mac_address>(&parsed)) return m->compact_upper();
    return std::nullopt;
}

std::string file_of(std::string_view target) {
    target = target.substr(0, target.find('?'));
    const auto slash = target.rfind('/');
    return std::string(slash == std::string_view::npos ? target : target.substr(slash + 1));
}

role role_of(std::string_view file, std::string_view mac, std::string_view model_lower) {
    const auto lower = lowered(file);
    if (lower == "aastra.cfg") return role::aastra;
    if (!model_lower.empty() && lower == std::string(model_lower) + ".cfg") return role::model;
    if (!model_lower.empty() && lower == std::string(model_lower) + ".st") return role::firmware;
    if (lower.ends_with(".cfg") && compact(file.substr(0, file.size() - 4)) == mac) {
        return role::mac;
    }
    return role::other;
}

bool fetched(role r, unsigned status) {
    return (status >= 200 && status < 300) || status == 304 || (r == role::model && status == 404);
}

}  // namespace

std::string_view to_string(boot_verdict_kind kind) noexcept {
    switch (kind) {
    case boot_verdict_kind::ok: return "ok";
    case boot_verdict_kind::out_of_order: return "out_of_order";
    case boot_verdict_kind::incomplete: return "incomplete";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, boot_verdict_kind kind) { return os << to_string(kind); }

boot_verdict boot_sequence_verdict(std::span<const journal_entry> entries, std::string_view mac,
                                   std::string_view model) {
    const auto wanted = compact(mac).value_or(std::string(mac));
    const auto model_lower = lowered(model);
    const std::array<std::string, 3> expected{"aastra.cfg", std::string(model) + ".cfg",
                                              wanted + ".cfg"};

    std::vector<const journal_entry*> mine;
    for (const auto& e : entries) {
        if (compact(e.device_mac) == wanted || compact(e.ua_mac) == wanted) mine.push_back(&e);
    }
    std::sort(mine.begin(), mine.end(),
              [](const journal_entry* a, const journal_entry* b) { return a->id < b->id; });

    // Back-to-back requests for one file (401 then the authorised retry, or a retry after an
    // error) are one step whose outcome is the last attempt's.
    std::vector<boot_step> steps;
    std::vector<role> roles;
    for (const auto* e : mine) {
        auto file = file_of(e->target);
        if (!steps.empty() && lowered(steps.back().file) == lowered(file)) {
            steps.back().status = e->status;
            steps.back().entry_id = e->id;
            ++steps.back().attempts;
            continue;
        }
        roles.push_back(role_of(file, wanted, model_lower));
        steps.push_back({std::move(file), e->status, e->id, 1});
    }

    std::size_t start = 0;
    for (std::size_t i = 0; i < roles.size(); ++i) {
        if (roles[i] == role::aastra) start = i;
    }
    boot_verdict v;
    v.files.assign(steps.begin() + static_cast<std::ptrdiff_t>(start), steps.end());
    if (v.files.empty()) {
        v.message = "no requests from " + wanted;
        return v;
    }

    std::size_t next = 0;  // index into `expected` of the file due next
    for (std::size_t i = start; i < steps.size(); ++i) {
        const auto r = roles[i];
        const auto& step = steps[i];
        if (r == role::other) continue;
        if (r == role::firmware) {
            if (next > 0 && next < expected.size()) {
                v.verdict = boot_verdict_kind::out_of_order;
                v.message = step.file + " fetched before " + expected[next];
                return v;
            }
            continue;
        }
        const auto k = static_cast<std::size_t>(r);  // aastra=0, model=1, mac=2
        if (k == next) {
            if (!fetched(r, step.status)) {
                v.message = step.file + " answered " + std::to_string(step.status);
                return v;
            }
            ++next;
        } else if (k > next) {
            v.verdict = boot_verdict_kind::out_of_order;
            v.message = step.file + " fetched before " + expected[next];
            return v;
        } else if (k + 1 < next) {
            v.verdict = boot_verdict_kind::out_of_order;
            v.message = step.file + " fetched again after " + expected[next - 1];
            return v;
        }
    }
    if (next < expected.size()) {
        v.message = expected[next] + " never fetched";
        return v;
    }
    v.verdict = boot_verdict_kind::ok;
    v.message = expected[0] + " -> " + expected[1] + " -> " + expected[2];
    return v;
}

}  // namespace cms_mock
