#include "fleet.hpp"

#include "boot_driver.hpp"
#include "fleet_progress.hpp"
#include "fleet_report.hpp"
#include "fleet_shard.hpp"
#include "logic/fleet_health.hpp"
#include "logic/fleet_html.hpp"
#include "logic/fleet_metrics.hpp"
#include "logic/fleet_plan.hpp"

#include "common/fs/atomic_file.hpp"
#include "common/http/endpoint.hpp"
#include "common/http/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

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

class fleet_runner {
public:
    explicit fleet_runner(const fleet_request& req)
        : req_(req), progress_(std::cerr, progress_printer::stderr_is_tty()), log_(progress_) {}

    int run() {
        asio::io_context ioc{1};
        auto ex = ioc.get_executor();
        asio::steady_timer progress_timer(ex);
        asio::signal_set signals(ex, SIGINT, SIGTERM);
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
                log_.message("fleet: metrics " + common::http::url_of("http", bound) + "/metrics");
            } catch (const std::exception& e) {
                std::cerr << "phone-agent: --metrics: " << e.what() << "\n";
                return 2;
            }
            metrics->start();
            metrics_ = metrics.get();
        }

        // Round-robin shards, each with an equal share of --concurrency; never more shards than
        // phones or slots, so no shard is empty or without a slot.
        std::size_t threads = std::max<std::size_t>(1, std::min(req_.threads, req_.phones.size()));
        if (req_.concurrency > 0) threads = std::min(threads, req_.concurrency);
        threads_ = static_cast<unsigned>(threads);
        for (std::size_t t = 0; t < threads; ++t) {
            const std::size_t share =
                req_.concurrency == 0 ? 0 : req_.concurrency / threads + (t < req_.concurrency % threads ? 1 : 0);
            shards_.push_back(std::make_unique<fleet_shard>(req_, t, threads, share, log_));
        }

        signals.async_wait([this, &ioc](const boost::system::error_code& ec, int) {
            if (ec) return;
            // First signal: start no more boots, let those in flight finish. A second one stops.
            for (auto& shard : shards_) shard->stop_starting();
            log_.message("fleet: stopping: no new boots; signal again to abort");
            signals_->async_wait([this, &ioc](const boost::system::error_code& ec2, int) {
                if (ec2) return;
                for (auto& shard : shards_) shard->abort();
                ioc.stop();
            });
        });
        started_at_ = last_point_at_ = clock_type::now();
        last_figures_ = read_process_figures();
        const auto cpu_at_start = last_figures_.cpu;
        auto work = asio::make_work_guard(ioc);
        std::vector<std::thread> workers;
        for (auto& shard : shards_) {
            workers.emplace_back([this, &ioc, &work, s = shard.get()] {
                s->run(started_at_);
                asio::post(ioc, [this, &work] {
                    if (++shards_done_ == shards_.size()) finish(work);
                });
            });
        }
        asio::co_spawn(ex, report_progress(), [this](std::exception_ptr e) {
            if (e) internal_error(e);
        });
        ioc.run();
        for (auto& w : workers) w.join();
        ended_at_ = clock_type::now();
        log_.finish();
        const auto elapsed = since(started_at_, ended_at_);
        const auto final_figures = read_process_figures();
        if (elapsed.count() > 0) {
            health_.cpu_share = static_cast<double>((final_figures.cpu - cpu_at_start).count()) /
                                (static_cast<double>(elapsed.count()) * threads_);
        }
        health_.peak_open_fds = std::max(health_.peak_open_fds, final_figures.open_fds);

        const auto last = collect(true);
        stats_ = last.stats;
        health_.worst_start_lag = std::max(health_.worst_start_lag, last.worst_start_lag);
        if (timeline_.empty() || timeline_.back().t_s < std::chrono::duration<double>(elapsed).count()) {
            add_timeline_point(last, ended_at_, std::chrono::duration<double>(ended_at_ - last_point_at_).count());
        }
        for (auto& shard : shards_) internal_failures_ += shard->internal_failures();

        const auto examples = log_.examples();
        fleet_report report{req_, stats_, elapsed, examples, health_};
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
    // Every shard's figures added up; `reset` starts the interval histogram and lag again.
    shard_snapshot collect(bool reset) const {
        shard_snapshot all;
        for (const auto& shard : shards_) {
            auto s = shard->snapshot(reset);
            all.stats.merge(s.stats);
            all.interval_ttp.merge(s.interval_ttp);
            all.in_flight += s.in_flight;
            all.worst_start_lag = std::max(all.worst_start_lag, s.worst_start_lag);
        }
        return all;
    }

    void finish(asio::executor_work_guard<asio::io_context::executor_type>& work) {
        if (metrics_) metrics_->shutdown([] {});
        finished_ = true;
        progress_timer_->cancel();
        signals_->cancel();
        work.reset();
    }

    void add_timeline_point(const shard_snapshot& now_figures, clock_type::time_point now, double interval_s) {
        const auto& stats = now_figures.stats;
        timeline_point p;
        p.t_s = std::chrono::duration<double>(now - started_at_).count();
        p.requests_per_s =
            interval_s > 0 ? static_cast<double>(stats.requests() - requests_at_last_point_) / interval_s : 0.0;
        p.in_flight = now_figures.in_flight;
        p.provisioned = stats.provisioned();
        p.failed = stats.failed();
        p.ttp_p50_us = now_figures.interval_ttp.percentile(50);
        p.ttp_p99_us = now_figures.interval_ttp.percentile(99);
        p.ttp_max_us = now_figures.interval_ttp.max();
        timeline_.push_back(p);
        requests_at_last_point_ = stats.requests();
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

    asio::awaitable<void> report_progress() {
        auto last = clock_type::now();
        std::uint64_t last_requests = 0;
        std::uint64_t last_started = 0;
        while (!finished_) {
            progress_timer_->expires_after(req_.progress_interval);
            co_await progress_timer_->async_wait(use_nothrow);
            if (finished_) break;
            const auto now = clock_type::now();
            const auto figures = read_process_figures();
            const auto current = collect(true);
            const auto& stats = current.stats;
            health_sample h;
            h.wall = since(last, now);
            h.cpu = figures.cpu - last_figures_.cpu;
            h.worst_start_lag = current.worst_start_lag;
            h.started = stats.started() - last_started;
            if (req_.arrival) h.requested_rate = rate_at(*req_.arrival, since(started_at_, now));
            h.in_flight = current.in_flight;
            h.concurrency = req_.concurrency;
            h.open_fds = figures.open_fds;
            h.fd_limit = figures.fd_limit;
            h.threads = threads_;
            last_health_ = assess(h);
            health_.peak_cpu_share = std::max(health_.peak_cpu_share, last_health_.cpu_share);
            health_.peak_open_fds = std::max(health_.peak_open_fds, figures.open_fds);
            health_.worst_start_lag = std::max(health_.worst_start_lag, current.worst_start_lag);
            last_figures_ = figures;
            const double secs = std::chrono::duration<double>(now - last).count();
            const double rate = secs > 0 ? static_cast<double>(stats.requests() - last_requests) / secs : 0.0;
            last = now;
            last_requests = stats.requests();
            last_started = stats.started();
            add_timeline_point(current, now, secs);
            const auto& ttp = stats.get(metric::time_to_provisioned);
            char line[320];
            std::snprintf(line, sizeof line,
                          "fleet %7.1fs: started %llu/%zu in-flight %llu provisioned %llu failed %llu | %.0f req/s | "
                          "ttp p99 %s | cpu %.0f%% fds %zu",
                          std::chrono::duration<double>(now - started_at_).count(),
                          static_cast<unsigned long long>(stats.started()), req_.planned_boots(),
                          static_cast<unsigned long long>(stats.in_flight()),
                          static_cast<unsigned long long>(stats.provisioned()),
                          static_cast<unsigned long long>(stats.failed()), rate,
                          ttp.empty() ? "-" : format_duration(microseconds(ttp.percentile(99))).c_str(),
                          last_health_.cpu_share * 100, figures.open_fds);
            log_.update(line);
            if (!last_health_.warning.empty()) {
                ++health_.warnings;
                health_.last_warning = last_health_.warning;
                if (last_health_.warning != last_warning_) log_.message("fleet: warning: " + last_health_.warning);
                last_warning_ = last_health_.warning;
            }
        }
    }

    common::http::response_plan metrics_response(const common::http::request_view& r) const {
        if (r.target != "/metrics") return common::http::text_response(404, "only /metrics here\n");
        if (r.method != "GET" && r.method != "HEAD") return common::http::text_response(405, "GET only\n");
        const auto current = collect(false);
        fleet_gauges g;
        g.planned_boots = req_.planned_boots();
        g.in_flight = current.in_flight;
        g.elapsed_s = std::chrono::duration<double>(clock_type::now() - started_at_).count();
        g.generator_cpu_share = last_health_.cpu_share;
        g.open_fds = last_figures_.open_fds;
        g.generator_warning = !last_health_.warning.empty();
        auto plan = common::http::text_response(200, render_fleet_metrics(current.stats, g),
                                                "text/plain; version=0.0.4; charset=utf-8");
        plan.head = r.method == "HEAD";
        return plan;
    }

    void internal_error(std::exception_ptr e) {
        ++internal_failures_;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log_.message(std::string("phone-agent: internal error: ") + ex.what());
        }
    }

    const fleet_request& req_;
    progress_printer progress_;
    fleet_log log_;
    std::vector<std::unique_ptr<fleet_shard>> shards_;
    unsigned threads_ = 1;
    std::size_t shards_done_ = 0;
    fleet_stats stats_;  // merged at the end
    clock_type::time_point started_at_, ended_at_;
    bool finished_ = false;
    unsigned internal_failures_ = 0;
    asio::steady_timer* progress_timer_ = nullptr;
    asio::signal_set* signals_ = nullptr;
    common::http::http_server* metrics_ = nullptr;
    process_figures last_figures_;
    health_verdict last_health_;
    std::string last_warning_;
    generator_health health_;
    // For --html: one point per progress interval.
    std::vector<timeline_point> timeline_;
    std::uint64_t requests_at_last_point_ = 0;
    clock_type::time_point last_point_at_;
};

}  // namespace

std::vector<std::chrono::microseconds> fleet_request::watched_deadlines() const {
    auto all = deadlines;
    for (const auto& t : thresholds) {
        if (t.what == threshold::kind::provisioned_by) all.push_back(t.deadline);
    }
    return all;
}

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
