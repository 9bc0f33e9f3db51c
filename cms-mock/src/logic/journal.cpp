#include "logic/journal.hpp"

#include "common/aastra/mac.hpp"

#include <algorithm>

namespace cms_mock {

namespace {

std::optional<std::string> compact_mac(std::string_view text) {
    const auto parsed = common::aastra::mac_address::parse(text);
    if (const auto* m = std::get_if<common::aastra::mac_address>(&parsed)) return m->compact_upper();
    return std::nullopt;
}

std::size_t status_class(unsigned status) noexcept {
    return (status >= 100 && status < 600) ? status / 100 : 0;
}

std::string_view path_of(std::string_view target) noexcept {
    return target.substr(0, target.find('?'));
}

bool entry_matches(const journal_entry& e, const journal_filter& f,
                   const std::optional<std::string>& wanted_mac) {
    if (f.since_id && e.id <= *f.since_id) return false;
    if (f.since_time && e.time < *f.since_time) return false;
    if (f.mac) {
        if (!wanted_mac) return false;
        if (compact_mac(e.device_mac) != wanted_mac && compact_mac(e.ua_mac) != wanted_mac) {
            return false;
        }
    }
    if (f.path) {
        const auto path = path_of(e.target);
        const bool is_glob = f.path->find_first_of("*?") != std::string::npos;
        if (is_glob ? !glob_match(*f.path, path) : path.find(*f.path) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string_view to_string(auth_outcome outcome) noexcept {
    switch (outcome) {
    case auth_outcome::none: return "none";
    case auth_outcome::challenged: return "challenged";
    case auth_outcome::ok: return "ok";
    case auth_outcome::bad_password: return "bad_password";
    case auth_outcome::stale: return "stale";
    case auth_outcome::replay: return "replay";
    case auth_outcome::unknown_user: return "unknown_user";
    case auth_outcome::malformed: return "malformed";
    case auth_outcome::forbidden: return "forbidden";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, auth_outcome outcome) { return os << to_string(outcome); }

journal::journal(std::size_t capacity) : capacity_(capacity) {}

void journal::count(const journal_entry& e, bool add) {
    // Subtraction only ever undoes an earlier addition of the same entry, so nothing underflows.
    auto apply = [add](std::uint64_t& counter, std::uint64_t amount) {
        counter = add ? counter + amount : counter - amount;
    };
    apply(counters_.by_status_class[status_class(e.status)], 1);
    apply(counters_.by_auth_outcome[static_cast<std::size_t>(e.auth_outcome)], 1);
    apply(counters_.bytes_sent, e.bytes_sent);
}

void journal::evict_to(std::size_t keep) {
    while (entries_.size() > keep) {
        entries_.pop_front();
        ++counters_.evicted;
    }
}

std::uint64_t journal::append(journal_entry&& entry) {
    entry.id = next_id_++;
    ++counters_.total;
    count(entry, true);
    if (capacity_ == 0) {
        ++counters_.evicted;
        return entry.id;
    }
    evict_to(capacity_ - 1);
    entries_.push_back(std::move(entry));
    return entries_.back().id;
}

bool journal::update(std::uint64_t id, const std::function<void(journal_entry&)>& change) {
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                                     [](const journal_entry& e, std::uint64_t v) { return e.id < v; });
    if (it == entries_.end() || it->id != id) return false;
    count(*it, false);
    change(*it);
    it->id = id;  // ids order the ring; a callback cannot be allowed to break that
    count(*it, true);
    return true;
}

std::vector<journal_entry> journal::query(const journal_filter& filter) const {
    std::optional<std::string> wanted_mac;
    if (filter.mac) wanted_mac = compact_mac(*filter.mac);
    std::vector<journal_entry> out;
    auto it = entries_.begin();
    if (filter.since_id) {  // ids are sorted: skip what is already known in O(log n)
        it = std::upper_bound(entries_.begin(), entries_.end(), *filter.since_id,
                              [](std::uint64_t v, const journal_entry& e) { return v < e.id; });
    }
    for (; it != entries_.end(); ++it) {
        if (!entry_matches(*it, filter, wanted_mac)) continue;
        out.push_back(*it);
        if (filter.limit != 0 && out.size() == filter.limit) break;
    }
    return out;
}

void journal::clear() {
    entries_.clear();
    counters_ = journal_counters{};
}

void journal::set_capacity(std::size_t capacity) {
    capacity_ = capacity;
    evict_to(capacity_);
}

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
    // Iterative matcher with single backtrack point: linear in practice, no recursion to blow up.
    std::size_t p = 0, t = 0;
    std::size_t star = std::string_view::npos, star_text = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            star_text = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++star_text;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace cms_mock
