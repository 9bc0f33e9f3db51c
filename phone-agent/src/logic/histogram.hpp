// A latency histogram in the style of HdrHistogram: log-linear buckets with a fixed relative
// precision over a fixed range, constant memory, O(1) record and O(buckets) percentiles.
//
// Values are unsigned integers in microseconds (any unit works; the range is what matters).
// Values below 256 get a bucket each (exact); above, each power of two [2^e, 2^(e+1)) is split
// into 128 equal buckets, so a bucket is at most 1/128 (0.78 %) of its lower bound wide. A
// percentile returns the middle of its bucket, clamped to the recorded min and max, so it is within
// 0.4 % of the true sample at the same rank. The range is 0 .. max_trackable (2^32 - 1 µs, about
// 71 minutes, comfortably above one hour); larger values are counted in the top bucket and in
// saturated(), and max() still reports them exactly.
//
// Percentiles use the nearest-rank definition: p(q) is the smallest recorded value v such that at
// least q % of the samples are <= v (q = 0 gives the minimum, q = 100 the maximum).
//
// Not thread-safe; merge() combines per-thread or per-phone histograms.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace phone_agent {

class histogram {
public:
    static constexpr std::uint64_t max_trackable = (std::uint64_t{1} << 32) - 1;

    void record(std::uint64_t value) noexcept { record_n(value, 1); }
    void record(std::chrono::microseconds d) noexcept {
        record(d.count() < 0 ? 0 : static_cast<std::uint64_t>(d.count()));
    }
    void record_n(std::uint64_t value, std::uint64_t n) noexcept;

    // Adds every sample of `other` (same fixed layout, so this is exact).
    void merge(const histogram& other) noexcept;
    void reset() noexcept { *this = histogram{}; }

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t saturated() const noexcept { return saturated_; }
    bool empty() const noexcept { return count_ == 0; }
    // 0 when empty.
    std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept;
    // q in [0, 100]; 0 when empty.
    std::uint64_t percentile(double q) const noexcept;
    // The rank-th smallest sample (1-based, clamped to 1..count()), within the same 0.4 %; 0 when
    // empty.
    std::uint64_t at_rank(std::uint64_t rank) const noexcept;
    // Samples in the buckets up to and including value's: those <= value, plus any in its bucket
    // above it.
    std::uint64_t count_at_most(std::uint64_t value) const noexcept;

    // The bucket layout, exposed for tests: index of a value and the bucket's inclusive bounds.
    static std::size_t bucket_of(std::uint64_t value) noexcept;
    static std::uint64_t bucket_low(std::size_t index) noexcept;
    static std::uint64_t bucket_high(std::size_t index) noexcept;

    static constexpr std::size_t exact_limit = 256;    // values below get their own bucket
    static constexpr unsigned sub_bucket_bits = 7;      // 128 buckets per power of two
    static constexpr std::size_t bucket_count = exact_limit + (32 - 8) * (std::size_t{1} << sub_bucket_bits);

private:
    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t saturated_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace phone_agent
