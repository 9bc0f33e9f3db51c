// provisioning_fsm driven by scripts: the happy path, a fault injected at every fetch of the
// script (network, TLS, timeout, 5xx, 404, 401 loops, stale nonces, truncated firmware), the
// firmware rule, the configurable step order, and misuse by the driver.
#include <boost/test/unit_test.hpp>

#include "boot_script.hpp"

#include <stdexcept>

using namespace boot_test;

namespace {

enum class fault { connect, timeout, tls, bad_response, http_500, http_403 };

std::ostream& operator<<(std::ostream& out, fault f) {
    constexpr const char* names[] = {"connect", "timeout", "tls", "bad_response", "500", "403"};
    return out << names[static_cast<int>(f)];
}

// The fault as the driver reports it for a plain request or a download.
boot_event fault_event(fault f, bool download) {
    const auto failure = [&]() -> std::optional<transport_failure> {
        switch (f) {
            case fault::connect: return transport_failure::connect;
            case fault::timeout: return transport_failure::timeout;
            case fault::tls: return transport_failure::tls;
            case fault::bad_response: return transport_failure::bad_response;
            default: return std::nullopt;
        }
    }();
    const unsigned code = f == fault::http_500 ? 500 : 403;
    if (download) {
        if (failure) return event::download_result{0, {}, 0, {}, failure, "injected", {}};
        return as_download(status(code));
    }
    if (failure) return event::transport_error{*failure, "injected", {}};
    return status(code);
}

// A download failure is followed by discard_download; answer it.
boot_action skip_discard(provisioning_fsm& fsm, boot_action act, bool download) {
    if (!download) return act;
    expect(act, boot_action_type::discard_download);
    return fsm.resume(op_ok, inputs());
}

}  // namespace

BOOST_AUTO_TEST_CASE(happy_path_requests_headers_records_and_persisted_layers) {
    auto fsm = make_fsm();
    auto act = fsm.resume(event::start{}, inputs());
    const auto& first = std::get<action::send_request>(act);
    BOOST_TEST(first.url == "https://cms.example:8443/dms/Aastra9480i/aastra.cfg");
    BOOST_TEST(first.target == "/dms/Aastra9480i/aastra.cfg");
    const std::vector<header_field> expected_headers{
        {"User-Agent", "Aastra9480i MAC:00-08-5D-1A-2B-3C V:3.2.2.3077-SIP"}};
    BOOST_TEST(first.headers == expected_headers, boost::test_tools::per_element());
    BOOST_TEST(first.body_limit == common::aastra::max_cfg_bytes);

    const auto script = happy_script();
    act = play_until(fsm = make_fsm(), script, 5);
    // After the commit the phone runs the new image and says so.
    BOOST_TEST(*find_header(*headers_of(act), "User-Agent") ==
               "Aastra9480i MAC:00-08-5D-1A-2B-3C V:3.2.2.4000-SIP");

    fsm = make_fsm();
    act = play_until(fsm, script, 7);
    const auto& saved = std::get<action::persist>(act);
    BOOST_TEST(saved.server_cfg.find("sip line1 user name: 1001") != std::string::npos);
    BOOST_TEST(saved.server_cfg.find("sip line1 display name: Front desk") != std::string::npos);
    BOOST_TEST(saved.server_cfg.find("old") == std::string::npos);
    BOOST_TEST(saved.local_cfg.find("https server: cms.example") != std::string::npos);

    const auto& outcome = outcome_of(fsm.resume(op_ok, inputs()));
    BOOST_TEST(outcome.status == boot_status::provisioned);
    BOOST_TEST(exit_code(outcome.status) == 0);
    BOOST_TEST(outcome.reason.empty());
    BOOST_TEST(!outcome.kept_last_good);
    BOOST_TEST(outcome.firmware == new_fw);
    BOOST_TEST_REQUIRE(outcome.steps.size() == 5U);
    for (const auto& step : outcome.steps) {
        BOOST_TEST(step.result == step_result::ok, step);
        BOOST_TEST(step.attempts.size() == 1U, step);
    }
    BOOST_TEST(outcome.steps[3].note == "updated from 3.2.2.3077 to 3.2.2.4000");
    BOOST_TEST(outcome.steps[3].bytes == 1000U);
    BOOST_TEST(fsm.config().get_string("sip line1 user name") == "1001");
    BOOST_TEST(fsm.firmware() == new_fw);
    BOOST_TEST(fsm.idle());
}

BOOST_AUTO_TEST_CASE(transient_faults_at_every_fetch_are_retried_then_succeed) {
    const auto script = happy_script();
    for (std::size_t i = 0; i < script.size(); ++i) {
        if (!is_fetch(script[i].expect)) continue;
        const bool download = script[i].expect == boot_action_type::download_to_file;
        for (fault f : {fault::connect, fault::timeout, fault::bad_response, fault::http_500}) {
            BOOST_TEST_CONTEXT("fault " << f << " at " << script[i].file) {
                auto fsm = make_fsm();
                auto act = play_until(fsm, script, i);
                act = skip_discard(fsm, fsm.resume(fault_event(f, download), inputs()), download);
                expect(act, boot_action_type::wait);
                BOOST_TEST(std::get<action::wait>(act).duration == 1000ms);
                act = fsm.resume(event::timer_fired{}, inputs());
                const auto& outcome = outcome_of(play(fsm, act, script, i));
                BOOST_TEST(outcome.status == boot_status::provisioned, outcome);
                const auto& step = outcome.steps.at(i < 4 ? i : 4);
                BOOST_TEST(step.attempts.size() == 2U);
                BOOST_TEST(!step.note.empty());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(persistent_faults_at_every_fetch_end_the_run_and_keep_the_last_good_config) {
    const auto script = happy_script();
    const std::vector<std::pair<fault, boot_status>> table{
        {fault::connect, boot_status::network_error},
        {fault::timeout, boot_status::network_error},
        {fault::tls, boot_status::tls_error},
        {fault::bad_response, boot_status::server_error},
        {fault::http_500, boot_status::server_error},
        {fault::http_403, boot_status::server_error},
    };
    for (std::size_t i = 0; i < script.size(); ++i) {
        if (!is_fetch(script[i].expect)) continue;
        const bool download = script[i].expect == boot_action_type::download_to_file;
        for (const auto& [f, expected] : table) {
            BOOST_TEST_CONTEXT("fault " << f << " at " << script[i].file) {
                // One attempt only, except TLS, which must not be retried even when allowed.
                auto fsm = make_fsm(settings(f == fault::tls ? 4 : 1));
                auto act = play_until(fsm, script, i);
                act = skip_discard(fsm, fsm.resume(fault_event(f, download), inputs()), download);
                const auto& outcome = outcome_of(act);
                BOOST_TEST(outcome.status == expected);
                BOOST_TEST(outcome.reason.starts_with(script[i].file + ": "), outcome.reason);
                BOOST_TEST(outcome.kept_last_good);
                BOOST_TEST(outcome.steps.back().result == step_result::failed);
                BOOST_TEST(fsm.config().get_string("sip line1 user name") == "old");
                // The image is replaced only by a commit, which comes before ca.pem.
                BOOST_TEST(fsm.firmware() == (script[i].file == "ca.pem" ? new_fw : old_fw));
                BOOST_TEST(fsm.idle());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(not_found_is_fatal_for_aastra_cfg_and_firmware_only) {
    const auto script = happy_script();
    for (std::size_t i = 0; i < script.size(); ++i) {
        if (!is_fetch(script[i].expect)) continue;
        BOOST_TEST_CONTEXT("404 at " << script[i].file) {
            const bool download = script[i].expect == boot_action_type::download_to_file;
            auto fsm = make_fsm();
            auto act = play_until(fsm, script, i);
            act = download ? fsm.resume(as_download(status(404)), inputs())
                           : fsm.resume(status(404), inputs());
            act = skip_discard(fsm, act, download);
            if (i == 0) {
                const auto& outcome = outcome_of(act);
                BOOST_TEST(outcome.status == boot_status::server_error);
                BOOST_TEST(outcome.reason ==
                           "aastra.cfg: 404 Not Found: provisioning stopped, keeping the last "
                           "good configuration");
                BOOST_TEST(fsm.config().get_string("sip line1 user name") == "old");
            } else if (download) {
                const auto& outcome = outcome_of(act);
                BOOST_TEST(outcome.status == boot_status::server_error);
                BOOST_TEST(outcome.reason == "9480i.st: HTTP 404, keeping firmware 3.2.2.3077");
                BOOST_TEST(fsm.firmware() == old_fw);
            } else {
                // The certificate's save step disappears with the certificate.
                const std::size_t resume_at = script[i].file == "ca.pem" ? i + 2 : i + 1;
                const auto& outcome = outcome_of(play(fsm, act, script, resume_at));
                BOOST_TEST(outcome.status == boot_status::provisioned);
                const auto& step = outcome.steps.at(i < 4 ? i : 4);
                BOOST_TEST(step.result == step_result::not_found);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_refused_answer_at_every_fetch_is_an_auth_failure_not_a_loop) {
    const auto script = happy_script();
    for (std::size_t i = 0; i < script.size(); ++i) {
        if (!is_fetch(script[i].expect)) continue;
        BOOST_TEST_CONTEXT("401 twice at " << script[i].file) {
            const bool download = script[i].expect == boot_action_type::download_to_file;
            const auto reply = [&](const event::http_response& r) -> boot_event {
                if (download) return as_download(r);
                return r;
            };
            auto fsm = make_fsm();
            auto act = play_until(fsm, script, i);
            act = skip_discard(fsm, fsm.resume(reply(challenge("n1")), inputs()), download);
            expect(act, script[i].expect, script[i].file);
            BOOST_TEST(auth_param(act, "nc") == "00000001");
            act = skip_discard(fsm, fsm.resume(reply(challenge("n1")), inputs()), download);
            const auto& outcome = outcome_of(act);
            BOOST_TEST(outcome.status == boot_status::auth_failed);
            BOOST_TEST(exit_code(outcome.status) == 5);
            BOOST_TEST(outcome.reason ==
                       script[i].file +
                           ": 401 after Digest answer as 'aastra' in realm 'BroadWorks': "
                           "credentials refused");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_stale_nonce_at_every_fetch_gets_exactly_one_more_try) {
    const auto script = happy_script();
    for (std::size_t i = 0; i < script.size(); ++i) {
        if (!is_fetch(script[i].expect)) continue;
        const bool download = script[i].expect == boot_action_type::download_to_file;
        const auto reply = [&](const event::http_response& r) -> boot_event {
            if (download) return as_download(r);
            return r;
        };
        BOOST_TEST_CONTEXT("stale at " << script[i].file) {
            auto fsm = make_fsm();
            auto act = play_until(fsm, script, i);
            act = skip_discard(fsm, fsm.resume(reply(challenge("n1")), inputs()), download);
            act = skip_discard(fsm, fsm.resume(reply(challenge("n2", true)), inputs()), download);
            expect(act, script[i].expect, script[i].file);
            BOOST_TEST(auth_param(act, "nonce") == "n2");
            BOOST_TEST(auth_param(act, "nc") == "00000001");
            const auto& outcome = outcome_of(play(fsm, act, script, i));
            BOOST_TEST(outcome.status == boot_status::provisioned);
        }
        BOOST_TEST_CONTEXT("stale twice at " << script[i].file) {
            auto fsm = make_fsm();
            auto act = play_until(fsm, script, i);
            act = skip_discard(fsm, fsm.resume(reply(challenge("n1")), inputs()), download);
            act = skip_discard(fsm, fsm.resume(reply(challenge("n2", true)), inputs()), download);
            act = skip_discard(fsm, fsm.resume(reply(challenge("n3", true)), inputs()), download);
            BOOST_TEST(outcome_of(act).status == boot_status::auth_failed);
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_aastra_cfg_stops_provisioning_but_a_comment_is_enough) {
    for (std::string body : {"", " \r\n\t\n"}) {
        auto fsm = make_fsm();
        fsm.resume(event::start{}, inputs());
        const auto& outcome = outcome_of(fsm.resume(ok(body), inputs()));
        BOOST_TEST(outcome.status == boot_status::server_error);
        BOOST_TEST(outcome.reason ==
                   "aastra.cfg: empty file: provisioning stopped, keeping the last good "
                   "configuration");
        BOOST_TEST(outcome.kept_last_good);
        BOOST_TEST(fsm.config().get_string("sip line1 user name") == "old");
    }
    // provisioner.net serves "#left blank"; FusionPBX a line without a colon.
    for (std::string body : {"#left blank\n", "This file must contain something\n"}) {
        auto fsm = make_fsm();
        fsm.resume(event::start{}, inputs());
        const auto act = fsm.resume(ok(body), inputs());
        expect(act, boot_action_type::send_request, "9480i.cfg");
    }
}

BOOST_AUTO_TEST_CASE(a_truncated_firmware_image_is_discarded_and_fetched_again) {
    const auto script = happy_script();
    const event::download_result short_image{
        200, {{"Content-Length", "2000"}}, 1000, image_sha, {}, {}, {}};
    auto fsm = make_fsm();
    auto act = play_until(fsm, script, 3);
    act = skip_discard(fsm, fsm.resume(short_image, inputs()), true);
    expect(act, boot_action_type::wait);
    act = fsm.resume(event::timer_fired{}, inputs());
    BOOST_TEST(outcome_of(play(fsm, act, script, 3)).status == boot_status::provisioned);

    fsm = make_fsm(settings(1));
    act = play_until(fsm, script, 3);
    act = skip_discard(fsm, fsm.resume(short_image, inputs()), true);
    const auto& outcome = outcome_of(act);
    BOOST_TEST(outcome.status == boot_status::network_error);
    BOOST_TEST(outcome.reason ==
               "9480i.st: truncated: 1000 of 2000 bytes: gave up after 1 attempt");
    BOOST_TEST(outcome.firmware == old_fw);
    BOOST_TEST(fsm.firmware() == old_fw);
}

BOOST_AUTO_TEST_CASE(firmware_rule) {
    // Same version: no download at all.
    auto fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    fsm.resume(ok("download protocol: HTTPS\nfirmware version: 3.2.2.3077\n"), inputs());
    fsm.resume(status(404), inputs());
    auto act = fsm.resume(status(404), inputs());
    expect(act, boot_action_type::persist);
    auto outcome = outcome_of(fsm.resume(op_ok, inputs()));
    BOOST_TEST(outcome.steps.at(3).result == step_result::unchanged);
    BOOST_TEST(outcome.steps.at(4).result == step_result::skipped);

    // No version asked for: skipped, with the reason.
    fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    fsm.resume(ok("download protocol: HTTPS\n"), inputs());
    fsm.resume(status(404), inputs());
    expect(fsm.resume(status(404), inputs()), boot_action_type::persist);
    outcome = outcome_of(fsm.resume(op_ok, inputs()));
    BOOST_TEST(outcome.steps.at(3).note == "no 'firmware version' in the configuration");

    // After a commit the next boot finds the version in place and does not download again.
    fsm = make_fsm();
    const auto script = happy_script();
    BOOST_TEST(outcome_of(play(fsm, fsm.resume(event::start{}, inputs()), script)).status ==
               boot_status::provisioned);
    act = fsm.resume(event::start{}, inputs());
    for (std::size_t i = 0; i < 3; ++i) act = fsm.resume(script[i].reply, inputs());
    expect(act, boot_action_type::send_request, "ca.pem");

    // A failed commit keeps the old image and names the error.
    fsm = make_fsm();
    play_until(fsm, script, 4);
    outcome =
        outcome_of(fsm.resume(event::file_op_done{"rename: Read-only file system"}, inputs()));
    BOOST_TEST(outcome.status == boot_status::usage_error);
    BOOST_TEST(outcome.reason ==
               "9480i.st: commit failed (rename: Read-only file system), keeping firmware "
               "3.2.2.3077");
    BOOST_TEST(fsm.firmware() == old_fw);

    // A version the User-Agent cannot carry is not downloaded.
    fsm = make_fsm();
    fsm.resume(event::start{}, inputs());
    fsm.resume(ok("download protocol: HTTPS\nfirmware version: 3.2 beta\n"), inputs());
    fsm.resume(status(404), inputs());
    outcome = outcome_of(fsm.resume(status(404), inputs()));
    BOOST_TEST(outcome.status == boot_status::server_error);
    BOOST_TEST(outcome.reason.starts_with("9480i.st: 'firmware version: 3.2 beta' is unusable"));
}

BOOST_AUTO_TEST_CASE(step_order_is_configurable) {
    auto s = settings();
    s.order = {boot_step::firmware, boot_step::mac_cfg, boot_step::global_cfg};
    // Before aastra.cfg arrives, the firmware step reads the last good configuration.
    auto fsm = make_fsm(s, {"firmware version: 3.2.2.4000\n", std::nullopt});
    const std::vector<exchange> script{
        {boot_action_type::download_to_file, "9480i.st", image()},
        {boot_action_type::commit_download, "9480i.st", op_ok},
        {boot_action_type::send_request, "00085D1A2B3C.cfg", ok("sip line1 user name: 1001\n")},
        {boot_action_type::send_request, "aastra.cfg", ok("download protocol: HTTPS\n")},
        {boot_action_type::persist, "", op_ok},
    };
    const auto& outcome = outcome_of(play(fsm, fsm.resume(event::start{}, inputs()), script));
    BOOST_TEST(outcome.status == boot_status::provisioned);
    BOOST_TEST(outcome.steps.size() == 3U);
    BOOST_TEST(fsm.firmware() == new_fw);
}

BOOST_AUTO_TEST_CASE(invalid_setups_are_usage_errors) {
    auto s = settings();
    s.order = {boot_step::global_cfg, boot_step::mac_cfg, boot_step::mac_cfg};
    auto created = provisioning_fsm::create(identity(), s);
    BOOST_TEST(std::get<boot_setup_error>(created).message ==
               "boot order: step 'mac_cfg' appears twice");
    s.order = {boot_step::model_cfg, boot_step::mac_cfg};
    created = provisioning_fsm::create(identity(), s);
    BOOST_TEST(std::holds_alternative<boot_setup_error>(created));
    created = provisioning_fsm::create(identity("3.2 2"), settings());
    BOOST_TEST(std::holds_alternative<boot_setup_error>(created));
    created = provisioning_fsm::create(identity(), settings(),
                                       {std::string(2 * 1024 * 1024, 'x'), std::nullopt});
    BOOST_TEST(std::get<boot_setup_error>(created).message.starts_with("saved server.cfg: "));
}

BOOST_AUTO_TEST_CASE(no_http_server_configured_is_a_usage_error) {
    boot_settings s;  // factory defaults: download protocol TFTP
    auto fsm = make_fsm(s, {});
    const auto& outcome = outcome_of(fsm.resume(event::start{}, inputs()));
    BOOST_TEST(outcome.status == boot_status::usage_error);
    BOOST_TEST(exit_code(outcome.status) == 2);
    BOOST_TEST(outcome.reason.find("'TFTP' is not supported") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_persist_failure_is_reported) {
    auto fsm = make_fsm();
    play_until(fsm, happy_script(), 7);
    const auto& outcome = outcome_of(fsm.resume(event::file_op_done{"ENOSPC"}, inputs()));
    BOOST_TEST(outcome.status == boot_status::usage_error);
    BOOST_TEST(outcome.reason.starts_with("persist: ENOSPC"));
    BOOST_TEST(!outcome.kept_last_good);
}

BOOST_AUTO_TEST_CASE(every_unexpected_event_at_every_step_is_refused_without_effect) {
    // The happy script plus one retried download, so wait and discard are covered too.
    auto script = happy_script();
    script.insert(script.begin() + 3,
                  {{boot_action_type::download_to_file, "9480i.st", as_download(status(500))},
                   {boot_action_type::discard_download, "9480i.st", op_ok},
                   {boot_action_type::wait, "", event::timer_fired{}}});
    const std::vector<boot_event> all{event::start{},
                                      event::login{"u", "p"},
                                      ok("x: y\n"),
                                      event::transport_error{},
                                      image(),
                                      event::timer_fired{},
                                      op_ok};
    const auto accepts = [](boot_action_type act, boot_event_type ev) {
        switch (act) {
            case boot_action_type::send_request:
                return ev == boot_event_type::http_response ||
                       ev == boot_event_type::transport_error;
            case boot_action_type::download_to_file: return ev == boot_event_type::download_result;
            case boot_action_type::wait: return ev == boot_event_type::timer_fired;
            case boot_action_type::done:
                return ev == boot_event_type::start || ev == boot_event_type::login;
            default: return ev == boot_event_type::file_op_done;
        }
    };
    auto fsm = make_fsm();
    for (const auto& ev : all) {
        if (!accepts(boot_action_type::done, type_of(ev))) {
            BOOST_CHECK_THROW(fsm.resume(ev, inputs()), std::logic_error);
        }
    }
    auto act = fsm.resume(event::start{}, inputs());
    for (std::size_t i = 0; i < script.size(); ++i) {
        expect(act, script[i].expect, script[i].file);
        for (const auto& ev : all) {
            BOOST_TEST_CONTEXT("exchange " << i << " event " << ev) {
                if (!accepts(type_of(act), type_of(ev))) {
                    BOOST_CHECK_THROW(fsm.resume(ev, inputs()), std::logic_error);
                }
            }
        }
        act = fsm.resume(script[i].reply, inputs());
    }
    BOOST_TEST(outcome_of(act).status == boot_status::provisioned);
    BOOST_TEST(fsm.config().get_string("sip line1 user name") == "1001");
}

// A fleet keeps last_good() instead of the machine between resyncs: a machine created from it must
// be the one it came from.
BOOST_AUTO_TEST_CASE(last_good_rebuilds_the_configuration_in_force) {
    auto fresh = make_fsm(settings(), {});
    BOOST_TEST(!fresh.last_good().server_cfg);  // nothing good yet: nothing to keep
    BOOST_TEST(!fresh.last_good().local_cfg);

    const auto kept = make_fsm().last_good();  // created from saved layers, no run yet
    BOOST_TEST_REQUIRE(kept.server_cfg.has_value());
    BOOST_TEST(kept.server_cfg->find("sip line1 user name: old") != std::string::npos);

    auto fsm = make_fsm();
    outcome_of(play(fsm, fsm.resume(event::start{}, inputs()), happy_script(), 0));
    const auto saved = fsm.last_good();
    BOOST_TEST_REQUIRE(saved.server_cfg.has_value());
    // The text exported for persist is kept for last_good(); it must be the configuration in force.
    BOOST_TEST(*saved.server_cfg == fsm.config().server_cfg_text());
    BOOST_TEST_REQUIRE(saved.local_cfg.has_value());
    BOOST_TEST(*saved.local_cfg == fsm.config().local_cfg_text());
    auto again = make_fsm(settings(), saved, fsm.firmware());
    BOOST_TEST(again.config().server_cfg_text() == fsm.config().server_cfg_text());
    BOOST_TEST(again.config().local_cfg_text() == fsm.config().local_cfg_text());
    BOOST_TEST(again.config().get_string("sip line1 user name") == "1001");
    BOOST_TEST((again.last_good().server_cfg == saved.server_cfg));
}
