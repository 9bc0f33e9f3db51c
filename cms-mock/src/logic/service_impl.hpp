// Private state of provisioning_service, shared by its request handling (provisioning_service.cpp)
// and its admin API (admin_api.cpp). Not part of any public interface.
#pragma once

#include "logic/auth_gate.hpp"
#include "logic/content_store.hpp"
#include "logic/devices.hpp"
#include "logic/fault_picker.hpp"
#include "logic/firmware_image.hpp"
#include "logic/journal.hpp"
#include "logic/provisioning_service.hpp"
#include "logic/request_path.hpp"
#include "logic/template_engine.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cms_mock {

// One served firmware image: synthetic (generated on the fly) or a real file.
struct firmware_entry {
    std::string model;
    std::string version;
    std::shared_ptr<const body_source> body;
    std::chrono::system_clock::time_point modified;
    std::string etag;
    std::shared_ptr<const synthetic_firmware> synthetic;  // nullptr for a real file
    std::string file;                                     // for a real file
};

// Latency buckets of the Prometheus histogram, in seconds.
inline constexpr double latency_buckets[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct latency_histogram {
    std::uint64_t counts[std::size(latency_buckets) + 1] = {};
    double sum = 0;
    std::uint64_t total = 0;
    void observe(double seconds);
};

struct provisioning_service::impl {
    impl(mock_config c, std::string secret, clock_fn clk);

    mock_config cfg;
    std::string nonce_secret;
    clock_fn clock;
    std::function<service_stats()> stats;
    std::function<mock_config()> config_source;
    std::unique_ptr<content_store> store;
    device_table devices;
    std::vector<firmware_entry> firmware;
    std::unique_ptr<auth_gate> gate;
    fault_picker faults;
    cms_mock::journal log;
    latency_histogram latency;
    std::uint64_t bytes_sent_total = 0;
    // The last Last-Modified value formatted, for the next response of the same file.
    std::chrono::system_clock::time_point last_modified_time{};
    std::string last_modified_text;

    // Loads devices, the tree and firmware from cfg; throws std::runtime_error on a bad file.
    void load_content();
    std::string reload(mock_config next);

    layout path_layout() const;
    // `ua_mac`: the MAC of the request's Aastra User-Agent as the journal entry has it, or "".
    device* device_for(const file_request& fr, std::string_view ua_mac);
    std::optional<device_credentials> credentials_of(const device* dev) const;
    device_by_username directory() const;
    // What directory() hands out: valid until its next call, which is enough for one check.
    mutable device_credentials directory_slot;
    template_vars_map variables_for(const device* dev) const;

    struct content {
        std::shared_ptr<const body_source> body;
        std::chrono::system_clock::time_point modified;
        std::string etag;
    };
    std::optional<content> find_content(const file_request& fr, device* dev, bool as_user, std::string& error);

    // The journal entry of a request being answered lives inside the callback that appends it once
    // the response is out (response_plan::on_done): it is filled in place there and moved once,
    // into the journal, instead of being moved from handler to callback to journal.
    struct journal_callback {
        impl* service = nullptr;
        journal_entry entry;
        void operator()(const send_outcome& out);
    };
    using done_fn = std::function<void(const send_outcome&)>;
    static journal_entry& entry_of(done_fn& done) { return done.target<journal_callback>()->entry; }

    void begin_entry(journal_entry& e, const request_view& req, std::chrono::system_clock::time_point now) const;
    // Hands `done` (a journal_callback) to `plan` and returns it.
    response_plan finish(response_plan plan, done_fn& done);

    response_plan handle(request_view& req);
    response_plan handle_admin(request_view& req);
};

}  // namespace cms_mock
