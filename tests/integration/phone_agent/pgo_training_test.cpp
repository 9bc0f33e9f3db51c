// scripts/pgo-train.sh, the training run scripts/build-pgo.sh profiles the load-test binaries with,
// run against this build's phone-agent and cms-mock: every one of its fleets (HTTP keep-alive,
// HTTPS resumed and full, a Digest storm with firmware downloads) must provision its phones, or a
// build-pgo.sh profile would be taken from error paths. Its usage errors are checked too.
#include "cms_mock_runner.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <regex>
#include <string>

using namespace test_support;
using namespace std::chrono_literals;

namespace {

std::string training_script() {
    const char* dir = std::getenv("APL_SOURCE_DIR");
    BOOST_TEST_REQUIRE(dir != nullptr, "APL_SOURCE_DIR is not set (run the test through ctest)");
    return std::string(dir) + "/scripts/pgo-train.sh";
}

run_result train(std::vector<std::string> args) {
    std::vector<std::string> argv{"bash", training_script()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv, 300s);
    BOOST_TEST_MESSAGE("pgo-train.sh stderr:\n" << r.stderr_text);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_training_fleet_provisions_its_phones) {
    auto r = train({binary_path("phone-agent/phone-agent").string(), binary_path("cms-mock/cms-mock").string(),
                    "--seconds", "1"});
    BOOST_TEST_REQUIRE(r.exit_code.value_or(-1) == 0);
    for (const char* fleet : {"keep-alive", "https-resumed", "https-full", "storm"}) {
        const std::regex line(std::string("bench: ") + fleet + ": ([0-9]+) boots, ([0-9]+) requests");
        std::smatch m;
        BOOST_TEST_REQUIRE(std::regex_search(r.stderr_text, m, line), "no summary line for " << fleet);
        BOOST_TEST(std::stoul(m[1].str()) > 0u, fleet << " provisioned no phone");
        BOOST_TEST(std::stoul(m[2].str()) >= std::stoul(m[1].str()) * 5, fleet << ": fewer than 5 requests a boot");
    }
    // 256 phones, each with its firmware image: 401 + 200 for aastra.cfg, then <model>.cfg,
    // <MAC>.cfg and <model>.st.
    BOOST_TEST(r.stderr_text.find("bench: storm: 256 boots, 1536 requests") != std::string::npos);
    BOOST_TEST(r.stderr_text.find("bench: training done") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(usage_errors_name_what_is_wrong) {
    const auto agent = binary_path("phone-agent/phone-agent").string();
    const auto mock = binary_path("cms-mock/cms-mock").string();

    auto none = train({});
    BOOST_TEST(none.exit_code.value_or(-1) == 2);
    BOOST_TEST(none.stderr_text.find("usage: scripts/pgo-train.sh") != std::string::npos);

    auto seconds = train({agent, mock, "--seconds", "0"});
    BOOST_TEST(seconds.exit_code.value_or(-1) == 2);
    BOOST_TEST(seconds.stderr_text.find("--seconds: 1..30") != std::string::npos);

    auto missing = train({agent, mock + ".missing"});
    BOOST_TEST(missing.exit_code.value_or(-1) == 1);
    BOOST_TEST(missing.stderr_text.find("no cms-mock at " + mock + ".missing") != std::string::npos);

    // A fleet that cannot provision (a phone-agent that is not one) stops the training.
    auto broken = train({"/bin/false", mock, "--seconds", "1"});
    BOOST_TEST(broken.exit_code.value_or(-1) == 1);
    BOOST_TEST(broken.stderr_text.find("training fleet 'keep-alive' failed") != std::string::npos);
}
