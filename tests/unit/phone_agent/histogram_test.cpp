// The fleet's latency histogram: bucket layout, percentiles against the sorted-sample truth
// (nearest rank) for several distributions, merge, saturation.
#include "logic/histogram.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using phone_agent::histogram;

namespace {

std::uint64_t nearest_rank(const std::vector<std::uint64_t>& sorted, double q) {
    if (q <= 0) return sorted.front();
    auto rank = static_cast<std::size_t>(std::ceil(q / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

// Within 0.4 % (half a bucket) of the truth, or exact below 256.
void check_against_truth(std::vector<std::uint64_t> samples) {
    histogram h;
    for (auto v : samples) h.record(v);
    std::sort(samples.begin(), samples.end());
    BOOST_TEST(h.count() == samples.size());
    BOOST_TEST(h.min() == samples.front());
    BOOST_TEST(h.max() == samples.back());
    for (double q : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
        BOOST_TEST_CONTEXT("q=" << q) {
            const auto truth = nearest_rank(samples, q);
            const auto got = h.percentile(q);
            if (truth < histogram::exact_limit) {
                BOOST_TEST(got == truth);
            } else {
                const double err = std::abs(static_cast<double>(got) - static_cast<double>(truth)) /
                                   static_cast<double>(truth);
                BOOST_TEST(err <= 0.004, "truth " << truth << " got " << got << " err " << err);
            }
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_histogram)

BOOST_AUTO_TEST_CASE(bucket_layout_is_contiguous_and_within_one_percent) {
    // Every bucket starts right after the previous one ends, and is narrow relative to its start.
    for (std::size_t i = 1; i < histogram::bucket_count; ++i) {
        BOOST_TEST_CONTEXT("bucket " << i) {
            BOOST_TEST(histogram::bucket_low(i) == histogram::bucket_high(i - 1) + 1);
            const auto width = histogram::bucket_high(i) - histogram::bucket_low(i) + 1;
            BOOST_TEST(static_cast<double>(width) <= 0.01 * static_cast<double>(histogram::bucket_low(i)) + 1.0);
        }
    }
    BOOST_TEST(histogram::bucket_high(histogram::bucket_count - 1) == histogram::max_trackable);
    // One hour in microseconds is inside the range.
    BOOST_TEST(histogram::bucket_of(3'600'000'000ULL) < histogram::bucket_count - 1);
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 1, 255, 256, 257, 1000, 123456, 3'600'000'000ULL,
                                                            histogram::max_trackable}) {
        BOOST_TEST_CONTEXT("value " << v) {
            const auto b = histogram::bucket_of(v);
            BOOST_TEST(histogram::bucket_low(b) <= v);
            BOOST_TEST(histogram::bucket_high(b) >= v);
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_histogram_reports_zeros) {
    histogram h;
    BOOST_TEST(h.empty());
    BOOST_TEST(h.percentile(99) == 0u);
    BOOST_TEST(h.min() == 0u);
    BOOST_TEST(h.max() == 0u);
    BOOST_TEST(h.mean() == 0.0);
}

BOOST_AUTO_TEST_CASE(small_values_are_exact) {
    histogram h;
    for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
    BOOST_TEST(h.percentile(50) == 50u);
    BOOST_TEST(h.percentile(90) == 90u);
    BOOST_TEST(h.percentile(99) == 99u);
    BOOST_TEST(h.percentile(99.9) == 100u);
    BOOST_TEST(h.percentile(100) == 100u);
    BOOST_TEST(h.mean() == 50.5);
}

BOOST_AUTO_TEST_CASE(uniform_samples_match_sorted_truth) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::uint64_t> dist(1, 2'000'000);
    std::vector<std::uint64_t> samples(20'000);
    for (auto& s : samples) s = dist(rng);
    check_against_truth(samples);
}

BOOST_AUTO_TEST_CASE(log_normal_samples_match_sorted_truth) {
    // Latency-like: a body around 5 ms with a long tail, spanning several powers of two.
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(std::log(5000.0), 1.2);
    std::vector<std::uint64_t> samples(50'000);
    for (auto& s : samples) s = static_cast<std::uint64_t>(dist(rng));
    check_against_truth(samples);
}

BOOST_AUTO_TEST_CASE(bimodal_tail_is_not_averaged_away) {
    // 98.5 % fast, 1.5 % at 2 s: p99 must land in the slow mode, p98 in the fast one.
    std::vector<std::uint64_t> samples;
    for (int i = 0; i < 985; ++i) samples.push_back(800 + static_cast<std::uint64_t>(i % 50));
    for (int i = 0; i < 15; ++i) samples.push_back(2'000'000 + static_cast<std::uint64_t>(i) * 1000);
    check_against_truth(samples);
    histogram h;
    for (auto v : samples) h.record(v);
    BOOST_TEST(h.percentile(99) >= 1'990'000u);
    BOOST_TEST(h.percentile(98) < 1000u);
}

BOOST_AUTO_TEST_CASE(merge_equals_recording_everything_in_one) {
    std::mt19937_64 rng(3);
    std::exponential_distribution<double> dist(1.0 / 20000.0);
    histogram a, b, all;
    for (int i = 0; i < 10'000; ++i) {
        auto v = static_cast<std::uint64_t>(dist(rng));
        (i % 3 ? a : b).record(v);
        all.record(v);
    }
    histogram merged = a;
    merged.merge(b);
    BOOST_TEST(merged.count() == all.count());
    BOOST_TEST(merged.min() == all.min());
    BOOST_TEST(merged.max() == all.max());
    BOOST_TEST(std::abs(merged.mean() - all.mean()) < 1e-6 * all.mean());
    for (double q : {50.0, 90.0, 99.0, 99.9}) BOOST_TEST(merged.percentile(q) == all.percentile(q));
    histogram empty;
    merged.merge(empty);
    BOOST_TEST(merged.count() == all.count());
    empty.merge(a);
    BOOST_TEST(empty.min() == a.min());
}

BOOST_AUTO_TEST_CASE(values_past_the_range_saturate_but_keep_the_exact_max) {
    histogram h;
    h.record(std::chrono::microseconds(10));
    h.record(std::chrono::microseconds(-5));  // clock skew: counted as 0, never wraps
    h.record(histogram::max_trackable + 1000);
    BOOST_TEST(h.saturated() == 1u);
    BOOST_TEST(h.min() == 0u);
    BOOST_TEST(h.max() == histogram::max_trackable + 1000);
    BOOST_TEST(h.percentile(100) == histogram::max_trackable + 1000);
    BOOST_TEST(h.percentile(50) == 10u);
}

BOOST_AUTO_TEST_CASE(record_n_counts_repeats) {
    histogram h;
    h.record_n(1000, 99);
    h.record_n(50'000, 1);
    h.record_n(7, 0);  // nothing
    BOOST_TEST(h.count() == 100u);
    BOOST_TEST(h.min() == 1000u);
    BOOST_TEST(std::abs(static_cast<double>(h.percentile(99)) - 1000.0) <= 4.0);
    BOOST_TEST(h.percentile(99.5) == 50'000u);
}

BOOST_AUTO_TEST_SUITE_END()
