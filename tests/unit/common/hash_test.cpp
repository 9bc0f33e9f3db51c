// Known answers from FIPS 180-4 / RFC 1321 / RFC 4231 / RFC 4648 test vectors.
#include "common/crypto/hash.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace common::crypto;

BOOST_AUTO_TEST_SUITE(hash)

BOOST_AUTO_TEST_CASE(one_shot_digests_match_published_vectors) {
    BOOST_TEST(hex_digest(hash_algorithm::md5, "") == "d41d8cd98f00b204e9800998ecf8427e");
    BOOST_TEST(hex_digest(hash_algorithm::md5, "abc") == "900150983cd24fb0d6963f7d28e17f72");
    BOOST_TEST(hex_digest(hash_algorithm::sha256, "abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // FIPS 180-4 example for SHA-512/256 ("abc"); SHA-512 truncated would start ddaf35a1.
    BOOST_TEST(hex_digest(hash_algorithm::sha512_256, "abc") ==
               "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

BOOST_AUTO_TEST_CASE(digest_sizes) {
    BOOST_TEST(digest_size(hash_algorithm::md5) == 16U);
    BOOST_TEST(hex_digest(hash_algorithm::md5, "x").size() == 32U);
    BOOST_TEST(hex_digest(hash_algorithm::sha512_256, "x").size() == 64U);
}

BOOST_AUTO_TEST_CASE(incremental_equals_one_shot_and_resets_after_finish) {
    hasher h(hash_algorithm::sha256);
    h.update("a");
    h.update("");
    h.update("bc");
    BOOST_TEST(h.finish_hex() == hex_digest(hash_algorithm::sha256, "abc"));
    h.update("abc");
    BOOST_TEST(h.finish_hex() == hex_digest(hash_algorithm::sha256, "abc"));
    BOOST_TEST(h.finish_hex() == hex_digest(hash_algorithm::sha256, ""));

    hasher moved(std::move(h));
    moved.update("abc");
    BOOST_TEST(moved.finish_raw().size() == 32U);
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_case_2) {
    BOOST_TEST(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(constant_time_equal_checks_length_and_content) {
    BOOST_TEST(constant_time_equal("abc", "abc"));
    BOOST_TEST(constant_time_equal("", ""));
    BOOST_TEST(!constant_time_equal("abc", "abd"));
    BOOST_TEST(!constant_time_equal("abc", "abcd"));
    BOOST_TEST(!constant_time_equal("abc", ""));
}

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors_round_trip) {
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        BOOST_TEST(base64_encode(plain) == encoded);
        const auto decoded = base64_decode(encoded);
        BOOST_TEST_REQUIRE(decoded.has_value());
        BOOST_TEST(*decoded == plain);
    }
    BOOST_TEST(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

BOOST_AUTO_TEST_CASE(base64_decode_is_strict) {
    for (const char* bad : {"Zg=", "Zg", "Z===", "====", "Zm9v!A==", "Zg==Zg==", "Zh==", "Zm9=",
                            "Zm 9v", "Zm=v"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!base64_decode(bad).has_value()); }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(joined_digests_equal_the_digest_of_the_joined_text) {
    // Short input is joined on the stack, long input (over 512 bytes) fed piece by piece: both
    // must give H(a:b:c), raw and as hex, for every algorithm.
    const std::string long_part(600, 'x');
    for (auto algorithm : {common::crypto::hash_algorithm::md5, common::crypto::hash_algorithm::sha256,
                           common::crypto::hash_algorithm::sha512_256}) {
        for (const std::string& middle : {std::string("b"), long_part, std::string()}) {
            BOOST_TEST_CONTEXT(common::crypto::to_string(algorithm) << " middle " << middle.size()) {
                const std::string joined = "a:" + middle + ":c";
                common::crypto::hex_buffer hex;
                BOOST_TEST(common::crypto::hex_digest_joined(algorithm, {"a", middle, "c"}, ':', hex) ==
                           common::crypto::hex_digest(algorithm, joined));
                common::crypto::digest_buffer raw;
                const auto bytes = common::crypto::digest_joined(algorithm, {"a", middle, "c"}, ':', raw);
                BOOST_TEST(bytes.size() == common::crypto::digest_size(algorithm));
                BOOST_TEST(common::crypto::to_hex(bytes) == common::crypto::hex_digest(algorithm, joined));
            }
        }
    }
    common::crypto::hex_buffer hex;
    BOOST_TEST(common::crypto::hex_digest_joined(common::crypto::hash_algorithm::md5, {}, ':', hex) ==
               "d41d8cd98f00b204e9800998ecf8427e");  // MD5 of nothing
}
