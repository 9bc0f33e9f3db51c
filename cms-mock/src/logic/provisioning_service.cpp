#include "logic/provisioning_service.hpp"

#include "logic/content_faults.hpp"
#include "logic/http_conditional.hpp"
#include "logic/service_impl.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/user_agent.hpp"
#include "common/auth/auth_header.hpp"
#include "common/crypto/hash.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <variant>

namespace cms_mock {

namespace {

constexpr std::uint64_t max_template_size = 1 << 20;

bool is_template_file(std::string_view name) {
    return name.ends_with(".cfg") || name.ends_with(".template");
}

file_selector selector_of(file_kind kind) {
    switch (kind) {
        case file_kind::aastra_cfg: return file_selector::aastra_cfg;
        case file_kind::model_cfg: return file_selector::model_cfg;
        case file_kind::mac_cfg: return file_selector::mac_cfg;
        case file_kind::firmware: return file_selector::firmware;
        case file_kind::security_tuz:
        case file_kind::other: return file_selector::other;
    }
    return file_selector::other;
}

std::string read_text_file(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(what + ": cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

void latency_histogram::observe(double seconds) {
    std::size_t i = 0;
    while (i < std::size(latency_buckets) && seconds > latency_buckets[i]) ++i;
    ++counts[i];
    sum += seconds;
    ++total;
}

provisioning_service::impl::impl(mock_config c, std::string secret, clock_fn clk)
    : cfg(std::move(c)),
      nonce_secret(std::move(secret)),
      clock(std::move(clk)),
      faults(cfg.faults, cfg.random_seed),
      log(cfg.limits.journal_size) {
    load_content();
    try {
        gate = std::make_unique<auth_gate>(cfg.auth, nonce_secret, clock());
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("config error: ") + e.what());
    }
}

void provisioning_service::impl::load_content() {
    const auto now = clock();
    if (cfg.root) {
        std::error_code ec;
        if (!std::filesystem::is_directory(*cfg.root, ec)) {
            throw std::runtime_error("root: '" + *cfg.root + "' is not a directory");
        }
        // The file cache's settle check compares file times with the real clock, not `clock`.
        store = directory_store(*cfg.root, [] { return std::chrono::system_clock::now(); });
    } else {
        store = memory_store(demo_tree_files(), now, "built-in demo tree");
    }

    device_table table;
    if (cfg.devices.empty() && !cfg.devices_csv) table = demo_devices();
    for (const auto& d : cfg.devices) {
        if (auto err = table.insert(d)) throw std::runtime_error("devices: " + err->message);
    }
    if (cfg.devices_csv) {
        auto parsed = parse_devices_csv(read_text_file(*cfg.devices_csv, "devices_csv"), *cfg.devices_csv);
        if (auto* err = std::get_if<device_error>(&parsed)) throw std::runtime_error(err->message);
        for (const auto* d : std::get<device_table>(parsed).list()) {
            if (auto err = table.insert(*d)) throw std::runtime_error(*cfg.devices_csv + ": " + err->message);
        }
    }
    // Keep who already logged in across a reload.
    for (const auto* d : devices.list()) {
        if (auto* same = table.find(d->mac); same && d->logged_in_once) same->logged_in_once = true;
    }
    devices = std::move(table);

    firmware.clear();
    auto images = cfg.firmware;
    if (images.empty() && !cfg.root) {
        for (const char* model : {"6731i", "6739i", "9480i"}) images.push_back({model, "3.2.2.3077", 256 * 1024, {}});
    }
    for (const auto& fw : images) {
        firmware_entry e;
        e.model = fw.model;
        e.version = fw.version;
        if (fw.file) {
            e.body = file_body(*fw.file);
            if (!e.body) throw std::runtime_error("firmware " + fw.model + ": cannot open " + *fw.file);
            e.file = *fw.file;
            std::error_code ec;
            auto mtime = std::filesystem::last_write_time(*fw.file, ec);
            e.modified = ec ? now : std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(mtime));
            e.etag = make_etag(e.body->size(), std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   e.modified.time_since_epoch()));
        } else {
            auto made = synthetic_firmware::create(fw.model, fw.version, fw.size);
            if (auto* err = std::get_if<firmware_error>(&made)) {
                throw std::runtime_error("firmware " + fw.model + ": " + err->message);
            }
            e.synthetic = std::make_shared<synthetic_firmware>(std::get<synthetic_firmware>(std::move(made)));
            e.body = e.synthetic;
            e.modified = now;
            e.etag = "\"fw-" + fw.model + "-" + fw.version + "-" + std::to_string(fw.size) + "\"";
        }
        firmware.push_back(std::move(e));
    }
}

std::string provisioning_service::impl::reload(mock_config next) {
    auto saved = cfg;
    auto saved_store = std::move(store);
    try {
        auto gate_next = std::make_unique<auth_gate>(next.auth, nonce_secret, clock());
        cfg = std::move(next);
        load_content();
        gate = std::move(gate_next);
        faults = fault_picker(cfg.faults, cfg.random_seed);
        return {};
    } catch (const std::exception& e) {
        cfg = std::move(saved);
        store = std::move(saved_store);
        return e.what();
    }
}

layout provisioning_service::impl::path_layout() const {
    return layout{cfg.layout.dms, cfg.layout.dms_context, cfg.layout.flat};
}

device* provisioning_service::impl::device_for(const file_request& fr, std::string_view ua_mac) {
    if (fr.mac) return devices.find(*fr.mac);
    if (!ua_mac.empty()) return devices.find(ua_mac);
    return nullptr;
}

std::optional<device_credentials> provisioning_service::impl::credentials_of(const device* dev) const {
    if (!dev) return std::nullopt;
    return device_credentials{dev->mac, dev->device_username, dev->device_password, dev->previous_password,
                              dev->user_username, dev->user_password};
}

device_by_username provisioning_service::impl::directory() const {
    // Captures only `this`, so std::function stores it without allocating.
    return [this](std::string_view user) -> const device_credentials* {
        const auto* d = devices.find_by_device_username(user);
        if (!d) return nullptr;
        directory_slot = *credentials_of(d);
        return &directory_slot;
    };
}

template_vars_map provisioning_service::impl::variables_for(const device* dev) const {
    template_vars_map server{{"server.host", cfg.server_host}};
    if (dev) return template_vars(*dev, server);
    // An unknown phone still gets aastra.cfg: it authenticates with the shared login.
    server["device.username"] = cfg.auth.shared_username;
    server["device.password"] = cfg.auth.shared_password;
    return server;
}

std::optional<provisioning_service::impl::content> provisioning_service::impl::find_content(
    const file_request& fr, device* dev, bool as_user, std::string& error) {
    if (fr.kind == file_kind::firmware && fr.model) {
        for (const auto& fw : firmware) {
            if (common::auth::iequals(fw.model, *fr.model)) return content{fw.body, fw.modified, fw.etag};
        }
    }
    // The names to try, in order, as views: only the DMS device-type prefixed ones are built.
    std::string typed_name;
    std::string typed_template;
    std::array<std::string_view, 5> candidates{};
    std::size_t count = 0;
    auto add = [&](std::string_view name) { candidates[count++] = name; };
    if (fr.kind == file_kind::mac_cfg && !dev) {
        if (!cfg.fallback_profile) return std::nullopt;
        add(*cfg.fallback_profile);
    } else if (fr.kind == file_kind::mac_cfg && cfg.auth.force_login && !dev->logged_in_once && !as_user) {
        // BroadSoft flow: until its user logs in, a device gets the default profile.
        add("default-profile.cfg");
    } else {
        add(fr.relative_path);
        if (fr.device_type) add(typed_name = *fr.device_type + "/" + fr.file_name);
        add(fr.file_name);
        if (fr.kind == file_kind::mac_cfg) {
            if (fr.device_type) add(typed_template = *fr.device_type + "/mac.cfg.template");
            add("mac.cfg.template");
        }
    }
    for (std::size_t i = 0; i < count; ++i) {
        const std::string_view name = candidates[i];
        auto found = store->find(name);
        if (!found) continue;
        if (!is_template_file(name)) {
            auto etag = make_etag(found->body->size(), std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                           found->modified.time_since_epoch()));
            return content{found->body, found->modified, etag};
        }
        auto text = read_all(*found->body, max_template_size);
        if (!text) {
            error = std::string(name) + ": larger than 1 MiB or unreadable";
            return std::nullopt;
        }
        auto rendered = render_template(*text, variables_for(dev), template_mode::strict, name);
        if (auto* err = std::get_if<template_error>(&rendered)) {
            error = err->message;
            return std::nullopt;
        }
        auto body_text = std::get<std::string>(std::move(rendered));
        auto etag = make_etag_from_digest(common::crypto::hex_digest(common::crypto::hash_algorithm::sha256, body_text));
        return content{string_body(std::move(body_text)), found->modified, etag};
    }
    return std::nullopt;
}

void provisioning_service::impl::begin_entry(journal_entry& e, const request_view& req,
                                            std::chrono::system_clock::time_point now) const {
    e.time = now;
    e.peer = req.peer;
    e.tls_version = req.tls_version;
    e.tls_cipher = req.tls_cipher;
    e.method = req.method;
    e.target = req.target;
    if (auto ua = req.header("User-Agent")) {
        e.user_agent = *ua;
        if (auto info = common::aastra::parse_user_agent(*ua)) {
            e.ua_mac = info->mac.compact_upper();
            e.ua_model = info->model.name;
            e.ua_firmware = info->firmware;
        }
    }
}

void provisioning_service::impl::journal_callback::operator()(const send_outcome& out) {
    entry.bytes_sent = out.body_bytes_sent;
    entry.duration = std::chrono::duration_cast<std::chrono::microseconds>(out.duration);
    if (!out.completed && entry.fault.empty()) entry.fault = "connection-lost";
    service->bytes_sent_total += out.body_bytes_sent;
    service->latency.observe(std::chrono::duration<double>(out.duration).count());
    service->log.append(std::move(entry));
}

response_plan provisioning_service::impl::finish(response_plan plan, done_fn& done) {
    auto& entry = entry_of(done);
    entry.status = plan.status;
    // Every answer to HEAD, errors included, is headers only; a body would be read as the next
    // response by a keep-alive client.
    if (entry.method == "HEAD") plan.head = true;
    plan.on_done = std::move(done);
    return plan;
}

response_plan provisioning_service::impl::handle(request_view& req) {
    const auto now = clock();
    done_fn done = journal_callback{this, {}};
    auto& entry = entry_of(done);
    begin_entry(entry, req, now);
    if (req.method != "GET" && req.method != "HEAD") {
        auto plan = text_response(405, "only GET and HEAD are served here\n");
        plan.set_header("Allow", "GET, HEAD");
        return finish(std::move(plan), done);
    }
    auto classified = classify_target(req.target, path_layout());
    if (auto* err = std::get_if<path_error>(&classified)) {
        return finish(text_response(http_status(err->kind), err->reason + "\n"), done);
    }
    const auto& fr = std::get<file_request>(classified);
    device* dev = device_for(fr, entry.ua_mac);
    if (dev) {
        entry.device_mac = dev->mac;
    } else if (fr.mac) {
        entry.device_mac = *fr.mac;
    } else {
        entry.device_mac = entry.ua_mac;
    }

    auto picked = faults.pick(fr.relative_path, entry.device_mac);
    entry.fault = picked.plan.name;
    if (picked.content) apply_request_faults(*picked.content, req);
    if (picked.unavailable) {
        auto plan = text_response(503, "service unavailable (fault injected)\n");
        plan.set_header("Retry-After", std::to_string(picked.unavailable->count()));
        plan.faults = picked.plan;
        return finish(std::move(plan), done);
    }

    auto creds = credentials_of(dev);
    const std::string request_path = "/" + fr.relative_path;  // outlives the check below
    auth_request areq{&req, request_path, selector_of(fr.kind), creds ? &*creds : nullptr};
    auto decision = gate->check(areq, directory(), now);
    entry.auth_scheme = decision.scheme;
    entry.auth_outcome = decision.result;
    entry.auth_user = decision.user;
    if (!decision.allowed()) {
        auto plan = text_response(decision.status, decision.status == 401
                                                       ? "authentication required\n"
                                                       : "bad credentials: " + decision.message + "\n");
        for (auto& h : decision.headers) plan.headers.push_back(std::move(h));
        return finish(std::move(plan), done);
    }
    if (decision.as_user && dev) dev->logged_in_once = true;

    std::string error;
    auto found = find_content(fr, dev, decision.as_user, error);
    if (!found) {
        if (!error.empty()) {
            return finish(text_response(500, "template error: " + error + "\n"), done);
        }
        return finish(text_response(404, "not found: /" + fr.relative_path + "\n"), done);
    }

    response_plan plan;
    plan.head = req.method == "HEAD";
    // A new plan has no header yet, so no set_header() search; room for Content-Range, a fault's
    // header and the server's own without growing.
    plan.headers.reserve(9);
    plan.headers.push_back({"Content-Type", std::string(content_type_for(fr.file_name))});
    plan.headers.push_back({"ETag", std::move(found->etag)});
    if (last_modified_text.empty() || found->modified != last_modified_time) {
        last_modified_time = found->modified;
        last_modified_text = format_http_date(found->modified);
    }
    plan.headers.push_back({"Last-Modified", last_modified_text});
    plan.headers.push_back({"Accept-Ranges", "bytes"});
    plan.headers.push_back({"Cache-Control", "no-cache"});
    const std::string_view etag = plan.headers[1].value;
    auto cond = evaluate_conditionals(req.method, req.header("If-None-Match"), req.header("If-Modified-Since"),
                                      etag, found->modified);
    if (cond == conditional_outcome::not_modified) {
        plan.status = 304;
        return finish(std::move(plan), done);
    }
    const auto size = found->body->size();
    auto range = decide_range(req.header("Range"), req.header("If-Range"), size, etag, found->modified);
    if (range.kind == range_kind::unsatisfiable) {
        auto p = text_response(416, "range not satisfiable\n");
        p.set_header("Content-Range", content_range_value(range, size));
        return finish(std::move(p), done);
    }
    plan.body = found->body;
    if (range.kind == range_kind::single) {
        plan.status = 206;
        plan.body_offset = range.first;
        plan.body_length = range.length();
        plan.set_header("Content-Range", content_range_value(range, size));
    }
    if (picked.content) apply_response_faults(*picked.content, plan);
    plan.faults = picked.plan;
    if (picked.truncate) plan.faults.close_after_body_bytes = plan.length() / 2;
    return finish(std::move(plan), done);
}

provisioning_service::provisioning_service(mock_config cfg, std::string nonce_secret, clock_fn clock)
    : impl_(std::make_unique<impl>(std::move(cfg), std::move(nonce_secret), std::move(clock))) {}

provisioning_service::~provisioning_service() = default;

response_plan provisioning_service::handle(request_view& req) { return impl_->handle(req); }
response_plan provisioning_service::handle_admin(request_view& req) { return impl_->handle_admin(req); }
std::string provisioning_service::reload(mock_config cfg) { return impl_->reload(std::move(cfg)); }
const mock_config& provisioning_service::config() const { return impl_->cfg; }
void provisioning_service::set_config_source(std::function<mock_config()> source) {
    impl_->config_source = std::move(source);
}
void provisioning_service::set_stats_source(std::function<service_stats()> source) {
    impl_->stats = std::move(source);
}

}  // namespace cms_mock
