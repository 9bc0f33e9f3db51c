// provisioning_fsm, first half: runs and steps, requests and responses, retries, the outcome.
#include "logic/boot_fsm.hpp"

#include "common/aastra/cfg_file.hpp"
#include "common/aastra/user_agent.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace phone_agent {
namespace {

namespace aastra = common::aastra;

// AG33 A-81: the login screen takes up to 40 characters of user name and 20 of password.
constexpr std::size_t max_login_username = 40;
constexpr std::size_t max_login_password = 20;

bool is_cfg_step(boot_step step) noexcept {
    return step == boot_step::global_cfg || step == boot_step::model_cfg ||
           step == boot_step::mac_cfg;
}

aastra::server_file server_file_of(boot_step step) noexcept {
    switch (step) {
        case boot_step::model_cfg: return aastra::server_file::model;
        case boot_step::mac_cfg: return aastra::server_file::mac;
        default: return aastra::server_file::global;
    }
}

bool is_blank(std::string_view body) noexcept {
    return body.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// The value names a file beside the configuration files; anything that could leave that
// directory or break the request line is not fetched.
bool is_plain_file_name(std::string_view name) noexcept {
    if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos ||
        name.find("://") != std::string_view::npos) {
        return false;
    }
    return std::none_of(name.begin(), name.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b <= 0x20 || b >= 0x7f || c == '?' || c == '#' || c == '\\' || c == '%';
    });
}

const char* phase_name(int p) noexcept {
    constexpr const char* names[] = {"idle",          "awaiting_response", "awaiting_download",
                                     "awaiting_timer", "awaiting_discard",  "awaiting_commit",
                                     "awaiting_certificates_saved", "awaiting_persist"};
    return names[p];
}

}  // namespace

provisioning_fsm::provisioning_fsm(phone_identity identity, boot_settings settings,
                                   std::string user_agent)
    : identity_(std::move(identity)),
      settings_(std::move(settings)),
      user_agent_(std::move(user_agent)),
      auth_(settings_.auth_policy, settings_.preemptive_auth) {}

std::variant<provisioning_fsm, boot_setup_error> provisioning_fsm::create(
    phone_identity identity, boot_settings settings, persisted_layers last_good) {
    const auto& order = settings.order;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (std::find(order.begin() + static_cast<std::ptrdiff_t>(i) + 1, order.end(),
                      order[i]) != order.end()) {
            return boot_setup_error{std::string("boot order: step '") + to_string(order[i]) +
                                    "' appears twice"};
        }
    }
    if (std::find(order.begin(), order.end(), boot_step::global_cfg) == order.end()) {
        return boot_setup_error{"boot order: aastra.cfg (global_cfg) is required"};
    }
    auto ua = aastra::format_user_agent(identity.model, identity.mac, identity.firmware);
    if (const auto* error = std::get_if<aastra::user_agent_error>(&ua)) {
        return boot_setup_error{"identity: " + error->message};
    }

    provisioning_fsm fsm(std::move(identity), std::move(settings), std::get<std::string>(ua));
    if (last_good.server_cfg) {
        auto loaded = fsm.active_.load_server_cfg_text(*last_good.server_cfg);
        if (const auto* error = std::get_if<aastra::cfg_error>(&loaded)) {
            return boot_setup_error{"saved server.cfg: " + error->message};
        }
    }
    if (last_good.local_cfg) {
        auto loaded = fsm.active_.load_local_cfg_text(*last_good.local_cfg);
        if (const auto* error = std::get_if<aastra::cfg_error>(&loaded)) {
            return boot_setup_error{"saved local.cfg: " + error->message};
        }
    }
    fsm.has_last_good_ = last_good.server_cfg || last_good.local_cfg;
    for (const auto& setting : fsm.settings_.local_settings) {
        if (auto error = fsm.active_.set_local(setting.key, setting.value)) {
            return boot_setup_error{"local setting '" + setting.key + "': " + error->message};
        }
    }
    for (std::size_t i = 0; i < fsm.settings_.order.size(); ++i) {
        if (is_cfg_step(fsm.settings_.order[i])) fsm.last_cfg_index_ = i;
    }
    return fsm;
}

boot_action provisioning_fsm::resume(const boot_event& ev, const resume_inputs& in) {
    const boot_event_type type = type_of(ev);
    bool expected = false;
    switch (phase_) {
        case phase::idle:
            expected = type == boot_event_type::start || type == boot_event_type::login;
            break;
        case phase::awaiting_response:
            expected = type == boot_event_type::http_response ||
                       type == boot_event_type::transport_error;
            break;
        case phase::awaiting_download: expected = type == boot_event_type::download_result; break;
        case phase::awaiting_timer: expected = type == boot_event_type::timer_fired; break;
        default: expected = type == boot_event_type::file_op_done; break;
    }
    if (!expected) {
        throw std::logic_error(std::string("provisioning_fsm: unexpected event ") +
                               to_string(type) + " in phase " +
                               phase_name(static_cast<int>(phase_)));
    }

    switch (type) {
        case boot_event_type::start: return begin_run(std::nullopt, in);
        case boot_event_type::login: {
            const auto& login = std::get<event::login>(ev);
            return begin_run(login_credentials{login.username, login.password}, in);
        }
        case boot_event_type::http_response:
            return on_response(std::get<event::http_response>(ev), in);
        case boot_event_type::transport_error:
            return on_transport_error(std::get<event::transport_error>(ev), in);
        case boot_event_type::download_result:
            return on_download(std::get<event::download_result>(ev), in);
        case boot_event_type::timer_fired:
            // A retry after backoff is a new attempt: a 401 to it is answered afresh.
            auth_.start_over();
            return request_current(in, std::nullopt);
        case boot_event_type::file_op_done:
            return on_file_op(std::get<event::file_op_done>(ev), in);
    }
    throw std::logic_error("provisioning_fsm: unknown event");
}

persisted_layers provisioning_fsm::last_good() const {
    if (!has_last_good_) return {};
    if (good_text_) return *good_text_;
    return {active_.server_cfg_text(), active_.local_cfg_text()};
}

boot_action provisioning_fsm::begin_run(std::optional<login_credentials> login,
                                        const resume_inputs& in) {
    records_.clear();
    records_.reserve(settings_.order.size());  // finish() gave the last run's away
    step_index_ = 0;
    after_discard_.reset();
    building_ = active_;
    auth_ = boot_auth(settings_.auth_policy, settings_.preemptive_auth);
    if (login) {
        if (login->username.empty() || login->username.size() > max_login_username ||
            login->password.size() > max_login_password) {
            return fail(boot_status::usage_error,
                        "login: the user name must have 1 to 40 characters and the password at "
                        "most 20");
        }
        for (const auto& [key, value] : {std::pair{"http digest username", &login->username},
                                         std::pair{"http digest password", &login->password}}) {
            if (auto error = building_.set_local(key, *value)) {
                return fail(boot_status::usage_error, "login: " + error->message);
            }
        }
    }
    // The server is read from the same keys at every run: from the same files, it is the same
    // server (reading it was a tenth of a resyncing phone's provisioning logic).
    if (!server_ || !building_.same_files(server_read_from_)) {
        auto server = server_from_config(building_);
        if (const auto* error = std::get_if<server_url_error>(&server)) {
            return fail(boot_status::usage_error, "configuration server: " + error->message);
        }
        server_ = std::get<server_location>(std::move(server));
        base_url_ = base_url(*server_);
    }
    server_read_from_ = building_;
    return next_step(in);
}

login_credentials provisioning_fsm::credentials_for(boot_step step) const {
    if (step == boot_step::global_cfg && settings_.global_file_credentials) {
        return *settings_.global_file_credentials;
    }
    return {building_.get_string("http digest username", "aastra"),
            building_.get_string("http digest password", "aastra")};
}

const std::string& provisioning_fsm::current_file() const { return records_.back().file; }

boot_action provisioning_fsm::next_step(const resume_inputs& in) {
    if (step_index_ >= settings_.order.size()) {
        active_ = building_;  // shares the files; begin_run copies it back before the next use
        has_last_good_ = true;
        // A phone that resyncs mostly fetches the files it had: their text is the same as last time.
        if (!good_text_ || !active_.same_files(good_layers_)) {
            good_text_ = persisted_layers{active_.server_cfg_text(), active_.local_cfg_text()};
        }
        good_layers_ = active_;  // lets go of the files of the run before
        return emit(action::persist{*good_text_->server_cfg, *good_text_->local_cfg});
    }
    const boot_step step = settings_.order[step_index_];
    step_record rec;
    rec.step = step;
    attempts_ = 0;
    switch (step) {
        case boot_step::global_cfg: rec.file = "aastra.cfg"; break;
        case boot_step::model_cfg: rec.file = identity_.model.cfg_file_name(); break;
        case boot_step::mac_cfg: rec.file = identity_.mac.compact_upper() + ".cfg"; break;
        case boot_step::firmware: rec.file = identity_.model.firmware_file_name(); break;
        case boot_step::user_certificates:
            rec.file = building_.get_string("https user certificates");
            break;
    }
    records_.push_back(std::move(rec));

    if (step == boot_step::firmware) {
        firmware_wanted_ = building_.get_string("firmware version");
        if (firmware_wanted_.empty() || firmware_wanted_ == identity_.firmware) {
            record().result = firmware_wanted_.empty() ? step_result::skipped
                                                       : step_result::unchanged;
            record().note = firmware_wanted_.empty()
                                ? "no 'firmware version' in the configuration"
                                : "already running " + identity_.firmware;
            return after_step(in);
        }
        auto ua = aastra::format_user_agent(identity_.model, identity_.mac, firmware_wanted_);
        if (const auto* error = std::get_if<aastra::user_agent_error>(&ua)) {
            return fail(boot_status::server_error, current_file() + ": 'firmware version: " +
                                                       firmware_wanted_ +
                                                       "' is unusable: " + error->message);
        }
    }
    if (step == boot_step::user_certificates && !is_plain_file_name(record().file)) {
        record().note = record().file.empty()
                            ? "'https user certificates' not configured"
                            : "'https user certificates' is not a plain file name; not fetched";
        if (record().file.empty()) record().file = "https user certificates";
        return after_step(in);
    }

    if (auto refusal = auth_.use(credentials_for(step))) {
        return fail(boot_status::auth_failed, current_file() + ": " + refusal->message);
    }
    target_.assign(server_->path).append(current_file());  // request_target(), in target_'s buffer
    auto authorization = auth_.preemptive(target_, in.cnonce, record().auth);
    return request_current(in, std::move(authorization));
}

boot_action provisioning_fsm::request_current(const resume_inputs&,
                                              std::optional<std::string> authorization) {
    const std::string& file = current_file();
    // Built in place and moved along: an initializer list would copy the User-Agent twice.
    std::vector<header_field> headers;
    headers.reserve(authorization ? 2 : 1);
    headers.push_back({"User-Agent", user_agent_});
    request_had_auth_ = authorization.has_value();
    if (authorization) headers.push_back({"Authorization", std::move(*authorization)});
    record().attempts.push_back({0, {}, request_had_auth_, {}});

    const boot_step step = record().step;
    std::string url;  // file_url(*server_, file), in one allocation
    url.reserve(base_url_.size() + file.size());
    url.append(base_url_).append(file);
    if (step == boot_step::firmware) {
        return emit(action::download_to_file{step, file, std::move(url), target_, std::move(headers),
                                             settings_.max_firmware_bytes});
    }
    const std::uint64_t limit = step == boot_step::user_certificates
                                    ? settings_.max_certificate_bytes
                                    : aastra::max_cfg_bytes;
    return emit(action::send_request{step, file, std::move(url), target_, std::move(headers), limit});
}

boot_action provisioning_fsm::on_response(const event::http_response& ev,
                                          const resume_inputs& in) {
    record().attempts.back().http_status = ev.status;
    record().attempts.back().timings = ev.timings;
    record().http_status = ev.status;
    if (ev.status == 401) return answer_401(ev.headers, in);
    if (auto refusal = auth_.on_response(ev.headers)) {
        return fail(boot_status::auth_failed, current_file() + ": " + refusal->message);
    }
    const boot_step step = record().step;
    if (ev.status >= 200 && ev.status < 300) {
        record().bytes = ev.body.size();
        return on_body(ev.body, in);
    }
    if (ev.status == 404 && step != boot_step::global_cfg) {
        record().result = step_result::not_found;
        return after_step(in);
    }
    if (is_retryable_status(ev.status)) {
        return retry_or_fail(boot_status::server_error,
                             current_file() + ": " + http_status_text(ev.status),
                             find_header(ev.headers, "Retry-After"), in);
    }
    if (ev.status == 404) {
        return fail(boot_status::server_error,
                    "aastra.cfg: 404 Not Found: provisioning stopped, keeping the last good "
                    "configuration");
    }
    return fail(boot_status::server_error, current_file() + ": " + http_status_text(ev.status));
}

boot_action provisioning_fsm::on_body(const std::string& body, const resume_inputs& in) {
    const boot_step step = record().step;
    if (step == boot_step::user_certificates) {
        if (body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
            record().result = step_result::skipped;
            record().note = "no PEM certificate in the body; ignored";
            return after_step(in);
        }
        return emit(action::save_certificates{current_file(), body});
    }
    if (step == boot_step::global_cfg && is_blank(body)) {
        return fail(boot_status::server_error,
                    "aastra.cfg: empty file: provisioning stopped, keeping the last good "
                    "configuration");
    }
    auto parsed = aastra::parse_cfg(body, current_file());
    if (const auto* error = std::get_if<aastra::cfg_error>(&parsed)) {
        return fail(boot_status::server_error, current_file() + ": " + error->message);
    }
    auto& result = std::get<aastra::cfg_parse_result>(parsed);
    const std::size_t skipped = result.diagnostics.size() + result.suppressed_diagnostics;
    if (skipped != 0) {
        record().note = std::to_string(skipped) + " line(s) skipped, first: " +
                        (result.diagnostics.empty() ? "?" : result.diagnostics.front().message);
    }
    building_.set_server_file(server_file_of(step), std::move(result.file), current_file());
    record().result = step_result::ok;
    return after_step(in);
}

boot_action provisioning_fsm::answer_401(const std::vector<header_field>& headers,
                                         const resume_inputs& in) {
    auto answer = auth_.answer(headers, target_, in.cnonce,
                               request_had_auth_, record().auth);
    if (auto* refusal = std::get_if<auth_refusal>(&answer)) {
        return fail(boot_status::auth_failed, current_file() + ": " + refusal->message);
    }
    return request_current(in, std::get<std::string>(std::move(answer)));
}

boot_action provisioning_fsm::retry_or_fail(boot_status status, std::string reason,
                                            std::optional<std::string_view> retry_after,
                                            const resume_inputs& in) {
    ++attempts_;
    auto decision = decide_retry(settings_.retry, attempts_, retry_after, in.now, in.jitter);
    if (!decision.retry) return fail(status, reason + ": " + decision.reason);
    auto& note = record().note;
    note += (note.empty() ? "" : "; ") + reason + ": " + decision.reason;
    return emit(action::wait{decision.delay, std::move(reason) + ": " + decision.reason});
}

boot_action provisioning_fsm::on_transport_error(const event::transport_error& ev,
                                                 const resume_inputs& in) {
    record().attempts.back().error = std::string(to_string(ev.failure)) + ": " + ev.detail;
    record().attempts.back().timings = ev.timings;
    const std::string where = current_file() + ": ";
    switch (ev.failure) {
        case transport_failure::tls:
            return fail(boot_status::tls_error, where + "TLS: " + ev.detail);
        case transport_failure::local_io:
            return fail(boot_status::usage_error, where + "local storage: " + ev.detail);
        case transport_failure::bad_response:
            return retry_or_fail(boot_status::server_error,
                                 where + "unreadable response: " + ev.detail, std::nullopt, in);
        default:
            return retry_or_fail(boot_status::network_error,
                                 where + to_string(ev.failure) + ": " + ev.detail, std::nullopt,
                                 in);
    }
}

boot_action provisioning_fsm::after_step(const resume_inputs& in) {
    if (step_index_ == last_cfg_index_ &&
        building_.get_bool("http digest force login", false)) {
        boot_outcome outcome;
        outcome.status = boot_status::force_login_required;
        outcome.reason =
            "http digest force login is 1: the server wants a user login before it sends the "
            "user profile";
        outcome.kept_last_good = true;
        return finish(std::move(outcome));
    }
    ++step_index_;
    return next_step(in);
}

boot_action provisioning_fsm::fail(boot_status status, std::string reason) {
    if (!records_.empty() && step_index_ < settings_.order.size()) {
        record().result = step_result::failed;
    }
    boot_outcome outcome;
    outcome.status = status;
    outcome.reason = std::move(reason);
    outcome.kept_last_good = true;
    return finish(std::move(outcome));
}

boot_action provisioning_fsm::finish(boot_outcome outcome) {
    // Moved, not copied: the next run starts a fresh record, and nothing after `done` reads it.
    outcome.steps = std::move(records_);
    records_.clear();
    outcome.firmware = identity_.firmware;
    return emit(action::done{std::move(outcome)});
}

boot_action provisioning_fsm::emit(boot_action act) {
    switch (type_of(act)) {
        case boot_action_type::send_request: phase_ = phase::awaiting_response; break;
        case boot_action_type::download_to_file: phase_ = phase::awaiting_download; break;
        case boot_action_type::wait: phase_ = phase::awaiting_timer; break;
        case boot_action_type::commit_download: phase_ = phase::awaiting_commit; break;
        case boot_action_type::discard_download: phase_ = phase::awaiting_discard; break;
        case boot_action_type::save_certificates:
            phase_ = phase::awaiting_certificates_saved;
            break;
        case boot_action_type::persist: phase_ = phase::awaiting_persist; break;
        case boot_action_type::done: phase_ = phase::idle; break;
    }
    return act;
}

}  // namespace phone_agent
