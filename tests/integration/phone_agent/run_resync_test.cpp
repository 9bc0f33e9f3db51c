// Auto-resync of a running phone against the real cms-mock, without sleeping for hours: the phone
// runs with test_clock (`run --test-clock`) and POST /api/clock moves its wall clock forward. The
// re-provisioning is seen in cms-mock's journal; a busy phone (a call from POST /api/event)
// waits until it is idle again.
#include "run_fixture.hpp"

#include "cms_mock_runner.hpp"
#include "temp_dir.hpp"

using namespace run_fixture;

namespace {

reply post_json(std::uint16_t port, const std::string& target, const std::string& body) {
    return call(port, "POST", target, admin_auth, body, "application/json");
}

// "hh:mm" (UTC) `ahead` from now.
std::string utc_time_of_day(std::chrono::minutes ahead) {
    const auto t = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now() + ahead);
    const auto since_midnight = (t - std::chrono::floor<std::chrono::days>(t)).count();
    auto two = [](long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    return two(since_midnight / 60) + ":" + two(since_midnight % 60);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(run_resync)

BOOST_AUTO_TEST_CASE(resyncs_at_the_configured_time_and_only_when_idle) {
    test_support::cms_mock_runner mock;
    test_support::temp_dir state("run-resync");
    state.write("local.cfg", "auto resync mode: 1\nauto resync time: " + utc_time_of_day(180min) +
                                 "\nauto resync max delay: 15\n");
    phone_under_test phone(state.path(), mock.http_url() + "/dms/Aastra9480i/", false,
                           [](run_settings& s) { s.test_clock = true; });
    BOOST_TEST_REQUIRE(phone.wait_status("\"provisioning\":\"provisioned\""), phone.status());
    BOOST_TEST(contains(phone.status(), "\"boots\":1,"), phone.status());
    BOOST_TEST(!contains(phone.status(), "\"resync_next\":\"\""), phone.status());
    auto journal = [&] {
        return test_support::run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=1000"},
                                 20s)
            .stdout_text;
    };
    // aastra.cfg requests per provisioning run (a 401 challenge first, then the authorised one).
    const auto aastra_cfg_requests = [&] { return occurrences(journal(), "/dms/Aastra9480i/aastra.cfg"); };
    const auto per_boot = aastra_cfg_requests();
    BOOST_TEST_REQUIRE(per_boot >= 1u);
    const auto boots_seen_by_server = [&] { return aastra_cfg_requests() / per_boot; };

    // Two hours on: not yet due.
    BOOST_TEST(post_json(phone.port(), "/api/clock", R"({"advance_seconds":7200})").status == 200u);
    BOOST_TEST(contains(phone.status(), "\"resync_checks\":0"), phone.status());

    // Past hh:mm + the largest random delay: the phone re-provisions by itself.
    BOOST_TEST(post_json(phone.port(), "/api/clock", R"({"advance_seconds":4500})").status == 200u);
    BOOST_TEST(phone.wait_status("\"resync_checks\":1"), phone.status());
    BOOST_TEST(phone.wait_status("\"boots\":2,"), phone.status());
    BOOST_TEST(boots_seen_by_server() == 2u);

    // A call is going on when the next day's check comes due: it waits for the phone to be idle.
    BOOST_TEST(post_json(phone.port(), "/api/event", R"({"event":"offhook"})").status == 200u);
    BOOST_TEST(contains(phone.status(), "\"idle\":false"), phone.status());
    BOOST_TEST(post_json(phone.port(), "/api/clock", R"({"advance_seconds":86400})").status == 200u);
    std::this_thread::sleep_for(1500ms);  // the overdue check is looked at every second
    BOOST_TEST(contains(phone.status(), "\"resync_checks\":1"), phone.status());
    BOOST_TEST(boots_seen_by_server() == 2u);
    BOOST_TEST(post_json(phone.port(), "/api/event", R"({"event":"onhook"})").status == 200u);
    BOOST_TEST(phone.wait_status("\"resync_checks\":2"), phone.status());
    BOOST_TEST(phone.wait_status("\"boots\":3,"), phone.status());
    BOOST_TEST(boots_seen_by_server() == 3u);

    auto bad = post_json(phone.port(), "/api/clock", R"({"advance_seconds":-5})");
    BOOST_TEST(bad.status == 400u);
}

BOOST_AUTO_TEST_CASE(the_clock_api_needs_the_test_clock_option) {
    test_support::temp_dir state("run-noclock");
    phone_under_test phone(state.path());
    auto r = post_json(phone.port(), "/api/clock", R"({"advance_seconds":60})");
    BOOST_TEST(r.status == 404u);
    BOOST_TEST(contains(r.body, "--test-clock"), r.body);
}

BOOST_AUTO_TEST_SUITE_END()
