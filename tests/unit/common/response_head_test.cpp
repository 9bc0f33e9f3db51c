#include "common/http/response_head.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace common::http;

namespace {

std::string head(const response_head_spec& spec, const std::vector<header_field>& headers,
                 std::vector<std::string>* dropped_out = nullptr) {
    std::string out;
    std::vector<std::string> dropped;
    append_response_head(out, spec, headers, dropped);
    if (dropped_out) *dropped_out = dropped;
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(status_line_headers_length_and_end) {
    BOOST_TEST(head({200, 11, 2048, true}, {{"Content-Type", "text/plain"}, {"ETag", "\"x\""}}) ==
               "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nETag: \"x\"\r\n"
               "Content-Length: 2048\r\n\r\n");
    BOOST_TEST(head({304, 11, std::nullopt, true}, {}) == "HTTP/1.1 304 Not Modified\r\n\r\n");
    BOOST_TEST(head({599, 11, 0, true}, {}) == "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(connection_field_follows_the_version) {
    BOOST_TEST(head({404, 11, 0, false}, {}) ==
               "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    BOOST_TEST(head({200, 10, 1, true}, {}) ==
               "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n");
    BOOST_TEST(head({200, 10, 1, false}, {}) == "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(fields_that_would_split_the_response_are_dropped) {
    std::vector<std::string> dropped;
    const auto out = head({200, 11, 0, true},
                          {{"X-Ok", "fine"}, {"X-Bad", "a\r\nSet-Cookie: evil"}, {"Bad Name", "v"},
                           {"", "v"}, {"X-Nul", std::string("a\0b", 3)}, {"Content-Length", "99"},
                           {"connection", "upgrade"}},
                          &dropped);
    BOOST_TEST(out == "HTTP/1.1 200 OK\r\nX-Ok: fine\r\nContent-Length: 0\r\n\r\n");
    BOOST_TEST(dropped == (std::vector<std::string>{"X-Bad", "Bad Name", "", "X-Nul"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(forbidden_bytes_are_found_at_every_position_of_a_long_value) {
    // Values are checked eight bytes at a time: a CR, LF or NUL must be caught wherever it falls,
    // and bytes that only share low bits with them (0x8d, 0x8a, 0x80, 0x0e) must not be taken
    // for them.
    for (std::size_t length : {1u, 7u, 8u, 9u, 16u, 23u, 40u}) {
        for (std::size_t at = 0; at < length; ++at) {
            for (char bad : {'\r', '\n', '\0'}) {
                std::string value(length, 'v');
                value[at] = bad;
                std::vector<std::string> dropped;
                head({200, 11, 0, true}, {{"X-V", value}}, &dropped);
                BOOST_TEST_CONTEXT("length " << length << " at " << at << " byte " << int(bad)) {
                    BOOST_TEST(dropped.size() == 1u);
                }
            }
        }
        std::string near(length, '\x8d');
        if (length > 1) near[1] = '\x8a';
        if (length > 2) near[2] = '\x80';
        if (length > 3) near[3] = '\x0e';
        std::vector<std::string> dropped;
        head({200, 11, 0, true}, {{"X-V", near}}, &dropped);
        BOOST_TEST(dropped.empty(), "length " << length);
    }
}

BOOST_AUTO_TEST_CASE(more_fields_than_the_first_pass_remembers) {
    // Past the 64th field the head is checked again while it is written; the output must not
    // depend on where a field falls.
    std::vector<header_field> headers;
    std::string expected = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 70; ++i) {
        const std::string name = "X-" + std::to_string(i);
        if (i % 7 == 3) {
            headers.push_back({name, "bad\r\nvalue"});
        } else if (i % 11 == 5) {
            headers.push_back({"Content-Length", "1"});
        } else {
            headers.push_back({name, "v" + std::to_string(i)});
            expected += name + ": v" + std::to_string(i) + "\r\n";
        }
    }
    expected += "Content-Length: 12\r\n\r\n";
    std::vector<std::string> dropped;
    BOOST_TEST(head({200, 11, 12, true}, headers, &dropped) == expected);
    BOOST_TEST(dropped.size() == 10u);
}
