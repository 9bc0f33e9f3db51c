#include "fleet_command.hpp"

#include "fleet.hpp"
#include "logic/fleet_devices.hpp"
#include "logic/fleet_plan.hpp"
#include "logic/fleet_schedule.hpp"
#include "logic/fleet_stats.hpp"
#include "logic/server_url.hpp"

#include "common/aastra/mac.hpp"
#include "common/aastra/models.hpp"
#include "common/config/overrides.hpp"
#include "common/http/endpoint.hpp"

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace phone_agent {

namespace {

int usage_error(const std::string& message) {
    std::cerr << "phone-agent: " << message << "\n";
    return 2;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

// Adds the model (server URL with {model} replaced, boot settings) unless present; its index.
std::variant<std::size_t, std::string> model_index(fleet_request& req, std::map<std::string, std::size_t>& known,
                                                   const std::string& server, const std::string& name) {
    if (auto it = known.find(name); it != known.end()) return it->second;
    auto model = common::aastra::find_model(name);
    if (auto* err = std::get_if<common::aastra::model_error>(&model)) return "--model: " + err->message;
    fleet_model fm{std::get<common::aastra::model_info>(model), replace_all(server, "{model}", name), {}};
    auto url = parse_server_url(fm.server_url);
    if (auto* err = std::get_if<server_url_error>(&url)) return "--server: " + err->message;
    fm.settings.order = req.agent.order;
    fm.settings.retry = req.agent.retry;
    fm.settings.preemptive_auth = req.agent.preemptive_auth;
    fm.settings.max_firmware_bytes = req.agent.max_firmware_bytes;
    fm.settings.local_settings = settings_for(std::get<server_location>(url));
    req.models.push_back(std::move(fm));
    known.emplace(name, req.models.size() - 1);
    return req.models.size() - 1;
}

// --devices FILE: the table, with certificate paths relative to the file's directory and checked.
std::optional<std::string> read_devices(const std::string& file, const std::vector<model_share>& mix,
                                        const std::string& server, fleet_request& req,
                                        std::map<std::string, std::size_t>& known) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return "--devices '" + file + "': cannot be read";
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parse_devices_csv(text.str(), file);
    if (auto* err = std::get_if<plan_error>(&parsed)) return "--devices: " + err->message;
    auto& rows = std::get<std::vector<device_row>>(parsed);
    const auto assignment = assign_models(mix, rows.size());
    const auto dir = std::filesystem::path(file).parent_path();
    const auto resolve = [&](const std::string& p) {
        const std::filesystem::path path(p);
        return (path.is_absolute() || dir.empty() ? path : dir / path).string();
    };
    req.phones.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto& row = rows[i];
        const auto where = file + ":" + std::to_string(row.line) + ": ";
        const std::string name = row.model.value_or(mix[assignment[i]].model);
        auto index = model_index(req, known, server, name);
        if (auto* err = std::get_if<std::string>(&index)) return where + *err;
        fleet_phone phone{row.mac, std::get<std::size_t>(index), row.firmware, row.credentials, {}, {}};
        for (auto* cell : {&row.client_cert, &row.client_key}) {
            if (!*cell) continue;
            auto& out = cell == &row.client_cert ? phone.client_cert : phone.client_key;
            out = resolve(**cell);
            if (!std::ifstream(*out)) return where + "'" + *out + "': cannot be read";
        }
        req.phones.push_back(std::move(phone));
    }
    return std::nullopt;
}

}  // namespace

int fleet_command(const fleet_options& f, bool firmware_given, std::string command_line) {
    fleet_request req;
    req.command_line = std::move(command_line);
    try {
        std::optional<std::filesystem::path> file;
        if (f.config_file) file = *f.config_file;
        req.agent = load_agent_config(file, common::config::environment_from_environ(), f.set);
    } catch (const std::exception& e) {
        return usage_error(e.what());
    }
    if (f.client_cert) req.agent.client_certificate = *f.client_cert;
    if (f.client_key) req.agent.client_key = *f.client_key;
    if (auto err = check_client_certificate(req.agent)) return usage_error(*err);
    if (auto err = check_tls_offer(req.agent)) return usage_error(*err);
    req.connection = {f.keep_alive, f.tls_resumption};

    std::vector<model_share> mix{{f.model, 1}};
    if (f.models) {
        auto parsed = parse_model_mix(*f.models);
        if (auto* err = std::get_if<plan_error>(&parsed)) return usage_error(err->message);
        mix = std::get<std::vector<model_share>>(parsed);
    }
    std::map<std::string, std::size_t> known;
    for (const auto& share : mix) {
        auto index = model_index(req, known, f.server, share.model);
        if (auto* err = std::get_if<std::string>(&index)) return usage_error(*err);
    }

    if (f.devices) {
        if (auto err = read_devices(*f.devices, mix, f.server, req, known)) return usage_error(*err);
    } else {
        auto first = common::aastra::mac_address::parse(f.mac_start);
        if (auto* err = std::get_if<common::aastra::mac_error>(&first)) return usage_error("--mac-start: " + err->message);
        const auto& start = std::get<common::aastra::mac_address>(first);
        const auto assignment = assign_models(mix, f.count);
        req.phones.reserve(f.count);
        for (std::size_t i = 0; i < f.count; ++i) {
            auto mac = start.next(i);
            if (auto* err = std::get_if<common::aastra::mac_error>(&mac)) return usage_error("--count: " + err->message);
            req.phones.push_back(
                {std::get<common::aastra::mac_address>(mac), known.at(mix[assignment[i]].model), {}, {}, {}, {}});
        }
    }
    req.fleet_size = req.phones.size();
    if (f.shard) {
        auto parsed = parse_shard(*f.shard);
        if (auto* err = std::get_if<plan_error>(&parsed)) return usage_error(err->message);
        req.shard_of = std::get<shard>(parsed);
        const auto range = shard_range(req.phones.size(), *req.shard_of);
        req.phones = std::vector<fleet_phone>(req.phones.begin() + static_cast<std::ptrdiff_t>(range.first),
                                              req.phones.begin() + static_cast<std::ptrdiff_t>(range.last));
        if (req.phones.empty()) return usage_error("--shard " + *f.shard + ": no phones in this shard");
    }

    req.firmware = f.firmware;
    req.firmware_given = firmware_given;
    if (f.ca_file) req.ca_file = *f.ca_file;
    if (f.state_dir) req.state_dir = *f.state_dir;
    if (f.json_file) req.json_file = *f.json_file;
    if (f.html_file) req.html_file = *f.html_file;
    if (f.metrics) {
        auto parsed = common::http::parse_listen_address(*f.metrics);
        if (!parsed.endpoint) return usage_error("--metrics: " + parsed.error);
        req.metrics_listen = *f.metrics;
    }
    req.concurrency = f.concurrency;
    req.threads = f.threads;
    auto window = parse_duration(f.storm_window);
    if (auto* err = std::get_if<plan_error>(&window)) return usage_error("--storm-window " + err->message);
    req.storm_window = std::get<std::chrono::microseconds>(window);
    auto shape = parse_storm_shape(f.storm_shape);
    if (auto* err = std::get_if<plan_error>(&shape)) return usage_error("--storm-shape " + err->message);
    req.storm_spread = std::get<storm_shape>(shape);
    if (req.storm_spread != storm_shape::uniform && req.storm_window.count() == 0) {
        return usage_error("--storm-shape " + f.storm_shape + " needs a --storm-window longer than 0");
    }
    if (f.duration) {
        auto d = parse_duration(*f.duration);
        if (auto* err = std::get_if<plan_error>(&d)) return usage_error("--duration " + err->message);
        req.duration = std::get<std::chrono::microseconds>(d);
        if (req.duration.count() == 0) return usage_error("--duration: must be more than 0");
    }
    if (f.arrival_rate) {
        auto plan = parse_arrival_plan(*f.arrival_rate, f.ramp.value_or(""));
        if (auto* err = std::get_if<plan_error>(&plan)) return usage_error(err->message);
        req.arrival = std::get<arrival_plan>(plan);
    }
    req.resyncs = f.resyncs;
    if (f.resync_interval) {
        auto d = parse_duration(*f.resync_interval);
        if (auto* err = std::get_if<plan_error>(&d)) return usage_error("--resync-interval " + err->message);
        req.resync_interval = std::get<std::chrono::microseconds>(d);
    }
    if (req.resyncs > 0 && req.resync_interval.count() <= 0) {
        return usage_error("--resyncs needs a --resync-interval longer than 0");
    }
    for (const auto& text : f.thresholds) {
        auto t = parse_threshold(text);
        if (auto* err = std::get_if<plan_error>(&t)) return usage_error(err->message);
        req.thresholds.push_back(std::get<threshold>(t));
    }
    for (const auto& text : f.deadlines) {
        auto d = parse_duration(text);
        if (auto* err = std::get_if<plan_error>(&d)) return usage_error("--deadline " + err->message);
        const auto deadline = std::get<std::chrono::microseconds>(d);
        if (deadline.count() <= 0) return usage_error("--deadline '" + text + "': must be more than 0");
        req.deadlines.push_back(deadline);
    }
    if (f.source_addresses) {
        auto addresses = parse_address_list(*f.source_addresses);
        if (auto* err = std::get_if<plan_error>(&addresses)) return usage_error(err->message);
        req.source_addresses = std::get<std::vector<std::string>>(addresses);
    }
    return run_fleet(req);
}

}  // namespace phone_agent
