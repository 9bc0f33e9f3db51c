#include "fleet.hpp"

#include "boot_driver.hpp"
#include "fleet_progress.hpp"
#include "fleet_report.hpp"
#include "logic/fleet_health.hpp"
#include "logic/fleet_html.hpp"
#include "logic/fleet_metrics.hpp"
#include "logic/fleet_plan.hpp"

#include "common/fs/atomic_file.hpp"
#include "common/http/endpoint.hpp"
#include "common/http/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

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
        s.connection_reused = r.connection_reused;
        s.tls_resumed = r.tls_resumed;
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

// Holds one --concurrency slot while a boot runs; gives it back however the boot ends.
class slot_guard {
public:
    // `held`: the caller already counted this boot in `in_flight`.
    slot_guard(std::size_t& in_flight, asio::steady_timer*& wake, bool held)
        : in_flight_(in_flight), wake_(wake), held_(held) {}
    slot_guard(const slot_guard&) = delete;
    slot_guard& operator=(const slot_guard&) = delete;
    ~slot_guard() { release(); }
    void take() {
        if (held_) return;
        ++in_flight_;
        held_ = true;
    }
    void release() {
        if (!held_) return;
        held_ = false;
        --in_flight_;
        if (wake_) wake_->cancel();
    }

private:
    std::size_t& in_flight_;
    asio::steady_timer*& wake_;
    bool held_;
};

class fleet_runner {
public:
    explicit fleet_runner(const fleet_request& req)
        : req_(req), progress_(std::cerr, progress_printer::stderr_is_tty()) {}

    int run() {
        asio::io_context ioc{1};
        auto ex = ioc.get_executor();
        asio::steady_timer slot_timer(ex);
        asio::steady_timer progress_timer(ex);
        asio::signal_set signals(ex, SIGINT, SIGTERM);
        slot_timer_ = &slot_timer;
        progress_timer_ = &progress_timer;
        signals_ = &signals;
        // Declared after the io_context: it must be destroyed first.
        std::unique_ptr<common::http::http_server> metrics;
        if (req_.metrics_listen) {
            auto parsed = common::http::parse_listen_address(*req_.metrics_listen);
            if (!parsed.endpoint) {
                std::cerr << "phone-agent: --metrics: " << parsed.error << "\n";
                return 2;
            }
            common::http::server_limits limits;
            limits.server_header = "phone-agent fleet";
            limits.max_connections = 16;
            limits.shutdown_grace = std::chrono::seconds(1);
            metrics = std::make_unique<common::http::http_server>(ioc, limits);
            try {
                auto handler = [this](common::http::request_view& r) { return metrics_response(r); };
                const auto bound = metrics->listen({"metrics", *parsed.endpoint, nullptr, handler});
                progress_.message("fleet: metrics " + common::http::url_of("http", bound) + "/metrics");
            } catch (const std::exception& e) {
                std::cerr << "phone-agent: --metrics: " << e.what() << "\n";
                return 2;
            }
            metrics->start();
            metrics_ = metrics.get();
        }
        signals.async_wait([this, &ioc](const boost::system::error_code& ec, int) {
            if (ec) return;
            // First signal: start no more boots, let those in flight finish. A second one stops.
            stopping_ = true;
            slot_timer_->cancel();
            if (start_timer_) start_timer_->cancel();
            for (auto* t : resync_timers_) t->cancel();
            progress_.message("fleet: stopping: no new boots; signal again to abort");
            signals_->async_wait([&ioc](const boost::system::error_code& ec2, int) {
                if (!ec2) ioc.stop();
            });
        });
        started_at_ = last_point_at_ = clock_type::now();
        last_figures_ = read_process_figures();
        const auto cpu_at_start = last_figures_.cpu;
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
        progress_.finish();
        const auto elapsed = since(started_at_, ended_at_);
        const auto final_figures = read_process_figures();
        if (elapsed.count() > 0) {
            health_.cpu_share = static_cast<double>((final_figures.cpu - cpu_at_start).count()) /
                                static_cast<double>(elapsed.count());
        }
        health_.peak_open_fds = std::max(health_.peak_open_fds, final_figures.open_fds);

        if (timeline_.empty() || timeline_.back().t_s < std::chrono::duration<double>(elapsed).count()) {
            add_timeline_point(ended_at_, std::chrono::duration<double>(ended_at_ - last_point_at_).count());
        }

        fleet_report report{req_, stats_, elapsed, error_examples_, health_};
        const bool passed = report.print_summary(std::cout);
        if (req_.html_file) write_html(report);
        if (req_.json_file) {
            if (auto err = common::fs::write_file_atomically(*req_.json_file, report.json())) {
                std::cerr << "phone-agent: --json: " << err->message << "\n";
            }
        }
        if (internal_failures_ > 0) return 1;
        return passed ? 0 : 1;
    }

private:
    std::size_t limit() const { return req_.concurrency ? req_.concurrency : std::numeric_limits<std::size_t>::max(); }
    bool past_end(clock_type::time_point t) const {
        return req_.duration.count() > 0 && t >= started_at_ + req_.duration;
    }

    // The intended first start of phone i, or nullopt when the open model's rate ended first.
    std::optional<microseconds> first_offset(std::size_t i) const {
        if (req_.arrival) return arrival_offset(*req_.arrival, i);
        return intended_offset(i, req_.phones.size(), req_.storm_window);
    }

    asio::awaitable<void> wait_for_slot() {
        while (in_flight_ >= limit() && !stopping_) {
            slot_timer_->expires_at(clock_type::time_point::max());
            co_await slot_timer_->async_wait(use_nothrow);
        }
    }

    asio::awaitable<void> launch() {
        auto ex = co_await asio::this_coro::executor;
        const std::size_t n = req_.phones.size();
        asio::steady_timer start_timer(ex);
        start_timer_ = &start_timer;
        std::size_t i = 0;
        for (; i < n && !stopping_; ++i) {
            const auto offset = first_offset(i);
            if (!offset) break;
            const auto intended = started_at_ + *offset;
            if (past_end(intended)) break;
            if (clock_type::now() < intended) {
                start_timer.expires_at(intended);
                co_await start_timer.async_wait(use_nothrow);
                if (stopping_) break;
            }
            note_start_lag(intended);
            co_await wait_for_slot();
            if (stopping_ || past_end(clock_type::now())) break;
            ++alive_;
            // Counted now: the coroutine starts later, and the next iteration must see the slot taken.
            ++in_flight_;
            stats_.phone_started();
            auto phone = run_phone(i, intended);
            asio::co_spawn(ex, std::move(phone), [this](std::exception_ptr e) {
                if (e) {
                    internal_error(e);
                    stats_.phone_failed(error_class::other, microseconds(0));
                }
                --alive_;
                maybe_finish();
            });
        }
        for (; i < n; ++i) {
            for (std::size_t k = 0; k <= req_.resyncs; ++k) stats_.phone_skipped();
        }
        start_timer_ = nullptr;
    }

    // One phone: its first boot, then a resync every --resync-interval from its intended start,
    // on the same state machine and connection session (a phone keeps its configuration and, with
    // --tls-resumption, its TLS session between boots).
    asio::awaitable<void> run_phone(std::size_t index, clock_type::time_point first_intended) {
        const auto& phone = req_.phones[index];
        const auto& model = req_.models[phone.model_index];
        slot_guard slot(in_flight_, slot_timer_, true);
        auto started = clock_type::now();

        boot_driver_settings settings{req_.agent, std::nullopt, req_.ca_file, &tls_cache_, req_.connection};
        if (phone.client_cert) {
            settings.agent.client_certificate = phone.client_cert;
            settings.agent.client_key = phone.client_key;
        }
        persisted_layers last_good;
        std::string firmware = phone.firmware.value_or(req_.firmware);
        if (req_.state_dir) {
            settings.state_dir = *req_.state_dir / phone.mac.compact_upper();
            last_good = load_state(*settings.state_dir);
            if (!req_.firmware_given && !phone.firmware) {
                std::ifstream in(*settings.state_dir / "firmware.version");
                std::string stored;
                if (in && std::getline(in, stored) && !trim(stored).empty()) firmware = trim(stored);
            }
        }
        boot_settings boot = model.settings;
        if (phone.credentials) {
            boot.global_file_credentials = *phone.credentials;
            boot.local_settings.push_back({"http digest username", phone.credentials->username});
            boot.local_settings.push_back({"http digest password", phone.credentials->password});
        }
        auto created = provisioning_fsm::create(phone_identity{model.model, phone.mac, firmware}, std::move(boot),
                                                last_good);
        if (auto* err = std::get_if<boot_setup_error>(&created)) {
            note_failure(error_class::other, phone.mac.compact_upper() + ": " + err->message);
            stats_.phone_failed(error_class::other, since(started));
            for (std::size_t k = 0; k < req_.resyncs; ++k) stats_.phone_skipped();
            co_return;
        }
        auto& fsm = std::get<provisioning_fsm>(created);
        phone_observer observer(stats_);
        boot_driver driver(settings, fsm, observer);
        if (!req_.source_addresses.empty()) {
            driver.bind_to(req_.source_addresses[index % req_.source_addresses.size()]);
        }
        auto ex = co_await asio::this_coro::executor;
        for (std::size_t k = 0;; ++k) {
            const auto intended = first_intended + std::chrono::duration_cast<clock_type::duration>(
                                                       req_.resync_interval * static_cast<std::int64_t>(k));
            boot_outcome outcome = co_await driver.run(event::start{});
            const auto now = clock_type::now();
            if (outcome.status == boot_status::provisioned) {
                stats_.phone_provisioned(since(intended, now), since(started, now));
                interval_ttp_.record(since(intended, now));
                if (settings.state_dir) {
                    common::fs::write_file_atomically(*settings.state_dir / "firmware.version", fsm.firmware() + "\n");
                }
            } else {
                const auto why = classify(observer.facts(outcome.status));
                note_failure(why, phone.mac.compact_upper() + ": " + std::string(to_string(outcome.status)) + ": " +
                                      outcome.reason);
                stats_.phone_failed(why, since(started, now));
            }
            slot.release();
            if (k == req_.resyncs) break;

            const auto next = first_intended + std::chrono::duration_cast<clock_type::duration>(
                                                   req_.resync_interval * static_cast<std::int64_t>(k + 1));
            if (!stopping_ && !past_end(next)) {
                asio::steady_timer wait(ex, next);
                resync_timers_.insert(&wait);
                co_await wait.async_wait(use_nothrow);
                resync_timers_.erase(&wait);
                if (!stopping_) note_start_lag(next);
                co_await wait_for_slot();
            }
            if (stopping_ || past_end(clock_type::now())) {
                for (std::size_t left = k + 1; left <= req_.resyncs; ++left) stats_.phone_skipped();
                break;
            }
            slot.take();
            stats_.phone_started();
            started = clock_type::now();
        }
    }

    void add_timeline_point(clock_type::time_point now, double interval_s) {
        timeline_point p;
        p.t_s = std::chrono::duration<double>(now - started_at_).count();
        p.requests_per_s =
            interval_s > 0 ? static_cast<double>(stats_.requests() - requests_at_last_point_) / interval_s : 0.0;
        p.in_flight = in_flight_;
        p.provisioned = stats_.provisioned();
        p.failed = stats_.failed();
        p.ttp_p50_us = interval_ttp_.percentile(50);
        p.ttp_p99_us = interval_ttp_.percentile(99);
        p.ttp_max_us = interval_ttp_.max();
        timeline_.push_back(p);
        interval_ttp_.reset();
        requests_at_last_point_ = stats_.requests();
        last_point_at_ = now;
    }

    void write_html(const fleet_report& report) const {
        fleet_html_input in;
        in.title = "phone-agent fleet: " + std::to_string(req_.planned_boots()) + " boots";
        in.command_line = req_.command_line;
        std::ostringstream summary;
        report.print_summary(summary);
        in.summary = summary.str();
        in.timeline = timeline_;
        for (std::size_t i = 0; i < metric_count; ++i) {
            const auto m = static_cast<metric>(i);
            const auto& h = stats_.get(m);
            percentile_spectrum spectrum{to_string(m), {}};
            if (!h.empty()) {
                for (double q : spectrum_percentiles()) spectrum.points.emplace_back(q, h.percentile(q));
            }
            in.spectra.push_back(std::move(spectrum));
        }
        if (auto err = common::fs::write_file_atomically(*req_.html_file, render_fleet_html(in))) {
            std::cerr << "phone-agent: --html: " << err->message << "\n";
        }
    }

    void note_start_lag(clock_type::time_point intended) {
        const auto lag = since(intended);
        if (lag > worst_start_lag_) worst_start_lag_ = lag;
        if (lag > health_.worst_start_lag) health_.worst_start_lag = lag;
    }

    asio::awaitable<void> report_progress() {
        auto last = clock_type::now();
        std::uint64_t last_requests = 0;
        std::uint64_t last_started = 0;
        while (!finished_) {
            progress_timer_->expires_after(req_.progress_interval);
            co_await progress_timer_->async_wait(use_nothrow);
            const auto now = clock_type::now();
            const auto figures = read_process_figures();
            health_sample h;
            h.wall = since(last, now);
            h.cpu = figures.cpu - last_figures_.cpu;
            h.worst_start_lag = worst_start_lag_;
            h.started = stats_.started() - last_started;
            if (req_.arrival) h.requested_rate = rate_at(*req_.arrival, since(started_at_, now));
            h.in_flight = in_flight_;
            h.concurrency = req_.concurrency;
            h.open_fds = figures.open_fds;
            h.fd_limit = figures.fd_limit;
            last_health_ = assess(h);
            health_.peak_cpu_share = std::max(health_.peak_cpu_share, last_health_.cpu_share);
            health_.peak_open_fds = std::max(health_.peak_open_fds, figures.open_fds);
            last_figures_ = figures;
            worst_start_lag_ = microseconds(0);
            const double secs = std::chrono::duration<double>(now - last).count();
            const double rate = secs > 0 ? static_cast<double>(stats_.requests() - last_requests) / secs : 0.0;
            last = now;
            last_requests = stats_.requests();
            last_started = stats_.started();
            add_timeline_point(now, secs);
            const auto& ttp = stats_.get(metric::time_to_provisioned);
            char line[320];
            std::snprintf(line, sizeof line,
                          "fleet %7.1fs: started %llu/%zu in-flight %llu provisioned %llu failed %llu | %.0f req/s | "
                          "ttp p99 %s | cpu %.0f%% fds %zu",
                          std::chrono::duration<double>(now - started_at_).count(),
                          static_cast<unsigned long long>(stats_.started()), req_.planned_boots(),
                          static_cast<unsigned long long>(stats_.in_flight()),
                          static_cast<unsigned long long>(stats_.provisioned()),
                          static_cast<unsigned long long>(stats_.failed()), rate,
                          ttp.empty() ? "-" : format_duration(microseconds(ttp.percentile(99))).c_str(),
                          last_health_.cpu_share * 100, figures.open_fds);
            progress_.update(line);
            if (!last_health_.warning.empty()) {
                ++health_.warnings;
                health_.last_warning = last_health_.warning;
                if (last_health_.warning != last_warning_) progress_.message("fleet: warning: " + last_health_.warning);
                last_warning_ = last_health_.warning;
            }
        }
    }

    common::http::response_plan metrics_response(const common::http::request_view& r) const {
        if (r.target != "/metrics") return common::http::text_response(404, "only /metrics here\n");
        if (r.method != "GET" && r.method != "HEAD") return common::http::text_response(405, "GET only\n");
        fleet_gauges g;
        g.planned_boots = req_.planned_boots();
        g.in_flight = in_flight_;
        g.elapsed_s = std::chrono::duration<double>(clock_type::now() - started_at_).count();
        g.generator_cpu_share = last_health_.cpu_share;
        g.open_fds = last_figures_.open_fds;
        g.generator_warning = !last_health_.warning.empty();
        auto plan = common::http::text_response(200, render_fleet_metrics(stats_, g),
                                                "text/plain; version=0.0.4; charset=utf-8");
        plan.head = r.method == "HEAD";
        return plan;
    }

    void maybe_finish() {
        if (!launcher_done_ || alive_ > 0 || finished_) return;
        if (metrics_) metrics_->shutdown([] {});
        finished_ = true;
        progress_timer_->cancel();
        signals_->cancel();
    }

    void note_failure(error_class why, std::string text) {
        auto& slot = error_examples_[why];
        if (slot.empty()) {
            slot = text;
            progress_.message("fleet: first " + std::string(to_string(why)) + " failure: " + text);
        }
    }

    void internal_error(std::exception_ptr e) {
        ++internal_failures_;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            progress_.message(std::string("phone-agent: internal error: ") + ex.what());
        }
    }

    const fleet_request& req_;
    progress_printer progress_;
    fleet_stats stats_;
    tls_context_cache tls_cache_;
    std::map<error_class, std::string> error_examples_;
    clock_type::time_point started_at_, ended_at_;
    std::size_t in_flight_ = 0;  // boots running
    std::size_t alive_ = 0;      // phone coroutines, booting or waiting for a resync
    bool stopping_ = false;
    bool launcher_done_ = false;
    bool finished_ = false;
    unsigned internal_failures_ = 0;
    asio::steady_timer* slot_timer_ = nullptr;
    asio::steady_timer* progress_timer_ = nullptr;
    asio::steady_timer* start_timer_ = nullptr;
    asio::signal_set* signals_ = nullptr;
    common::http::http_server* metrics_ = nullptr;
    std::set<asio::steady_timer*> resync_timers_;
    process_figures last_figures_;
    microseconds worst_start_lag_{0};
    health_verdict last_health_;
    std::string last_warning_;
    generator_health health_;
    // For --html: one point per progress interval.
    std::vector<timeline_point> timeline_;
    histogram interval_ttp_;
    std::uint64_t requests_at_last_point_ = 0;
    clock_type::time_point last_point_at_;
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
