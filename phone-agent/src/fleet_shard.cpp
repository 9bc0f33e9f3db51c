#include "fleet_shard.hpp"

#include "boot_driver.hpp"
#include "logic/fleet_plan.hpp"
#include "logic/fleet_schedule.hpp"

#include "common/fs/atomic_file.hpp"
#include "common/net/release_memory.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fstream>
#include <limits>

namespace phone_agent {

namespace asio = boost::asio;
using clock_type = fleet_shard::clock_type;
using std::chrono::microseconds;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

microseconds since(clock_type::time_point t, clock_type::time_point now = clock_type::now()) {
    return std::chrono::duration_cast<microseconds>(now - t);
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

// Feeds one phone's exchanges into its shard's statistics and remembers how its last one ended,
// for the error taxonomy.
class phone_observer final : public boot_observer {
public:
    explicit phone_observer(fleet_shard& shard) : shard_(shard) {}

    void exchange(boot_step step, const std::string&, const common::net::fetch_result& r, bool) override {
        exchange_sample s;
        s.step = step;
        s.transport_ok = r.ok();
        s.status = r.status;
        s.bytes = r.body_bytes;
        s.timings = {r.timings.connect, r.timings.tls, r.timings.ttfb, r.timings.transfer, r.timings.total};
        s.connection_reused = r.connection_reused;
        s.tls_resumed = r.tls_resumed;
        shard_.with_stats([&](fleet_stats& stats) { stats.exchange(s); });
        if (r.status != 0) facts_.last_http_status = r.status;
        facts_.last_transport.reset();
        if (!r.ok()) facts_.last_transport = failure_of(r.error);
    }
    void note(const std::string&) override {}

    failure_facts facts(boot_status status) const {
        auto f = facts_;
        f.status = status;
        return f;
    }
    void start_over() { facts_ = {}; }

private:
    fleet_shard& shard_;
    failure_facts facts_;
};

// Holds one --concurrency slot while a boot runs; gives it back however the boot ends.
class slot_guard {
public:
    slot_guard(std::atomic<std::size_t>& in_flight, asio::steady_timer& wake) : in_flight_(in_flight), wake_(wake) {}
    slot_guard(const slot_guard&) = delete;
    slot_guard& operator=(const slot_guard&) = delete;
    ~slot_guard() { release(); }
    void release() {
        if (!held_) return;
        held_ = false;
        --in_flight_;
        wake_.cancel();
    }

private:
    std::atomic<std::size_t>& in_flight_;
    asio::steady_timer& wake_;
    bool held_ = true;
};

}  // namespace

// A phone while it boots.
struct fleet_shard::phone_run {
    phone_run(std::unique_ptr<boot_driver_settings> own, const boot_driver_settings& common, provisioning_fsm f,
              fleet_shard& shard, driver_carryover& carry)
        : own_settings(std::move(own)),
          fsm(std::move(f)),
          observer(shard),
          driver(own_settings ? *own_settings : common, fsm, observer, &carry) {}

    std::unique_ptr<boot_driver_settings> own_settings;  // a state directory or client certificate
    provisioning_fsm fsm;
    phone_observer observer;
    boot_driver driver;
};

// What a phone keeps between boots. 72 bytes when it has booted without TLS resumption or a
// successful run; a fleet holds 100,000 of these.
struct fleet_shard::phone_slot {
    clock_type::time_point first_intended{};
    std::uint32_t boots = 0;                             // finished
    bool provisioned_once = false;                       // for the share provisioned by a deadline
    std::string firmware;                                // running version; empty before the first boot
    std::unique_ptr<persisted_layers> last_good;         // without a state directory
    std::unique_ptr<driver_carryover> carry;             // TLS sessions, certificates from memory
    // The whole phone, kept between boots only when it resyncs within seconds (see keep_warm_).
    // Last: its driver refers to `carry`.
    std::unique_ptr<phone_run> warm;
};

void fleet_log::message(const std::string& text) {
    std::lock_guard lock(mu_);
    progress_.message(text);
}

void fleet_log::update(const std::string& line) {
    std::lock_guard lock(mu_);
    progress_.update(line);
}

void fleet_log::finish() {
    std::lock_guard lock(mu_);
    progress_.finish();
}

void fleet_log::note_failure(error_class why, const std::string& text) {
    std::lock_guard lock(mu_);
    auto& slot = examples_[why];
    if (slot.empty()) {
        slot = text;
        progress_.message("fleet: first " + std::string(to_string(why)) + " failure: " + text);
    }
}

std::map<error_class, std::string> fleet_log::examples() const {
    std::lock_guard lock(mu_);
    return examples_;
}

fleet_shard::fleet_shard(const fleet_request& req, std::size_t first, std::size_t stride, std::size_t concurrency,
                         fleet_log& log)
    : req_(req),
      first_(first),
      stride_(stride),
      count_(first < req.phones.size() ? (req.phones.size() - first + stride - 1) / stride : 0),
      concurrency_(concurrency),
      log_(log),
      tls_cache_(std::make_unique<tls_context_cache>()),
      common_settings_(std::make_unique<boot_driver_settings>(
          boot_driver_settings{req.agent, std::nullopt, req.ca_file, tls_cache_.get(), req.connection})),
      phones_(count_) {
    // A connection idle for less than common keep-alive timeouts (Apache's 5 s) is likely still
    // open at the next boot; longer, and keeping it would only hold a socket per idle phone.
    common_settings_->keep_idle_between_runs =
        req.connection.keep_alive && req.resyncs > 0 && req.resync_interval <= std::chrono::seconds(5);
    // Rebuilding a phone from its slot (parsing its configuration text, copying its settings) was
    // a quarter of a keep-alive fleet's CPU when phones resync back to back; for resyncs seconds
    // apart the memory a boot's whole phone holds is not worth saving. The rebuilt phone would be
    // the same one (provisioning_fsm::last_good() round trip), a state directory aside, which is
    // read at every boot.
    keep_warm_ = req.resyncs > 0 && req.resync_interval <= std::chrono::seconds(5) && !req.state_dir;
    stats_.watch_deadlines(req.watched_deadlines());
}

// Phones hold sockets of ioc_ and TLS sessions of contexts in tls_cache_: they go first.
fleet_shard::~fleet_shard() { phones_.clear(); }

std::size_t fleet_shard::limit() const noexcept {
    return concurrency_ ? concurrency_ : std::numeric_limits<std::size_t>::max();
}

bool fleet_shard::past_end(clock_type::time_point t) const {
    return req_.duration.count() > 0 && t >= started_at_ + req_.duration;
}

void fleet_shard::run(clock_type::time_point started_at) {
    started_at_ = started_at;
    asio::co_spawn(ioc_, launch(), [this](std::exception_ptr e) {
        if (e) internal_error(e);
        launcher_done_ = true;
        maybe_finish();
    });
    asio::co_spawn(ioc_, resyncs(), [this](std::exception_ptr e) {
        if (e) internal_error(e);
    });
    ioc_.run();
}

void fleet_shard::stop_starting() {
    asio::post(ioc_, [this] {
        stopping_ = true;
        slot_timer_.cancel();
        start_timer_.cancel();
        resync_timer_.cancel();
    });
}

void fleet_shard::abort() { ioc_.stop(); }

shard_snapshot fleet_shard::snapshot(bool reset) {
    shard_snapshot s;
    s.in_flight = in_flight_.load();
    std::lock_guard lock(mu_);
    s.stats = stats_;
    s.interval_ttp = interval_ttp_;
    s.worst_start_lag = worst_start_lag_;
    if (reset) {
        interval_ttp_.reset();
        worst_start_lag_ = microseconds(0);
    }
    return s;
}

bool fleet_shard::slot_free() const noexcept { return in_flight_ < limit() || stopping_; }

asio::awaitable<void> fleet_shard::wait_for_slot() {
    while (!slot_free()) {
        slot_timer_.expires_at(clock_type::time_point::max());
        co_await slot_timer_.async_wait(use_nothrow);
    }
}

asio::awaitable<void> fleet_shard::launch() {
    std::size_t slot = 0;
    for (; slot < count_ && !stopping_; ++slot) {
        const std::size_t i = fleet_index(slot);
        const auto offset = req_.arrival ? arrival_offset(*req_.arrival, i)
                                         : std::optional(intended_offset(i, req_.phones.size(), req_.storm_window, req_.storm_spread));
        if (!offset) break;
        const auto intended = started_at_ + *offset;
        if (past_end(intended)) break;
        if (clock_type::now() < intended) {
            start_timer_.expires_at(intended);
            co_await start_timer_.async_wait(use_nothrow);
            if (stopping_) break;
        }
        note_start_lag(intended);
        co_await wait_for_slot();
        if (stopping_ || past_end(clock_type::now())) break;
        ++alive_;
        start_boot(slot, intended);
    }
    for (; slot < count_; ++slot) skip_rest(0);
}

// The resync queue: one timer for the whole shard, armed for the earliest due phone.
asio::awaitable<void> fleet_shard::resyncs() {
    while (!finished_) {
        if (stopping_) {
            for (; !due_.empty(); due_.pop()) {
                skip_rest(phones_[due_.top().slot].boots);
                --alive_;
            }
            maybe_finish();
        }
        if (finished_) break;
        if (due_.empty() || stopping_) {
            resync_timer_.expires_at(clock_type::time_point::max());
            co_await resync_timer_.async_wait(use_nothrow);
            continue;
        }
        const due_entry next = due_.top();
        if (clock_type::now() < next.at) {
            resync_timer_.expires_at(next.at);
            co_await resync_timer_.async_wait(use_nothrow);
            continue;  // an earlier phone may have been queued meanwhile
        }
        due_.pop();
        // The generator's lateness only: a phone whose boot outlasted its resync interval was
        // counted as behind schedule when it was queued.
        note_start_lag(next.ready);
        // Only when all slots are taken: a coroutine frame per boot otherwise.
        if (!slot_free()) co_await wait_for_slot();
        if (stopping_ || past_end(clock_type::now())) {
            skip_rest(phones_[next.slot].boots);
            --alive_;
            maybe_finish();
            continue;
        }
        start_boot(next.slot, phones_[next.slot].first_intended);
    }
}

void fleet_shard::start_boot(std::size_t slot, clock_type::time_point first_intended) {
    // Counted before the coroutine runs: the caller's next wait_for_slot must see the slot taken.
    const auto now_in_flight = ++in_flight_;
    const bool arrival = phones_[slot].boots == 0;
    with_stats([&](fleet_stats& stats) { stats.phone_started(now_in_flight, arrival); });
    asio::co_spawn(ioc_, boot(slot, first_intended), [this](std::exception_ptr e, bool queued) {
        if (e) {
            internal_error(e);
            with_stats([](fleet_stats& stats) { stats.phone_failed(error_class::other, microseconds(0)); });
        }
        if (!queued) {
            --alive_;
            maybe_finish();
        }
        ++ended_since_trim_;
        if (in_flight_ == 0 && ended_since_trim_ >= 256) release_memory();
    });
}

// Once a burst of boots is over, hands the freed coroutine frames and buffers back to the system:
// the few allocations that outlive a boot (a slot's configuration text, TLS sessions) sit between
// them and would keep whole pages resident (measured: 100,000 phones after a storm, 1.67 GB RSS
// with 135 MB in use). Only whole free pages go, so this is cheap when there is little to give.
void fleet_shard::release_memory() {
    ended_since_trim_ = 0;
    common::net::release_free_memory();
}

std::unique_ptr<fleet_shard::phone_run> fleet_shard::make_run(std::size_t slot_index) {
    const auto& phone = req_.phones[fleet_index(slot_index)];
    const auto& model = req_.models[phone.model_index];
    phone_slot& slot = phones_[slot_index];
    std::unique_ptr<boot_driver_settings> own;
    if (phone.client_cert || req_.state_dir) own = std::make_unique<boot_driver_settings>(*common_settings_);
    if (phone.client_cert) {
        own->agent.client_certificate = phone.client_cert;
        own->agent.client_key = phone.client_key;
    }
    persisted_layers last_good;
    std::string firmware = slot.firmware.empty() ? phone.firmware.value_or(req_.firmware) : slot.firmware;
    if (req_.state_dir) {
        own->state_dir = *req_.state_dir / phone.mac.compact_upper();
        last_good = load_state(*own->state_dir);
        if (slot.firmware.empty() && !req_.firmware_given && !phone.firmware) {
            std::ifstream in(*own->state_dir / "firmware.version");
            std::string stored;
            if (in && std::getline(in, stored) && !trim(stored).empty()) firmware = trim(stored);
        }
    } else if (slot.last_good) {
        last_good = *slot.last_good;
    }
    boot_settings boot = model.settings;
    if (phone.credentials) {
        boot.global_file_credentials = *phone.credentials;
        boot.local_settings.push_back({"http digest username", phone.credentials->username});
        boot.local_settings.push_back({"http digest password", phone.credentials->password});
    }
    auto created =
        provisioning_fsm::create(phone_identity{model.model, phone.mac, firmware}, std::move(boot), last_good);
    if (auto* err = std::get_if<boot_setup_error>(&created)) {
        log_.note_failure(error_class::other, phone.mac.compact_upper() + ": " + err->message);
        return nullptr;
    }
    if (!slot.carry) slot.carry = std::make_unique<driver_carryover>(req_.connection);
    auto run = std::make_unique<phone_run>(std::move(own), *common_settings_,
                                           std::move(std::get<provisioning_fsm>(created)), *this, *slot.carry);
    if (!req_.source_addresses.empty()) {
        run->driver.bind_to(req_.source_addresses[fleet_index(slot_index) % req_.source_addresses.size()]);
    }
    return run;
}

// Keeps of a finished boot what the next one needs (see phone_slot), drops the rest.
void fleet_shard::keep_between_boots(phone_slot& slot, phone_run& run) {
    slot.firmware = run.fsm.firmware();
    if (!req_.state_dir) {  // with one, the next boot reads its layers back from the directory
        auto saved = run.fsm.last_good();
        if (saved.server_cfg || saved.local_cfg) {
            slot.last_good = std::make_unique<persisted_layers>(std::move(saved));
        }
    }
}

// One boot of one phone; true when its next resync is queued (the phone stays alive).
asio::awaitable<bool> fleet_shard::boot(std::size_t slot_index, clock_type::time_point first_intended) {
    slot_guard held(in_flight_, slot_timer_);
    const auto started = clock_type::now();
    phone_slot& slot = phones_[slot_index];
    if (slot.boots == 0) slot.first_intended = first_intended;
    auto run = slot.warm ? std::move(slot.warm) : make_run(slot_index);
    if (!run) {
        with_stats([&](fleet_stats& stats) { stats.phone_failed(error_class::other, since(started)); });
        skip_rest(slot.boots + 1);
        co_return false;
    }
    const auto interval = std::chrono::duration_cast<clock_type::duration>(req_.resync_interval);
    const auto intended = slot.first_intended + interval * static_cast<std::int64_t>(slot.boots);
    run->observer.start_over();
    boot_event first = event::start{};
    const boot_outcome outcome = co_await run->driver.run(std::move(first));
    const auto now = clock_type::now();
    if (outcome.status == boot_status::provisioned) {
        const bool first_time = !slot.provisioned_once;
        slot.provisioned_once = true;
        with_stats([&](fleet_stats& stats) {
            stats.phone_provisioned(since(intended, now), since(started, now));
            if (first_time) stats.phone_first_provisioned(since(started_at_, now));
            interval_ttp_.record(since(intended, now));
        });
        if (run->own_settings && run->own_settings->state_dir) {
            common::fs::write_file_atomically(*run->own_settings->state_dir / "firmware.version",
                                              run->fsm.firmware() + "\n");
        }
    } else {
        const auto why = classify(run->observer.facts(outcome.status));
        log_.note_failure(why, req_.phones[fleet_index(slot_index)].mac.compact_upper() + ": " +
                                   std::string(to_string(outcome.status)) + ": " + outcome.reason);
        with_stats([&](fleet_stats& stats) { stats.phone_failed(why, since(started, now)); });
    }
    held.release();
    with_stats([&](fleet_stats& stats) { stats.boot_ended(since(started, now)); });
    ++slot.boots;
    const bool again = slot.boots <= req_.resyncs;
    const auto next = slot.first_intended + interval * static_cast<std::int64_t>(slot.boots);
    const bool queued = again && !stopping_ && !past_end(next);
    if (keep_warm_ && queued) {
        slot.warm = std::move(run);
    } else {
        keep_between_boots(slot, *run);
        run.reset();
        if (slot.carry->empty()) slot.carry.reset();
    }
    if (!again) co_return false;
    if (!queued) {
        skip_rest(slot.boots);
        co_return false;
    }
    if (next < now) with_stats([&](fleet_stats& stats) { stats.resync_behind_schedule(since(next, now)); });
    if (due_.empty() || next < due_.top().at) resync_timer_.cancel();
    due_.push({next, std::max(next, now), slot_index});
    co_return true;
}

void fleet_shard::skip_rest(std::size_t boots_done) {
    // Boots boots_done .. resyncs (a first boot and its resyncs) will not run.
    if (boots_done > req_.resyncs) return;
    const std::uint64_t left = req_.resyncs - boots_done + 1;
    with_stats([left](fleet_stats& stats) { stats.phone_skipped(left); });
}

void fleet_shard::note_start_lag(clock_type::time_point intended) {
    const auto lag = since(intended);
    std::lock_guard lock(mu_);
    if (lag > worst_start_lag_) worst_start_lag_ = lag;
}

void fleet_shard::maybe_finish() {
    if (!launcher_done_ || alive_ > 0 || finished_) return;
    finished_ = true;
    resync_timer_.cancel();
    slot_timer_.cancel();
}

void fleet_shard::internal_error(std::exception_ptr e) {
    ++internal_failures_;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        log_.message(std::string("phone-agent: internal error: ") + ex.what());
    }
}

}  // namespace phone_agent
