// `phone-agent run`: the I/O half of one phone that stays up; see phone_runtime.hpp.
#include "run/phone_runtime.hpp"

#include "boot_driver.hpp"
#include "logic/server_url.hpp"
#include "logic/ascii.hpp"
#include "logic/web_ui.hpp"
#include "run/config_key.hpp"
#include "run/local_address.hpp"

#include "common/aastra/user_agent.hpp"
#include "common/fs/atomic_file.hpp"
#include "common/http/endpoint.hpp"
#include "common/net/http_client.hpp"
#include "common/net/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

namespace phone_agent {

namespace asio = boost::asio;
namespace http = common::http;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// Boot exchanges go to the log: `phone-agent run` keeps stdout for its start-up lines.
class log_observer final : public boot_observer {
public:
    void exchange(boot_step, const std::string& file, const common::net::fetch_result& result,
                  bool authorized) override {
        if (result.ok()) {
            spdlog::info("provisioning: {}: HTTP {} ({} bytes{})", file, result.status, result.body_bytes,
                         authorized ? ", authorized" : "");
        } else {
            spdlog::warn("provisioning: {}: {}", file, result.detail);
        }
    }
    void note(const std::string& text) override { spdlog::info("provisioning: {}", text); }
};

}  // namespace

phone_runtime::phone_runtime(asio::io_context& ioc, run_settings settings)
    : ioc_(ioc),
      settings_(std::move(settings)),
      server_(ioc, [&] {
          auto limits = settings_.server_limits;
          limits.server_header = "Aragorn";
          return limits;
      }()),
      firmware_(settings_.identity.firmware),
      provision_wakeup_(std::make_unique<asio::steady_timer>(ioc)),
      screen_(screen_options{settings_.push.max_object_size}),
      action_uris_([this](std::string_view key) { return setting(key); }),
      fetches_(ioc.get_executor(), [this](fetch_completion done) { fetch_finished(std::move(done)); }),
      tick_timer_(std::make_unique<asio::steady_timer>(ioc)),
      poll_timer_(std::make_unique<asio::steady_timer>(ioc)),
      random_(std::random_device{}()),
      resync_([this](int bound) { return std::uniform_int_distribution<int>(0, bound)(random_); }),
      resync_timer_(std::make_unique<asio::steady_timer>(ioc)) {
    auto ua = common::aastra::format_user_agent(settings_.identity.model, settings_.identity.mac, firmware_);
    if (auto* s = std::get_if<std::string>(&ua)) user_agent_ = *s;
    variables_.set(phone_variable::line_state, "IDLE");
    // Start from what the last run saved, so the Web UI shows it before the first boot ends.
    const auto saved = load_state(settings_.state_dir);
    if (saved.server_cfg) (void)config_.load_server_cfg_text(*saved.server_cfg);
    if (saved.local_cfg) (void)config_.load_local_cfg_text(*saved.local_cfg);
    refresh_from_config();
}

phone_runtime::~phone_runtime() = default;

std::string phone_runtime::listen(const std::string& name, const asio::ip::tcp::endpoint& endpoint,
                                  std::shared_ptr<asio::ssl::context> tls) {
    const bool https = tls != nullptr;
    http::listener_spec spec{name, endpoint, std::move(tls),
                             [this](http::request_view& req) { return handle(req); }};
    const auto bound = server_.listen(std::move(spec));
    auto url = http::url_of(https ? "https" : "http", bound);
    addresses_.push_back(url);
    if (listener_address_.empty() || (!https && addresses_.size() > 1)) {
        listener_address_ = bound.address().to_string();
        // Until a provisioning run tells the route to the server, the interfaces decide.
        variables_.set(phone_variable::local_ip, choose_local_ip(listener_address_, "", interface_addresses()));
        screen_.set_variables(variables_);
    }
    return url;
}

void phone_runtime::start() {
    server_.start();
    provision_again_ = true;
    asio::co_spawn(ioc_, provision_loop(),
                   asio::bind_cancellation_slot(provision_stop_.slot(), [](std::exception_ptr e) {
                       if (!e) return;
                       try {
                           std::rethrow_exception(e);
                       } catch (const boost::system::system_error& se) {
                           if (se.code() != asio::error::operation_aborted) {
                               spdlog::error("provisioning: stopped: {}", se.what());
                           }
                       } catch (const std::exception& ex) {
                           spdlog::error("provisioning: internal error: {}", ex.what());
                       }
                   }));
    auto log_failure = [](const char* what) {
        return [what](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("{}: internal error: {}", what, ex.what());
            }
        };
    };
    asio::co_spawn(ioc_, tick_loop(), log_failure("screen"));
    asio::co_spawn(ioc_, poll_loop(), log_failure("action uri poll"));
    asio::co_spawn(ioc_, resync_loop(), log_failure("auto resync"));
}

void phone_runtime::stop(std::function<void()> done) {
    if (stopping_) return;
    stopping_ = true;
    fetches_.cancel_all();
    provision_stop_.emit(asio::cancellation_type::terminal);
    provision_wakeup_->cancel();
    tick_timer_->cancel();
    poll_timer_->cancel();
    resync_timer_->cancel();
    // `done` may destroy the runtime: every fetch coroutine must have finished by then.
    server_.shutdown([this, done = std::move(done)]() mutable { fetches_.when_empty(std::move(done)); });
}

// ---------------------------------------------------------------------------------------------
// Configuration

std::optional<std::string> phone_runtime::setting(std::string_view key) const {
    if (auto it = remote_overrides_.find(normalise_key(key)); it != remote_overrides_.end()) {
        return it->second;
    }
    auto v = config_.get(key);
    if (!v) return std::nullopt;
    return v->value;
}

void phone_runtime::refresh_from_config() {
    std::vector<configured_softkey> keys;
    for (int i = 1; i <= 10; ++i) {
        const auto prefix = "softkey" + std::to_string(i);
        auto type = setting(prefix + " type");
        if (!type || type->empty() || *type == "none") continue;
        keys.push_back({i, *type, setting(prefix + " label").value_or(""), setting(prefix + " value").value_or("")});
    }
    screen_.set_idle_softkeys(std::move(keys));
    screen_.set_idle_title(setting("sip screen name").value_or("Aastra " + std::string(settings_.identity.model.name)));
    variables_.set(phone_variable::sip_user_name, setting("sip line1 user name").value_or(""));
    variables_.set(phone_variable::sip_auth_name, setting("sip line1 auth name").value_or(""));
    variables_.set(phone_variable::display_name, setting("sip line1 display name").value_or(""));
    variables_.set(phone_variable::proxy_url, setting("sip line1 proxy ip").value_or(""));
    screen_.set_variables(variables_);
    client_tls_.reset();  // `https validate ...` may have changed; running fetches keep theirs
    refresh_resync();
}

void phone_runtime::save_local() {
    const auto path = settings_.state_dir / "local.cfg";
    if (auto err = common::fs::write_file_atomically(path, config_.local_cfg_text())) {
        spdlog::error("local configuration: {}", err->message);
    }
}

common::tls::tls_config phone_runtime::client_tls_settings() const {
    common::tls::tls_config t;
    t.use_system_roots = settings_.agent.use_system_roots;
    t.offer = settings_.agent.tls_offer;
    if (settings_.ca_file) t.ca_files.push_back(common::tls::pem_source::from_file(*settings_.ca_file));
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(settings_.state_dir / "certificates", ec)) {
        if (entry.is_regular_file()) t.ca_files.push_back(common::tls::pem_source::from_file(entry.path()));
    }
    t.verify_peer = config_.get_bool("https validate certificates", true);
    t.verify_hostname = config_.get_bool("https validate hostname", true);
    t.check_expiry = config_.get_bool("https validate expires", true);
    if (config_.get_string("https client method", "") == "TLS 1.0") t.legacy_tls10 = true;
    return t;
}

std::shared_ptr<asio::ssl::context> phone_runtime::client_tls_context(std::string& error) {
    if (!client_tls_) {
        auto made = common::tls::make_client_context(client_tls_settings());
        if (auto* err = std::get_if<common::tls::tls_error>(&made)) {
            error = err->message;
            return nullptr;
        }
        client_tls_ = std::make_shared<asio::ssl::context>(std::move(std::get<asio::ssl::context>(made)));
    }
    return client_tls_;
}

// ---------------------------------------------------------------------------------------------
// Provisioning

asio::awaitable<void> phone_runtime::provision_loop() {
    for (;;) {
        if (stopping_) co_return;
        if (!provision_again_) {
            provision_wakeup_->expires_at(steady::time_point::max());
            co_await provision_wakeup_->async_wait(use_nothrow);
            continue;
        }
        provision_again_ = false;
        provisioning_ = true;
        provisioning_state_ = "provisioning";
        provisioning_reason_.clear();

        boot_settings boot = settings_.boot;
        if (!first_boot_) boot.local_settings.clear();  // the local layer already holds them
        first_boot_ = false;
        if (next_run_mode_ == resync_mode::config) {
            // `auto resync mode: 1`: the configuration files only, never a firmware download.
            std::erase(boot.order, boot_step::firmware);
        }
        next_run_mode_ = resync_mode::both;
        phone_identity identity = settings_.identity;
        identity.firmware = firmware_;
        auto created = provisioning_fsm::create(identity, boot, load_state(settings_.state_dir));
        if (auto* err = std::get_if<boot_setup_error>(&created)) {
            // The phone still comes up, with the configuration it had.
            provisioning_ = false;
            boot_outcome failed;
            failed.status = boot_status::usage_error;
            failed.reason = err->message;
            failed.kept_last_good = true;
            after_provisioning(failed);
            continue;
        }
        auto& fsm = std::get<provisioning_fsm>(created);
        // One new connection per request, as the phone does.
        const boot_driver_settings driver_settings{settings_.agent, settings_.state_dir, settings_.ca_file, nullptr, {}};
        log_observer observer;
        boot_driver driver(driver_settings, fsm, observer);
        auto outcome = co_await driver.run(event::start{});
        if (outcome.status == boot_status::force_login_required && settings_.login) {
            // Named first: g++ 12 miscompiles a temporary passed straight into a coroutine call here.
            boot_event login_event{event::login{settings_.login->username, settings_.login->password}};
            outcome = co_await driver.run(std::move(login_event));
        }
        config_ = fsm.config();
        firmware_ = fsm.firmware();
        co_await discover_local_ip();
        provisioning_ = false;
        after_provisioning(outcome);
    }
}

void phone_runtime::after_provisioning(const boot_outcome& outcome) {
    ++boots_;
    provisioning_state_ = to_string(outcome.status);
    provisioning_reason_ = outcome.reason;
    std::cerr << "provisioning: " << provisioning_state_
              << (outcome.reason.empty() ? "" : ": " + outcome.reason) << std::endl;
    if (outcome.status == boot_status::provisioned) {
        if (auto err = common::fs::write_file_atomically(settings_.state_dir / "firmware.version", firmware_ + "\n")) {
            spdlog::error("firmware.version: {}", err->message);
        }
    }
    auto ua = common::aastra::format_user_agent(settings_.identity.model, settings_.identity.mac, firmware_);
    if (auto* s = std::get_if<std::string>(&ua)) user_agent_ = *s;
    remote_overrides_.clear();
    refresh_from_config();
    // The phone has (re)started: the startup action URI fires, the poll schedule restarts.
    fire_action_uri(action_event::startup);
    poll_timer_->cancel();
}

void phone_runtime::reprovision() {
    provision_again_ = true;
    if (!provisioning_) provision_wakeup_->cancel();
}

asio::awaitable<void> phone_runtime::discover_local_ip() {
    if (choose_local_ip(listener_address_, "", {}) == listener_address_) co_return;  // a specific address
    std::string route;
    auto loc = server_from_config(config_);
    if (auto* l = std::get_if<server_location>(&loc)) {
        const auto executor = co_await asio::this_coro::executor;
        route = co_await route_address(executor, l->host, l->port);
    }
    const auto ip = choose_local_ip(listener_address_, route, interface_addresses());
    if (ip != variables_.get(phone_variable::local_ip)) {
        spdlog::info("$$LOCALIP$$ is {}", ip);
        variables_.set(phone_variable::local_ip, ip);
        screen_.set_variables(variables_);
    }
}

// ---------------------------------------------------------------------------------------------
// Auto-resync

std::chrono::system_clock::time_point phone_runtime::wall_now() const {
    return std::chrono::system_clock::now() + clock_offset_;
}

bool phone_runtime::idle() const {
    return !provisioning_ && !provision_again_ && !screen_.loading() && blocking_pending_ == 0 &&
           variables_.get(phone_variable::line_state) == "IDLE";
}

void phone_runtime::refresh_resync() {
    auto parsed = read_resync_settings([this](std::string_view key) { return setting(key); });
    for (const auto& w : parsed.warnings) spdlog::warn("auto resync: {}", w);
    resync_.configure(parsed.settings, wall_now());
    wake_resync();
}

void phone_runtime::wake_resync() {
    if (!stopping_) resync_timer_->cancel();
}

asio::awaitable<void> phone_runtime::resync_loop() {
    using namespace std::chrono_literals;
    while (!stopping_) {
        const auto now = wall_now();
        if (auto mode = resync_.poll(now, idle())) {
            spdlog::info("auto resync: checking the {}", to_string(*mode));
            std::cerr << "auto resync: " << to_string(*mode) << std::endl;
            next_run_mode_ = *mode;
            reprovision();
        }
        // Overdue means waiting for idle: look again soon (idle transitions also wake this loop).
        // Otherwise sleep until the due time, at most a minute, because the wall clock can jump.
        std::chrono::steady_clock::duration wait = 60s;
        if (resync_.overdue(wall_now())) {
            wait = 1s;
        } else if (auto due = resync_.next_due()) {
            wait = std::clamp<std::chrono::steady_clock::duration>(*due - wall_now(), 1ms, 60s);
        }
        resync_timer_->expires_after(wait);
        co_await resync_timer_->async_wait(use_nothrow);
    }
}


}  // namespace phone_agent
