// `phone-agent fleet` measurement: error taxonomy, phase and file-class histograms, thresholds.
#include "logic/fleet_stats.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>

using namespace phone_agent;
using namespace std::chrono_literals;
using std::chrono::microseconds;

namespace {

threshold parse_ok(std::string_view text) {
    auto t = parse_threshold(text);
    if (const auto* err = std::get_if<plan_error>(&t)) BOOST_FAIL("unexpected error: " << err->message);
    return std::get<threshold>(t);
}

// 100 phones: 99 provisioned at 1..99 ms, one failed with a 503.
fleet_stats sample_fleet() {
    fleet_stats s;
    for (int i = 1; i <= 100; ++i) {
        s.phone_started();
        if (i == 100) s.phone_failed(error_class::http_5xx, 5ms);
        else s.phone_provisioned(microseconds(i * 1000), microseconds(i * 500));
    }
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_stats_suite)

BOOST_AUTO_TEST_CASE(failures_are_classified_by_what_ended_the_phone) {
    auto cls = [](boot_status st, std::optional<transport_failure> tf, unsigned http) {
        return classify(failure_facts{st, tf, http});
    };
    BOOST_TEST(cls(boot_status::tls_error, transport_failure::tls, 0) == error_class::tls);
    BOOST_TEST(cls(boot_status::auth_failed, std::nullopt, 401) == error_class::auth);
    BOOST_TEST(cls(boot_status::network_error, transport_failure::connect, 0) == error_class::connect);
    BOOST_TEST(cls(boot_status::network_error, transport_failure::resolve, 0) == error_class::connect);
    BOOST_TEST(cls(boot_status::network_error, transport_failure::timeout, 200) == error_class::timeout);
    BOOST_TEST(cls(boot_status::network_error, transport_failure::truncated, 200) == error_class::truncated);
    BOOST_TEST(cls(boot_status::network_error, transport_failure::bad_response, 0) == error_class::other);
    BOOST_TEST(cls(boot_status::server_error, std::nullopt, 404) == error_class::http_4xx);
    BOOST_TEST(cls(boot_status::server_error, std::nullopt, 503) == error_class::http_5xx);
    BOOST_TEST(cls(boot_status::server_error, std::nullopt, 200) == error_class::other);  // empty aastra.cfg
    BOOST_TEST(cls(boot_status::force_login_required, std::nullopt, 200) == error_class::other);
    BOOST_TEST(std::string(to_string(error_class::http_4xx)) == "4xx");
}

BOOST_AUTO_TEST_CASE(exchanges_feed_phase_and_file_histograms) {
    fleet_stats s;
    exchange_sample https_cfg{boot_step::global_cfg, true, 200, 300, {1000us, 4000us, 800us, 50us, 5900us}};
    exchange_sample plain_fw{boot_step::firmware, true, 200, 262144, {300us, 0us, 500us, 20000us, 20800us}};
    exchange_sample refused{boot_step::mac_cfg, false, 0, 0, {0us, 0us, 0us, 0us, 120us}};
    exchange_sample cert{boot_step::user_certificates, true, 404, 0, {200us, 0us, 300us, 10us, 600us}};
    for (const auto& e : {https_cfg, plain_fw, refused, cert}) s.exchange(e);
    BOOST_TEST(s.requests() == 4u);
    BOOST_TEST(s.request_failures() == 1u);
    BOOST_TEST(s.bytes() == 262444u);
    BOOST_TEST(s.requests_with_status(2) == 2u);
    BOOST_TEST(s.requests_with_status(4) == 1u);
    BOOST_TEST(s.get(metric::connect).count() == 3u);  // the refused one never connected
    BOOST_TEST(s.get(metric::tls).count() == 1u);      // only the https one
    BOOST_TEST(s.get(metric::tls).max() == 4000u);
    BOOST_TEST(s.get(metric::ttfb).count() == 3u);
    BOOST_TEST(s.get(metric::aastra_cfg).max() == 5900u);
    BOOST_TEST(s.get(metric::firmware).max() == 20800u);
    BOOST_TEST(s.get(metric::mac_cfg).count() == 1u);
    BOOST_TEST(s.get(metric::model_cfg).empty());
}

BOOST_AUTO_TEST_CASE(outcomes_count_and_rate) {
    auto s = sample_fleet();
    BOOST_TEST(s.started() == 100u);
    BOOST_TEST(s.provisioned() == 99u);
    BOOST_TEST(s.failed() == 1u);
    BOOST_TEST(s.in_flight() == 0u);
    BOOST_TEST(s.errors(error_class::http_5xx) == 1u);
    BOOST_TEST(s.error_rate_percent() == 1.0);
    BOOST_TEST(s.get(metric::time_to_provisioned).count() == 99u);
    const auto p50 = s.get(metric::time_to_provisioned).percentile(50);  // 50 ms within a bucket
    BOOST_TEST(p50 >= 49'800u);
    BOOST_TEST(p50 <= 50'200u);
    BOOST_TEST(s.get(metric::service_time).max() == 49'500u);
}

// --threads: each shard counts its own phones; the merged figures must equal one fleet that saw
// everything.
BOOST_AUTO_TEST_CASE(merged_shards_equal_one_fleet) {
    exchange_sample https_cfg{boot_step::global_cfg, true, 200, 300, {1000us, 4000us, 800us, 50us, 5900us}};
    exchange_sample refused{boot_step::mac_cfg, false, 0, 0, {0us, 0us, 0us, 0us, 120us}};
    https_cfg.connection_reused = true;
    https_cfg.tls_resumed = true;
    fleet_stats whole = sample_fleet();
    fleet_stats a = sample_fleet();
    fleet_stats b;
    for (const auto& e : {https_cfg, refused}) {
        whole.exchange(e);
        b.exchange(e);
    }
    whole.phone_skipped();
    b.phone_skipped();
    b.phone_started();
    b.phone_failed(error_class::tls, 7ms);
    whole.phone_started();
    whole.phone_failed(error_class::tls, 7ms);

    a.merge(b);
    BOOST_TEST(a.started() == whole.started());
    BOOST_TEST(a.not_started() == 1u);
    BOOST_TEST(a.provisioned() == 99u);
    BOOST_TEST(a.failed() == 2u);
    BOOST_TEST(a.errors(error_class::tls) == 1u);
    BOOST_TEST(a.errors(error_class::http_5xx) == 1u);
    BOOST_TEST(a.requests() == 2u);
    BOOST_TEST(a.request_failures() == 1u);
    BOOST_TEST(a.bytes() == 300u);
    BOOST_TEST(a.requests_with_status(2) == 1u);
    BOOST_TEST(a.connections_reused() == whole.connections_reused());
    BOOST_TEST(a.tls_handshakes() == whole.tls_handshakes());
    BOOST_TEST(a.tls_resumed() == whole.tls_resumed());
    BOOST_TEST(a.tls_time().count() == whole.tls_time().count());
    for (std::size_t i = 0; i < metric_count; ++i) {
        const auto m = static_cast<metric>(i);
        BOOST_TEST_CONTEXT(to_string(m)) {
            BOOST_TEST(a.get(m).count() == whole.get(m).count());
            BOOST_TEST(a.get(m).max() == whole.get(m).max());
            BOOST_TEST(a.get(m).percentile(99) == whole.get(m).percentile(99));
        }
    }
}

BOOST_AUTO_TEST_CASE(thresholds_parse) {
    auto t = parse_ok("p99<500ms");
    BOOST_TEST((t.what == threshold::kind::latency));
    BOOST_TEST((t.hist == metric::time_to_provisioned));
    BOOST_TEST(t.quantile == 99.0);
    BOOST_TEST(t.limit == 500'000.0);
    auto t2 = parse_ok("firmware.p99.9 <= 2s");
    BOOST_TEST((t2.hist == metric::firmware));
    BOOST_TEST(t2.quantile == 99.9);
    BOOST_TEST(t2.op == "<=");
    BOOST_TEST(parse_ok("p99.9<1s").quantile == 99.9);
    BOOST_TEST(parse_ok("tls.max<1s").quantile == 100.0);
    auto e = parse_ok("errors<0.1%");
    BOOST_TEST((e.what == threshold::kind::errors));
    BOOST_TEST(e.percent);
    BOOST_TEST(e.limit == 0.1);
    BOOST_TEST(!parse_ok("errors<3").percent);
    BOOST_TEST((parse_ok("provisioned>=99%").what == threshold::kind::provisioned));
    auto by = parse_ok("provisioned@90s>=99.5%");
    BOOST_TEST((by.what == threshold::kind::provisioned_by));
    BOOST_TEST(by.deadline.count() == 90'000'000);
    BOOST_TEST(by.limit == 99.5);
    BOOST_TEST(by.percent);
    for (const char* bad : {"p99", "p99<", "p999<1s", "q99<1s", "bogus.p99<1s", "p99<fast", "errors<150%",
                            "errors<x%", "provisioned@<99%", "provisioned@soon>=99%", "provisioned@0s>=99%",
                            "provisioned@-1s>=9"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(std::holds_alternative<plan_error>(parse_threshold(bad))); }
    }
}

BOOST_AUTO_TEST_CASE(thresholds_pass_and_fail_on_observed_figures) {
    const auto s = sample_fleet();
    auto check = [&](std::string_view text) { return evaluate(parse_ok(text), s, 100, 100).passed; };
    BOOST_TEST(check("p99<500ms"));
    BOOST_TEST(!check("p99<1us"));
    BOOST_TEST(check("p50<=51ms"));
    BOOST_TEST(!check("p50<49ms"));
    BOOST_TEST(check("max>=99ms"));
    BOOST_TEST(check("errors<2%"));
    BOOST_TEST(!check("errors<1%"));   // exactly 1 %
    BOOST_TEST(check("errors<=1"));
    BOOST_TEST(check("provisioned>=99%"));
    BOOST_TEST(!check("provisioned>99%"));
    BOOST_TEST(!check("tls.p99<1h"));  // nothing measured cannot pass
    auto r = evaluate(parse_ok("errors<0.1%"), s, 100, 100);
    BOOST_TEST(!r.passed);
    BOOST_TEST(r.observed == 1.0);
    BOOST_TEST(r.observed_text.find("1 of 100") != std::string::npos);
    // A fleet cut short: shares are of the whole plan.
    BOOST_TEST(!evaluate(parse_ok("provisioned>=50%"), s, 1000, 1000).passed);
}

BOOST_AUTO_TEST_CASE(concurrency_and_arrivals) {
    fleet_stats s;
    s.phone_started(1, true);
    s.phone_started(2, true);
    s.phone_started(3, false);  // a resync
    s.phone_started(2, true);
    BOOST_TEST(s.started() == 4u);
    BOOST_TEST(s.arrivals() == 3u);
    BOOST_TEST(s.peak_in_flight() == 3u);
    // Four boots of 500 ms each within 1 s: two in flight on average.
    for (int i = 0; i < 4; ++i) s.boot_ended(500ms);
    BOOST_TEST(s.mean_in_flight(1s) == 2.0);
    BOOST_TEST(s.mean_in_flight(0s) == 0.0);
    fleet_stats other;
    other.phone_started(5, true);
    other.boot_ended(1s);
    s.merge(other);
    BOOST_TEST(s.arrivals() == 4u);
    BOOST_TEST(s.peak_in_flight() == 8u);  // threads' peaks add up: an upper bound
    BOOST_TEST(s.mean_in_flight(1s) == 3.0);
}

BOOST_AUTO_TEST_CASE(share_of_the_fleet_provisioned_by_a_deadline) {
    // 10 phones; 8 provision (two of them twice: resyncs count once), 2 never do. Phone k first
    // provisions (k + 1) seconds after the start.
    fleet_stats s;
    s.watch_deadlines({5s, 8s});
    s.watch_deadlines({5s});  // watched once
    BOOST_TEST(s.deadlines().size() == 2u);
    for (int k = 0; k < 8; ++k) s.phone_first_provisioned(std::chrono::seconds(k + 1));
    BOOST_TEST(s.provisioned_by(5s) == 5u);   // 1..5 s, the deadline itself included
    BOOST_TEST(s.provisioned_by(8s) == 8u);
    // Not watched: from the histogram, whole buckets (at most 0.78 % wide).
    BOOST_TEST(s.provisioned_by(4'500'000us) == 4u);
    BOOST_TEST(s.provisioned_by(10s) == 8u);
    // Half of 10 phones by the 5th, 80% by the 8th, never 90% or all of them.
    // From the histogram: within 0.4 % of the true times.
    BOOST_TEST(std::abs(s.fleet_provisioned_at(0.5, 10).value().count() - 5'000'000) <= 20'000);
    BOOST_TEST(std::abs(s.fleet_provisioned_at(0.8, 10).value().count() - 8'000'000) <= 32'000);
    BOOST_TEST(s.fleet_provisioned_at(0.55, 10).value() > s.fleet_provisioned_at(0.5, 10).value());
    BOOST_TEST(!s.fleet_provisioned_at(0.9, 10).has_value());
    BOOST_TEST(!s.fleet_provisioned_at(1.0, 10).has_value());
    BOOST_TEST(!s.fleet_provisioned_at(0.5, 0).has_value());

    auto check = [&](std::string_view text) { return evaluate(parse_ok(text), s, 30, 10); };
    BOOST_TEST(check("provisioned@5s>=50%").passed);
    BOOST_TEST(!check("provisioned@5s>50%").passed);
    BOOST_TEST(check("provisioned@8s>=8").passed);
    BOOST_TEST(!check("provisioned@8s>=90%").passed);
    const auto r = check("provisioned@8s>=90%");
    BOOST_TEST(r.observed == 80.0);
    BOOST_TEST(r.observed_text == "provisioned by 8.00s after the start = 80% (8 of 10 phones)");

    // Threads: each shard watches the same deadlines; the merged counts add up.
    fleet_stats a, b;
    a.watch_deadlines({5s});
    b.watch_deadlines({5s});
    a.phone_first_provisioned(1s);
    b.phone_first_provisioned(2s);
    b.phone_first_provisioned(6s);
    a.merge(b);
    BOOST_TEST(a.provisioned_by(5s) == 2u);
    BOOST_TEST(a.first_provisioned().count() == 3u);
}

// Resyncs whose phone was still busy are counted apart from the generator's lateness, and
// --threads shards add up their counts and keep the worst.
BOOST_AUTO_TEST_CASE(resyncs_behind_schedule_count_and_merge) {
    fleet_stats a, b;
    BOOST_TEST(a.resyncs_behind_schedule() == 0u);
    BOOST_TEST(a.worst_behind_schedule().count() == 0);
    a.resync_behind_schedule(30ms);
    a.resync_behind_schedule(10ms);
    b.resync_behind_schedule(250ms);
    BOOST_TEST(a.resyncs_behind_schedule() == 2u);
    BOOST_TEST(a.worst_behind_schedule().count() == microseconds(30ms).count());
    a.merge(b);
    BOOST_TEST(a.resyncs_behind_schedule() == 3u);
    BOOST_TEST(a.worst_behind_schedule().count() == microseconds(250ms).count());
}

BOOST_AUTO_TEST_SUITE_END()
