// Crash and disk-full safety of firmware downloads, at volume: 100 × SIGKILL of cms-mock while it
// streams firmware and 100 × SIGKILL of the phone (`phone-agent boot`) mid-download. After each:
// no partial <model>.st, the old image byte-identical, and no temp file once the next process has
// started (the boot's own start-up sweep). Then a
// download into a 1 MiB tmpfs: a clear "no space" error, the old image intact, no temp file.
#include "reliability_support.hpp"

#include "child_process.hpp"
#include "cms_mock_runner.hpp"
#include "phone_agent_runner.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/mount.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

using namespace test_support;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

// A 64 MiB synthetic image throttled to 64 MiB/s: about a second of streaming to kill into.
const std::string slow_firmware_config = R"(
firmware:
  - {model: 9480i, version: 3.2.2.3077, size: 64MiB}
faults:
  - {path: "*.st", throttle: 64MiB}
)";

std::string old_image() {
    std::string s(100000, '\0');
    unsigned x = 7;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 16);
    }
    return s;
}

std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

boot_options slow_boot(const std::string& server_url, const fs::path& state) {
    boot_options o;
    o.server = server_url + "/dms/Aastra9480i/";
    o.state_dir = state;
    o.firmware = "3.2.2.1000";
    o.sets = {"max_firmware_bytes=128MiB", "retry.max_attempts=1", "retry.initial_delay=50ms",
              "timeouts.connect=2s", "timeouts.body_idle=5s"};
    return o;
}

// Waits until a download temp file other than `old` exists in `dir` (returns its name) or the
// boot has exited.
std::optional<std::string> wait_for_temp_file(child_process& boot, const fs::path& dir,
                                              std::chrono::milliseconds timeout,
                                              const std::optional<std::string>& old = std::nullopt) {
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
        for (const auto& name : temp_files_in(dir)) {
            if (name != old) return name;
        }
        if (!boot.running()) return std::nullopt;
        std::this_thread::sleep_for(2ms);
    }
    return std::nullopt;
}

// Anything in `dir` (recursively) that looks like an atomic-write temp file.
std::size_t temp_files_below(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_directory()) n += temp_files_in(it->path()).size();
    }
    return n + temp_files_in(dir).size();
}

}  // namespace

BOOST_AUTO_TEST_CASE(cms_mock_killed_100_times_mid_download) {
    const auto started = clock_type::now();
    const auto previous = old_image();
    temp_dir phone("rel-kill-cms");
    const auto state = phone / "state";
    const auto firmware_dir = state / "firmware";
    phone.write("state/firmware/9480i.st", previous);
    int killed_while_streaming = 0;
    for (int i = 0; i < 100; ++i) {
        BOOST_TEST_CONTEXT("iteration " << i) {
            cms_mock_options mo;
            mo.https = false;
            mo.config_yaml = slow_firmware_config;
            cms_mock_runner mock(mo);

            auto boot = start_boot(slow_boot(mock.http_url(), state));
            const auto temp = wait_for_temp_file(boot, firmware_dir, 20s);
            BOOST_TEST_REQUIRE(temp.has_value(), "no download started: " << tail(boot.stderr_text(), 300));
            // Vary the moment across the ~1 s stream.
            std::this_thread::sleep_for(std::chrono::milliseconds(5 * (i % 100)));
            killed_while_streaming += boot.running() ? 1 : 0;
            mock.process().terminate(SIGKILL);
            mock.process().wait(5s);

            const auto code = boot.wait(30s);
            BOOST_TEST_REQUIRE(code.has_value(), "boot did not exit after the server died");
            BOOST_TEST(*code < 128, "boot crashed: " << tail(boot.stderr_text(), 300));
            BOOST_TEST(temp_files_in(firmware_dir).empty());
            BOOST_TEST(temp_files_below(state) == 0u);
            BOOST_TEST_REQUIRE(fs::exists(firmware_dir / "9480i.st"));
            // Either the old image or (if the kill came after the last byte) the complete new one.
            const auto size = fs::file_size(firmware_dir / "9480i.st");
            BOOST_TEST((size == previous.size() || size == 64u << 20), "partial image of " << size << " bytes");
            if (size == previous.size()) BOOST_TEST((slurp(firmware_dir / "9480i.st") == previous));
            else phone.write("state/firmware/9480i.st", previous);
        }
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - started);
    BOOST_TEST_MESSAGE("100 kills of cms-mock in " << seconds.count() << " s, " << killed_while_streaming
                                                   << " while the boot was still downloading");
    BOOST_TEST(killed_while_streaming >= 90);
}

BOOST_AUTO_TEST_CASE(phone_killed_100_times_mid_download) {
    const auto started = clock_type::now();
    const auto previous = old_image();
    cms_mock_options mo;
    mo.https = false;
    mo.config_yaml = slow_firmware_config;
    cms_mock_runner mock(mo);
    temp_dir phone("rel-kill-phone");
    const auto state = phone / "state";
    const auto firmware_dir = state / "firmware";
    phone.write("state/firmware/9480i.st", previous);
    std::optional<std::string> leftover;
    for (int i = 0; i < 100; ++i) {
        BOOST_TEST_CONTEXT("iteration " << i) {
            auto boot = start_boot(slow_boot(mock.http_url(), state));
            const auto temp = wait_for_temp_file(boot, firmware_dir, 20s, leftover);
            BOOST_TEST_REQUIRE(temp.has_value(), "no download started: " << tail(boot.stderr_text(), 300));
            // The next start removed the previous run's leftover before its own download began.
            if (leftover) BOOST_TEST(!fs::exists(firmware_dir / *leftover), *leftover << " survived a restart");
            std::this_thread::sleep_for(std::chrono::milliseconds(5 * (i % 100)));
            boot.terminate(SIGKILL);
            BOOST_TEST_REQUIRE(boot.wait(5s).has_value());
            const auto names = temp_files_in(firmware_dir);
            BOOST_TEST(names.size() <= 1u);  // SIGKILL: nobody could clean up this one
            leftover = names.empty() ? std::nullopt : std::optional(names.front());
            const auto size = fs::file_size(firmware_dir / "9480i.st");
            BOOST_TEST((size == previous.size() || size == 64u << 20), "partial image of " << size << " bytes");
            if (size == previous.size()) BOOST_TEST((slurp(firmware_dir / "9480i.st") == previous));
            else phone.write("state/firmware/9480i.st", previous);
        }
    }
    // A last start (already on the served version, so nothing to download) sweeps the leftover.
    auto o = slow_boot(mock.http_url(), state);
    o.firmware = "3.2.2.3077";
    const auto r = run_boot(o);
    BOOST_TEST((r.exit_code && *r.exit_code == 0), tail(r.stderr_text));
    BOOST_TEST(temp_files_below(state) == 0u);
    BOOST_TEST((slurp(firmware_dir / "9480i.st") == previous));
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - started);
    BOOST_TEST_MESSAGE("100 kills of phone-agent in " << seconds.count() << " s");
}

BOOST_AUTO_TEST_CASE(disk_full_keeps_the_old_image) {
    const auto previous = old_image();
    temp_dir phone("rel-disk-full");
    const auto firmware_dir = phone / "state/firmware";
    fs::create_directories(firmware_dir);
    if (::mount("tmpfs", firmware_dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) {
        BOOST_TEST_MESSAGE("disk-full test skipped: cannot mount a tmpfs here (" << std::strerror(errno)
                                                                                 << "); needs root");
        return;
    }
    struct unmount {
        fs::path dir;
        ~unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
    } guard{firmware_dir};
    phone.write("state/firmware/9480i.st", previous);

    cms_mock_options mo;
    mo.https = false;
    mo.config_yaml = "firmware:\n  - {model: 9480i, version: 3.2.2.3077, size: 8MiB}\n";
    cms_mock_runner mock(mo);
    auto o = slow_boot(mock.http_url(), phone / "state");
    const auto r = run_boot(o, 60s);
    BOOST_TEST_MESSAGE("disk full: exit " << (r.exit_code ? *r.exit_code : -1) << ", " << tail(r.stderr_text, 300));
    BOOST_TEST_REQUIRE(r.exit_code.has_value());
    BOOST_TEST(*r.exit_code != 0);
    BOOST_TEST(*r.exit_code < 128);
    const auto all = r.stderr_text + r.stdout_text;
    BOOST_TEST((all.find("No space left on device") != std::string::npos ||
                all.find("no space") != std::string::npos), tail(all, 600));
    BOOST_TEST((slurp(firmware_dir / "9480i.st") == previous));
    BOOST_TEST(temp_files_in(firmware_dir).empty());
}
