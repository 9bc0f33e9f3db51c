#include "logic/agent_config.hpp"

#include "common/config/overrides.hpp"

namespace phone_agent {

using common::config::byte_size;
using common::config::node_reader;

void read_agent_config(const node_reader& root, agent_config& cfg) {
    auto retry = root.child("retry");
    retry.optional("max_attempts", cfg.retry.max_attempts);
    retry.optional("initial_delay", cfg.retry.initial_delay);
    retry.optional("multiplier", cfg.retry.multiplier);
    retry.optional("max_delay", cfg.retry.max_delay);
    retry.optional("jitter_share", cfg.retry.jitter_share);
    retry.optional("max_retry_after", cfg.retry.max_retry_after);
    if (cfg.retry.max_attempts < 1) retry.fail("max_attempts must be at least 1");
    if (cfg.retry.jitter_share < 0.0 || cfg.retry.jitter_share > 1.0) retry.fail("jitter_share must be in [0, 1]");
    auto timeouts = root.child("timeouts");
    timeouts.optional("connect", cfg.timeouts.connect);
    timeouts.optional("tls", cfg.timeouts.tls);
    timeouts.optional("response", cfg.timeouts.response);
    timeouts.optional("body_idle", cfg.timeouts.body_idle);
    if (root.has("order")) {
        cfg.order.clear();
        root.sequence("order", [&](node_reader item) {
            boot_step step{};
            item.get_enum(step, {{"aastra.cfg", boot_step::global_cfg},
                                 {"model.cfg", boot_step::model_cfg},
                                 {"mac.cfg", boot_step::mac_cfg},
                                 {"firmware", boot_step::firmware},
                                 {"certificates", boot_step::user_certificates}});
            cfg.order.push_back(step);
        });
    }
    root.optional("preemptive_auth", cfg.preemptive_auth);
    std::optional<byte_size> fw;
    root.optional("max_firmware_bytes", fw);
    if (fw) cfg.max_firmware_bytes = fw->bytes;
    auto tls = root.child("tls");
    tls.optional("use_system_roots", cfg.use_system_roots);
    tls.optional("client_certificate", cfg.client_certificate);
    tls.optional("client_key", cfg.client_key);
    tls.optional("cipher_list", cfg.tls_offer.cipher_list);
    tls.optional("ciphersuites", cfg.tls_offer.ciphersuites);
    tls.optional("groups", cfg.tls_offer.groups);
    auto uris = root.child("action_uris");
    uris.optional("blocking", cfg.action_uris.blocking);
    std::optional<std::uint64_t> max_background;
    uris.optional("max_background", max_background);
    if (max_background) {
        if (*max_background < 1 || *max_background > 1024) uris.fail("max_background must be in 1..1024");
        cfg.action_uris.max_background = static_cast<std::size_t>(*max_background);
    }
    root.finish();
}

agent_config load_agent_config(const std::optional<std::filesystem::path>& file,
                               const std::vector<std::string>& environment,
                               const std::vector<std::string>& set_flags) {
    common::config::load_options opts;
    opts.file = file;
    opts.env_prefix = "PHONE_AGENT_";
    opts.environment = environment;
    opts.set_flags = set_flags;
    auto root = common::config::load_config(opts);
    agent_config cfg;
    read_agent_config(root, cfg);
    return cfg;
}

}  // namespace phone_agent
