// The mock CMS itself, free of I/O: maps a provisioning request to a response plan (auth, device
// lookup, templates, firmware, conditional and range requests, faults) and records it in the
// journal; answers the admin API. The I/O layer calls handle() / handle_admin() per request.
#pragma once

#include "logic/http_types.hpp"
#include "logic/mock_config.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace cms_mock {

struct service_stats {
    std::size_t open_connections = 0;
    std::uint64_t tls_handshakes_ok = 0;
    std::uint64_t tls_handshakes_failed = 0;
    std::uint64_t connections_refused = 0;
    std::uint64_t requests_rejected = 0;
};

class provisioning_service {
public:
    using clock_fn = std::function<std::chrono::system_clock::time_point()>;

    // Throws std::runtime_error (naming the file and line) when the devices table, the tree or the
    // firmware configuration cannot be loaded: a start-up error.
    provisioning_service(mock_config cfg, std::string nonce_secret, clock_fn clock);
    ~provisioning_service();
    provisioning_service(const provisioning_service&) = delete;
    provisioning_service& operator=(const provisioning_service&) = delete;

    response_plan handle(request_view& req);
    response_plan handle_admin(request_view& req);

    // Re-reads the configuration's devices and tree (POST /_admin/reload) without touching the
    // journal or open connections. Returns an error message, empty on success.
    std::string reload(mock_config cfg);

    // Where POST /_admin/reload gets the new configuration (the I/O layer re-reads the file,
    // environment and flags). It may throw with a message naming the key; the old state stays.
    void set_config_source(std::function<mock_config()> source);

    // Live connection figures for /metrics, supplied by the I/O layer.
    void set_stats_source(std::function<service_stats()> source);

    const mock_config& config() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cms_mock
