#include "fleet.hpp"

#include "boot_driver.hpp"
#include "fleet_report.hpp"
#include "logic/fleet_plan.hpp"

#include "common/fs/atomic_file.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

namespace phone_agent {

namespace asio = boost::asio;
namespace stdfs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using std::chrono::microseconds;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

microseconds since(clock_type::time_point t, clock_type::time_point now = clock_type::now()) {
    return std::chrono::duration_cast<microseconds>(now - t);
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

// Feeds one phone's exchanges into the fleet statistics and remembers how its last one ended,
// for the error taxonomy.
class phone_observer final : public boot_observer {
public:
    explicit phone_observer(fleet_stats& stats) : stats_(stats) {}

    void exchange(boot_step step, const std::string&, const common::net::fetch_result& r, bool) override {
        exchange_sample s;
        s.step = step;
        s.transport_ok = r.ok();
        s.status = r.status;
        s.bytes = r.body_bytes;
        s.timings = {r.timings.connect, r.timings.tls, r.timings.ttfb, r.timings.transfer, r.timings.total};
        stats_.exchange(s);
        if (r.status != 0) facts_.last_http_status = r.status;
        facts_.last_transport.reset();
        if (!r.ok()) {
            using common::net::fetch_error;
            switch (r.error) {
                case fetch_error::resolve: facts_.last_transport = transport_failure::resolve; break;
                case fetch_error::connect:
                case fetch_error::write: facts_.last_transport = transport_failure::connect; break;
                case fetch_error::connect_timeout:
                case fetch_error::tls_timeout:
                case fetch_error::response_timeout:
                case fetch_error::body_timeout: facts_.last_transport = transport_failure::timeout; break;
                case fetch_error::tls: facts_.last_transport = transport_failure::tls; break;
                case fetch_error::truncated: facts_.last_transport = transport_failure::truncated; break;
                case fetch_error::sink_refused: facts_.last_transport = transport_failure::local_io; break;
                default: facts_.last_transport = transport_failure::bad_response; break;
            }
        }
    }
    void note(const std::string&) override {}

    failure_facts facts(boot_status status) const {
        auto f = facts_;
        f.status = status;
        return f;
    }

private:
    fleet_stats& stats_;
    failure_facts facts_;
};

class fleet_runner {
public:
    explicit fleet_runner(const fleet_request& req) : req_(req) {}

    int run() {
        asio::io_context ioc{1};
        auto ex = ioc.get_executor();
        asio::steady_timer slot_timer(ex);
        asio::steady_timer progress_timer(ex);
        asio::signal_set signals(ex, SIGINT, SIGTERM);
        slot_timer_ = &slot_timer;
        progress_timer_ = &progress_timer;
        signals_ = &signals;
        signals.async_wait([this, &ioc](const boost::system::error_code& ec, int) {
            if (ec) return;
            // First signal: start no more phones, let those in flight finish. A second one stops.
            stopping_ = true;
            slot_timer_->cancel();
            if (start_timer_) start_timer_->cancel();
            std::cerr << "fleet: stopping: no new phones; signal again to abort\n";
            signals_->async_wait([&ioc](const boost::system::error_code& ec2, int) {
                if (!ec2) ioc.stop();
            });
        });
        started_at_ = clock_type::now();
        asio::co_spawn(ex, launch(), [this](std::exception_ptr e) {
            if (e) internal_error(e);
            launcher_done_ = true;
            maybe_finish();
        });
        asio::co_spawn(ex, report_progress(), [this](std::exception_ptr e) {
            if (e) internal_error(e);
        });
        ioc.run();
        ended_at_ = clock_type::now();

        fleet_report report{req_, stats_, since(started_at_, ended_at_), error_examples_};
        const bool passed = report.print_summary(std::cout);
        if (req_.json_file) {
            if (auto err = common::fs::write_file_atomically(*req_.json_file, report.json())) {
                std::cerr << "phone-agent: --json: " << err->message << "\n";
            }
        }
        if (internal_failures_ > 0) return 1;
        return passed ? 0 : 1;
    }

private:
    asio::awaitable<void> launch() {
        auto ex = co_await asio::this_coro::executor;
        const std::size_t n = req_.phones.size();
        const std::size_t limit = req_.concurrency ? req_.concurrency : n;
        asio::steady_timer start_timer(ex);
        start_timer_ = &start_timer;
        std::size_t i = 0;
        for (; i < n && !stopping_; ++i) {
            const auto intended = started_at_ + intended_offset(i, n, req_.storm_window);
            const bool bounded = req_.duration.count() > 0;
            if (bounded && intended >= started_at_ + req_.duration) break;
            if (clock_type::now() < intended) {
                start_timer.expires_at(intended);
                co_await start_timer.async_wait(use_nothrow);
                if (stopping_) break;
            }
            while (in_flight_ >= limit && !stopping_) {
                slot_timer_->expires_at(clock_type::time_point::max());
                co_await slot_timer_->async_wait(use_nothrow);
            }
            if (stopping_ || (bounded && clock_type::now() >= started_at_ + req_.duration)) break;
            ++in_flight_;
            stats_.phone_started();
            asio::co_spawn(ex, run_phone(i, intended, clock_type::now()), [this](std::exception_ptr e) {
                if (e) {
                    internal_error(e);
                    stats_.phone_failed(error_class::other, microseconds(0));
                }
                --in_flight_;
                slot_timer_->cancel();
                maybe_finish();
            });
        }
        for (; i < n; ++i) stats_.phone_skipped();
        start_timer_ = nullptr;
    }

    asio::awaitable<void> run_phone(std::size_t index, clock_type::time_point intended, clock_type::time_point started) {
        const auto& phone = req_.phones[index];
        const auto& model = req_.models[phone.model_index];
        boot_driver_settings settings{req_.agent, std::nullopt, req_.ca_file, &tls_cache_};
        persisted_layers last_good;
        std::string firmware = req_.firmware;
        if (req_.state_dir) {
            settings.state_dir = *req_.state_dir / phone.mac.compact_upper();
            last_good = load_state(*settings.state_dir);
            if (!req_.firmware_given) {
                std::ifstream in(*settings.state_dir / "firmware.version");
                std::string stored;
                if (in && std::getline(in, stored) && !trim(stored).empty()) firmware = trim(stored);
            }
        }
        auto created = provisioning_fsm::create(phone_identity{model.model, phone.mac, firmware}, model.settings,
                                                last_good);
        if (auto* err = std::get_if<boot_setup_error>(&created)) {
            note_failure(error_class::other, phone.mac.compact_upper() + ": " + err->message);
            stats_.phone_failed(error_class::other, since(started));
            co_return;
        }
        auto& fsm = std::get<provisioning_fsm>(created);
        phone_observer observer(stats_);
        boot_driver driver(settings, fsm, observer);
        if (!req_.source_addresses.empty()) {
            driver.bind_to(req_.source_addresses[index % req_.source_addresses.size()]);
        }
        boot_outcome outcome = co_await driver.run(event::start{});
        const auto now = clock_type::now();
        if (outcome.status == boot_status::provisioned) {
            stats_.phone_provisioned(since(intended, now), since(started, now));
            if (settings.state_dir) {
                common::fs::write_file_atomically(*settings.state_dir / "firmware.version", fsm.firmware() + "\n");
            }
        } else {
            const auto why = classify(observer.facts(outcome.status));
            note_failure(why, phone.mac.compact_upper() + ": " + std::string(to_string(outcome.status)) + ": " +
                                  outcome.reason);
            stats_.phone_failed(why, since(started, now));
        }
    }

    asio::awaitable<void> report_progress() {
        auto last = clock_type::now();
        std::uint64_t last_requests = 0;
        while (!finished_) {
            progress_timer_->expires_after(req_.progress_interval);
            co_await progress_timer_->async_wait(use_nothrow);
            const auto now = clock_type::now();
            const double secs = std::chrono::duration<double>(now - last).count();
            const double rate = secs > 0 ? static_cast<double>(stats_.requests() - last_requests) / secs : 0.0;
            last = now;
            last_requests = stats_.requests();
            const auto& ttp = stats_.get(metric::time_to_provisioned);
            char line[256];
            std::snprintf(line, sizeof line,
                          "fleet %7.1fs: started %llu/%zu in-flight %llu provisioned %llu failed %llu | %.0f req/s | "
                          "ttp p99 %s",
                          std::chrono::duration<double>(now - started_at_).count(),
                          static_cast<unsigned long long>(stats_.started()), req_.phones.size(),
                          static_cast<unsigned long long>(stats_.in_flight()),
                          static_cast<unsigned long long>(stats_.provisioned()),
                          static_cast<unsigned long long>(stats_.failed()), rate,
                          ttp.empty() ? "-" : format_duration(microseconds(ttp.percentile(99))).c_str());
            std::cerr << line << std::endl;
        }
    }

    void maybe_finish() {
        if (!launcher_done_ || in_flight_ > 0 || finished_) return;
        finished_ = true;
        progress_timer_->cancel();
        signals_->cancel();
    }

    void note_failure(error_class why, std::string text) {
        auto& slot = error_examples_[why];
        if (slot.empty()) {
            slot = text;
            std::cerr << "fleet: first " << to_string(why) << " failure: " << text << "\n";
        }
    }

    void internal_error(std::exception_ptr e) {
        ++internal_failures_;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            std::cerr << "phone-agent: internal error: " << ex.what() << "\n";
        }
    }

    const fleet_request& req_;
    fleet_stats stats_;
    tls_context_cache tls_cache_;
    std::map<error_class, std::string> error_examples_;
    clock_type::time_point started_at_, ended_at_;
    std::size_t in_flight_ = 0;
    bool stopping_ = false;
    bool launcher_done_ = false;
    bool finished_ = false;
    unsigned internal_failures_ = 0;
    asio::steady_timer* slot_timer_ = nullptr;
    asio::steady_timer* progress_timer_ = nullptr;
    asio::steady_timer* start_timer_ = nullptr;
    asio::signal_set* signals_ = nullptr;
};

}  // namespace

int run_fleet(const fleet_request& req) {
    if (req.state_dir) {
        std::error_code ec;
        stdfs::create_directories(*req.state_dir, ec);
        if (ec) {
            std::cerr << "phone-agent: state directory " << *req.state_dir << ": " << ec.message() << "\n";
            return 2;
        }
    }
    fleet_runner runner(req);
    return runner.run();
}

}  // namespace phone_agent
