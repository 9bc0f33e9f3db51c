// --server URL <-> the phone's download protocol / server / path / port keys, both directions and
// the round trip through config_layers.
#include <boost/test/unit_test.hpp>

#include "common/aastra/config_layers.hpp"
#include "logic/server_url.hpp"

#include <string>
#include <variant>
#include <vector>

using namespace phone_agent;

namespace {

server_location parse_ok(std::string_view url) {
    auto parsed = parse_server_url(url);
    if (const auto* error = std::get_if<server_url_error>(&parsed)) {
        BOOST_FAIL("unexpected error for " << url << ": " << error->message);
    }
    return std::get<server_location>(parsed);
}

std::string parse_error(std::string_view url) {
    auto parsed = parse_server_url(url);
    if (const auto* error = std::get_if<server_url_error>(&parsed)) return error->message;
    BOOST_FAIL("expected an error for " << url);
    return {};
}

std::string config_error(const common::aastra::config_layers& layers) {
    auto loc = server_from_config(layers);
    if (const auto* error = std::get_if<server_url_error>(&loc)) return error->message;
    BOOST_FAIL("expected an error, got " << std::get<server_location>(loc));
    return {};
}

common::aastra::config_layers with_local(const std::vector<config_setting>& settings) {
    common::aastra::config_layers layers;
    for (const auto& s : settings) {
        auto error = layers.set_local(s.key, s.value);
        BOOST_TEST_REQUIRE(!error.has_value(), s.key);
    }
    return layers;
}

}  // namespace

BOOST_AUTO_TEST_CASE(https_url_with_port_and_path) {
    const auto loc = parse_ok("https://cms.example.net:8443/dms/Aastra9480i/");
    BOOST_TEST(loc.protocol == download_protocol::https);
    BOOST_TEST(loc.host == "cms.example.net");
    BOOST_TEST(loc.port == 8443);
    BOOST_TEST(loc.path == "/dms/Aastra9480i/");
    BOOST_TEST(base_url(loc) == "https://cms.example.net:8443/dms/Aastra9480i/");
    BOOST_TEST(request_target(loc, "aastra.cfg") == "/dms/Aastra9480i/aastra.cfg");
    BOOST_TEST(file_url(loc, "9480i.st") ==
               "https://cms.example.net:8443/dms/Aastra9480i/9480i.st");
}

BOOST_AUTO_TEST_CASE(defaults_and_normalisation) {
    const auto plain = parse_ok("HTTP://10.0.0.5");
    BOOST_TEST(plain.protocol == download_protocol::http);
    BOOST_TEST(plain.port == 80);
    BOOST_TEST(plain.path == "/");
    BOOST_TEST(base_url(plain) == "http://10.0.0.5/");

    // A missing trailing slash names the same directory.
    BOOST_TEST(parse_ok("https://h/provision").path == "/provision/");
    BOOST_TEST(parse_ok("https://h/provision///").path == "/provision/");
    // The default port is not written back into the URL.
    BOOST_TEST(base_url(parse_ok("https://h:443/p/")) == "https://h/p/");
    BOOST_TEST(base_url(parse_ok("http://h:443/p/")) == "http://h:443/p/");
}

BOOST_AUTO_TEST_CASE(ipv6_hosts_keep_their_brackets_only_in_urls) {
    const auto loc = parse_ok("https://[fd00::1]:8443/dms/");
    BOOST_TEST(loc.host == "fd00::1");
    BOOST_TEST(loc.port == 8443);
    BOOST_TEST(base_url(loc) == "https://[fd00::1]:8443/dms/");
    BOOST_TEST(parse_ok("http://[::1]/").port == 80);
}

BOOST_AUTO_TEST_CASE(malformed_urls_are_refused_with_a_reason) {
    const std::vector<std::pair<std::string, std::string>> table{
        {"ftp://h/", "not supported"},
        {"tftp://h/", "not supported"},
        {"cms.example.net/dms/", "no scheme"},
        {"https://", "empty or malformed"},
        {"https:///dms/", "empty or malformed"},
        {"https://user:pw@h/", "http digest username"},
        {"https://h:0/", "1 to 65535"},
        {"https://h:65536/", "1 to 65535"},
        {"https://h:44x/", "1 to 65535"},
        {"https://h:/", "empty port"},
        {"https://h/p?x=1", "query or fragment"},
        {"https://h/p#f", "query or fragment"},
        {"https://h /p", "space or control"},
        {"https://h/p\r\nX: y", "space or control"},
        {"https://[fd00::1/", "unterminated"},
        {"https://[nothex]/", "not an IPv6"},
        {"https://h!/", "malformed"},
        {"https://h/a//b/", "empty segment"},
        {"https://h/a\\b", "'\\'"},
    };
    for (const auto& [url, fragment] : table) {
        BOOST_TEST_CONTEXT(url) {
            const auto message = parse_error(url);
            BOOST_TEST(message.find(fragment) != std::string::npos, message);
        }
    }
}

BOOST_AUTO_TEST_CASE(settings_name_the_keys_of_the_chosen_protocol) {
    const auto https = settings_for(parse_ok("https://cms:8443/dms/Aastra9480i/"));
    const std::vector<config_setting> expected_https{
        {"download protocol", "HTTPS"},
        {"https server", "cms"},
        {"https path", "dms/Aastra9480i"},
        {"https port", "8443"},
    };
    BOOST_TEST(https == expected_https, boost::test_tools::per_element());

    const auto http = settings_for(parse_ok("http://10.1.2.3"));
    const std::vector<config_setting> expected_http{
        {"download protocol", "HTTP"},
        {"http server", "10.1.2.3"},
        {"http path", ""},
        {"http port", "80"},
    };
    BOOST_TEST(http == expected_http, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(url_to_keys_to_url_round_trips) {
    for (std::string_view url :
         {"https://cms.example.net:8443/dms/Aastra9480i/", "http://10.0.0.5/", "https://h/",
          "http://prov_1.lan:8080/a/b/c/", "https://[fd00::1]:8443/dms/"}) {
        BOOST_TEST_CONTEXT(url) {
            const auto loc = parse_ok(url);
            auto back = server_from_config(with_local(settings_for(loc)));
            BOOST_TEST_REQUIRE(std::holds_alternative<server_location>(back));
            BOOST_TEST(std::get<server_location>(back) == loc);
            BOOST_TEST(base_url(std::get<server_location>(back)) == url);
        }
    }
}

BOOST_AUTO_TEST_CASE(config_written_by_hand_is_read_like_the_phone_does) {
    // FusionPBX writes the path with a leading slash; the port key may be absent.
    auto layers = with_local({{"download protocol", "http"},
                              {"http server", "prov.example"},
                              {"http path", "/provision"}});
    auto loc = server_from_config(layers);
    BOOST_TEST_REQUIRE(std::holds_alternative<server_location>(loc));
    BOOST_TEST(base_url(std::get<server_location>(loc)) == "http://prov.example/provision/");

    // The keys of the protocol not selected are ignored.
    layers = with_local({{"download protocol", "HTTPS"},
                         {"http server", "wrong.example"},
                         {"https server", "right.example"}});
    loc = server_from_config(layers);
    BOOST_TEST_REQUIRE(std::holds_alternative<server_location>(loc));
    BOOST_TEST(std::get<server_location>(loc).host == "right.example");
    BOOST_TEST(std::get<server_location>(loc).port == 443);
}

BOOST_AUTO_TEST_CASE(unusable_config_is_reported_by_key) {
    // Factory defaults: TFTP, which the agent does not speak.
    BOOST_TEST(config_error(common::aastra::config_layers{}).find("'TFTP' is not supported") !=
               std::string::npos);
    BOOST_TEST(config_error(with_local({{"download protocol", "HTTPS"}})) ==
               "'https server' is not set");
    BOOST_TEST(config_error(with_local({{"download protocol", "HTTPS"},
                                        {"https server", "h:8443"}}))
                   .find("put it in 'https port'") != std::string::npos);
    BOOST_TEST(config_error(with_local({{"download protocol", "HTTPS"},
                                        {"https server", "h"},
                                        {"https port", "99999"}}))
                   .find("'https port'") != std::string::npos);
    BOOST_TEST(config_error(with_local({{"download protocol", "HTTP"},
                                        {"http server", "h"},
                                        {"http path", "a b"}}))
                   .find("'http path'") != std::string::npos);
    BOOST_TEST(config_error(with_local({{"download protocol", "HTTP"},
                                        {"http server", "bad/host"}}))
                   .find("not a host name") != std::string::npos);
}
