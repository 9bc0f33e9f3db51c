// `phone-agent boot`: one phone's provisioning on its own io_context (boot_driver does the I/O),
// reported on stderr and, with --json, to a file.
#include "boot_runner.hpp"

#include "boot_driver.hpp"
#include "boot_report.hpp"
#include "logic/boot_fsm.hpp"

#include "common/fs/atomic_file.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>

namespace phone_agent {

namespace asio = boost::asio;
namespace stdfs = std::filesystem;

namespace {

// `boot` prints every exchange and note through the boot report.
class report_observer final : public boot_observer {
public:
    explicit report_observer(boot_report& report) : report_(report) {}
    void exchange(boot_step, const std::string& file, const common::net::fetch_result& result,
                  bool authorized) override {
        report_.exchange(file, result, authorized);
    }
    void note(const std::string& text) override { report_.note(text); }

private:
    boot_report& report_;
};

}  // namespace

int run_boot(const boot_request& req) {
    std::error_code ec;
    stdfs::create_directories(req.state_dir, ec);
    if (ec) {
        std::cerr << "phone-agent: state directory " << req.state_dir << ": " << ec.message() << "\n";
        return 2;
    }
    const persisted_layers last_good = load_state(req.state_dir);
    auto created = provisioning_fsm::create(req.identity, req.settings, last_good);
    if (auto* err = std::get_if<boot_setup_error>(&created)) {
        std::cerr << "phone-agent: " << err->message << "\n";
        return 2;
    }
    auto& fsm = std::get<provisioning_fsm>(created);
    boot_report report(std::cerr);
    report.begin(fsm.user_agent());

    asio::io_context ioc{1};
    // Reusing a connection or a TLS session needs the same client context from one request to the next.
    tls_context_cache tls_cache;
    const bool stable_context = req.connection.keep_alive || req.connection.tls_resumption;
    const boot_driver_settings settings{req.agent, req.state_dir, req.ca_file, stable_context ? &tls_cache : nullptr,
                                        req.connection};
    report_observer observer(report);
    boot_driver driver(settings, fsm, observer);
    std::optional<boot_outcome> outcome;
    std::exception_ptr failure;
    auto runner = [&]() -> asio::awaitable<void> {
        auto result = co_await driver.run(event::start{});
        if (result.status == boot_status::force_login_required && req.login) {
            report.note("force login: logging in as '" + req.login->username + "'");
            // Named first: g++ 12 miscompiles a temporary passed straight into a coroutine call here.
            boot_event login_event{event::login{req.login->username, req.login->password}};
            result = co_await driver.run(std::move(login_event));
        }
        outcome = std::move(result);
    };
    asio::co_spawn(ioc, runner(), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::cerr << "phone-agent: internal error: " << e.what() << "\n";
        }
        return 1;
    }
    report.finish(*outcome, fsm.firmware());
    if (outcome->status == boot_status::provisioned) {
        common::fs::write_file_atomically(req.state_dir / "firmware.version", fsm.firmware() + "\n");
    }
    if (req.json_file) {
        if (auto err = common::fs::write_file_atomically(*req.json_file, report.json(*outcome, fsm.firmware()))) {
            std::cerr << "phone-agent: --json: " << err->message << "\n";
        }
    }
    return exit_code(outcome->status);
}

}  // namespace phone_agent
