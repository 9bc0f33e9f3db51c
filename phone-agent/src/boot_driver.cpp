#include "boot_driver.hpp"

#include "common/crypto/hash.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/rand.h>

#include <array>
#include <fstream>
#include <sstream>

namespace phone_agent {

namespace asio = boost::asio;
namespace stdfs = std::filesystem;

namespace {

// The phone shows "Bad Certificate" when it refuses a server certificate; keep OpenSSL's reason.
std::string phone_wording(const common::net::fetch_result& res) {
    if (res.error == common::net::fetch_error::tls &&
        res.detail.find("certificate verify failed") != std::string::npos) {
        return "Bad Certificate (" + res.detail + ")";
    }
    return res.detail;
}

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// nginx completes the handshake without a required client certificate (or with one it refuses)
// and answers 400 with these page titles (its internal codes 496 and 495): that is a TLS failure.
std::optional<std::string> client_certificate_refusal(const common::net::fetch_request& req, unsigned status,
                                                      const std::string& body) {
    if (req.url.scheme != "https" || status != 400) return std::nullopt;
    for (const char* text : {"No required SSL certificate was sent", "The SSL certificate error"}) {
        if (body.find(text) != std::string::npos) {
            return "the server refused the connection's client certificate: HTTP 400 '" + std::string(text) + "'";
        }
    }
    return std::nullopt;
}

// 16 unpredictable bytes per cnonce, drawn from OpenSSL 1 KiB at a time: each RAND_bytes call
// costs far more than the bytes (locks, a fork check), and a fleet starts a boot every few
// microseconds. Bytes are handed out once and never reused.
std::string random_cnonce() {
    constexpr std::size_t cnonce_bytes = 16;
    thread_local std::array<unsigned char, 64 * cnonce_bytes> pool;
    thread_local std::size_t used = pool.size();
    if (used == pool.size()) {
        if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) throw std::runtime_error("RAND_bytes failed");
        used = 0;
    }
    const std::string_view raw(reinterpret_cast<const char*>(pool.data() + used), cnonce_bytes);
    used += cnonce_bytes;
    return common::crypto::to_hex(raw);
}

bool carries_authorization(const boot_action& act) {
    const std::vector<header_field>* headers = nullptr;
    if (const auto* r = std::get_if<action::send_request>(&act)) headers = &r->headers;
    if (const auto* d = std::get_if<action::download_to_file>(&act)) headers = &d->headers;
    return headers != nullptr && find_header(*headers, "Authorization").has_value();
}

exchange_timings timings_of(const common::net::fetch_result& r) {
    return {r.timings.connect, r.timings.tls, r.timings.ttfb, r.timings.transfer, r.timings.total};
}

// Response bodies and field lists the state machine has read, kept per thread for the next
// response: a fleet's phones take turns with them, instead of a body string and a field vector
// allocated (and grown) for every request.
namespace spare_parts {

constexpr std::size_t max_spare = 256;
constexpr std::size_t max_kept_body = 64 * 1024;
std::vector<std::string>& bodies() {
    thread_local std::vector<std::string> pool;
    return pool;
}
std::vector<std::vector<header_field>>& field_lists() {
    thread_local std::vector<std::vector<header_field>> pool;
    return pool;
}

std::string take_body() {
    auto& pool = bodies();
    if (pool.empty()) return {};
    std::string body = std::move(pool.back());
    pool.pop_back();
    return body;
}

std::vector<header_field> take_fields() {
    auto& pool = field_lists();
    if (pool.empty()) return {};
    auto fields = std::move(pool.back());
    pool.pop_back();
    return fields;
}

void give_back(boot_event& ev) {
    auto* response = std::get_if<event::http_response>(&ev);
    if (response == nullptr) return;
    if (bodies().size() < max_spare && response->body.capacity() <= max_kept_body) {
        response->body.clear();
        bodies().push_back(std::move(response->body));
    }
    if (field_lists().size() < max_spare) {
        response->headers.clear();
        field_lists().push_back(std::move(response->headers));
    }
}

}  // namespace spare_parts

// Takes the headers out of `r` (the observer has seen it): a response's fields, moved rather
// than copied, are a dozen allocations fewer per request.
std::vector<header_field> take_headers(common::net::fetch_result& r) {
    std::vector<header_field> out = spare_parts::take_fields();
    out.reserve(r.headers.size());
    for (auto& h : r.headers) out.push_back({std::move(h.name), std::move(h.value)});
    r.headers.clear();
    return out;
}

std::optional<std::string> read_optional(const stdfs::path& p) {
    std::error_code ec;
    if (!stdfs::exists(p, ec)) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void append_key(std::string& key, const common::tls::pem_source& p) {
    key += p.file.empty() ? "pem:" + p.pem : "file:" + p.file.string();
    key += '\0';
}

}  // namespace

transport_failure failure_of(common::net::fetch_error e) {
    using common::net::fetch_error;
    switch (e) {
        case fetch_error::resolve: return transport_failure::resolve;
        case fetch_error::connect:
        case fetch_error::write: return transport_failure::connect;
        case fetch_error::connect_timeout:
        case fetch_error::tls_timeout:
        case fetch_error::response_timeout:
        case fetch_error::body_timeout: return transport_failure::timeout;
        case fetch_error::tls: return transport_failure::tls;
        case fetch_error::truncated: return transport_failure::truncated;
        case fetch_error::sink_refused: return transport_failure::local_io;
        default: return transport_failure::bad_response;
    }
}

std::variant<std::shared_ptr<asio::ssl::context>, common::tls::tls_error> tls_context_cache::get(
    const common::tls::tls_config& cfg) {
    if (last_context_ && cfg == last_settings_) return last_context_;
    // Every field make_client_context reads, in a fixed order.
    std::string key;
    for (bool b : {cfg.use_system_roots, cfg.verify_peer, cfg.verify_hostname, cfg.check_expiry, cfg.legacy_tls10,
                   cfg.request_ssl3}) {
        key += b ? '1' : '0';
    }
    key += std::to_string(static_cast<int>(cfg.min_version)) + "/" +
           (cfg.max_version ? std::to_string(static_cast<int>(*cfg.max_version)) : "-") + '\0';
    key += cfg.offer.cipher_list + '\0' + cfg.offer.ciphersuites + '\0' + cfg.offer.groups + '\0' + cfg.server_name + '\0';
    append_key(key, cfg.certificate);
    append_key(key, cfg.private_key);
    for (const auto& p : cfg.chain) append_key(key, p);
    key += '\n';
    for (const auto& p : cfg.ca_files) append_key(key, p);
    std::shared_ptr<asio::ssl::context> ctx;
    if (auto it = by_settings_.find(key); it != by_settings_.end()) {
        ctx = it->second;
    } else {
        auto made = common::tls::make_client_context(cfg);
        if (auto* err = std::get_if<common::tls::tls_error>(&made)) return std::move(*err);
        ctx = std::make_shared<asio::ssl::context>(std::move(std::get<asio::ssl::context>(made)));
        by_settings_.emplace(std::move(key), ctx);
    }
    last_settings_ = cfg;
    last_context_ = ctx;
    return ctx;
}

persisted_layers load_state(const stdfs::path& state_dir) {
    stdfs::create_directories(state_dir);
    for (const auto& dir : {state_dir, state_dir / "firmware", state_dir / "certificates"}) {
        common::fs::remove_stale_temp_files(dir);  // leftovers of a run that was killed
    }
    return {read_optional(state_dir / "server.cfg"), read_optional(state_dir / "local.cfg")};
}

namespace {

// A fleet builds a driver per boot: one random_device per thread, not two per driver (opening it
// was 1.4% of a keep-alive fleet's CPU).
std::uint64_t jitter_seed() {
    thread_local std::uint64_t next = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    next += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = next;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

}  // namespace

boot_driver::boot_driver(const boot_driver_settings& settings, provisioning_fsm& fsm, boot_observer& observer,
                         driver_carryover* carry)
    : settings_(settings),
      fsm_(fsm),
      observer_(observer),
      rng_state_(jitter_seed()),
      own_carry_(carry ? nullptr : std::make_unique<driver_carryover>(settings.connection)),
      carry_(carry ? *carry : *own_carry_) {}

asio::awaitable<boot_outcome> boot_driver::run(boot_event first) {
    auto ex = co_await asio::this_coro::executor;
    boot_event ev = std::move(first);
    for (;;) {
        // A cnonce goes on the wire only inside an Authorization header; one that no request
        // carried is still unseen, so it is kept for the next step, and the next run, instead of
        // drawing 16 random bytes per step.
        if (cnonce_.empty()) cnonce_ = random_cnonce();
        resume_inputs in{std::chrono::system_clock::now(), next_jitter(), std::move(cnonce_)};
        boot_action act = fsm_.resume(ev, in);
        spare_parts::give_back(ev);  // read by now
        if (!carries_authorization(act)) cnonce_ = std::move(in.cnonce);
        else cnonce_.clear();
        switch (type_of(act)) {
            case boot_action_type::send_request: {
                // Here rather than in a coroutine of its own (nor through fetch_to_string): the
                // frames of nested coroutines were allocated afresh for every request.
                auto& r = std::get<action::send_request>(act);
                send_state x;
                if (start_send(r, x)) {
                    const common::net::body_sink collect = [&x](std::span<const char> piece) {
                        x.body.append(piece.data(), piece.size());
                        return true;
                    };
                    x.result = co_await common::net::fetch(ex, x.request, x.limits, x.ctx.get(), *x.tls, collect,
                                                           &carry_.session);
                }
                ev = finish_send(r, x);
                break;
            }
            case boot_action_type::download_to_file:
                ev = co_await download(ex, std::get<action::download_to_file>(act));
                break;
            case boot_action_type::wait: {
                const auto& w = std::get<action::wait>(act);
                observer_.note("retry in " + std::to_string(w.duration.count()) + " ms: " + w.reason);
                asio::steady_timer timer(ex, w.duration);
                co_await timer.async_wait(use_nothrow);
                ev = event::timer_fired{};
                break;
            }
            case boot_action_type::commit_download:
                ev = commit(std::get<action::commit_download>(act));
                break;
            case boot_action_type::discard_download:
                if (writer_) writer_->discard();
                writer_.reset();
                ev = event::file_op_done{};
                break;
            case boot_action_type::save_certificates:
                ev = save_certificates(std::get<action::save_certificates>(act));
                break;
            case boot_action_type::persist:
                ev = persist(std::get<action::persist>(act));
                break;
            case boot_action_type::done:
                if (!settings_.keep_idle_between_runs) carry_.session.close_idle();
                co_return std::move(std::get<action::done>(act).outcome);
        }
    }
}

double boot_driver::next_jitter() {
    std::uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;  // uniform in [0, 1)
}

event::file_op_done boot_driver::commit(const action::commit_download& c) {
    event::file_op_done done;
    if (settings_.state_dir) {
        if (!writer_) done.error = "no download to commit";
        else if (auto err = writer_->commit()) done.error = err->message;
        writer_.reset();
    }
    if (done.error.empty()) {
        observer_.note("firmware " + c.file + (settings_.state_dir ? " committed, " : " verified (not stored), ") +
                       std::to_string(c.bytes) + " bytes, sha256 " + c.sha256);
    }
    return done;
}

event::file_op_done boot_driver::save_certificates(const action::save_certificates& s) {
    event::file_op_done done;
    if (!settings_.state_dir) {
        carry_.memory_certificates.push_back(s.pem);
        return done;
    }
    stdfs::create_directories(*settings_.state_dir / "certificates");
    if (auto err = common::fs::write_file_atomically(*settings_.state_dir / "certificates" / s.file, s.pem)) {
        done.error = err->message;
    }
    return done;
}

event::file_op_done boot_driver::persist(const action::persist& p) {
    event::file_op_done done;
    if (!settings_.state_dir) return done;
    if (auto err = common::fs::write_file_atomically(*settings_.state_dir / "server.cfg", p.server_cfg)) {
        done.error = err->message;
    } else if (auto err2 = common::fs::write_file_atomically(*settings_.state_dir / "local.cfg", p.local_cfg)) {
        done.error = err2->message;
    }
    return done;
}

// What the phone's TLS settings depend on in its configuration (`https validate ...`, `https
// client method`) and the number of certificates it downloaded without a state directory.
boot_driver::tls_inputs boot_driver::read_tls_inputs() const {
    const auto& cfg = fsm_.config();
    return {cfg.get_bool("https validate certificates", true), cfg.get_bool("https validate hostname", true),
            cfg.get_bool("https validate expires", true), cfg.get_string("https client method", "TLS 1.2"),
            carry_.memory_certificates.size()};
}

// TLS settings as the phone has them now: `read` from its configuration, the CA given on the
// command line and the user certificates it downloaded earlier.
common::tls::tls_config boot_driver::tls_settings(const tls_inputs& read) const {
    const auto& agent = settings_.agent;
    common::tls::tls_config t;
    t.use_system_roots = agent.use_system_roots;
    t.offer = agent.tls_offer;
    if (settings_.ca_file) t.ca_files.push_back(common::tls::pem_source::from_file(*settings_.ca_file));
    if (settings_.state_dir) {
        std::error_code ec;
        for (const auto& entry : stdfs::directory_iterator(*settings_.state_dir / "certificates", ec)) {
            if (entry.is_regular_file()) t.ca_files.push_back(common::tls::pem_source::from_file(entry.path()));
        }
    }
    for (const auto& pem : carry_.memory_certificates) t.ca_files.push_back(common::tls::pem_source::from_memory(pem));
    t.verify_peer = read.verify_peer;
    t.verify_hostname = read.verify_hostname;
    t.check_expiry = read.check_expiry;
    if (read.method == "TLS 1.0") t.legacy_tls10 = true;
    if (read.method == "SSL 3.0") t.request_ssl3 = true;
    if (agent.client_certificate) {
        t.certificate = common::tls::pem_source::from_file(*agent.client_certificate);
        t.private_key = common::tls::pem_source::from_file(agent.client_key.value_or(*agent.client_certificate));
    }
    return t;
}

common::net::fetch_limits boot_driver::limits(std::uint64_t body_limit) const {
    common::net::fetch_limits l;
    const auto& timeouts = settings_.agent.timeouts;
    l.connect_timeout = timeouts.connect;
    l.tls_timeout = timeouts.tls;
    l.response_timeout = timeouts.response;
    l.body_idle_timeout = timeouts.body_idle;
    if (body_limit > 0) l.body_limit = body_limit;
    return l;
}

const common::net::url_parts* boot_driver::parse(const std::string& url, std::string& error) {
    for (const auto& known : parsed_urls_) {
        if (known.text == url) return &known.parts;
    }
    auto parts = common::net::parse_url(url, &error);
    if (!parts) return nullptr;
    if (parsed_urls_.size() == max_parsed_urls) parsed_urls_.erase(parsed_urls_.begin());
    parsed_urls_.push_back({url, std::move(*parts)});
    return &parsed_urls_.back().parts;
}

std::variant<std::shared_ptr<asio::ssl::context>, common::tls::tls_error> boot_driver::current_tls() {
    const bool reusable = settings_.tls_cache && !settings_.state_dir;
    tls_inputs read = read_tls_inputs();
    if (reusable && tls_context_ && tls_read_ == read) return tls_context_;
    tls_ = tls_settings(read);
    tls_context_.reset();
    tls_read_.reset();
    if (reusable) tls_read_ = std::move(read);
    if (settings_.tls_cache) {
        auto cached = settings_.tls_cache->get(tls_);
        if (auto* ctx = std::get_if<std::shared_ptr<asio::ssl::context>>(&cached); ctx && reusable) tls_context_ = *ctx;
        return cached;
    }
    auto made = common::tls::make_client_context(tls_);
    if (auto* err = std::get_if<common::tls::tls_error>(&made)) return std::move(*err);
    return std::make_shared<asio::ssl::context>(std::move(std::get<asio::ssl::context>(made)));
}

// Builds the request (taking the headers out of `headers`) and, for https, a client context; on
// a TLS setup error, a failed result.
std::optional<common::net::fetch_result> boot_driver::prepare(const std::string& url, std::vector<header_field>& headers,
                                                              common::net::fetch_request& out,
                                                              std::shared_ptr<asio::ssl::context>& ctx,
                                                              const common::tls::tls_config*& tls) {
    static const common::tls::tls_config no_tls;
    tls = &no_tls;
    common::net::fetch_result failed;
    std::string error;
    const auto* parts = parse(url, error);
    if (!parts) {
        failed.error = common::net::fetch_error::bad_url;
        failed.detail = error;
        return failed;
    }
    out.url = *parts;
    out.local_address = local_address_;
    out.headers.reserve(headers.size());
    for (auto& h : headers) out.headers.push_back({std::move(h.name), std::move(h.value)});
    if (out.url.scheme == "https") {
        auto current = current_tls();
        if (auto* err = std::get_if<common::tls::tls_error>(&current)) {
            failed.error = common::net::fetch_error::tls;
            failed.detail = err->message;
            return failed;
        }
        ctx = std::move(std::get<std::shared_ptr<asio::ssl::context>>(current));
        tls = &tls_;
    }
    return std::nullopt;
}

bool boot_driver::start_send(action::send_request& r, send_state& x) {
    x.authorized = find_header(r.headers, "Authorization").has_value();
    x.body = spare_parts::take_body();
    if (auto failed = prepare(r.url, r.headers, x.request, x.ctx, x.tls)) {
        x.result = std::move(*failed);
        return false;
    }
    x.limits = limits(r.body_limit);
    if (!x.limits.body_limit) x.limits.body_limit = 8u << 20;
    return true;
}

boot_event boot_driver::finish_send(const action::send_request& r, send_state& x) {
    auto& res = x.result;
    observer_.exchange(r.step, r.file, res, x.authorized);
    if (!res.ok()) {
        return event::transport_error{failure_of(res.error), phone_wording(res), timings_of(res)};
    }
    if (auto refusal = client_certificate_refusal(x.request, res.status, x.body)) {
        return event::transport_error{transport_failure::tls, *refusal, timings_of(res)};
    }
    return event::http_response{res.status, take_headers(res), std::move(x.body), timings_of(res)};
}

asio::awaitable<boot_event> boot_driver::download(asio::any_io_executor ex, action::download_to_file& d) {
    const bool authorized = find_header(d.headers, "Authorization").has_value();
    event::download_result out;
    if (settings_.state_dir) {
        stdfs::create_directories(*settings_.state_dir / "firmware");
        auto opened = common::fs::atomic_file_writer::open(*settings_.state_dir / "firmware" / d.file);
        if (auto* err = std::get_if<common::fs::fs_error>(&opened)) {
            out.failure = transport_failure::local_io;
            out.detail = err->message;
            co_return out;
        }
        writer_.emplace(std::move(std::get<common::fs::atomic_file_writer>(opened)));
    }
    common::crypto::hasher sha(common::crypto::hash_algorithm::sha256);
    std::string write_error;
    common::net::fetch_request fr;
    std::shared_ptr<asio::ssl::context> ctx;
    const common::tls::tls_config* tls = nullptr;
    common::net::fetch_result res;
    if (auto failed = prepare(d.url, d.headers, fr, ctx, tls)) {
        res = std::move(*failed);
    } else {
        // Named first: g++ 12 miscompiles a temporary passed straight into a co_awaited coroutine call.
        const common::net::body_sink store = [&](std::span<const char> piece) {
            std::string_view chunk(piece.data(), piece.size());
            if (writer_) {
                if (auto err = writer_->write(chunk)) {
                    write_error = err->message;
                    return false;
                }
            }
            sha.update(chunk);
            return true;
        };
        res = co_await common::net::fetch(ex, fr, limits(d.body_limit), ctx.get(), *tls, store, &carry_.session);
    }
    observer_.exchange(d.step, d.file, res, authorized);
    out.status = res.status;
    out.headers = take_headers(res);
    out.bytes = res.body_bytes;
    out.sha256 = sha.finish_hex();
    out.timings = timings_of(res);
    if (!res.ok()) {
        out.failure = failure_of(res.error);
        out.detail = write_error.empty() ? phone_wording(res) : write_error;
    }
    co_return out;
}

}  // namespace phone_agent
