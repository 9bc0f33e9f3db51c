// `phone-agent fleet --html`: a self-contained page (inline SVG, no scripts or external
// resources), every text escaped, one chart per non-empty spectrum, and a page without samples.
#include "logic/fleet_html.hpp"

#include <boost/test/unit_test.hpp>

using namespace phone_agent;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

fleet_html_input sample() {
    fleet_html_input in;
    in.title = "fleet <run> & co";
    in.command_line = "phone-agent fleet --server 'http://x/<script>'";
    in.summary = "fleet: 10 boots\nthreshold p99<2s: passed";
    for (int i = 1; i <= 5; ++i) {
        timeline_point p;
        p.t_s = i;
        p.requests_per_s = 10.0 * i;
        p.in_flight = static_cast<std::uint64_t>(i);
        p.provisioned = static_cast<std::uint64_t>(2 * i);
        p.ttp_p50_us = 1000u * static_cast<std::uint64_t>(i);
        p.ttp_p99_us = 3000u * static_cast<std::uint64_t>(i);
        p.ttp_max_us = 4000u * static_cast<std::uint64_t>(i);
        in.timeline.push_back(p);
    }
    percentile_spectrum ttp{"ttp", {}};
    for (double q : spectrum_percentiles()) ttp.points.emplace_back(q, static_cast<std::uint64_t>(1000 + q * 10));
    in.spectra = {ttp, percentile_spectrum{"tls", {}}};
    return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_html)

BOOST_AUTO_TEST_CASE(self_contained_and_escaped) {
    const auto html = render_fleet_html(sample());
    BOOST_TEST(html.starts_with("<!DOCTYPE html>"));
    BOOST_TEST(html.find("<script") == std::string::npos);
    BOOST_TEST(html.find("&lt;script&gt;") != std::string::npos);
    BOOST_TEST(html.find("fleet &lt;run&gt; &amp; co") != std::string::npos);
    BOOST_TEST(html.find("p99&lt;2s") != std::string::npos);
    BOOST_TEST(html.find(" src=") == std::string::npos);
    BOOST_TEST(html.find(" href=") == std::string::npos);
    BOOST_TEST(html.find("<link") == std::string::npos);
    // Three charts over time and one spectrum (the empty tls one is skipped).
    BOOST_TEST(count(html, "<svg") == 4u);
    BOOST_TEST(html.find("Time to provisioned") != std::string::npos);
    BOOST_TEST(html.find("ttp (microsecond samples") != std::string::npos);
    BOOST_TEST(html.find("tls (microsecond samples") == std::string::npos);
    BOOST_TEST(html.find(">p99.90<") != std::string::npos);
    BOOST_TEST(html.find("nan") == std::string::npos);
    BOOST_TEST(html.find("inf") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(page_without_samples) {
    fleet_html_input in;
    in.title = "empty";
    const auto html = render_fleet_html(in);
    BOOST_TEST(html.find("before the first progress interval") != std::string::npos);
    BOOST_TEST(html.find("No latency samples.") != std::string::npos);
    BOOST_TEST(count(html, "<svg") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
