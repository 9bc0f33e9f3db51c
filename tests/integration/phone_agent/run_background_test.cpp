// `phone-agent run` with many fetches pending at once: what "100 pending page fetches" means on a
// phone. One phone has at most one screen fetch (a new one aborts the old), so the other 99 are
// action URIs in non-blocking mode (`action_uris: {blocking: false}`), fired by telephony events
// from the control API, all against a server that accepts and never answers. The phone must keep
// answering its Web UI and control API at once, bound the background GETs, and close every
// socket when they end. Also: $$LOCALIP$$ with a wildcard listener.
#include "run_fixture.hpp"

#include "cms_mock_runner.hpp"
#include "temp_dir.hpp"

using namespace run_fixture;

namespace {

phone_under_test::settings_tweak background_action_uris(std::size_t max_background) {
    return [max_background](run_settings& s) {
        s.agent.action_uris.blocking = false;
        s.agent.action_uris.max_background = max_background;
        s.agent.timeouts.response = 30s;  // the server "waits 30 s": nothing ends before the test does
    };
}

reply send_event(std::uint16_t port, const std::string& name) {
    return call(port, "POST", "/api/event", admin_auth, R"({"event":")" + name + R"(","number":"201"})",
                "application/json");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(run_background)

BOOST_AUTO_TEST_CASE(hundred_pending_fetches_leave_the_control_api_fast) {
    test_support::temp_dir state("run-100");
    silent_server slow;
    const auto base = "http://127.0.0.1:" + std::to_string(slow.port());
    state.write("local.cfg", "softkey1 type: xml\nsoftkey1 label: Slow\nsoftkey1 value: " + base +
                                 "/page.xml\nxml get timeout: 0\naction uri offhook: " + base +
                                 "/offhook?s=$$LINESTATE$$\naction uri onhook: " + base + "/onhook\n");
    std::size_t baseline = 0;
    {
        phone_under_test phone(state.path(), std::nullopt, false, background_action_uris(128));
        BOOST_TEST_REQUIRE(phone.wait_screen("\"label\":\"Slow\""), phone.screen());
        // Warm-up: the first fetch creates Asio's resolver thread and its descriptors, which stay.
        BOOST_TEST_REQUIRE(send_event(phone.port(), "onhook").status == 200u);
        BOOST_TEST_REQUIRE(slow.wait([&] { return slow.accepted() == 1; }, 10s));
        baseline = open_fds();

        // 1 page fetch + 99 background action URIs, all connected and unanswered.
        BOOST_TEST_REQUIRE(phone.key("softkey1").status == 200u);
        for (int i = 0; i < 98; ++i) {
            BOOST_TEST_REQUIRE(send_event(phone.port(), i % 2 ? "onhook" : "offhook").status == 200u);
        }
        BOOST_TEST_REQUIRE(slow.wait([&] { return slow.accepted() == 100; }, 30s), slow.accepted());
        BOOST_TEST_REQUIRE(phone.wait_status("\"fetches_in_flight\":100"), phone.status());
        BOOST_TEST(contains(phone.status(), "\"background_action_uris\":99"), phone.status());
        BOOST_TEST(contains(phone.screen(), "\"loading\":true"));
        // Non-blocking: keys are not queued behind the action URIs.
        BOOST_TEST(contains(phone.status(), "\"queued_keys\":0"));

        // Control requests while the 100 fetches are pending: screen, status and a Web UI page.
        const std::string targets[] = {"/api/screen", "/api/status", "/sysinfo.html"};
        std::vector<double> ms;
        for (int i = 0; i < 300; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            auto r = call(phone.port(), "GET", targets[i % 3], admin_auth);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            BOOST_TEST_REQUIRE(r.status == 200u);
        }
        std::sort(ms.begin(), ms.end());
        const double p50 = ms[150];
        const double p99 = ms[296];
        BOOST_TEST_MESSAGE("100 pending fetches: control request p50 " << p50 << " ms, p99 " << p99 << " ms, max "
                                                                      << ms.back() << " ms");
        BOOST_TEST(p99 < 20.0);
        BOOST_TEST(slow.accepted() == 100u);
        BOOST_TEST(slow.closed_by_client() == 0u);

        // GOODBYE aborts the page fetch only; the background action URIs stay pending.
        BOOST_TEST(contains(phone.key("goodbye").body, "\"loading\":false"));
        BOOST_TEST(slow.wait([&] { return slow.closed_by_client() == 1; }, 10s), slow.closed_by_client());
        BOOST_TEST(phone.wait_status("\"fetches_in_flight\":99"), phone.status());
    }
    // Stopping the phone aborts the rest and closes every socket.
    BOOST_TEST(slow.wait([&] { return slow.closed_by_client() == 100; }, 15s), slow.closed_by_client());
    BOOST_TEST(slow.wait([&] { return open_fds() <= baseline; }, 10s), open_fds() << " > " << baseline);
}

BOOST_AUTO_TEST_CASE(background_action_uris_are_bounded_oldest_first) {
    test_support::temp_dir state("run-bound");
    silent_server slow;
    state.write("local.cfg", "action uri incoming: http://127.0.0.1:" + std::to_string(slow.port()) +
                                 "/in?n=$$REMOTENUMBER$$&s=$$LINESTATE$$\n");
    phone_under_test phone(state.path(), std::nullopt, false, background_action_uris(5));
    for (int i = 0; i < 8; ++i) BOOST_TEST_REQUIRE(send_event(phone.port(), "incoming").status == 200u);
    BOOST_TEST(slow.wait([&] { return slow.accepted() == 8; }, 15s), slow.accepted());
    // The three oldest were aborted to keep five.
    BOOST_TEST(slow.wait([&] { return slow.closed_by_client() == 3; }, 10s), slow.closed_by_client());
    BOOST_TEST(phone.wait_status("\"background_action_uris\":5"), phone.status());
    BOOST_TEST(contains(slow.first_request(), "GET /in?n=201&s=INCOMING HTTP/1.1"), slow.first_request());
    BOOST_TEST(contains(phone.status(), "\"line_state\":\"INCOMING\""));

    auto bad = call(phone.port(), "POST", "/api/event", admin_auth, R"({"event":"reboot"})", "application/json");
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(contains(bad.body, "unknown event 'reboot'"), bad.body);
}

BOOST_AUTO_TEST_CASE(localip_is_the_address_towards_the_server_with_a_wildcard_listener) {
    test_support::cms_mock_runner mock;
    test_support::temp_dir state("run-localip");
    state.write("local.cfg", "action uri startup: " + mock.http_url() + "/startup.php?ip=$$LOCALIP$$\n");
    phone_under_test phone(state.path(), mock.http_url() + "/dms/Aastra9480i/", false, {}, "0.0.0.0");
    BOOST_TEST_REQUIRE(phone.wait_status("\"provisioning\":\"provisioned\""), phone.status());
    // The route to 127.0.0.1 leaves from 127.0.0.1: that is what the server sees, never 0.0.0.0.
    BOOST_TEST(contains(phone.status(), "\"local_ip\":\"127.0.0.1\""), phone.status());
    const auto until = std::chrono::steady_clock::now() + 15s;
    std::string journal;
    while (std::chrono::steady_clock::now() < until) {
        journal = test_support::run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=1000"},
                                    20s)
                      .stdout_text;
        if (contains(journal, "/startup.php?ip=")) break;
        std::this_thread::sleep_for(50ms);
    }
    BOOST_TEST(contains(journal, "/startup.php?ip=127.0.0.1"), last_part(journal));
    BOOST_TEST(!contains(journal, "ip=0.0.0.0"));
}

BOOST_AUTO_TEST_SUITE_END()
