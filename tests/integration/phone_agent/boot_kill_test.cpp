// Crash safety of the firmware download: cms-mock is killed with SIGKILL while a 64 MiB image is
// streaming (20 times, at slightly different moments), and the phone itself is killed mid-download.
// The old image must stay byte-identical, no partial <model>.st may appear, and temp files must be
// gone once the boot has exited (or, after the phone was killed, once the next boot has started).
#include "cms_mock_runner.hpp"
#include "phone_agent_runner.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

using namespace test_support;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string slow_firmware_config = R"(
firmware:
  - {model: 9480i, version: 3.2.2.3077, size: 64MiB}
faults:
  - {path: "*.st", throttle: 64MiB}
)";

std::string old_image() {
    std::string s(100000, '\0');
    unsigned x = 99;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 16);
    }
    return s;
}

boot_options slow_boot(const cms_mock_runner& mock, const fs::path& state) {
    boot_options o;
    o.server = mock.http_url() + "/dms/Aastra9480i/";
    o.state_dir = state;
    o.firmware = "3.2.2.1000";
    o.sets = {"max_firmware_bytes=128MiB", "retry.max_attempts=2", "retry.initial_delay=50ms",
              "timeouts.connect=2s", "timeouts.body_idle=5s"};
    return o;
}

// Waits until the download's temp file exists in `dir` or the boot has exited.
bool wait_for_temp_file(child_process& boot, const fs::path& dir, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!temp_files_in(dir).empty()) return true;
        if (!boot.running()) return false;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(server_killed_mid_download_20_times) {
    const auto started = std::chrono::steady_clock::now();
    const auto previous = old_image();
    for (int i = 0; i < 20; ++i) {
        BOOST_TEST_CONTEXT("iteration " << i) {
            temp_dir phone("pa-kill");
            const auto state = phone / "state";
            const auto firmware_dir = state / "firmware";
            phone.write("state/firmware/9480i.st", previous);
            cms_mock_options mo;
            mo.https = false;
            mo.config_yaml = slow_firmware_config;
            cms_mock_runner mock(mo);

            auto boot = start_boot(slow_boot(mock, state));
            const bool downloading = wait_for_temp_file(boot, firmware_dir, 10s);
            BOOST_TEST(downloading, "no temp file before the boot ended: " << tail(boot.stderr_text(), 300));
            std::this_thread::sleep_for(std::chrono::milliseconds(30 * (i % 10)));  // vary the moment (~1 s stream)
            mock.process().terminate(SIGKILL);
            mock.process().wait(5s);

            auto code = boot.wait(20s);
            BOOST_TEST_REQUIRE(code.has_value(), "boot did not exit after the server died");
            BOOST_TEST(*code != 0);
            BOOST_TEST(*code < 128, "boot crashed: " << tail(boot.stderr_text(), 300));  // not a signal
            BOOST_TEST(temp_files_in(firmware_dir).empty());
            BOOST_TEST(temp_files_in(state).empty());
            BOOST_TEST_REQUIRE(fs::exists(firmware_dir / "9480i.st"));
            BOOST_TEST(fs::file_size(firmware_dir / "9480i.st") == previous.size());
            BOOST_TEST((read_file(firmware_dir / "9480i.st") == previous));
            BOOST_TEST(!fs::exists(state / "firmware.version"));
            BOOST_TEST(!fs::exists(state / "server.cfg"));  // nothing of the failed run applied
        }
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    BOOST_TEST_MESSAGE("20 kills in " << seconds.count() << " s");
    BOOST_TEST(seconds.count() < 45);
}

BOOST_AUTO_TEST_CASE(phone_killed_mid_download_leaves_a_temp_file_the_next_boot_removes) {
    const auto previous = old_image();
    cms_mock_options mo;
    mo.https = false;
    mo.config_yaml = slow_firmware_config;
    cms_mock_runner mock(mo);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST_CONTEXT("iteration " << i) {
            temp_dir phone("pa-kill-phone");
            const auto state = phone / "state";
            const auto firmware_dir = state / "firmware";
            phone.write("state/firmware/9480i.st", previous);
            auto boot = start_boot(slow_boot(mock, state));
            BOOST_TEST_REQUIRE(wait_for_temp_file(boot, firmware_dir, 10s), tail(boot.stderr_text(), 300));
            boot.terminate(SIGKILL);
            BOOST_TEST_REQUIRE(boot.wait(5s).has_value());
            BOOST_TEST(temp_files_in(firmware_dir).size() == 1u);  // SIGKILL: nobody could clean up
            BOOST_TEST((read_file(firmware_dir / "9480i.st") == previous));

            // The next boot already runs the served version (nothing to download) and removes the
            // leftover at start.
            auto o = slow_boot(mock, state);
            o.firmware = "3.2.2.3077";
            auto r = run_boot(o);
            BOOST_TEST((r.exit_code && *r.exit_code == 0), tail(r.stderr_text));
            BOOST_TEST(temp_files_in(firmware_dir).empty());
            BOOST_TEST((read_file(firmware_dir / "9480i.st") == previous));
        }
    }
}
