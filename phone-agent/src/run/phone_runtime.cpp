// `phone-agent run`: the I/O half of one phone that stays up; see phone_runtime.hpp.
#include "run/phone_runtime.hpp"

#include "boot_driver.hpp"
#include "logic/ascii.hpp"
#include "logic/web_ui.hpp"

#include "common/aastra/user_agent.hpp"
#include "common/fs/atomic_file.hpp"
#include "common/http/endpoint.hpp"
#include "common/net/http_client.hpp"
#include "common/net/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

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

std::string normalise_key(std::string_view key) {
    std::string out;
    bool space = false;
    for (char c : ascii::trim(key)) {
        if (ascii::is_space(c)) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += ascii::lower(c);
    }
    return out;
}

std::optional<key_press> execute_key(std::string_view name) {
    std::string n;
    for (char c : ascii::trim(name)) n += ascii::lower(c);
    auto numbered = [&](std::string_view prefix) -> std::optional<int> {
        if (!n.starts_with(prefix) || n.size() == prefix.size()) return std::nullopt;
        int v = 0;
        for (char c : std::string_view(n).substr(prefix.size())) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + (c - '0');
            if (v > 99) return std::nullopt;
        }
        return v;
    };
    if (n == "goodbye") return key_press::of(key_kind::goodbye);
    if (n == "navup") return key_press::of(key_kind::nav_up);
    if (n == "navdwn" || n == "navdown") return key_press::of(key_kind::nav_down);
    if (n == "navleft") return key_press::of(key_kind::nav_left);
    if (n == "navright") return key_press::of(key_kind::nav_right);
    if (n == "keypadstar") return key_press::keypad('*');
    if (n == "keypadpound") return key_press::keypad('#');
    if (n.size() == 7 && n.starts_with("keypad") && n[6] >= '0' && n[6] <= '9') return key_press::keypad(n[6]);
    if (auto v = numbered("softkey"); v && *v >= 1 && *v <= 10) return key_press::softkey(*v);
    if (auto v = numbered("line"); v && *v >= 1 && *v <= 9) return key_press::line(*v);
    return std::nullopt;
}

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
      tick_timer_(std::make_unique<asio::steady_timer>(ioc)),
      poll_timer_(std::make_unique<asio::steady_timer>(ioc)) {
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
    if (!https || variables_.get(phone_variable::local_ip).empty()) {
        variables_.set(phone_variable::local_ip, bound.address().to_string());
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
}

void phone_runtime::stop(std::function<void()> done) {
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, f] : inflight_) {
        f->cancelled = true;
        f->signal.emit(asio::cancellation_type::terminal);
    }
    provision_stop_.emit(asio::cancellation_type::terminal);
    provision_wakeup_->cancel();
    tick_timer_->cancel();
    poll_timer_->cancel();
    server_.shutdown(std::move(done));
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
    client_tls_.reset();  // `https validate ...` may have changed
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

asio::ssl::context* phone_runtime::client_tls_context(std::string& error) {
    if (!client_tls_) {
        auto made = common::tls::make_client_context(client_tls_settings());
        if (auto* err = std::get_if<common::tls::tls_error>(&made)) {
            error = err->message;
            return nullptr;
        }
        client_tls_.emplace(std::move(std::get<asio::ssl::context>(made)));
    }
    return &*client_tls_;
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
        const boot_driver_settings driver_settings{settings_.agent, settings_.state_dir, settings_.ca_file};
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

// ---------------------------------------------------------------------------------------------
// Screen, keys and fetches

void phone_runtime::press(const key_press& key) {
    if (stopping_) return;
    if (blocking_pending_ > 0) {
        // A blocking action URI is running: the firmware applies keys once it returns.
        queued_keys_.push_back(key);
        return;
    }
    apply_key(key);
}

void phone_runtime::apply_key(const key_press& key) { execute(screen_.press(key, steady::now())); }

void phone_runtime::drain_keys() {
    while (blocking_pending_ == 0 && !queued_keys_.empty() && !stopping_) {
        auto key = queued_keys_.front();
        queued_keys_.pop_front();
        apply_key(key);
    }
}

void phone_runtime::execute(std::vector<screen_action> actions) {
    for (auto& action : actions) {
        if (auto* f = std::get_if<fetch_action>(&action)) {
            start_fetch(f->id, std::move(f->url), f->blocking, false);
        } else if (auto* c = std::get_if<cancel_fetch_action>(&action)) {
            cancel_fetch(c->id);
        } else if (auto* k = std::get_if<key_action>(&action)) {
            execute_key_action(k->key);
        } else if (auto* r = std::get_if<reboot_action>(&action)) {
            if (r->clear_local) {
                config_.clear_local();
                save_local();
            }
            spdlog::info("screen: {}", describe(action));
            reprovision();
        } else if (auto* a = std::get_if<apply_config_action>(&action)) {
            apply_config(*a);
        } else if (std::holds_alternative<error_action>(action)) {
            spdlog::warn("screen: {}", describe(action));
        } else {
            spdlog::info("screen: {}", describe(action));
        }
    }
    reschedule_tick();
}

void phone_runtime::execute_key_action(const std::string& name) {
    auto key = execute_key(name);
    if (!key) {
        spdlog::info("screen: Execute Key:{} is not emulated", name);
        return;
    }
    // After the current batch of actions, as if the user pressed it.
    asio::post(ioc_, [this, k = *key] { press(k); });
}

void phone_runtime::apply_config(const apply_config_action& a) {
    if (a.type == set_type::local) {
        if (auto err = config_.set_local(a.key, a.value)) {
            execute(screen_.config_refused(a.key, err->message));
            return;
        }
        save_local();
    } else {
        auto current = config_.get(a.key);
        if (current && current->locked) {
            execute(screen_.config_refused(a.key, "locked by " + current->locked_by));
            return;
        }
        // remote / override / oneBoot: in force until the next provisioning run.
        remote_overrides_[normalise_key(a.key)] = a.value;
    }
    refresh_from_config();
}

void phone_runtime::start_fetch(std::uint64_t id, std::string url, bool blocking, bool action_uri) {
    if (stopping_) return;
    auto entry = std::make_unique<inflight>();
    entry->blocking = blocking;
    entry->action_uri = action_uri;
    auto slot = entry->signal.slot();
    inflight_[id] = std::move(entry);
    if (blocking) ++blocking_pending_;
    spdlog::info("fetch#{}: GET {}{}", id, url, blocking ? " (blocking)" : "");
    asio::co_spawn(ioc_, run_fetch(id, std::move(url)),
                   asio::bind_cancellation_slot(slot, [this, id](std::exception_ptr e) {
                       if (e) {
                           std::string why = "aborted";
                           try {
                               std::rethrow_exception(e);
                           } catch (const std::exception& ex) {
                               why = ex.what();
                           }
                           common::net::fetch_result r;
                           r.error = common::net::fetch_error::cancelled;
                           r.detail = why;
                           // Not from inside the completion: the slot's signal is destroyed there.
                           asio::post(ioc_, [this, id, r = std::move(r)]() mutable {
                               fetch_finished(id, std::move(r), {});
                           });
                       }
                   }));
}

void phone_runtime::cancel_fetch(std::uint64_t id) {
    auto it = inflight_.find(id);
    if (it == inflight_.end() || it->second->cancelled) return;
    it->second->cancelled = true;
    spdlog::info("fetch#{}: cancelled", id);
    // Terminal: the socket is closed, whatever phase the exchange is in.
    it->second->signal.emit(asio::cancellation_type::terminal);
}

asio::awaitable<void> phone_runtime::run_fetch(std::uint64_t id, std::string url) {
    common::net::fetch_result result;
    std::string body;
    std::string error;
    auto parsed = common::net::parse_url(url, &error);
    if (!parsed) {
        result.error = common::net::fetch_error::bad_url;
        result.detail = error;
    } else {
        common::net::fetch_request req;
        req.url = *parsed;
        req.headers = {{"User-Agent", user_agent_}, {"Accept-Language", "en"}};
        asio::ssl::context* tls = nullptr;
        if (req.url.scheme == "https") tls = client_tls_context(error);
        if (req.url.scheme == "https" && !tls) {
            result.error = common::net::fetch_error::tls;
            result.detail = error;
        } else {
            common::net::fetch_limits limits;
            limits.connect_timeout = settings_.agent.timeouts.connect;
            limits.tls_timeout = settings_.agent.timeouts.tls;
            // `xml get timeout` 0 means a page fetch waits forever (GOODBYE still ends it). An
            // action URI blocks the keys, so it is bounded by the agent's response timeout then:
            // a dead server must not hang the phone (AG33 3-46).
            const auto xml_timeout = config_.get_int("xml get timeout", 0, 0, 86400);
            const bool blocks_keys = inflight_.count(id) != 0 && inflight_.at(id)->blocking;
            const std::chrono::milliseconds wait =
                xml_timeout > 0 ? std::chrono::milliseconds(std::chrono::seconds(xml_timeout))
                : blocks_keys   ? settings_.agent.timeouts.response
                                : std::chrono::milliseconds(std::chrono::hours(24 * 365));
            limits.response_timeout = wait;
            limits.body_idle_timeout = wait;
            limits.body_limit = 1024 * 1024;
            const auto tls_settings = client_tls_settings();
            result = co_await common::net::fetch_to_string(co_await asio::this_coro::executor, req, limits, tls,
                                                           tls_settings, body);
        }
    }
    fetch_finished(id, std::move(result), std::move(body));
}

void phone_runtime::fetch_finished(std::uint64_t id, std::optional<common::net::fetch_result> result,
                                   std::string body) {
    auto it = inflight_.find(id);
    if (it == inflight_.end()) return;
    auto entry = std::move(it->second);
    inflight_.erase(it);
    const bool was_blocking = entry->blocking;
    if (was_blocking && blocking_pending_ > 0) --blocking_pending_;
    const auto now = steady::now();
    if (!entry->cancelled && !stopping_) {
        if (!result) {
            result.emplace();
            result->error = common::net::fetch_error::cancelled;
        }
        if (result->ok()) {
            spdlog::info("fetch#{}: HTTP {} ({} bytes)", id, result->status, body.size());
        } else {
            spdlog::warn("fetch#{}: {}: {}", id, to_string(result->error), result->detail);
        }
        if (entry->action_uri) {
            // The answer to an action URI may be an XML object the phone then shows.
            const auto trimmed = ascii::trim(body);
            if (result->ok() && result->status / 100 == 2 && !trimmed.empty() && trimmed.front() == '<') {
                execute(screen_.show_object(trimmed, now));
            }
        } else if (result->ok()) {
            fetch_done done{id, result->status, {}, std::move(body)};
            for (const auto& h : result->headers) done.headers.emplace_back(h.name, h.value);
            execute(screen_.on_fetch_done(done, now));
        } else {
            std::string reason = std::string(to_string(result->error));
            if (result->error == common::net::fetch_error::tls &&
                result->detail.find("certificate") != std::string::npos) {
                reason = "Bad Certificate";
            }
            execute(screen_.on_fetch_failed(fetch_failed{id, reason}, now));
        }
    }
    // The entry (and its cancellation signal) dies after the coroutine is fully finished.
    asio::post(ioc_, [e = std::move(entry)] {});
    if (was_blocking && !stopping_) drain_keys();
}

void phone_runtime::fire_action_uri(action_event event) {
    auto outcome = action_uris_.fire(event, variables_);
    if (auto* req = std::get_if<action_uri_request>(&outcome)) {
        ++action_uris_sent_;
        start_fetch(next_action_uri_id_++, req->url, req->blocking, true);
    } else if (auto* skip = std::get_if<action_uri_skip>(&outcome)) {
        if (skip->reason != skip_reason::not_configured) {
            spdlog::warn("action uri {}: skipped: {} {}", to_string(event), to_string(skip->reason), skip->detail);
        }
    }
}

void phone_runtime::reschedule_tick() {
    if (!stopping_) tick_timer_->cancel();
}

asio::awaitable<void> phone_runtime::tick_loop() {
    while (!stopping_) {
        const auto next = screen_.next_deadline();
        tick_timer_->expires_at(next ? *next : steady::time_point::max());
        co_await tick_timer_->async_wait(use_nothrow);
        if (stopping_) co_return;
        auto actions = screen_.tick(steady::now());
        if (!actions.empty()) execute(std::move(actions));
    }
}

asio::awaitable<void> phone_runtime::poll_loop() {
    while (!stopping_) {
        const auto now = steady::now();
        if (auto outcome = action_uris_.poll_tick(now)) {
            if (auto* req = std::get_if<action_uri_request>(&*outcome)) {
                ++action_uris_sent_;
                start_fetch(next_action_uri_id_++, req->url, req->blocking, true);
            }
        }
        // The interval may change with any provisioning run: look again at least every second.
        auto wake = now + std::chrono::seconds(1);
        if (auto next = action_uris_.next_poll(); next && *next < wake) wake = *next;
        poll_timer_->expires_at(wake);
        co_await poll_timer_->async_wait(use_nothrow);
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

phone_status phone_runtime::status() const {
    phone_status s;
    s.model = std::string(settings_.identity.model.name);
    s.mac = settings_.identity.mac.dashed_upper();
    s.firmware = firmware_;
    s.user_agent = user_agent_;
    s.provisioning = provisioning_state_;
    s.provisioning_reason = provisioning_reason_;
    s.boots = boots_;
    s.loading = screen_.loading();
    s.fetches_in_flight = inflight_.size();
    s.queued_keys = queued_keys_.size();
    s.action_uri_pending = blocking_pending_ > 0;
    s.action_uris_sent = action_uris_sent_;
    s.pushes_accepted = pushes_accepted_;
    s.pushes_refused = pushes_refused_;
    s.addresses = addresses_;
    return s;
}

http::response_plan phone_runtime::html(unsigned status, std::string body) const {
    return http::text_response(status, std::move(body), "text/html");
}

http::response_plan phone_runtime::handle(http::request_view& req) {
    // XML push is the one request without a login: the post list decides (AXS push2phone sends
    // no Authorization).
    auto path = std::string_view(req.target).substr(0, req.target.find('?'));
    if (path == "/" && req.method == "POST") return push(req);
    const auto role = web::authenticate(req.header("Authorization"), web::logins_from(config_));
    if (role == web::ui_role::none) {
        auto plan = html(401, web::render_unauthorized(settings_.identity.model.name));
        plan.set_header("WWW-Authenticate", web::basic_challenge_value(settings_.identity.model.name));
        plan.close = true;
        return plan;
    }
    return route(req, role);
}

http::response_plan phone_runtime::route(http::request_view& req, web::ui_role role) {
    auto path = std::string_view(req.target).substr(0, req.target.find('?'));
    if (path.starts_with("/api/")) {
        if (role != web::ui_role::admin) {
            return http::text_response(403, error_json("the control API needs the admin login"),
                                       "application/json");
        }
        return api(req);
    }
    return web_page(req, role);
}

http::response_plan phone_runtime::web_page(http::request_view& req, web::ui_role role) {
    const auto path = std::string_view(req.target).substr(0, req.target.find('?'));
    const bool get = req.method == "GET" || req.method == "HEAD";
    const bool post = req.method == "POST";
    const auto model = settings_.identity.model.name;
    auto finish = [&](http::response_plan plan) {
        plan.head = req.method == "HEAD";
        return plan;
    };
    auto method_not_allowed = [&](std::string allow) {
        auto plan = html(405, "<html><body>405 Method Not Allowed</body></html>\n");
        plan.set_header("Allow", std::move(allow));
        return plan;
    };
    auto admin_only = [&]() { return html(403, "<html><body>403 Forbidden: admin login required</body></html>\n"); };

    if (path == "/" || path == "/index.html" || path == "/phone.html") {
        if (post && path == "/phone.html") {
            auto form = web::parse_form(req.body);
            auto name = web::form_value(form, "key").value_or("");
            auto key = web::key_from_name(name);
            if (!key) return html(400, "<html><body>unknown key '" + web::html_escape(name) + "'</body></html>\n");
            press(*key);
            return html(200, web::render_phone(screen_.render(), model));
        }
        if (!get) return method_not_allowed("GET, HEAD, POST");
        return finish(html(200, web::render_phone(screen_.render(), model)));
    }
    if (path == "/sysinfo.html") {
        if (!get) return method_not_allowed("GET, HEAD");
        web::sysinfo_view v;
        v.model = std::string(model);
        v.mac = settings_.identity.mac.dashed_upper();
        v.firmware = firmware_;
        v.user_agent = user_agent_;
        v.addresses = addresses_;
        v.provisioning = provisioning_state_ + (provisioning_reason_.empty() ? "" : ": " + provisioning_reason_);
        auto loc = server_from_config(config_);
        if (auto* l = std::get_if<server_location>(&loc)) {
            v.server = base_url(*l);
        } else {
            v.server = std::get<server_url_error>(loc).message;
        }
        return finish(html(200, web::render_sysinfo(v)));
    }
    if (role != web::ui_role::admin) return admin_only();
    if (path == "/servercfg.html" || path == "/localcfg.html") {
        if (!get) return method_not_allowed("GET, HEAD");
        const bool server = path == "/servercfg.html";
        return finish(html(200, web::render_cfg_page(server ? "Server Configuration" : "Local Configuration",
                                                     server ? config_.server_cfg_text() : config_.local_cfg_text())));
    }
    if (path == "/configurationServer.html") {
        if (post) return configuration_server_post(req);
        if (!get) return method_not_allowed("GET, HEAD, POST");
        return finish(html(200, web::render_configuration_server(config_, "")));
    }
    if (path == "/reset.html") {
        if (post) return reset_post(req);
        if (!get) return method_not_allowed("GET, HEAD, POST");
        return finish(html(200, web::render_reset("")));
    }
    return html(404, web::render_not_found(path));
}

http::response_plan phone_runtime::configuration_server_post(const http::request_view& req) {
    auto form = web::parse_form(req.body);
    auto parsed = web::configuration_server_settings(form);
    std::vector<std::string> errors = parsed.errors;
    if (errors.empty()) {
        // All or nothing: try on a copy first so a locked key leaves the local layer unchanged.
        auto candidate = config_;
        for (const auto& s : parsed.settings) {
            if (auto err = candidate.set_local(s.key, s.value)) errors.push_back(err->message);
        }
        if (errors.empty()) config_ = std::move(candidate);
    }
    if (!errors.empty()) {
        std::string message = "Settings refused:";
        for (const auto& e : errors) message += " " + e + ";";
        return html(400, web::render_configuration_server(config_, message));
    }
    save_local();
    refresh_from_config();
    // The settings are stored and a provisioning run with them has started; /sysinfo.html and
    // /api/status show its outcome.
    reprovision();
    return html(200, web::render_configuration_server(config_, "Provisioning complete"));
}

http::response_plan phone_runtime::reset_post(const http::request_view& req) {
    auto form = web::parse_form(req.body);
    const auto option = web::form_value(form, "resetOption").value_or("0");
    if (option == "1") {
        // Factory reset of the local settings (TSAPP sends 1, then 2).
        config_.clear_local();
        save_local();
        refresh_from_config();
    } else if (option != "0" && option != "2") {
        return html(400, web::render_reset("unknown resetOption '" + option + "'"));
    }
    reprovision();
    return html(200, web::render_reset("Restarting: provisioning started"));
}

http::response_plan phone_runtime::api(http::request_view& req) {
    const auto path = std::string_view(req.target).substr(0, req.target.find('?'));
    auto json = [](unsigned status, std::string body) {
        return http::text_response(status, std::move(body), "application/json");
    };
    auto wrong_method = [&](std::string allow) {
        auto plan = json(405, error_json("method not allowed"));
        plan.set_header("Allow", std::move(allow));
        return plan;
    };
    if (path == "/api/screen") {
        if (req.method != "GET") return wrong_method("GET");
        return json(200, screen_json(screen_.render()));
    }
    if (path == "/api/status") {
        if (req.method != "GET") return wrong_method("GET");
        return json(200, status_json(status()));
    }
    if (path == "/api/key") {
        if (req.method != "POST") return wrong_method("POST");
        auto parsed = parse_key_request(req.body);
        if (auto* err = std::get_if<std::string>(&parsed)) return json(400, error_json(*err));
        for (const auto& k : std::get<std::vector<key_press>>(parsed)) press(k);
        return json(200, screen_json(screen_.render()));
    }
    if (path == "/api/check-sync") {
        if (req.method != "POST") return wrong_method("POST");
        reprovision();
        return json(202, status_json(status()));
    }
    return json(404, error_json("no such API: " + std::string(path)));
}

http::response_plan phone_runtime::push(http::request_view& req) {
    const auto post_list = setting(post_list_key).value_or("");
    auto outcome = evaluate_push(post_list, req.peer_address, req.body, settings_.push);
    if (auto* refused = std::get_if<push_refused>(&outcome)) {
        ++pushes_refused_;
        spdlog::warn("push: {}", refused->reason);
        return html(refused->status, "<html><body>" + web::html_escape(refused->reason) + "</body></html>\n");
    }
    ++pushes_accepted_;
    execute(screen_.show_object(std::get<push_accepted>(outcome).xml, steady::now()));
    return html(200, "<html><body>XML object accepted</body></html>\n");
}

}  // namespace phone_agent
