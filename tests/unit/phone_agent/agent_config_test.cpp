// phone-agent's YAML agent settings: the `action_uris` block `run` reads and the TLS offer, through
// the same defaults < file < environment < --set chain as every other setting.
#include "logic/agent_config.hpp"

#include <boost/test/unit_test.hpp>

using namespace phone_agent;

BOOST_AUTO_TEST_SUITE(agent_config_suite)

BOOST_AUTO_TEST_CASE(action_uris_block_by_default_and_can_run_in_the_background) {
    const auto defaults = load_agent_config(std::nullopt, {}, {});
    BOOST_TEST(defaults.action_uris.blocking);
    BOOST_TEST(defaults.action_uris.max_background == 128u);

    const auto background =
        load_agent_config(std::nullopt, {}, {"action_uris.blocking=false", "action_uris.max_background=7"});
    BOOST_TEST(!background.action_uris.blocking);
    BOOST_TEST(background.action_uris.max_background == 7u);
}

BOOST_AUTO_TEST_CASE(out_of_range_background_limit_names_the_key) {
    for (const char* bad : {"action_uris.max_background=0", "action_uris.max_background=5000"}) {
        try {
            (void)load_agent_config(std::nullopt, {}, {bad});
            BOOST_FAIL("accepted " << bad);
        } catch (const common::config::config_error& e) {
            BOOST_TEST(std::string(e.what()).find("action_uris") != std::string::npos, e.what());
            BOOST_TEST(std::string(e.what()).find("1..1024") != std::string::npos, e.what());
        }
    }
}

// Read as given; OpenSSL judges them when the command starts (boot_connection_test).
BOOST_AUTO_TEST_CASE(tls_offer_is_empty_by_default_and_read_from_every_source) {
    const auto defaults = load_agent_config(std::nullopt, {}, {});
    BOOST_TEST(defaults.tls_offer.cipher_list.empty());
    BOOST_TEST(defaults.tls_offer.ciphersuites.empty());
    BOOST_TEST(defaults.tls_offer.groups.empty());

    const auto set = load_agent_config(std::nullopt, {"PHONE_AGENT_TLS__GROUPS=P-256"},
                                       {"tls.cipher_list=ECDHE+AESGCM", "tls.ciphersuites=TLS_AES_128_GCM_SHA256"});
    BOOST_TEST(set.tls_offer.cipher_list == "ECDHE+AESGCM");
    BOOST_TEST(set.tls_offer.ciphersuites == "TLS_AES_128_GCM_SHA256");
    BOOST_TEST(set.tls_offer.groups == "P-256");
}

BOOST_AUTO_TEST_SUITE_END()
