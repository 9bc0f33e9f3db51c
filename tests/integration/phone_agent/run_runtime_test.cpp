// `phone-agent run`'s runtime in-process: one phone_runtime on one io_context thread (the service),
// driven from the test's main thread over real loopback sockets only: its HTTP and HTTPS servers,
// Basic auth, Web UI pages, XML push, the control API, cancellable page fetches against a server
// that never answers, blocking action URIs, and provisioning against the real cms-mock.
#include "run_fixture.hpp"

#include "cms_mock_runner.hpp"
#include "temp_dir.hpp"

using namespace run_fixture;

BOOST_AUTO_TEST_SUITE(run_runtime)

BOOST_AUTO_TEST_CASE(web_ui_logins_pages_and_https) {
    test_support::temp_dir state("run-webui");
    phone_under_test phone(state.path(), std::nullopt, true);

    auto anon = call(phone.port(), "GET", "/sysinfo.html", "");
    BOOST_TEST(anon.status == 401u);
    BOOST_TEST(contains(anon.head, "WWW-Authenticate: Basic realm=\"Aastra 9480i\""), anon.head);
    BOOST_TEST(contains(anon.head, "Server: Aragorn"), anon.head);
    BOOST_TEST(call(phone.port(), "GET", "/sysinfo.html", "Authorization: Basic YWRtaW46MjIyMjM=\r\n").status == 401u);

    auto info = call(phone.port(), "GET", "/sysinfo.html", admin_auth);
    BOOST_TEST(info.status == 200u);
    BOOST_TEST(contains(info.head, "Server: Aragorn"));
    BOOST_TEST(contains(info.body, "00-08-5D-00-00-03"));
    BOOST_TEST(contains(info.body, "9480i Revision 0"));

    // The user login sees sysinfo and the phone page, not the configuration.
    BOOST_TEST(call(phone.port(), "GET", "/sysinfo.html", user_auth).status == 200u);
    BOOST_TEST(call(phone.port(), "GET", "/phone.html", user_auth).status == 200u);
    BOOST_TEST(call(phone.port(), "GET", "/localcfg.html", user_auth).status == 403u);
    BOOST_TEST(call(phone.port(), "GET", "/api/status", user_auth).status == 403u);
    BOOST_TEST(call(phone.port(), "GET", "/nope.html", admin_auth).status == 404u);

    // Configuration Server form: stored in the local layer, shown by /localcfg.html.
    auto bad = call(phone.port(), "POST", "/configurationServer.html", admin_auth, "httpport=99999");
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(contains(bad.body, "httpport"));
    auto saved = call(phone.port(), "POST", "/configurationServer.html", admin_auth,
                      "protocol=HTTP&httpserv=127.0.0.1&httppath=dms%2FAastra9480i&httpport=9&postList=10.9.9.9");
    BOOST_TEST(saved.status == 200u);
    BOOST_TEST(contains(saved.body, "Provisioning complete"));
    auto local = call(phone.port(), "GET", "/localcfg.html", admin_auth);
    BOOST_TEST(contains(local.body, "http server: 127.0.0.1"), local.body);
    BOOST_TEST(contains(local.body, "xml application post list: 10.9.9.9"), local.body);
    BOOST_TEST(contains(test_support::read_file(state / "local.cfg"), "http port: 9"));
    // The re-provisioning it started fails (nothing listens on port 9) and says so.
    BOOST_TEST(phone.wait_status("\"provisioning\":\"network_error\""), phone.status());

    // Restart from the Web UI runs the boot again.
    auto reset = call(phone.port(), "POST", "/reset.html", admin_auth, "resetOption=0");
    BOOST_TEST(reset.status == 200u);
    BOOST_TEST(phone.wait_status("\"boots\":3"), phone.status());
    BOOST_TEST(call(phone.port(), "POST", "/reset.html", admin_auth, "resetOption=9").status == 400u);

    // The phone page takes key presses from plain HTML forms.
    auto pressed = call(phone.port(), "POST", "/phone.html", user_auth, "key=goodbye");
    BOOST_TEST(pressed.status == 200u);
    BOOST_TEST(contains(pressed.body, R"(<button name="key" value="goodbye">)"));
    BOOST_TEST(call(phone.port(), "POST", "/phone.html", user_auth, "key=bogus").status == 400u);

    // The same UI over HTTPS, verified against the phone's dev CA.
    auto r = test_support::run({"curl", "-s", "-i", "--max-time", "10", "--cacert", phone.ca_file().string(), "-u",
                                "admin:22222", phone.https_url() + "/sysinfo.html"},
                               20s);
    BOOST_TEST((r.exit_code == 0));
    BOOST_TEST(contains(r.stdout_text, "HTTP/1.1 200"), r.stdout_text);
    BOOST_TEST(contains(r.stdout_text, "Server: Aragorn"));
    BOOST_TEST(contains(r.stdout_text, "00-08-5D-00-00-03"));
}

BOOST_AUTO_TEST_CASE(xml_push_needs_the_post_list_and_fits_the_limit) {
    test_support::temp_dir state("run-push");
    const std::string screen_xml =
        "<AastraIPPhoneTextScreen><Title>Pushed+Title</Title><Text>hello</Text></AastraIPPhoneTextScreen>";
    {
        phone_under_test phone(state.path());
        // Not in the (empty) post list: refused, nothing shown. No login is needed for push.
        auto refused = call(phone.port(), "POST", "/", "", "xml=" + screen_xml, "text/xml");
        BOOST_TEST(refused.status == 403u);
        BOOST_TEST(!contains(phone.screen(), "Pushed"));

        BOOST_TEST(call(phone.port(), "POST", "/configurationServer.html", admin_auth, "postList=127.0.0.1").status ==
                   200u);
        auto raw = call(phone.port(), "POST", "/", "", "xml=" + screen_xml, "text/xml");
        BOOST_TEST(raw.status == 200u);
        BOOST_TEST(contains(phone.screen(), "\"title\":\"Pushed+Title\""), phone.screen());

        // URL-encoded, as in the AG2x example.
        auto encoded = call(phone.port(), "POST", "/", admin_auth,
                            "xml=%3CAastraIPPhoneTextScreen%3E%3CTitle%3EEncoded%3C%2FTitle%3E%3CText%3Ex%3C%2FText%3E"
                            "%3C%2FAastraIPPhoneTextScreen%3E");
        BOOST_TEST(encoded.status == 200u);
        BOOST_TEST(contains(phone.screen(), "\"title\":\"Encoded\""), phone.screen());

        auto big = "<AastraIPPhoneTextScreen><Title>B</Title><Text>" + std::string(10000, 'x') +
                   "</Text></AastraIPPhoneTextScreen>";
        BOOST_TEST(call(phone.port(), "POST", "/", "", "xml=" + big, "text/xml").status == 413u);
        BOOST_TEST(contains(phone.status(), "\"pushes_accepted\":2"));
        BOOST_TEST(contains(phone.status(), "\"pushes_refused\":2"));

        // The screen's clock runs: an object with Timeout="1" returns to idle by itself.
        auto timed = call(phone.port(), "POST", "/", "",
                          "xml=<AastraIPPhoneTextScreen Timeout=\"1\"><Title>Brief</Title><Text>t</Text>"
                          "</AastraIPPhoneTextScreen>",
                          "text/xml");
        BOOST_TEST(timed.status == 200u);
        BOOST_TEST(contains(phone.screen(), "\"title\":\"Brief\""), phone.screen());
        BOOST_TEST(phone.wait_screen("\"kind\":\"idle\"", 5s), phone.screen());
    }
}

BOOST_AUTO_TEST_CASE(page_fetches_are_cancellable_and_never_block_the_ui) {
    test_support::temp_dir state("run-fetch");
    silent_server slow;
    state.write("local.cfg", "softkey1 type: xml\nsoftkey1 label: Slow\nsoftkey1 value: http://127.0.0.1:" +
                                 std::to_string(slow.port()) + "/page.xml?n=$$LOCALIP$$\nxml get timeout: 0\n");
    phone_under_test phone(state.path());
    BOOST_TEST_REQUIRE(phone.wait_screen("\"label\":\"Slow\""), phone.screen());
    // Warm-up: the first fetch creates Asio's resolver thread and its descriptors, which stay.
    BOOST_TEST_REQUIRE(phone.key("softkey1").status == 200u);
    BOOST_TEST_REQUIRE(slow.wait([&] { return slow.accepted() == 1; }, 10s));
    BOOST_TEST_REQUIRE(contains(phone.key("goodbye").body, "\"loading\":false"));
    BOOST_TEST_REQUIRE(slow.wait([&] { return slow.closed_by_client() == 1; }, 10s));
    BOOST_TEST_REQUIRE(phone.wait_status("\"fetches_in_flight\":0"), phone.status());
    const auto baseline = open_fds();

    // 100 page fetches, each pending at the server (connected, no answer) before the next press
    // of the xml softkey aborts it and starts a new one.
    for (std::size_t i = 0; i < 100; ++i) {
        auto r = phone.key("softkey1");
        BOOST_TEST_REQUIRE(r.status == 200u);
        BOOST_TEST_REQUIRE(slow.wait([&] { return slow.accepted() == i + 2; }, 10s), slow.accepted());
    }
    // Every superseded fetch closed its socket: only the last one is still open.
    BOOST_TEST(slow.wait([&] { return slow.closed_by_client() == 100; }, 10s), slow.closed_by_client());
    BOOST_TEST(slow.open() == 1u);
    BOOST_TEST(contains(phone.screen(), "\"loading\":true"), phone.screen());
    const auto request = slow.first_request();
    BOOST_TEST(contains(request, "GET /page.xml?n=127.0.0.1 HTTP/1.1"), request);
    BOOST_TEST(contains(request, "User-Agent: " + ua_9480i), request);
    BOOST_TEST(contains(request, "Accept-Language: en"), request);

    // While a fetch is pending the control API answers at once.
    std::vector<double> ms;
    for (int i = 0; i < 200; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = call(phone.port(), "GET", "/api/screen", admin_auth);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        BOOST_TEST_REQUIRE(r.status == 200u);
    }
    std::sort(ms.begin(), ms.end());
    BOOST_TEST_MESSAGE("GET /api/screen p50 " << ms[100] << " ms, p99 " << ms[197] << " ms");
    BOOST_TEST(ms[197] < 20.0);

    // GOODBYE aborts the last fetch: the socket closes and the screen is restored.
    auto bye = phone.key("goodbye");
    BOOST_TEST(bye.status == 200u);
    BOOST_TEST(contains(bye.body, "\"loading\":false"), bye.body);
    BOOST_TEST(contains(bye.body, "\"kind\":\"idle\""), bye.body);
    BOOST_TEST(slow.wait([&] { return slow.closed_by_client() == 101; }, 10s), slow.closed_by_client());
    BOOST_TEST(phone.wait_status("\"fetches_in_flight\":0"), phone.status());
    BOOST_TEST(slow.wait([&] { return open_fds() <= baseline; }, 5s), open_fds() << " > " << baseline);
}

BOOST_AUTO_TEST_CASE(keys_wait_for_a_blocking_action_uri) {
    test_support::temp_dir state("run-action");
    silent_server slow;
    const auto port = std::to_string(slow.port());
    // The startup action URI goes to a server that never answers; `xml get timeout` ends it.
    state.write("local.cfg", "action uri startup: http://127.0.0.1:" + port + "/startup?ip=$$LOCALIP$$\n" +
                                 "xml get timeout: 2\nsoftkey1 type: xml\nsoftkey1 label: K\n" +
                                 "softkey1 value: http://127.0.0.1:" + port + "/k.xml\n");
    phone_under_test phone(state.path());
    BOOST_TEST_REQUIRE(slow.wait([&] { return slow.accepted() == 1; }, 15s));
    // Accepted is not yet read: the request may arrive a moment after the connection.
    BOOST_TEST(slow.wait([&] { return !slow.first_request().empty(); }, 5s));
    BOOST_TEST(contains(slow.first_request(), "GET /startup?ip=127.0.0.1 HTTP/1.1"), slow.first_request());
    BOOST_TEST(contains(phone.status(), "\"action_uri_pending\":true"), phone.status());

    // The key is queued, not applied: no page fetch starts while the action URI blocks.
    phone.key("softkey1");
    BOOST_TEST(contains(phone.status(), "\"queued_keys\":1"), phone.status());
    BOOST_TEST(slow.accepted() == 1u);
    // After the timeout the action URI fails and the queued key runs.
    BOOST_TEST(slow.wait([&] { return slow.accepted() == 2; }, 10s), slow.accepted());
    BOOST_TEST(contains(phone.status(), "\"queued_keys\":0"), phone.status());
    BOOST_TEST(contains(phone.screen(), "\"loading\":true"), phone.screen());
}

BOOST_AUTO_TEST_CASE(action_uri_poll_fires_every_interval) {
    test_support::temp_dir state("run-poll");
    silent_server slow;
    state.write("local.cfg", "action uri poll: http://127.0.0.1:" + std::to_string(slow.port()) +
                                 "/poll\naction uri poll interval: 1\nxml get timeout: 1\n");
    phone_under_test phone(state.path());
    BOOST_TEST(slow.wait([&] { return slow.accepted() >= 3; }, 10s), slow.accepted());
    BOOST_TEST(slow.wait([&] { return !slow.first_request().empty(); }, 5s));
    BOOST_TEST(contains(slow.first_request(), "GET /poll HTTP/1.1"), slow.first_request());
    BOOST_TEST(contains(slow.first_request(), "User-Agent: " + ua_9480i));
}

BOOST_AUTO_TEST_CASE(provisions_from_cms_mock_and_fetches_with_the_aastra_user_agent) {
    test_support::cms_mock_runner mock;
    test_support::temp_dir state("run-cms");
    // Local settings as a user would leave them in the Web UI: an XML key and the startup URI.
    state.write("local.cfg", "softkey2 type: xml\nsoftkey2 label: Menu\nsoftkey2 value: " + mock.http_url() +
                                 "/dms/Aastra9480i/menu.xml\naction uri startup: " + mock.http_url() +
                                 "/startup.php?ip=$$LOCALIP$$\n");
    phone_under_test phone(state.path(), mock.http_url() + "/dms/Aastra9480i/");
    BOOST_TEST_REQUIRE(phone.wait_status("\"provisioning\":\"provisioned\""), phone.status());
    BOOST_TEST(contains(call(phone.port(), "GET", "/servercfg.html", admin_auth).body, "sip"));

    auto journal = [&] {
        return test_support::run({"curl", "-s", "--max-time", "10", mock.admin_url() + "/_admin/journal?limit=1000"},
                                 20s)
            .stdout_text;
    };
    // The startup action URI fired after the boot.
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!contains(journal(), "/startup.php?ip=127.0.0.1") && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(50ms);
    }
    auto j = journal();
    BOOST_TEST(contains(j, "/dms/Aastra9480i/aastra.cfg"));
    BOOST_TEST(contains(j, "/startup.php?ip=127.0.0.1"), last_part(j));
    BOOST_TEST(contains(j, ua_9480i));

    // A page fetch through the XML key: cms-mock has no menu.xml, the phone says so.
    BOOST_TEST(phone.key("softkey2").status == 200u);
    BOOST_TEST(phone.wait_screen("HTTP error 404"), phone.screen());
    BOOST_TEST(contains(journal(), "/dms/Aastra9480i/menu.xml"));

    // check-sync provisions again.
    BOOST_TEST(call(phone.port(), "POST", "/api/check-sync", admin_auth).status == 202u);
    BOOST_TEST(phone.wait_status("\"boots\":2"), phone.status());
    BOOST_TEST(occurrences(journal(), "/dms/Aastra9480i/aastra.cfg") >= 2u);
}

BOOST_AUTO_TEST_SUITE_END()
