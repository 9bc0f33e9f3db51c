// One emulated phone that stays up (`phone-agent run`): boot provisioning (boot_driver), its own
// HTTP and HTTPS servers (common::http::http_server, `Server: Aragorn`, Basic auth realm
// "Aastra <model>"), the Web UI, XML push, the JSON control API, the XML browser (phone_screen)
// with non-blocking cancellable page fetches (fetch_pool), action URIs that block key presses
// while they run (or run in the background when the agent says so), telephony events from the
// control API, and auto-resync. All decisions live in src/logic/; this class performs the actions
// and keeps the clocks. Split over phone_runtime.cpp (life cycle, provisioning, resync),
// phone_runtime_screen.cpp (keys, fetches, action URIs) and phone_runtime_http.cpp (requests).
//
// Threading: everything runs on the one io_context thread given to the constructor; no member may
// be called from another thread. Lifetime: the runtime must outlive every coroutine it starts;
// call stop() and let the io_context finish (or stop it) before destroying the runtime.
#pragma once

#include "logic/agent_config.hpp"
#include "logic/action_uris.hpp"
#include "logic/auto_resync.hpp"
#include "logic/boot_fsm.hpp"
#include "logic/control_api.hpp"
#include "logic/phone_screen.hpp"
#include "logic/push_request.hpp"
#include "logic/web_ui.hpp"

#include "common/aastra/config_layers.hpp"
#include "common/http/http_server.hpp"
#include "common/net/http_client.hpp"
#include "common/net/tls_config.hpp"
#include "run/fetch_pool.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace phone_agent {

class boot_driver;

struct run_settings {
    phone_identity identity;
    boot_settings boot;  // local_settings (from --server) apply to the first boot only
    agent_config agent;
    std::filesystem::path state_dir;
    std::optional<std::filesystem::path> ca_file;  // extra roots for provisioning and XML GETs
    std::optional<login_credentials> login;        // answers force login
    push_limits push;
    common::http::server_limits server_limits;     // server_header is forced to "Aragorn"
    // `run --test-clock`: POST /api/clock may move the phone's wall clock forward.
    bool test_clock = false;
};

class phone_runtime {
public:
    phone_runtime(boost::asio::io_context& ioc, run_settings settings);
    ~phone_runtime();
    phone_runtime(const phone_runtime&) = delete;
    phone_runtime& operator=(const phone_runtime&) = delete;

    // Binds a listener now (port 0 allowed); `tls` nullptr = plain HTTP. Returns the URL
    // ("http://127.0.0.1:40123"). Throws std::system_error naming the address on failure.
    std::string listen(const std::string& name, const boost::asio::ip::tcp::endpoint& endpoint,
                       std::shared_ptr<boost::asio::ssl::context> tls);

    // Starts the accept loops, the first provisioning run (then the startup action URI and the
    // poll schedule) and the screen's timer.
    void start();

    // Stops accepting, aborts fetches and timers, waits for in-flight responses (bounded by the
    // server's shutdown_grace), then calls `done`.
    void stop(std::function<void()> done);

    // --- what the servers call (also usable directly from tests) -----------------------------
    common::http::response_plan handle(common::http::request_view& req);

    // A key press: applied now, or queued while a blocking action URI is pending.
    void press(const key_press& key);
    // Starts a provisioning run now, or right after the one in progress.
    void reprovision();

    screen_view screen() const { return screen_.render(); }
    phone_status status() const;
    std::size_t fetches_in_flight() const noexcept { return fetches_.size(); }
    const common::aastra::config_layers& config() const noexcept { return config_; }

private:
    struct fetch_meta {
        bool blocking = false;
        bool action_uri = false;
    };

    using response_plan = common::http::response_plan;
    using request_view = common::http::request_view;

    // Routing
    response_plan route(request_view& req, web::ui_role role);
    response_plan web_page(request_view& req, web::ui_role role);
    response_plan api(request_view& req);
    response_plan push(request_view& req);
    response_plan configuration_server_post(const request_view& req);
    response_plan reset_post(const request_view& req);
    response_plan html(unsigned status, std::string body) const;

    // Screen actions
    void execute(std::vector<screen_action> actions);
    void apply_key(const key_press& key);
    void drain_keys();
    void execute_key_action(const std::string& name);
    void apply_config(const apply_config_action& a);
    void start_fetch(std::uint64_t id, std::string url, bool blocking, bool action_uri);
    void cancel_fetch(std::uint64_t id);
    void fetch_finished(fetch_completion done);
    void fire_action_uri(action_event event);
    void send_action_uri(const action_uri_request& request);
    void phone_event(const event_request& event);
    bool idle() const;
    void reschedule_tick();
    boost::asio::awaitable<void> tick_loop();
    boost::asio::awaitable<void> poll_loop();

    // Provisioning and auto-resync
    boost::asio::awaitable<void> provision_loop();
    boost::asio::awaitable<void> resync_loop();
    boost::asio::awaitable<void> discover_local_ip();
    void refresh_resync();
    void wake_resync();
    std::chrono::system_clock::time_point wall_now() const;
    void after_provisioning(const boot_outcome& outcome);
    void refresh_from_config();
    void save_local();

    std::optional<std::string> setting(std::string_view key) const;
    common::tls::tls_config client_tls_settings() const;
    std::shared_ptr<boost::asio::ssl::context> client_tls_context(std::string& error);

    boost::asio::io_context& ioc_;
    run_settings settings_;
    common::http::http_server server_;
    std::vector<std::string> addresses_;
    std::string listener_address_;  // the first listener's bound address
    std::string user_agent_;

    common::aastra::config_layers config_;
    std::map<std::string, std::string> remote_overrides_;  // XML Configuration setType remote
    std::string firmware_;
    bool first_boot_ = true;
    bool provisioning_ = false;
    bool provision_again_ = false;
    std::string provisioning_state_ = "not started";
    std::string provisioning_reason_;
    std::uint64_t boots_ = 0;
    std::unique_ptr<boost::asio::steady_timer> provision_wakeup_;
    boost::asio::cancellation_signal provision_stop_;

    phone_screen screen_;
    action_uris action_uris_;
    variable_values variables_;
    fetch_pool fetches_;
    std::map<std::uint64_t, fetch_meta> fetch_meta_;
    std::deque<std::uint64_t> background_;  // non-blocking action URIs, oldest first
    std::uint64_t next_action_uri_id_ = std::uint64_t{1} << 62;  // apart from screen fetch ids
    std::size_t blocking_pending_ = 0;
    std::deque<key_press> queued_keys_;
    std::uint64_t action_uris_sent_ = 0;
    std::uint64_t pushes_accepted_ = 0;
    std::uint64_t pushes_refused_ = 0;

    std::unique_ptr<boost::asio::steady_timer> tick_timer_;
    std::unique_ptr<boost::asio::steady_timer> poll_timer_;
    std::shared_ptr<boost::asio::ssl::context> client_tls_;

    std::mt19937 random_;
    auto_resync_scheduler resync_;
    resync_mode next_run_mode_ = resync_mode::both;  // what the next provisioning run fetches
    std::chrono::seconds clock_offset_{0};           // moved by POST /api/clock (--test-clock)
    std::unique_ptr<boost::asio::steady_timer> resync_timer_;

    bool stopping_ = false;
};

}  // namespace phone_agent
