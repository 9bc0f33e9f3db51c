// The request journal: every provisioning request the mock answered, kept in a bounded ring so
// tests can ask "what did phone X fetch, in which order, with which auth outcome". Counters cover
// every request ever appended, including entries the ring has since evicted.
//
// Not thread-safe: cms-mock appends and queries from its single io_context thread.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cms_mock {

enum class auth_outcome {
    none,          // no authentication required or attempted
    challenged,    // answered 401 with a challenge (no credentials sent)
    ok,
    bad_password,
    stale,         // valid credentials on an expired nonce
    replay,        // nonce count reused
    unknown_user,
    malformed,     // unparseable Authorization header
    forbidden,     // authenticated but not allowed this file
};
inline constexpr std::size_t auth_outcome_count = 9;
std::string_view to_string(auth_outcome outcome) noexcept;
std::ostream& operator<<(std::ostream& os, auth_outcome outcome);

struct journal_entry {
    std::uint64_t id = 0;  // assigned by journal::append, strictly increasing
    std::chrono::system_clock::time_point time;
    std::string peer;         // "addr:port"
    std::string tls_version;  // empty for plain HTTP
    std::string tls_cipher;
    std::string method;
    std::string target;  // as received, query included
    std::string user_agent;
    std::string ua_mac;  // from the Aastra User-Agent, if it parsed
    std::string ua_model;
    std::string ua_firmware;
    std::string auth_scheme;  // "Basic", "Digest" or empty
    cms_mock::auth_outcome auth_outcome = cms_mock::auth_outcome::none;
    std::string auth_user;
    unsigned status = 0;
    std::uint64_t bytes_sent = 0;  // body bytes
    std::chrono::microseconds duration{0};
    std::string fault;       // name of the injected fault, empty if none
    std::string device_mac;  // 12 upper-case hex digits, from the path or else the User-Agent
};

struct journal_filter {
    // Any spelling mac_address::parse accepts; matches device_mac or ua_mac. A value that is not
    // a MAC matches nothing.
    std::optional<std::string> mac;
    // Applied to the target without its query: a glob (`*`, `?`) over the whole path when it
    // contains either character, otherwise a substring.
    std::optional<std::string> path;
    std::optional<std::chrono::system_clock::time_point> since_time;  // time >= since_time
    std::optional<std::uint64_t> since_id;                            // id > since_id
    // At most this many entries, the oldest matches first (so since_id can page); 0 = all.
    std::size_t limit = 0;
};

struct journal_counters {
    std::uint64_t total = 0;
    // [0]: status outside 100..599 (e.g. connection reset before an answer); [1]..[5]: 1xx..5xx.
    std::array<std::uint64_t, 6> by_status_class{};
    std::array<std::uint64_t, auth_outcome_count> by_auth_outcome{};  // indexed by auth_outcome
    std::uint64_t bytes_sent = 0;
    std::uint64_t evicted = 0;
};

class journal {
public:
    explicit journal(std::size_t capacity);

    // Stores `entry` with the next id (any id it carries is replaced) and returns that id. When
    // full, the oldest entry is evicted first; counters keep counting it.
    std::uint64_t append(journal_entry&& entry);
    std::uint64_t append(const journal_entry& entry) { return append(journal_entry(entry)); }

    // Changes an entry still in the ring (e.g. to fill in status and bytes once the response is
    // sent) and keeps the counters consistent. `change` must not alter the id. Returns false when
    // the id is unknown or already evicted.
    bool update(std::uint64_t id, const std::function<void(journal_entry&)>& change);

    std::vector<journal_entry> query(const journal_filter& filter) const;

    // Drops all entries and resets the counters; ids keep increasing so clients polling with
    // since_id never see an id twice.
    void clear();

    // Evicts the oldest entries if the ring shrinks below its current size.
    void set_capacity(std::size_t capacity);

    const journal_counters& counters() const noexcept { return counters_; }
    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }
    std::uint64_t last_id() const noexcept { return next_id_ - 1; }

private:
    void count(const journal_entry& e, bool add);
    void evict_to(std::size_t keep);

    std::deque<journal_entry> entries_;
    std::size_t capacity_;
    std::uint64_t next_id_ = 1;
    journal_counters counters_;
};

// Glob match used by journal_filter::path: `*` matches any run (including '/'), `?` one byte.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace cms_mock
