#include "logic/firmware_image.hpp"

#include "common/crypto/hash.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

using namespace cms_mock;

namespace {

synthetic_firmware make(std::string model, std::string version, std::uint64_t size) {
    auto r = synthetic_firmware::create(std::move(model), std::move(version), size);
    if (const auto* e = std::get_if<firmware_error>(&r)) BOOST_FAIL("create failed: " << e->message);
    return std::get<synthetic_firmware>(std::move(r));
}

std::string read_all(const synthetic_firmware& fw) {
    std::string out(static_cast<std::size_t>(fw.size()), '\0');
    BOOST_TEST_REQUIRE(fw.read(0, out) == out.size());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(header_round_trip) {
    const auto fw = make("9480i", "3.2.2.3077", 4096);
    const auto bytes = read_all(fw);
    BOOST_TEST(bytes.starts_with("AASTRA-ST\nmodel=9480i\nversion=3.2.2.3077\nsize=4096\n"));
    BOOST_TEST(bytes[synthetic_firmware::header_size - 1] == '\0');
    BOOST_TEST(firmware_version_of(bytes).value_or("-") == "3.2.2.3077");
    const auto h = parse_firmware_header(bytes.substr(0, 64));
    BOOST_TEST_REQUIRE(h.has_value());
    BOOST_TEST(h->model == "9480i");
    BOOST_TEST(h->size == 4096u);

    BOOST_TEST(!firmware_version_of("not firmware"));
    BOOST_TEST(!firmware_version_of("AASTRA-ST\nmodel=x\nsize=1\n"));             // no version
    BOOST_TEST(!firmware_version_of("AASTRA-ST\nmodel=x\nversion=1\nsize=1x\n"));  // bad size
    BOOST_TEST(!firmware_version_of("AASTRA-ST\nmodel=x\nversion=1.2"));          // cut short
}

BOOST_AUTO_TEST_CASE(create_validates_fields) {
    BOOST_TEST(std::holds_alternative<firmware_error>(synthetic_firmware::create("", "1", 10)));
    BOOST_TEST(std::holds_alternative<firmware_error>(synthetic_firmware::create("a b", "1", 10)));
    BOOST_TEST(std::holds_alternative<firmware_error>(synthetic_firmware::create("m", "v=1", 10)));
    BOOST_TEST(std::holds_alternative<firmware_error>(synthetic_firmware::create("m", "v\n", 10)));
    BOOST_TEST(std::holds_alternative<firmware_error>(
        synthetic_firmware::create(std::string(33, 'm'), "1", 10)));
    const auto longest = make(std::string(32, 'm'), std::string(32, 'v'), 1000);
    BOOST_TEST(firmware_version_of(read_all(longest)).value_or("-") == std::string(32, 'v'));
}

BOOST_AUTO_TEST_CASE(deterministic_and_distinct) {
    const auto a = read_all(make("6731i", "3.2.2.3077", 10'000));
    BOOST_TEST(a == read_all(make("6731i", "3.2.2.3077", 10'000)));
    const auto b = read_all(make("6731i", "3.2.2.1136", 10'000));
    BOOST_TEST(a.substr(synthetic_firmware::header_size) != b.substr(synthetic_firmware::header_size));
    // The body does not depend on the image size: a longer image extends a shorter one.
    const auto longer = read_all(make("6731i", "3.2.2.3077", 20'000));
    BOOST_TEST(longer.substr(256, 9000) == a.substr(256, 9000));
    // Body bytes are not trivially repetitive.
    BOOST_TEST(a.substr(1000, 64) != a.substr(2000, 64));
}

BOOST_AUTO_TEST_CASE(random_reads_equal_slices_of_a_full_read) {
    const std::uint64_t size = 5'000 + 3;  // not a multiple of 8
    const auto fw = make("9143i", "3.2.2.3077", size);
    const auto full = read_all(fw);
    std::mt19937_64 rng{42};
    std::uniform_int_distribution<std::uint64_t> pos{0, size + 20};
    std::uniform_int_distribution<std::size_t> len{0, 300};
    for (int i = 0; i < 2000; ++i) {
        const auto offset = pos(rng);
        std::vector<char> buf(len(rng), '?');
        const auto got = fw.read(offset, buf);
        const auto expected_len =
            offset >= size ? 0 : std::min<std::uint64_t>(buf.size(), size - offset);
        BOOST_TEST_CONTEXT("offset " << offset << " length " << buf.size()) {
            BOOST_TEST_REQUIRE(got == expected_len);
            if (got > 0) {
                BOOST_TEST_REQUIRE(std::string(buf.data(), got) ==
                                   full.substr(static_cast<std::size_t>(offset), got));
            }
        }
    }
    // Tiny images are the header cut short.
    const auto tiny = make("9143i", "3.2.2.3077", 20);
    BOOST_TEST(read_all(tiny) == full.substr(0, 20));
    const auto empty = make("9143i", "3.2.2.3077", 0);
    char c = 'x';
    BOOST_TEST(empty.read(0, std::span<char>(&c, 1)) == 0u);
}

BOOST_AUTO_TEST_CASE(sha256_matches_hashing_a_full_read) {
    const auto fw = make("6739i", "3.2.2.3077", 300'001);
    const auto expected = common::crypto::hex_digest(common::crypto::hash_algorithm::sha256,
                                                     read_all(fw));
    BOOST_TEST(fw.sha256_hex() == expected);
    BOOST_TEST(&fw.sha256_hex() == &fw.sha256_hex());  // cached
    BOOST_TEST(make("6739i", "3.2.2.3077", 0).sha256_hex() ==
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(streams_fast) {
    // 256 MiB in 64 KiB chunks, best of three to ride out other processes on a shared CPU.
    const std::uint64_t size = 256ULL << 20;
    const auto fw = make("9480i", "3.2.2.3077", size);
    std::vector<char> chunk(64 * 1024);
    double best_mb_per_s = 0;
    unsigned char sink = 0;
    for (int run = 0; run < 3; ++run) {
        const auto start = std::chrono::steady_clock::now();
        for (std::uint64_t at = 0; at < size;) {
            const auto got = fw.read(at, chunk);
            sink = static_cast<unsigned char>(sink ^ static_cast<unsigned char>(chunk[got / 2]));
            at += got;
        }
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        best_mb_per_s = std::max(best_mb_per_s, static_cast<double>(size) / 1e6 / took.count());
    }
    BOOST_TEST_MESSAGE("synthetic firmware: " << best_mb_per_s << " MB/s (sink " << int{sink} << ")");
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
    BOOST_TEST(best_mb_per_s >= 500.0);
#else
    BOOST_TEST(best_mb_per_s >= 50.0);  // unoptimised or sanitised builds
#endif
}
