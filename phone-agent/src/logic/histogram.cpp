#include "logic/histogram.hpp"

#include <bit>
#include <cmath>

namespace phone_agent {

std::size_t histogram::bucket_of(std::uint64_t value) noexcept {
    if (value > max_trackable) value = max_trackable;
    if (value < exact_limit) return static_cast<std::size_t>(value);
    const auto e = static_cast<unsigned>(std::bit_width(value) - 1);  // 8 .. 31
    const auto sub = (value >> (e - sub_bucket_bits)) - (std::uint64_t{1} << sub_bucket_bits);
    return exact_limit + (e - 8) * (std::size_t{1} << sub_bucket_bits) + static_cast<std::size_t>(sub);
}

std::uint64_t histogram::bucket_low(std::size_t index) noexcept {
    if (index < exact_limit) return index;
    const std::size_t rel = index - exact_limit;
    const auto e = static_cast<unsigned>(rel >> sub_bucket_bits) + 8;
    const auto sub = static_cast<std::uint64_t>(rel & ((std::size_t{1} << sub_bucket_bits) - 1));
    return (std::uint64_t{1} << e) + (sub << (e - sub_bucket_bits));
}

std::uint64_t histogram::bucket_high(std::size_t index) noexcept {
    if (index < exact_limit) return index;
    const auto e = static_cast<unsigned>((index - exact_limit) >> sub_bucket_bits) + 8;
    return bucket_low(index) + (std::uint64_t{1} << (e - sub_bucket_bits)) - 1;
}

void histogram::record_n(std::uint64_t value, std::uint64_t n) noexcept {
    if (n == 0) return;
    if (count_ == 0 || value < min_) min_ = value;
    if (value > max_) max_ = value;
    if (value > max_trackable) saturated_ += n;
    counts_[bucket_of(value)] += n;
    count_ += n;
    sum_ += static_cast<long double>(value) * static_cast<long double>(n);
}

void histogram::merge(const histogram& other) noexcept {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    if (count_ == 0 || other.min_ < min_) min_ = other.min_;
    if (other.max_ > max_) max_ = other.max_;
    count_ += other.count_;
    saturated_ += other.saturated_;
    sum_ += other.sum_;
}

double histogram::mean() const noexcept {
    return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t histogram::percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    if (!(q > 0.0)) return min_;
    if (q >= 100.0) return max_;
    // Nearest rank: the ceil(q/100 * n)-th smallest sample (1-based).
    return at_rank(static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_))));
}

std::uint64_t histogram::count_at_most(std::uint64_t value) const noexcept {
    const std::size_t last = bucket_of(value);
    std::uint64_t n = 0;
    for (std::size_t i = 0; i <= last && i < bucket_count; ++i) n += counts_[i];
    return n;
}

std::uint64_t histogram::at_rank(std::uint64_t rank) const noexcept {
    if (count_ == 0) return 0;
    if (rank < 1) rank = 1;
    if (rank > count_) rank = count_;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            const std::uint64_t low = bucket_low(i);
            const std::uint64_t high = bucket_high(i);
            std::uint64_t v = low + (high - low) / 2;
            if (v < min_) v = min_;
            if (v > max_) v = max_;
            return v;
        }
    }
    return max_;
}

}  // namespace phone_agent
