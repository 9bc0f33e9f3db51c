// `phone-agent run`: keys, screen actions, fetches, action URIs and telephony events; see
// phone_runtime.hpp.
#include "run/phone_runtime.hpp"

#include "logic/ascii.hpp"
#include "run/config_key.hpp"

#include "common/net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

namespace phone_agent {

namespace asio = boost::asio;
namespace http = common::http;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

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
    spdlog::info("fetch#{}: GET {}{}", id, url, blocking ? " (blocking)" : action_uri ? " (background)" : "");
    fetch_job job;
    std::string error;
    auto parsed = common::net::parse_url(url, &error);
    if (parsed) {
        job.request.url = std::move(*parsed);
        job.request.headers = {{"User-Agent", user_agent_}, {"Accept-Language", "en"}};
        if (job.request.url.scheme == "https") job.tls = client_tls_context(error);
    }
    if (!parsed || (job.request.url.scheme == "https" && !job.tls)) {
        // Reported like any failed fetch, from the io_context, never from inside this call.
        fetch_completion failed{id, false, {}, {}};
        failed.result.error = parsed ? common::net::fetch_error::tls : common::net::fetch_error::bad_url;
        failed.result.detail = error;
        fetch_meta_[id] = fetch_meta{blocking, action_uri};
        if (blocking) ++blocking_pending_;
        asio::post(ioc_, [this, failed = std::move(failed)]() mutable { fetch_finished(std::move(failed)); });
        return;
    }
    job.limits.connect_timeout = settings_.agent.timeouts.connect;
    job.limits.tls_timeout = settings_.agent.timeouts.tls;
    // `xml get timeout` 0 means a page fetch waits forever (GOODBYE still ends it). Action URIs are
    // bounded by the agent's response timeout then: a blocking one holds the keys, and background
    // ones must not pile up forever against a dead server (AG33 3-46).
    const auto xml_timeout = config_.get_int("xml get timeout", 0, 0, 86400);
    const std::chrono::milliseconds wait = xml_timeout > 0 ? std::chrono::milliseconds(std::chrono::seconds(xml_timeout))
                                           : action_uri    ? settings_.agent.timeouts.response
                                                           : std::chrono::milliseconds(std::chrono::hours(24 * 365));
    job.limits.response_timeout = wait;
    job.limits.body_idle_timeout = wait;
    job.limits.body_limit = 1024 * 1024;
    job.tls_settings = client_tls_settings();
    if (!fetches_.start(id, std::move(job))) {
        spdlog::error("fetch#{}: already in flight", id);
        return;
    }
    fetch_meta_[id] = fetch_meta{blocking, action_uri};
    if (blocking) ++blocking_pending_;
    if (action_uri && !blocking) {
        background_.push_back(id);
        // Bounded: a newer background action URI aborts the oldest (its socket closes at once).
        while (background_.size() > settings_.agent.action_uris.max_background) {
            const auto oldest = background_.front();
            background_.pop_front();
            spdlog::warn("fetch#{}: aborted, more than {} background action URIs pending", oldest,
                         settings_.agent.action_uris.max_background);
            fetches_.cancel(oldest);
        }
    }
}

void phone_runtime::cancel_fetch(std::uint64_t id) {
    // Terminal: the socket is closed, whatever phase the exchange is in.
    if (fetches_.cancel(id)) spdlog::info("fetch#{}: cancelled", id);
}

void phone_runtime::fetch_finished(fetch_completion done) {
    const auto id = done.id;
    auto meta_it = fetch_meta_.find(id);
    if (meta_it == fetch_meta_.end()) return;
    const auto meta = meta_it->second;
    fetch_meta_.erase(meta_it);
    if (meta.action_uri && !meta.blocking) std::erase(background_, id);
    if (meta.blocking && blocking_pending_ > 0) --blocking_pending_;
    auto& result = done.result;
    const auto now = steady::now();
    if (!done.cancelled && !stopping_) {
        if (result.ok()) {
            spdlog::info("fetch#{}: HTTP {} ({} bytes)", id, result.status, done.body.size());
        } else {
            spdlog::warn("fetch#{}: {}: {}", id, to_string(result.error), result.detail);
        }
        if (meta.action_uri) {
            // The answer to an action URI may be an XML object the phone then shows.
            const auto trimmed = ascii::trim(done.body);
            if (result.ok() && result.status / 100 == 2 && !trimmed.empty() && trimmed.front() == '<') {
                execute(screen_.show_object(trimmed, now));
            }
        } else if (result.ok()) {
            fetch_done page{id, result.status, {}, std::move(done.body)};
            for (const auto& h : result.headers) page.headers.emplace_back(h.name, h.value);
            execute(screen_.on_fetch_done(page, now));
        } else {
            std::string reason = std::string(to_string(result.error));
            if (result.error == common::net::fetch_error::tls && result.detail.find("certificate") != std::string::npos) {
                reason = "Bad Certificate";
            }
            execute(screen_.on_fetch_failed(fetch_failed{id, reason}, now));
        }
    }
    if (meta.blocking && !stopping_) drain_keys();
    wake_resync();  // the phone may have become idle
}

void phone_runtime::fire_action_uri(action_event event) {
    auto outcome = action_uris_.fire(event, variables_);
    if (auto* req = std::get_if<action_uri_request>(&outcome)) {
        send_action_uri(*req);
    } else if (auto* skip = std::get_if<action_uri_skip>(&outcome)) {
        if (skip->reason != skip_reason::not_configured) {
            spdlog::warn("action uri {}: skipped: {} {}", to_string(event), to_string(skip->reason), skip->detail);
        }
    }
}

void phone_runtime::send_action_uri(const action_uri_request& request) {
    ++action_uris_sent_;
    start_fetch(next_action_uri_id_++, request.url, request.blocking && settings_.agent.action_uris.blocking, true);
}

void phone_runtime::phone_event(const event_request& event) {
    if (stopping_) return;
    if (auto state = line_state_after(event.event)) variables_.set(phone_variable::line_state, *state);
    if (event.event == action_event::incoming || event.event == action_event::outgoing) {
        variables_.set(phone_variable::remote_number, event.number);
        variables_.set(phone_variable::call_direction,
                       event.event == action_event::incoming ? "Incoming" : "Outgoing");
    }
    if (event.event == action_event::incoming) {
        variables_.set(phone_variable::incoming_name, event.name);
        // Telephony has priority over XML (XMLG 4.10.3).
        execute(screen_.incoming_call(steady::now()));
    }
    screen_.set_variables(variables_);
    fire_action_uri(event.event);
    wake_resync();
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
            if (auto* req = std::get_if<action_uri_request>(&*outcome)) send_action_uri(*req);
        }
        // The interval may change with any provisioning run: look again at least every second.
        auto wake = now + std::chrono::seconds(1);
        if (auto next = action_uris_.next_poll(); next && *next < wake) wake = *next;
        poll_timer_->expires_at(wake);
        co_await poll_timer_->async_wait(use_nothrow);
    }
}

}  // namespace phone_agent
