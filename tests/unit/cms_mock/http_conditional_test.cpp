#include "logic/http_conditional.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>

using namespace cms_mock;
using namespace std::chrono;

namespace {

// 1994-11-06 08:49:37 UTC, the RFC's example instant.
const system_clock::time_point rfc_instant =
    system_clock::time_point{sys_days{year{1994} / November / 6}} + hours{8} + minutes{49} +
    seconds{37};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_dates)

BOOST_AUTO_TEST_CASE(formats_imf_fixdate) {
    BOOST_TEST(format_http_date(rfc_instant) == "Sun, 06 Nov 1994 08:49:37 GMT");
    BOOST_TEST(format_http_date(rfc_instant + milliseconds{999}) == "Sun, 06 Nov 1994 08:49:37 GMT");
    BOOST_TEST(format_http_date(system_clock::time_point{}) == "Thu, 01 Jan 1970 00:00:00 GMT");
    const auto leap = system_clock::time_point{sys_days{year{2024} / February / 29}} + hours{23};
    BOOST_TEST(format_http_date(leap) == "Thu, 29 Feb 2024 23:00:00 GMT");
}

BOOST_AUTO_TEST_CASE(parses_all_three_forms) {
    BOOST_TEST((parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == rfc_instant));
    BOOST_TEST((parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == rfc_instant));
    BOOST_TEST((parse_http_date("Sun Nov  6 08:49:37 1994") == rfc_instant));
    const auto y2k = parse_http_date("Saturday, 01-Jan-00 00:00:00 GMT");
    BOOST_REQUIRE(y2k);
    BOOST_TEST(format_http_date(*y2k) == "Sat, 01 Jan 2000 00:00:00 GMT");
}

BOOST_AUTO_TEST_CASE(round_trips) {
    for (const auto t : {rfc_instant, system_clock::time_point{},
                         system_clock::time_point{sys_days{year{2038} / January / 19}}}) {
        const auto parsed = parse_http_date(format_http_date(t));
        BOOST_REQUIRE(parsed);
        BOOST_TEST((*parsed == t));
    }
}

BOOST_AUTO_TEST_CASE(rejects_malformed_dates) {
    for (const char* bad : {"", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                            "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
                            "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994 08:49:37 GMT ", "sun, 06 Nov 1994 08:49:37 GMT",
                            "Sun, 06 Nov 94 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
                            "Sunday, 06-Nov-1994 08:49:37 GMT", "1994-11-06T08:49:37Z",
                            // Outside what a nanosecond system_clock holds (UBSan: overflow).
                            "Sun, 06 Nov 1194 08:49:37 GMT", "Sun Nov  6 08:49:37 9999"}) {
        BOOST_TEST_CONTEXT("date '" << bad << "'") { BOOST_TEST(!parse_http_date(bad)); }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(etags)

BOOST_AUTO_TEST_CASE(metadata_etag_changes_with_size_and_mtime) {
    const auto a = make_etag(10, nanoseconds{1'000'000'001});
    BOOST_TEST(a == "\"a-3b9aca01\"");
    BOOST_TEST(a != make_etag(11, nanoseconds{1'000'000'001}));
    BOOST_TEST(a != make_etag(10, nanoseconds{1'000'000'002}));
    BOOST_TEST(make_etag(0, nanoseconds{0}) == "\"0-0\"");
}

BOOST_AUTO_TEST_CASE(digest_etag_is_quoted_and_sanitised) {
    BOOST_TEST(make_etag_from_digest("abc123") == "\"abc123\"");
    BOOST_TEST(make_etag_from_digest("ab\"c d\n") == "\"abcd\"");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(conditionals)

struct conditional_row {
    const char* method;
    std::optional<std::string_view> inm;
    std::optional<std::string_view> ims;
    conditional_outcome expected;
};

BOOST_AUTO_TEST_CASE(table) {
    const std::string etag = "\"v1\"";
    const auto lm = rfc_instant + milliseconds{500};  // sub-second part must not defeat IMS
    const conditional_row rows[] = {
        {"GET", std::nullopt, std::nullopt, conditional_outcome::proceed},
        {"GET", "\"v1\"", std::nullopt, conditional_outcome::not_modified},
        {"HEAD", "\"v1\"", std::nullopt, conditional_outcome::not_modified},
        {"GET", "W/\"v1\"", std::nullopt, conditional_outcome::not_modified},  // weak comparison
        {"GET", "\"v0\", \"v1\"", std::nullopt, conditional_outcome::not_modified},
        {"GET", " \"v0\" ,, W/\"v1\" ", std::nullopt, conditional_outcome::not_modified},
        {"GET", "\"v0\", \"v2\"", std::nullopt, conditional_outcome::proceed},
        {"GET", "*", std::nullopt, conditional_outcome::not_modified},
        {"GET", "v1", std::nullopt, conditional_outcome::proceed},           // unquoted: malformed
        {"GET", "\"v1", std::nullopt, conditional_outcome::proceed},         // unterminated
        {"GET", "\"v0\" \"v1\"", std::nullopt, conditional_outcome::proceed},  // missing comma
        {"PUT", "\"v1\"", std::nullopt, conditional_outcome::precondition_failed},
        {"PUT", "*", std::nullopt, conditional_outcome::precondition_failed},
        // If-None-Match present: If-Modified-Since is ignored even when it would give 304.
        {"GET", "\"v0\"", "Sun, 06 Nov 1994 08:49:37 GMT", conditional_outcome::proceed},
        {"GET", std::nullopt, "Sun, 06 Nov 1994 08:49:37 GMT", conditional_outcome::not_modified},
        {"GET", std::nullopt, "Mon, 07 Nov 1994 00:00:00 GMT", conditional_outcome::not_modified},
        {"GET", std::nullopt, "Sun, 06 Nov 1994 08:49:36 GMT", conditional_outcome::proceed},
        {"GET", std::nullopt, "Sunday, 06-Nov-94 08:49:37 GMT", conditional_outcome::not_modified},
        {"GET", std::nullopt, "yesterday", conditional_outcome::proceed},
        {"POST", std::nullopt, "Sun, 06 Nov 1994 08:49:37 GMT", conditional_outcome::proceed},
    };
    for (std::size_t i = 0; i < std::size(rows); ++i) {
        const auto& r = rows[i];
        BOOST_TEST_CONTEXT("row " << i << " " << r.method << " INM=" << r.inm.value_or("-")
                                  << " IMS=" << r.ims.value_or("-")) {
            BOOST_TEST(evaluate_conditionals(r.method, r.inm, r.ims, etag, lm) == r.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(without_an_etag_only_star_matches) {
    BOOST_TEST(evaluate_conditionals("GET", "\"\"", std::nullopt, "", rfc_instant) ==
               conditional_outcome::proceed);
    BOOST_TEST(evaluate_conditionals("GET", "*", std::nullopt, "", rfc_instant) ==
               conditional_outcome::not_modified);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ranges)

struct range_row {
    const char* header;
    std::uint64_t size;
    range_kind kind;
    std::uint64_t first;
    std::uint64_t last;
};

BOOST_AUTO_TEST_CASE(table) {
    const range_row rows[] = {
        {"bytes=0-99", 1000, range_kind::single, 0, 99},
        {"bytes=100-", 1000, range_kind::single, 100, 999},
        {"bytes=-100", 1000, range_kind::single, 900, 999},
        {"bytes=-5000", 1000, range_kind::single, 0, 999},  // suffix longer than entity
        {"bytes=990-5000", 1000, range_kind::single, 990, 999},
        {"bytes=999-999", 1000, range_kind::single, 999, 999},
        {"BYTES=1-2", 1000, range_kind::single, 1, 2},
        {" bytes=1-2 ", 1000, range_kind::single, 1, 2},
        {"bytes=1-2,", 1000, range_kind::single, 1, 2},   // empty list element is fine
        {"bytes=1000-", 1000, range_kind::unsatisfiable, 0, 0},
        {"bytes=5000-6000", 1000, range_kind::unsatisfiable, 0, 0},
        {"bytes=-0", 1000, range_kind::unsatisfiable, 0, 0},
        {"bytes=0-", 0, range_kind::unsatisfiable, 0, 0},
        {"bytes=-10", 0, range_kind::none, 0, 0},         // nothing to send as 206
        {"bytes=5-4", 1000, range_kind::none, 0, 0},      // last < first: invalid -> ignore
        {"bytes=a-b", 1000, range_kind::none, 0, 0},
        {"bytes=-", 1000, range_kind::none, 0, 0},
        {"bytes=5", 1000, range_kind::none, 0, 0},
        {"bytes=1-2-3", 1000, range_kind::none, 0, 0},
        {"bytes=+1-2", 1000, range_kind::none, 0, 0},
        {"bytes=", 1000, range_kind::none, 0, 0},
        {"items=0-1", 1000, range_kind::none, 0, 0},      // unknown unit
        {"0-1", 1000, range_kind::none, 0, 0},
        {"bytes=0-1,5-6", 1000, range_kind::none, 0, 0},  // multiple ranges -> full entity
        {"bytes=0-,0-,0-,0-,0-", 1000, range_kind::none, 0, 0},
        // Overflow: 2^64 and beyond must neither wrap nor crash.
        {"bytes=18446744073709551616-", 1000, range_kind::unsatisfiable, 0, 0},
        {"bytes=0-99999999999999999999999999", 1000, range_kind::single, 0, 999},
        {"bytes=-99999999999999999999999999", 1000, range_kind::single, 0, 999},
        {"bytes=18446744073709551615-18446744073709551615", std::numeric_limits<std::uint64_t>::max(),
         range_kind::unsatisfiable, 0, 0},
    };
    for (std::size_t i = 0; i < std::size(rows); ++i) {
        const auto& r = rows[i];
        BOOST_TEST_CONTEXT("row " << i << " '" << r.header << "' size " << r.size) {
            const auto d = parse_range(r.header, r.size);
            BOOST_TEST(d.kind == r.kind);
            if (r.kind == range_kind::single) {
                BOOST_TEST(d.first == r.first);
                BOOST_TEST(d.last == r.last);
                BOOST_TEST(d.length() == r.last - r.first + 1);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(content_range_values) {
    BOOST_TEST(content_range_value(parse_range("bytes=-100", 1000), 1000) == "bytes 900-999/1000");
    BOOST_TEST(content_range_value(parse_range("bytes=2000-", 1000), 1000) == "bytes */1000");
    BOOST_TEST(content_range_value(parse_range("items=1-2", 1000), 1000).empty());
}

BOOST_AUTO_TEST_CASE(if_range_gates_the_range) {
    const std::string etag = "\"v1\"";
    const auto lm = rfc_instant + milliseconds{250};
    const std::string_view range = "bytes=0-9";
    auto kind_with = [&](std::optional<std::string_view> if_range) {
        return decide_range(range, if_range, 100, etag, lm).kind;
    };
    BOOST_TEST(kind_with(std::nullopt) == range_kind::single);
    BOOST_TEST(kind_with("\"v1\"") == range_kind::single);
    BOOST_TEST(kind_with("\"v2\"") == range_kind::none);
    BOOST_TEST(kind_with("W/\"v1\"") == range_kind::none);  // If-Range needs strong comparison
    BOOST_TEST(kind_with("Sun, 06 Nov 1994 08:49:37 GMT") == range_kind::single);
    BOOST_TEST(kind_with("Sun, 06 Nov 1994 08:49:38 GMT") == range_kind::none);
    BOOST_TEST(kind_with("garbage") == range_kind::none);
    BOOST_TEST(decide_range(std::nullopt, "\"v1\"", 100, etag, lm).kind == range_kind::none);
    BOOST_TEST(!if_range_matches("\"v1\"", "W/\"v1\"", lm));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(enum_names) {
    BOOST_TEST(to_string(range_kind::unsatisfiable) == "unsatisfiable");
    BOOST_TEST(to_string(conditional_outcome::not_modified) == "not_modified");
}

BOOST_AUTO_TEST_CASE(content_types) {
    BOOST_TEST(content_type_for("aastra.cfg") == "text/plain; charset=utf-8");
    BOOST_TEST(content_type_for("00085D1A2B3C.CFG") == "text/plain; charset=utf-8");
    BOOST_TEST(content_type_for("notes.txt") == "text/plain; charset=utf-8");
    BOOST_TEST(content_type_for("menu.xml") == "text/xml");
    BOOST_TEST(content_type_for("6731i.st") == "application/octet-stream");
    BOOST_TEST(content_type_for("security.tuz") == "application/octet-stream");
    BOOST_TEST(content_type_for("ca.pem") == "application/x-pem-file");
    BOOST_TEST(content_type_for("ca.crt") == "application/x-pem-file");
    BOOST_TEST(content_type_for("index.html") == "text/html");
    BOOST_TEST(content_type_for("README") == "application/octet-stream");
    BOOST_TEST(content_type_for("dir.cfg/blob") == "application/octet-stream");
    BOOST_TEST(content_type_for("x.unknown") == "application/octet-stream");
}
