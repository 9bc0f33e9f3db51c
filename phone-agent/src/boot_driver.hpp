// The I/O half of one phone's boot provisioning: performs what provisioning_fsm asks for (HTTP
// exchanges, firmware streamed to disk or only hashed, timers, atomic saves) and feeds the results
// back. All decisions are in the state machine; this loop only moves bytes and keeps the clock.
// Used by `phone-agent boot` (one phone) and `phone-agent fleet` (many phones, one io_context).
#pragma once

#include "logic/agent_config.hpp"
#include "logic/boot_fsm.hpp"

#include "common/fs/atomic_file.hpp"
#include "common/net/http_client.hpp"
#include "common/net/tls_context.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace phone_agent {

// Told about the driver's work as it happens: every exchange on the wire (including ones that
// failed before a byte was sent) and notes (retry waits, firmware commits).
class boot_observer {
public:
    virtual void exchange(boot_step step, const std::string& file, const common::net::fetch_result& result,
                          bool authorized) = 0;
    virtual void note(const std::string& text) = 0;

protected:
    ~boot_observer() = default;
};

// Client TLS contexts shared by phones whose TLS settings are identical (a fleet): building one
// loads the system roots and the CA files, milliseconds of CPU that would otherwise be spent on
// every HTTPS request. A real phone loads its trust store once, too. Files are read when a
// context is first built for a given set of settings. Not thread-safe.
class tls_context_cache {
public:
    std::variant<std::shared_ptr<boost::asio::ssl::context>, common::tls::tls_error> get(
        const common::tls::tls_config& cfg);

private:
    std::map<std::string, std::shared_ptr<boost::asio::ssl::context>, std::less<>> by_settings_;
    // The settings asked for last and their context: a fleet asks with the same settings on every
    // request, and comparing them costs less than building the map key.
    common::tls::tls_config last_settings_;
    std::shared_ptr<boost::asio::ssl::context> last_context_;
};

struct boot_driver_settings {
    agent_config agent;
    // Where server.cfg, local.cfg, firmware/ and certificates/ live. nullopt: nothing is written;
    // firmware is hashed and dropped, downloaded certificates are trusted from memory.
    std::optional<std::filesystem::path> state_dir;
    std::optional<std::filesystem::path> ca_file;
    // nullptr: a fresh context per HTTPS request, as `boot` does by default.
    tls_context_cache* tls_cache = nullptr;
    // Keep-alive and TLS session resumption between this phone's requests (both off: one new
    // connection per request, as the phone). Resumption needs tls_cache, so the context is stable.
    common::net::connection_options connection{};
    // With keep-alive: leave the idle connection open at the end of a run for the next one (a
    // fleet whose phones resync within seconds); otherwise it is closed, as a phone does.
    bool keep_idle_between_runs = false;
};

// What a phone's driver keeps from one run to the next: TLS sessions to resume and the
// certificates a run downloaded without a state directory. A fleet keeps only this (when it holds
// anything) while a phone waits for its resync, not the driver.
struct driver_carryover {
    explicit driver_carryover(common::net::connection_options options) : session(options) {}
    bool empty() const noexcept { return session.empty() && memory_certificates.empty(); }

    common::net::client_session session;
    std::vector<std::string> memory_certificates;
};

// One phone. `settings`, `fsm`, `observer` and `carry` must outlive the driver and every run()
// awaitable. Not thread-safe; any number of drivers may share one single-threaded io_context.
class boot_driver {
public:
    // Without `carry` the driver keeps its own, for as long as it lives.
    boot_driver(const boot_driver_settings& settings, provisioning_fsm& fsm, boot_observer& observer,
                driver_carryover* carry = nullptr);

    // Source address for this phone's connections (an IP literal); see common::net::fetch_request.
    void bind_to(std::optional<std::string> local_address) { local_address_ = std::move(local_address); }

    // Feeds `first` (event::start or event::login) and runs until the machine is done.
    boost::asio::awaitable<boot_outcome> run(boot_event first);

private:
    common::net::fetch_limits limits(std::uint64_t body_limit) const;
    const common::net::url_parts* parse(const std::string& url, std::string& error);
    // For https, `ctx` and `tls` are the context and settings the request goes out with (`tls`
    // points into the driver and stays valid until the next prepare()).
    std::optional<common::net::fetch_result> prepare(const std::string& url, std::vector<header_field>& headers,
                                                     common::net::fetch_request& out,
                                                     std::shared_ptr<boost::asio::ssl::context>& ctx,
                                                     const common::tls::tls_config*& tls);
    // The phone's TLS settings and context for the configuration it has now; rebuilt only when a
    // setting they come from changed.
    std::variant<std::shared_ptr<boost::asio::ssl::context>, common::tls::tls_error> current_tls();
    // A send_request in flight; run() performs the fetch between start_send (false: `result`
    // already says why there is nothing to send) and finish_send.
    struct send_state {
        bool authorized = false;
        common::net::fetch_request request;
        common::net::fetch_limits limits;
        std::shared_ptr<boost::asio::ssl::context> ctx;
        const common::tls::tls_config* tls = nullptr;
        common::net::fetch_result result;
        std::string body;
    };
    // Both take the headers out of the action.
    bool start_send(action::send_request& r, send_state& x);
    boot_event finish_send(const action::send_request& r, send_state& x);
    boost::asio::awaitable<boot_event> download(boost::asio::any_io_executor ex, action::download_to_file& d);
    event::file_op_done commit(const action::commit_download& c);
    event::file_op_done save_certificates(const action::save_certificates& s);
    event::file_op_done persist(const action::persist& p);

    const boot_driver_settings& settings_;
    provisioning_fsm& fsm_;
    boot_observer& observer_;
    // Retry jitter only: splitmix64, 8 bytes (a fleet keeps 100,000 drivers; mt19937_64 is 2.5 KB).
    std::uint64_t rng_state_;
    double next_jitter();
    std::optional<std::string> local_address_;
    // Drawn but not yet sent in an Authorization header, so still unseen: kept across runs.
    std::string cnonce_;
    // The few URLs a phone fetches, parsed once: parsing was a twentieth of a keep-alive fleet's
    // CPU per request.
    struct parsed_url {
        std::string text;
        common::net::url_parts parts;
    };
    static constexpr std::size_t max_parsed_urls = 6;
    std::vector<parsed_url> parsed_urls_;
    // What read_tls_inputs() found the last time, and what tls_settings() built from
    // it: a fleet's phone asks before every HTTPS request, and building the settings (copies of
    // the offer and CA paths) and comparing them with the context cache's was a few thousand
    // instructions each time. Not used with a state directory, whose certificates may change.
    struct tls_inputs {
        bool verify_peer = true;
        bool verify_hostname = true;
        bool check_expiry = true;
        std::string method;
        std::size_t memory_certificates = 0;
        bool operator==(const tls_inputs&) const = default;
    };
    tls_inputs read_tls_inputs() const;
    common::tls::tls_config tls_settings(const tls_inputs& read) const;
    std::optional<tls_inputs> tls_read_;
    common::tls::tls_config tls_;
    std::shared_ptr<boost::asio::ssl::context> tls_context_;
    std::optional<common::fs::atomic_file_writer> writer_;  // the last download until commit/discard
    std::unique_ptr<driver_carryover> own_carry_;
    // Idle keep-alive connection (closed at the end of each run), TLS sessions and certificates
    // from memory; kept across runs (resyncs).
    driver_carryover& carry_;
};

// Prepares a phone's state directory (creates it, removes temp files of a killed run) and reads
// the layers the last successful run saved. Throws std::filesystem::filesystem_error when the
// directory cannot be created.
persisted_layers load_state(const std::filesystem::path& state_dir);

// How a failed fetch reads to the boot state machine (shared by boot and fleet).
transport_failure failure_of(common::net::fetch_error e);

}  // namespace phone_agent
