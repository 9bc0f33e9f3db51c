#include "logic/phone_screen.hpp"

#include "logic/ascii.hpp"

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <utility>

namespace phone_agent {

namespace {

using ascii::iequals;

// A server that answers every page with another page must not grow the stack without bound.
constexpr std::size_t max_stack_depth = 32;

}  // namespace

phone_screen::phone_screen(screen_options options) : options_(options) {}

void phone_screen::set_idle_title(std::string title) { idle_title_ = std::move(title); }

void phone_screen::set_idle_softkeys(std::vector<configured_softkey> keys) {
    idle_softkeys_ = std::move(keys);
}

void phone_screen::set_variables(variable_values values) { variables_ = std::move(values); }

bool phone_screen::loading() const noexcept {
    return pending_.has_value() && pending_->purpose != fetch_purpose::refresh;
}

std::optional<std::uint64_t> phone_screen::pending_fetch_id() const noexcept {
    if (!pending_) return std::nullopt;
    return pending_->id;
}

void phone_screen::set_message(std::string text, actions& out) {
    status_line_ = text;
    out.push_back(error_action{std::move(text)});
}

void phone_screen::start_fetch(std::string url, fetch_purpose purpose,
                               std::optional<std::uint64_t> origin, screen_time now,
                               actions& out) {
    if (pending_) abort_pending(now, out);
    pending_ = pending{next_fetch_id_++, purpose, origin};
    out.push_back(fetch_action{pending_->id, std::move(url), false, purpose});
}

void phone_screen::abort_pending(screen_time now, actions& out) {
    out.push_back(cancel_fetch_action{pending_->id});
    // An aborted refresh is tried again a full period later rather than dropped, so a user who
    // keeps pressing keys does not stop a self-refreshing page for good.
    if (pending_->purpose == fetch_purpose::refresh && pending_->origin) {
        reschedule_refresh(*pending_->origin, now);
    }
    pending_.reset();
    deferred_.clear();
}

std::vector<screen_action> phone_screen::press(const key_press& key, screen_time now) {
    actions out;
    status_line_.clear();
    const bool abort_only = key.kind == key_kind::goodbye && loading();
    if (pending_) abort_pending(now, out);
    if (auto* t = top()) arm_timeout(*t, now);
    if (!abort_only) handle_key(key, now, out);
    return out;
}

std::vector<screen_action> phone_screen::enter_text(std::string_view text, screen_time now) {
    actions out;
    if (pending_) abort_pending(now, out);
    if (auto* t = top()) arm_timeout(*t, now);
    edit_input(text);
    return out;
}

std::vector<screen_action> phone_screen::open_url(std::string url, screen_time now) {
    actions out;
    status_line_.clear();
    start_fetch(std::move(url), fetch_purpose::open, top() ? std::optional(top()->serial)
                                                           : std::nullopt,
                now, out);
    return out;
}

void phone_screen::pop_top(screen_time now) {
    stack_.pop_back();
    if (auto* t = top()) arm_timeout(*t, now);
}

void phone_screen::clear_stack() { stack_.clear(); }

void phone_screen::arm_timeout(entry& e, screen_time now) const {
    const auto timeout = effective_timeout(*ui_of(e.object), options_.default_timeout);
    if (timeout) {
        e.deadline = now + *timeout;
    } else {
        e.deadline.reset();
    }
}

phone_screen::entry* phone_screen::find_entry(std::uint64_t serial) noexcept {
    const auto it = std::find_if(stack_.begin(), stack_.end(),
                                 [&](const entry& e) { return e.serial == serial; });
    return it == stack_.end() ? nullptr : &*it;
}

void phone_screen::reschedule_refresh(std::uint64_t serial, screen_time now) {
    if (auto* e = find_entry(serial); e != nullptr && e->refresh) {
        e->refresh_due = now + e->refresh->delay;
    }
}

void phone_screen::stop_refresh(const std::optional<pending>& origin) {
    if (!origin || origin->purpose != fetch_purpose::refresh || !origin->origin) return;
    if (auto* e = find_entry(*origin->origin)) {
        e->refresh.reset();
        e->refresh_due.reset();
    }
}

std::vector<screen_action> phone_screen::on_fetch_done(const fetch_done& result,
                                                       screen_time now) {
    actions out;
    if (!pending_ || pending_->id != result.id) return out;  // aborted or superseded
    const std::optional<pending> origin = pending_;
    pending_.reset();
    if (result.status < 200 || result.status > 299) {
        if (origin->purpose == fetch_purpose::refresh) {
            stop_refresh(origin);
            out.push_back(notice_action{"refresh stopped: HTTP " + std::to_string(result.status)});
        } else {
            set_message("HTTP error " + std::to_string(result.status), out);
        }
        run_deferred(now, out);
        return out;
    }
    std::optional<refresh_directive> refresh;
    for (const auto& [name, value] : result.headers) {
        if (!iequals(name, "Refresh")) continue;
        auto parsed = parse_refresh_header(value);
        if (auto* r = std::get_if<refresh_directive>(&parsed)) {
            refresh = std::move(*r);
        } else {
            out.push_back(notice_action{std::get<std::string>(parsed)});
        }
    }
    accept_body(result.body, refresh, origin, now, out);
    run_deferred(now, out);
    return out;
}

std::vector<screen_action> phone_screen::on_fetch_failed(const fetch_failed& result,
                                                         screen_time now) {
    actions out;
    if (!pending_ || pending_->id != result.id) return out;
    const std::optional<pending> origin = pending_;
    pending_.reset();
    if (origin->purpose == fetch_purpose::refresh) {
        stop_refresh(origin);
        out.push_back(notice_action{"refresh stopped: " + result.reason});
    } else {
        set_message("Cannot load page: " + result.reason, out);
    }
    run_deferred(now, out);
    return out;
}

std::vector<screen_action> phone_screen::show_object(std::string_view body, screen_time now) {
    actions out;
    accept_body(body, std::nullopt, std::nullopt, now, out);
    run_deferred(now, out);
    return out;
}

void phone_screen::accept_body(std::string_view body,
                               const std::optional<refresh_directive>& refresh,
                               const std::optional<pending>& origin, screen_time now,
                               actions& out) {
    // An empty answer is how servers acknowledge an exit or action URI: nothing to show.
    if (ascii::trim(body).empty()) return;
    auto parsed = parse_xml_object(body, options_.max_object_size);
    if (auto* error = std::get_if<xml_error>(&parsed)) {
        if (origin && origin->purpose == fetch_purpose::refresh) {
            stop_refresh(origin);
            out.push_back(notice_action{"refresh stopped: " + error->message});
        } else {
            set_message(error->message, out);
        }
        return;
    }
    auto& object = std::get<xml_object>(parsed);
    if (ui_of(object) != nullptr) {
        apply_ui(std::move(object), refresh, origin, now, out);
        return;
    }
    bool beep = false;
    bool trigger = false;
    if (const auto* st = std::get_if<status>(&object)) {
        beep = st->beep;
        trigger = st->trigger_destroy_on_exit;
        apply_status(*st, now);
    } else if (const auto* ex = std::get_if<execute>(&object)) {
        beep = ex->beep;
        trigger = ex->trigger_destroy_on_exit;
    } else if (const auto* cfg = std::get_if<configuration>(&object)) {
        beep = cfg->beep;
        trigger = cfg->trigger_destroy_on_exit;
        apply_configuration(*cfg, out);
    }
    if (beep) out.push_back(beep_action{});
    destroy_caller_if_triggered(trigger, origin, now);
    if (origin && origin->purpose == fetch_purpose::refresh && origin->origin) {
        reschedule_refresh(*origin->origin, now);
    }
    // Execute runs last so that its fetches see the stack as the object left it.
    if (const auto* ex = std::get_if<execute>(&object)) run_execute_items(ex->items, now, out);
}

void phone_screen::apply_ui(xml_object object, const std::optional<refresh_directive>& refresh,
                            const std::optional<pending>& origin, screen_time now, actions& out) {
    const auto* ui = ui_of(object);
    if (ui->beep) out.push_back(beep_action{});
    entry fresh;
    fresh.object = std::move(object);
    if (const auto* m = std::get_if<text_menu>(&fresh.object)) fresh.cursor = m->default_index;
    if (const auto* in = std::get_if<input_screen>(&fresh.object)) fresh.input = in->default_value;
    fresh.refresh = refresh;
    if (refresh) fresh.refresh_due = now + refresh->delay;
    arm_timeout(fresh, now);

    if (origin && origin->purpose == fetch_purpose::refresh) {
        // A refreshed page replaces itself where it stands; gone means the user left it. The new
        // object brings its own Timeout, armed from now, so a self-refreshing page stays up.
        if (!origin->origin) return;
        if (auto* e = find_entry(*origin->origin)) {
            fresh.serial = e->serial;
            *e = std::move(fresh);
        }
        return;
    }
    const auto* t = top();
    if (origin && origin->origin && t != nullptr && t->serial == *origin->origin &&
        ui_of(t->object)->destroy_on_exit) {
        stack_.pop_back();
    }
    if (stack_.size() == max_stack_depth) stack_.erase(stack_.begin());
    fresh.serial = next_serial_++;
    stack_.push_back(std::move(fresh));
}

void phone_screen::destroy_caller_if_triggered(bool trigger, const std::optional<pending>& origin,
                                               screen_time now) {
    const auto* t = top();
    if (trigger && origin && origin->origin && t != nullptr && t->serial == *origin->origin &&
        ui_of(t->object)->destroy_on_exit) {
        pop_top(now);
    }
}

void phone_screen::apply_status(const status& st, screen_time now) {
    for (const auto& msg : st.messages) {
        std::erase_if(messages_, [&](const idle_message& m) {
            return m.session == st.session && m.index == msg.index;
        });
        if (msg.text.empty()) continue;  // an empty message removes its slot
        idle_message m{st.session, msg.index, msg.type, msg.text, msg.uri, std::nullopt};
        if (msg.timeout) {
            if (msg.timeout->count() > 0) m.expires = now + *msg.timeout;
        } else if (msg.type == status_type::alert) {
            m.expires = now + options_.alert_duration;
        }
        messages_.push_back(std::move(m));
    }
    std::sort(messages_.begin(), messages_.end(), [](const idle_message& a, const idle_message& b) {
        return std::tie(a.session, a.index) < std::tie(b.session, b.index);
    });
}

void phone_screen::run_execute_items(const std::vector<execute_item>& items, screen_time now,
                                     actions& out) {
    // Items of a nested Execute run before the rest of the outer one, as a call stack would.
    deferred_.insert(deferred_.begin(), items.begin(), items.end());
    run_deferred(now, out);
}

void phone_screen::run_deferred(screen_time now, actions& out) {
    while (!pending_ && !deferred_.empty()) {
        const auto item = std::move(deferred_.front());
        deferred_.pop_front();
        run_request(item.request, fetch_purpose::execute_item, now, out);
    }
}

void phone_screen::apply_configuration(const configuration& cfg, actions& out) {
    bool one_boot = false;
    for (const auto& item : cfg.items) {
        for (auto& a : expand(item)) {
            one_boot = one_boot || a.type == set_type::one_boot;
            out.push_back(apply_config_action{a.type, std::move(a.key), std::move(a.value)});
        }
    }
    // XMLG p.155: a oneBoot item anywhere makes the phone reboot once the object is parsed.
    if (one_boot) out.push_back(reboot_action{false, false});
}

std::vector<screen_action> phone_screen::incoming_call(screen_time now) {
    actions out;
    if (pending_) abort_pending(now, out);
    deferred_.clear();
    clear_stack();
    status_line_.clear();
    return out;
}

std::vector<screen_action> phone_screen::config_refused(std::string_view key,
                                                        std::string_view reason) {
    actions out;
    set_message("Parameter '" + std::string(key) + "' not changed: " + std::string(reason), out);
    return out;
}

std::vector<screen_action> phone_screen::tick(screen_time now) {
    actions out;
    std::erase_if(messages_, [&](const idle_message& m) { return m.expires && *m.expires <= now; });
    entry* t = top();
    if (pending_ || t == nullptr) return out;
    if (t->refresh && t->refresh_due && *t->refresh_due <= now) {
        t->refresh_due.reset();
        start_fetch(t->refresh->url, fetch_purpose::refresh, t->serial, now, out);
    } else if (t->deadline && *t->deadline <= now) {
        out.push_back(notice_action{std::string(root_name(t->object)) + " timed out"});
        clear_stack();
    }
    return out;
}

std::optional<screen_time> phone_screen::next_deadline() const {
    std::optional<screen_time> next;
    const auto consider = [&next](const std::optional<screen_time>& t) {
        if (t && (!next || *t < *next)) next = t;
    };
    for (const auto& m : messages_) consider(m.expires);
    if (const auto* t = top(); t != nullptr && !pending_) {
        consider(t->deadline);
        consider(t->refresh_due);
    }
    return next;
}

}  // namespace phone_agent
