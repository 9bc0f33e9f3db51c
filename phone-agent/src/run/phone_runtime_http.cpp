// `phone-agent run`: the Web UI, XML push and the JSON control API; see phone_runtime.hpp.
#include "run/phone_runtime.hpp"

#include "logic/server_url.hpp"
#include "logic/web_ui.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

namespace phone_agent {

namespace {

std::string iso_utc(std::chrono::system_clock::time_point t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto day = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{secs - day};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return text;
}

}  // namespace

namespace asio = boost::asio;
namespace http = common::http;
using steady = std::chrono::steady_clock;

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
    s.fetches_in_flight = fetches_.size();
    s.queued_keys = queued_keys_.size();
    s.action_uri_pending = blocking_pending_ > 0;
    s.action_uris_sent = action_uris_sent_;
    s.pushes_accepted = pushes_accepted_;
    s.pushes_refused = pushes_refused_;
    s.addresses = addresses_;
    s.background_action_uris = background_.size();
    s.local_ip = variables_.get(phone_variable::local_ip);
    s.line_state = variables_.get(phone_variable::line_state);
    s.idle = idle();
    s.clock = iso_utc(wall_now());
    if (auto due = resync_.next_due()) s.resync_next = iso_utc(*due);
    s.resync_checks = resync_.checks_started();
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
    if (path == "/api/event") {
        if (req.method != "POST") return wrong_method("POST");
        auto parsed = parse_event_request(req.body);
        if (auto* err = std::get_if<std::string>(&parsed)) return json(400, error_json(*err));
        phone_event(std::get<event_request>(parsed));
        return json(200, status_json(status()));
    }
    if (path == "/api/clock") {
        if (!settings_.test_clock) return json(404, error_json("/api/clock needs `run --test-clock`"));
        if (req.method != "POST") return wrong_method("POST");
        auto parsed = parse_clock_request(req.body);
        if (auto* err = std::get_if<std::string>(&parsed)) return json(400, error_json(*err));
        clock_offset_ += std::get<std::chrono::seconds>(parsed);
        wake_resync();
        return json(200, status_json(status()));
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
