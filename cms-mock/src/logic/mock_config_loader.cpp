#include "logic/mock_config_loader.hpp"

#include "common/config/overrides.hpp"

namespace cms_mock {

using common::config::byte_size;
using common::config::node_reader;

namespace {

void read_rule(const node_reader& r, auth_rule& rule) {
    r.optional("path", rule.path);
    r.optional_enum("file", rule.file,
                    {{"any", file_selector::any}, {"aastra_cfg", file_selector::aastra_cfg},
                     {"model_cfg", file_selector::model_cfg}, {"mac_cfg", file_selector::mac_cfg},
                     {"firmware", file_selector::firmware}, {"other", file_selector::other}});
    r.optional_enum("scheme", rule.scheme,
                    {{"none", auth_scheme::none}, {"basic", auth_scheme::basic}, {"digest", auth_scheme::digest}});
    r.optional("algorithms", rule.algorithms);
    r.optional("qop", rule.qop);
    r.optional("realm", rule.realm);
    r.optional("opaque", rule.opaque);
    r.optional("userhash", rule.userhash);
    r.optional_enum("credentials", rule.credentials,
                    {{"shared", credential_source::shared},
                     {"device", credential_source::device},
                     {"user", credential_source::user}});
    r.optional_enum("negative", rule.negative,
                    {{"none", auth_negative_mode::none},
                     {"stale_with_flag", auth_negative_mode::stale_with_flag},
                     {"stale_without_flag", auth_negative_mode::stale_without_flag},
                     {"expired_nonce", auth_negative_mode::expired_nonce},
                     {"nc_replay", auth_negative_mode::nc_replay},
                     {"no_challenge", auth_negative_mode::no_challenge},
                     {"wrong_realm", auth_negative_mode::wrong_realm},
                     {"unsupported_algorithm", auth_negative_mode::unsupported_algorithm},
                     {"endless_401", auth_negative_mode::endless_401},
                     {"wrong_password_accepted", auth_negative_mode::wrong_password_accepted},
                     {"replay_accepted", auth_negative_mode::replay_accepted},
                     {"no_stale_flag", auth_negative_mode::no_stale_flag}});
    r.optional("mac", rule.mac);
    r.finish();
}

void read_auth(const node_reader& r, auth_settings& a) {
    r.optional("realm", a.realm);
    r.optional("nonce_lifetime", a.nonce_lifetime);
    r.optional("shared_username", a.shared_username);
    r.optional("shared_password", a.shared_password);
    r.optional("force_login", a.force_login);
    r.optional("rotation_overlap", a.rotation_overlap);
    r.optional("nonce_cache", a.nonce_cache);
    r.sequence("rules", [&](node_reader item) {
        auth_rule rule;
        read_rule(item, rule);
        a.rules.push_back(std::move(rule));
    });
    r.finish();
}

void read_fault(const node_reader& r, fault_rule& f) {
    r.optional("path", f.path);
    r.optional("mac", f.mac);
    r.optional("probability", f.probability);
    if (f.probability < 0.0 || f.probability > 1.0) r.child("probability").fail("must be between 0 and 1");
    r.optional("delay", f.delay);
    r.optional("delay_max", f.delay_max);
    std::optional<byte_size> throttle;
    r.optional("throttle", throttle);
    if (throttle) f.throttle = throttle->bytes;
    r.optional("stall", f.stall);
    r.optional("close_after", f.close_after);
    r.optional("truncate", f.truncate);
    r.optional("reset", f.reset);
    r.optional("unavailable", f.unavailable);
    r.optional("content_type", f.content.content_type);
    if (f.content.content_type) {
        for (char c : *f.content.content_type) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f) r.fail("content_type: control characters (CR, LF, NUL, ...) are not allowed");
        }
    }
    r.optional("head_mismatch", f.content.head_mismatch);
    r.optional_enum("range", f.content.range,
                    {{"none", range_fault::none}, {"ignore", range_fault::ignore}, {"wrong", range_fault::wrong}});
    r.optional_enum("conditional", f.content.conditional,
                    {{"none", conditional_fault::none},
                     {"ignore", conditional_fault::ignore},
                     {"always_304", conditional_fault::always_304}});
    r.optional("name", f.name);
    r.finish();
}

void read_firmware(const node_reader& r, firmware_image_config& fw) {
    r.required("model", fw.model);
    r.required("version", fw.version);
    std::optional<byte_size> size;
    r.optional("size", size);
    if (size) fw.size = size->bytes;
    r.optional("file", fw.file);
    r.finish();
}

void read_device(const node_reader& r, device& d) {
    r.required("mac", d.mac);
    r.optional("model", d.model);
    r.optional("firmware", d.firmware_version);
    auto dev = r.child("device");
    dev.optional("username", d.device_username);
    dev.optional("password", d.device_password);
    dev.optional("previous_password", d.previous_password);
    dev.finish();
    auto user = r.child("user");
    user.optional("username", d.user_username);
    user.optional("password", d.user_password);
    user.finish();
    r.sequence("lines", [&](node_reader item) {
        sip_line line;
        item.optional("auth_name", line.auth_name);
        item.optional("password", line.password);
        item.optional("user_name", line.user_name);
        item.optional("display_name", line.display_name);
        item.optional("registrar", line.registrar);
        item.finish();
        d.lines.push_back(std::move(line));
    });
    r.child("vars").entries([&](const std::string& key, node_reader value) {
        std::string v;
        value.get(v);
        d.extra[key] = v;
    });
    r.finish();
}

void read_tls(const node_reader& r, tls_settings& t) {
    r.optional("cert_file", t.cert_file);
    r.optional("key_file", t.key_file);
    if (t.cert_file.has_value() != t.key_file.has_value()) {
        r.fail("cert_file and key_file must be given together");
    }
    r.optional("sans", t.sans);
    r.optional_enum("min_version", t.min_version,
                    {{"1.0", std::string("1.0")}, {"1.1", std::string("1.1")},
                     {"1.2", std::string("1.2")}, {"1.3", std::string("1.3")}});
    r.optional("legacy_tls10", t.legacy_tls10);
    r.optional_enum("client_certificates", t.client_certificates,
                    {{"none", std::string("none")}, {"request", std::string("request")},
                     {"require", std::string("require")}});
    r.optional("cipher_list", t.offer.cipher_list);
    r.optional("ciphersuites", t.offer.ciphersuites);
    r.optional("groups", t.offer.groups);
    r.finish();
}

void read_limits(const node_reader& r, limits_settings& l) {
    std::optional<byte_size> header, body;
    r.optional("header_limit", header);
    if (header) l.header_limit = static_cast<std::size_t>(header->bytes);
    r.optional("body_limit", body);
    if (body) l.body_limit = body->bytes;
    r.optional("max_connections", l.max_connections);
    r.optional("queue_when_full", l.queue_when_full);
    r.optional("request_timeout", l.request_timeout);
    r.optional("idle_timeout", l.idle_timeout);
    r.optional("handshake_timeout", l.handshake_timeout);
    r.optional("write_timeout", l.write_timeout);
    r.optional("shutdown_grace", l.shutdown_grace);
    r.optional("journal_size", l.journal_size);
    if (l.journal_size == 0) r.child("journal_size").fail("must be at least 1");
    r.finish();
}

}  // namespace

void read_mock_config(const node_reader& root, mock_config& cfg) {
    auto listen = root.child("listen");
    listen.optional("http", cfg.http);
    listen.optional("https", cfg.https);
    listen.optional("admin", cfg.admin);
    listen.finish();
    root.optional("root", cfg.root);
    root.optional("state_dir", cfg.state_dir);
    root.optional("log_level", cfg.log_level);
    auto layout = root.child("layout");
    layout.optional("dms", cfg.layout.dms);
    layout.optional("dms_context", cfg.layout.dms_context);
    layout.optional("flat", cfg.layout.flat);
    layout.finish();
    root.optional("fallback_profile", cfg.fallback_profile);
    root.optional("devices_csv", cfg.devices_csv);
    root.optional("server_host", cfg.server_host);
    root.sequence("devices", [&](node_reader item) {
        device d;
        read_device(item, d);
        cfg.devices.push_back(std::move(d));
    });
    read_auth(root.child("auth"), cfg.auth);
    root.sequence("faults", [&](node_reader item) {
        fault_rule f;
        read_fault(item, f);
        cfg.faults.push_back(std::move(f));
    });
    root.sequence("firmware", [&](node_reader item) {
        firmware_image_config fw;
        read_firmware(item, fw);
        cfg.firmware.push_back(std::move(fw));
    });
    read_tls(root.child("tls"), cfg.tls);
    read_limits(root.child("limits"), cfg.limits);
    root.optional("random_seed", cfg.random_seed);
    root.finish();
}

mock_config load_mock_config(const std::optional<std::filesystem::path>& file,
                             const std::vector<std::string>& environment,
                             const std::vector<std::string>& set_flags) {
    common::config::load_options opts;
    opts.file = file;
    opts.env_prefix = "CMS_MOCK_";
    opts.environment = environment;
    opts.set_flags = set_flags;
    auto root = common::config::load_config(opts);
    mock_config cfg;
    read_mock_config(root, cfg);
    return cfg;
}

}  // namespace cms_mock
