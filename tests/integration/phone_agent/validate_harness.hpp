// Shared by the `phone-agent validate` integration tests: runs run_validate in-process (its own
// io_context) and reads back the JSON and JUnit reports it wrote.
#pragma once

#include "cms_mock_runner.hpp"
#include "temp_dir.hpp"

#include "validate/validate_command.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace validate_harness {

inline const std::string demo_mac = "00085D000003";  // demo device: 9480i, dev000003 / pw000003
inline const std::string dms = "/dms/Aastra9480i/";

struct outcome {
    int exit_code = -1;
    std::map<std::string, std::string> result;  // id -> pass|warn|fail|skip
    std::map<std::string, std::string> seen;
    std::string json_text;
    std::string junit_text;
};

inline phone_agent::validate_options options_for(const std::string& server,
                                                 std::optional<std::filesystem::path> ca = {},
                                                 unsigned timeout_ms = 3000) {
    phone_agent::validate_options v;
    v.server = server;
    v.mac = demo_mac;
    v.model = "9480i";
    if (ca) v.ca_file = ca->string();
    v.timeout_ms = timeout_ms;
    v.system_roots = false;
    return v;
}

inline outcome run_with(phone_agent::validate_options v) {
    test_support::temp_dir out("validate-out");
    v.json_file = (out / "result.json").string();
    v.junit_file = (out / "result.xml").string();
    outcome o;
    o.exit_code = phone_agent::run_validate(v);
    BOOST_REQUIRE_MESSAGE(o.exit_code != 2, "usage error from run_validate");
    o.json_text = test_support::read_file(out / "result.json");
    const auto doc = boost::json::parse(o.json_text);  // kept: the loop below points into it
    for (const auto& c : doc.at("checks").as_array()) {
        const std::string id(c.at("id").as_string());
        o.result[id] = std::string(c.at("result").as_string());
        o.seen[id] = std::string(c.at("seen").as_string());
    }
    o.junit_text = test_support::read_file(out / "result.xml");
    BOOST_TEST(o.junit_text.find("<testsuites name=\"phone-agent validate\"") != std::string::npos);
    return o;
}

inline outcome validate(const std::string& server, std::optional<std::filesystem::path> ca = {},
                        unsigned timeout_ms = 3000) {
    return run_with(options_for(server, std::move(ca), timeout_ms));
}

inline test_support::cms_mock_runner mock(std::string yaml = {}, std::vector<std::string> extra = {},
                                          bool https = false) {
    test_support::cms_mock_options o;
    o.config_yaml = std::move(yaml);
    o.extra_args = std::move(extra);
    o.https = https;
    return test_support::cms_mock_runner(o);
}

inline void expect(const outcome& o, const std::string& id, const std::string& status) {
    auto it = o.result.find(id);
    BOOST_REQUIRE_MESSAGE(it != o.result.end(), "no result for " << id);
    BOOST_TEST(it->second == status, id << " is " << it->second << " (seen: " << o.seen.at(id) << "), expected "
                                        << status << "\n" << o.json_text);
}

}  // namespace validate_harness
