#include "validate/validate_runner.hpp"

#include "validate/validate_probes.hpp"

#include "boot_driver.hpp"
#include "logic/boot_fsm.hpp"
#include "logic/server_url.hpp"

#include "common/aastra/cfg_file.hpp"
#include "common/aastra/user_agent.hpp"
#include "common/auth/auth_header.hpp"
#include "common/auth/basic.hpp"
#include "common/auth/digest.hpp"
#include "common/crypto/hash.hpp"
#include "common/net/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <random>
#include <stdexcept>
#include <variant>

namespace phone_agent::validate {

namespace asio = boost::asio;
using asio::awaitable;
using common::net::fetch_result;

namespace {

// Not built inside the coroutines: g++ 12 miscompiles string literals in braced initialisers there.
std::vector<header_field> one_header(const std::string& name, const std::string& value) {
    return {header_field{name, value}};
}

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A bound on one firmware download (real Aastra images are 10-20 MB).
constexpr std::uint64_t max_firmware_bytes = 256ULL * 1024 * 1024;

std::string random_cnonce() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string s(32, '0');
    for (auto& c : s) c = hex[rng() % 16];
    return s;
}

// The challenge the phone would answer: the strongest Digest it supports, else Basic.
struct picked_challenge {
    std::optional<common::auth::digest_challenge> digest;
    bool basic = false;
};

std::optional<picked_challenge> pick(const std::vector<header_field>& headers) {
    picked_challenge best;
    bool found = false;
    for (const auto& h : headers) {
        if (!common::auth::iequals(h.name, "WWW-Authenticate")) continue;
        auto parsed = common::auth::parse_challenges(h.value);
        if (!std::holds_alternative<std::vector<common::auth::challenge>>(parsed)) continue;
        for (const auto& ch : std::get<std::vector<common::auth::challenge>>(parsed)) {
            if (common::auth::iequals(ch.scheme, "Basic")) {
                best.basic = true;
                found = true;
                continue;
            }
            auto d = common::auth::digest_challenge::from_challenge(ch);
            if (auto* dc = std::get_if<common::auth::digest_challenge>(&d)) {
                if (!best.digest || common::auth::strength(dc->algorithm) > common::auth::strength(best.digest->algorithm)) {
                    best.digest = *dc;
                }
                found = true;
            }
        }
    }
    if (!found) return std::nullopt;
    return best;
}

// A Digest Authorization value with a chosen nc and cnonce, so nonce reuse and replays can be
// exercised on purpose; nullopt when the challenge cannot be answered.
std::optional<std::string> digest_authorization(const common::auth::digest_challenge& ch, const std::string& user,
                                                const std::string& password, std::string_view method,
                                                std::string_view uri, std::uint32_t nc, const std::string& cnonce) {
    using namespace common::auth;
    const qop chosen = ch.qop_auth ? qop::auth : (ch.qop_auth_int ? qop::auth_int : qop::none);
    const std::string nc_text = format_nc(nc);
    auto computed = compute(ch, user, password, digest_request{method, uri, cnonce, nc_text, chosen, ""});
    if (!std::holds_alternative<digest_values>(computed)) return std::nullopt;
    credentials item;
    item.scheme = "Digest";
    auto add = [&](std::string name, std::string value, bool quoted) {
        item.params.push_back(auth_param{std::move(name), std::move(value), quoted});
    };
    add("username", ch.userhash ? digest_userhash(ch.algorithm, user, ch.realm) : user, true);
    add("realm", ch.realm, true);
    add("nonce", ch.nonce, true);
    add("uri", std::string(uri), true);
    add("algorithm", std::string(to_string(ch.algorithm)), false);
    add("response", std::get<digest_values>(computed).response, true);
    if (chosen != qop::none) {
        add("qop", std::string(to_string(chosen)), false);
        add("nc", nc_text, false);
        add("cnonce", cnonce, true);
    }
    if (ch.opaque) add("opaque", *ch.opaque, true);
    if (ch.userhash) add("userhash", "true", false);
    return serialize(item);
}

std::optional<std::string> answer(const picked_challenge& p, const std::string& user, const std::string& password,
                                  std::string_view method, std::string_view uri, std::uint32_t nc) {
    if (p.digest) return digest_authorization(*p.digest, user, password, method, uri, nc, random_cnonce());
    if (p.basic) {
        auto b = common::auth::basic_authorization(user, password);
        if (auto* s = std::get_if<std::string>(&b)) return *s;
    }
    return std::nullopt;
}

class runner {
public:
    runner(const runner_settings& s, const std::set<std::string, std::less<>>& needs)
        : s_(s), needs_(needs), https_(s.base.scheme == "https") {
        tls_ = phone_tls();
        if (https_) ctx_.emplace(make_context(tls_));
        if (s.mac) {
            auto ua = common::aastra::format_user_agent(s.model, *s.mac, s.firmware);
            if (auto* text = std::get_if<std::string>(&ua)) user_agent_ = *text;
        }
        if (user_agent_.empty()) user_agent_ = "Aastra" + std::string(s.model.ua_token) + " V:" + s.firmware + "-SIP";
    }

    awaitable<observations> run() {
        observations o;
        o.server = s_.server_url;
        o.https = https_;
        o.ca_given = s_.ca_file.has_value();
        o.model = std::string(s_.model.name);
        o.user = s_.user;
        if (s_.mac) o.mac = s_.mac->compact_upper();
        o.stale_after_seconds = static_cast<unsigned>(s_.stale_after.count());
        o.client_cert_given = s_.client_cert.has_value();
        const std::string global = target_of("aastra.cfg");

        if (wants(need::challenge) || wants(need::answer) || wants(need::wrong)) co_await auth_sequence(o, global);
        if (wants(need::get)) o.exchanges[std::string(need::get)] = co_await authed("GET", global, {});
        const exchange* get = o.find(need::get);
        if (wants(need::missing)) {
            o.exchanges[std::string(need::missing)] = co_await authed("GET", target_of(s_.missing_file), {});
        }
        if (wants(need::head)) o.exchanges[std::string(need::head)] = co_await authed("HEAD", global, {});
        if (wants(need::range)) {
            o.exchanges[std::string(need::range)] = co_await authed("GET", global, one_header("Range", "bytes=0-9"));
        }
        if (wants(need::conditional) && get && get->status == 200) {
            std::vector<header_field> cond;
            if (auto etag = get->header("ETag")) cond.push_back(one_header("If-None-Match", *etag).front());
            if (auto lm = get->header("Last-Modified")) cond.push_back(one_header("If-Modified-Since", *lm).front());
            if (!cond.empty()) o.exchanges[std::string(need::conditional)] = co_await authed("GET", global, cond);
        }
        if (wants(need::conditional_other) && get && get->status == 200) {
            o.exchanges[std::string(need::conditional_other)] =
                co_await authed("GET", global, one_header("If-None-Match", "\"phone-agent-validate-other\""));
        }
        if (wants(need::range_unsatisfiable) && get && get->status == 200) {
            const std::string past_end = "bytes=" + std::to_string(get->body_bytes + 1000) + "-";
            o.exchanges[std::string(need::range_unsatisfiable)] =
                co_await authed("GET", global, one_header("Range", past_end));
        }
        if (wants(need::close)) o.close = co_await close_probe_of(global);
        if (wants(need::inject)) {
            const std::string injected =
                target_of(s_.missing_file) + "%0D%0A" + std::string(injected_header_name) + ":%20yes";
            o.exchanges[std::string(need::inject)] = co_await fetch("GET", injected, {});
        }
        const auto learnt = learnt_login(get);
        if (s_.mac) {
            const std::string mac_target = target_of(s_.mac->compact_upper() + ".cfg");
            if (wants(need::mac_cfg)) {
                o.exchanges[std::string(need::mac_cfg)] =
                    co_await authed("GET", mac_target, {}, learnt.first, learnt.second);
            }
            if (wants(need::mac_cfg_shared)) {
                o.exchanges[std::string(need::mac_cfg_shared)] =
                    co_await authed("GET", mac_target, {}, s_.user, s_.password);
            }
        }
        if (wants(need::firmware_first)) {
            const std::string image = target_of(s_.model.firmware_file_name());
            o.exchanges[std::string(need::firmware_first)] =
                co_await authed("GET", image, {}, learnt.first, learnt.second, true);
            const auto* first = o.find(need::firmware_first);
            if (first->status == 200 && wants(need::firmware_second)) {
                o.exchanges[std::string(need::firmware_second)] =
                    co_await authed("GET", image, {}, learnt.first, learnt.second, true);
            }
        }
        if (https_) {
            // (a braced list in a range-for inside a coroutine trips g++ 12)
            static const std::vector<std::string_view> probes{need::tls_legacy, need::tls_chain,
                                                               need::tls_hostname, need::tls_expiry};
            for (std::size_t i = 0; i < probes.size(); ++i) {
                if (wants(probes[i])) o.tls[std::string(probes[i])] = co_await tls_probe_of(probes[i]);
            }
            if (wants(need::tls_key)) {
                const auto where = probe_target_of();
                o.tls_key = co_await server_key_probe(where, tls_);
            }
            if (wants(need::client_cert) && s_.client_cert) o.client_cert = co_await client_cert_probe_of(global);
        }
        if (wants(need::slow_client)) o.slow_client = co_await robustness_of(need::slow_client, global);
        if (wants(need::dropped_connection)) {
            o.dropped_connection = co_await robustness_of(need::dropped_connection, global);
        }
        if (wants(need::boot) && s_.mac) o.boot = co_await boot();
        co_return o;
    }

private:
    bool wants(std::string_view name) const { return needs_.contains(name); }

    std::string target_of(const std::string& file) const { return s_.base.target + file; }

    common::tls::tls_config phone_tls() const {
        common::tls::tls_config t;
        t.use_system_roots = s_.system_roots;
        t.offer = s_.tls_offer;
        if (s_.ca_file) t.ca_files.push_back(common::tls::pem_source::from_file(*s_.ca_file));
        return t;
    }

    // TLS-006: the same request without and with the client certificate.
    awaitable<client_cert_probe> client_cert_probe_of(const std::string& target) {
        client_cert_probe out;
        out.performed = true;
        auto without = co_await fetch("GET", target, {});
        out.without_handshake_ok = last_tls_.error != common::net::fetch_error::tls;
        out.without_status = without.status;
        out.without_detail = without.transport_error;
        auto cfg = phone_tls();
        cfg.certificate = common::tls::pem_source::from_file(*s_.client_cert);
        cfg.private_key = common::tls::pem_source::from_file(*s_.client_key);
        std::optional<asio::ssl::context> ctx;
        try {
            ctx.emplace(make_context(cfg));
        } catch (const std::exception& e) {
            out.with_detail = std::string("client certificate: ") + e.what();
            co_return out;
        }
        auto with = co_await fetch("GET", target, {}, &*ctx, &cfg);
        out.with_handshake_ok = last_tls_.error != common::net::fetch_error::tls &&
                                last_tls_.error != common::net::fetch_error::tls_timeout;
        out.with_status = with.status;
        out.with_detail = with.transport_error;
        co_return out;
    }

    static asio::ssl::context make_context(const common::tls::tls_config& cfg) {
        auto made = common::tls::make_client_context(cfg);
        if (auto* err = std::get_if<common::tls::tls_error>(&made)) throw std::runtime_error(err->message);
        return std::move(std::get<asio::ssl::context>(made));
    }

    common::net::fetch_limits limits() const {
        common::net::fetch_limits l;
        l.connect_timeout = l.tls_timeout = l.response_timeout = l.body_idle_timeout = s_.timeout;
        l.body_limit = 8ULL * 1024 * 1024;
        return l;
    }

    // One exchange, recorded.
    awaitable<exchange> fetch(std::string method, std::string target, std::vector<header_field> headers,
                              asio::ssl::context* ctx = nullptr, const common::tls::tls_config* tls = nullptr,
                              bool hash_body = false) {
        common::net::fetch_request req;
        req.method = method;
        req.url = s_.base;
        req.url.target = target;
        req.headers.push_back(common::net::http_header{std::string("User-Agent"), user_agent_});
        bool authorized = false;
        for (const auto& h : headers) {
            authorized = authorized || common::auth::iequals(h.name, "Authorization");
            req.headers.push_back({h.name, h.value});
        }
        std::string body;
        auto ex = co_await asio::this_coro::executor;
        asio::ssl::context* use_ctx = https_ ? (ctx ? ctx : &*ctx_) : nullptr;
        const auto& use_tls = tls ? *tls : tls_;
        exchange e;
        fetch_result r;
        if (hash_body) {
            // Firmware: hashed as it arrives, never held whole.
            common::crypto::hasher sha(common::crypto::hash_algorithm::sha256);
            auto bounded = limits();
            bounded.body_limit = max_firmware_bytes;
            const common::net::body_sink sink = [&sha](std::span<const char> piece) {
                sha.update(std::string_view(piece.data(), piece.size()));
                return true;
            };
            r = co_await common::net::fetch(ex, req, bounded, use_ctx, use_tls, sink);
            e.body_sha256 = sha.finish_hex();
        } else {
            r = co_await common::net::fetch_to_string(ex, req, limits(), use_ctx, use_tls, body);
        }
        e.performed = true;
        e.method = std::move(method);
        e.target = std::move(target);
        for (const auto& h : req.headers) e.request_headers.push_back({h.name, h.value});
        e.transport_ok = r.ok();
        if (!r.ok()) e.transport_error = std::string(common::net::to_string(r.error)) + ": " + r.detail;
        e.status = r.status;
        for (const auto& h : r.headers) e.headers.push_back({h.name, h.value});
        e.body = std::move(body);
        e.body_bytes = r.body_bytes;
        e.authorized = authorized;
        last_tls_ = {r.tls_version, r.error, r.detail};
        co_return e;
    }

    // A request answered once on 401 with a fresh nonce (nc=1), as the phone does.
    awaitable<exchange> authed(std::string method, std::string target, std::vector<header_field> headers) {
        co_return co_await authed(std::move(method), std::move(target), std::move(headers), s_.user, s_.password);
    }
    awaitable<exchange> authed(std::string method, std::string target, std::vector<header_field> headers,
                               std::string user, std::string password, bool hash_body = false) {
        auto first = co_await fetch(method, target, headers, nullptr, nullptr, hash_body);
        if (first.status != 401) co_return first;
        auto p = pick(first.headers);
        if (!p) co_return first;
        auto value = answer(*p, user, password, method, target, 1);
        if (!value) co_return first;
        headers.push_back(one_header("Authorization", *value).front());
        co_return co_await fetch(method, target, headers, nullptr, nullptr, hash_body);
    }

    // AUTH-001..006: the challenge, the right answer (nc=1), the same nonce with nc=2 and again
    // (a replay), and a wrong password on a fresh nonce.
    awaitable<void> auth_sequence(observations& o, const std::string& global) {
        auto challenge = co_await fetch("GET", global, {});
        const bool challenged = challenge.status == 401;
        o.exchanges[std::string(need::challenge)] = challenge;
        if (!challenged) co_return;
        auto p = pick(challenge.headers);
        if (!p) co_return;
        if (auto value = answer(*p, s_.user, s_.password, "GET", global, 1)) {
            o.exchanges[std::string(need::answer)] = co_await fetch("GET", global, one_header("Authorization", *value));
        }
        if (p->digest && (p->digest->qop_auth || p->digest->qop_auth_int)) {
            auto again = digest_authorization(*p->digest, s_.user, s_.password, "GET", global, 2, random_cnonce());
            if (again) {
                o.exchanges[std::string(need::reuse)] = co_await fetch("GET", global, one_header("Authorization", *again));
                o.exchanges[std::string(need::replay)] = co_await fetch("GET", global, one_header("Authorization", *again));
            }
        }
        if (p->digest && wants(need::stale) && s_.stale_after.count() > 0) {
            // The right password on the first nonce once it should have expired (nc=3: 1 and 2 were used).
            asio::steady_timer wait(co_await asio::this_coro::executor);
            wait.expires_after(s_.stale_after);
            co_await wait.async_wait(use_tuple);
            if (auto late = digest_authorization(*p->digest, s_.user, s_.password, "GET", global, 3, random_cnonce())) {
                o.exchanges[std::string(need::stale)] = co_await fetch("GET", global, one_header("Authorization", *late));
            }
        }
        auto fresh = co_await fetch("GET", global, {});
        if (fresh.status == 401) {
            if (auto q = pick(fresh.headers)) {
                if (auto value = answer(*q, s_.user, s_.password + "-wrong", "GET", global, 1)) {
                    o.exchanges[std::string(need::wrong)] = co_await fetch("GET", global, one_header("Authorization", *value));
                }
            }
        }
    }

    // The phone learns `http digest username/password` from aastra.cfg for the files after it.
    std::pair<std::string, std::string> learnt_login(const exchange* get) const {
        std::pair<std::string, std::string> login{s_.user, s_.password};
        if (!get || get->status != 200) return login;
        auto parsed = common::aastra::parse_cfg(get->body, "aastra.cfg");
        if (auto* r = std::get_if<common::aastra::cfg_parse_result>(&parsed)) {
            const auto* u = r->file.find("http digest username");
            const auto* pw = r->file.find("http digest password");
            if (u && pw && !u->value.empty()) login = {u->value, pw->value};
        }
        return login;
    }

    // HTTP-007: a raw request with `Connection: close`, then reading until the server closes.
    awaitable<close_probe> close_probe_of(const std::string& target) {
        std::string authorization;
        auto first = co_await fetch("GET", target, {});
        if (first.status == 401) {
            if (auto p = pick(first.headers)) {
                if (auto v = answer(*p, s_.user, s_.password, "GET", target, 1)) authorization = *v;
            }
        }
        std::string request = raw_request_head(target, "Connection: close\r\n");
        if (!authorization.empty()) request.insert(request.size() - 2, "Authorization: " + authorization + "\r\n");
        const auto where = probe_target_of();
        co_return co_await connection_close_probe(where, std::move(request));
    }

    // A GET request head, ending with the blank line.
    std::string raw_request_head(const std::string& target, const std::string& extra = {}) const {
        return "GET " + target + " HTTP/1.1\r\nHost: " + host_header() + "\r\nUser-Agent: " + user_agent_ + "\r\n" +
               extra + "\r\n";
    }

    probe_target probe_target_of() {
        probe_target t;
        t.host = s_.base.host;
        t.port = s_.base.port;
        t.https = https_;
        t.tls = https_ ? &*ctx_ : nullptr;
        t.tls_settings = &tls_;
        t.timeout = s_.timeout;
        return t;
    }

    // ROB-001/002: the hostile client, then an ordinary request on a new connection.
    awaitable<robustness_probe> robustness_of(std::string_view which, const std::string& target) {
        const auto where = probe_target_of();
        robustness_probe out;
        // (arguments named first: g++ 12 miscompiles temporaries passed into a co_awaited call)
        if (which == need::slow_client) {
            std::string request = raw_request_head(target, "Connection: close\r\n");
            out = co_await slow_client_probe(where, std::move(request), s_.slow_gap, s_.slow_pieces);
        } else {
            std::string head = raw_request_head(target);
            out = co_await dropped_connection_probe(where, std::move(head), 4096);
        }
        if (!out.error.empty()) co_return out;
        auto next = co_await fetch("GET", target, {});
        out.next_status = next.status;
        if (!next.transport_ok) out.next_error = next.transport_error;
        co_return out;
    }

    std::string host_header() const {
        std::string host = s_.base.host.find(':') != std::string::npos ? "[" + s_.base.host + "]" : s_.base.host;
        const bool default_port = (https_ && s_.base.port == 443) || (!https_ && s_.base.port == 80);
        return default_port ? host : host + ":" + std::to_string(s_.base.port);
    }

    // TLS-001..004: one handshake per client configuration.
    awaitable<tls_probe> tls_probe_of(std::string_view name) {
        common::tls::tls_config cfg = phone_tls();
        if (name == need::tls_legacy) {
            cfg.legacy_tls10 = true;
            cfg.min_version = common::tls::tls_version::tls1_0;
            cfg.max_version = common::tls::tls_version::tls1_1;
            cfg.verify_peer = false;
        } else if (name == need::tls_chain) {
            cfg.verify_hostname = false;
            cfg.check_expiry = false;
        } else if (name == need::tls_hostname) {
            cfg.check_expiry = false;
        } else {
            cfg.verify_hostname = false;
        }
        tls_probe out;
        out.performed = true;
        std::optional<asio::ssl::context> ctx;
        try {
            ctx.emplace(make_context(cfg));
        } catch (const std::exception& e) {
            out.connected = true;
            out.detail = std::string("client context: ") + e.what();
            co_return out;
        }
        co_await fetch("GET", target_of(s_.missing_file), {}, &*ctx, &cfg);
        using fe = common::net::fetch_error;
        out.connected = !(last_tls_.error == fe::resolve || last_tls_.error == fe::connect ||
                          last_tls_.error == fe::connect_timeout || last_tls_.error == fe::bad_url);
        out.handshake_ok = out.connected && last_tls_.error != fe::tls && last_tls_.error != fe::tls_timeout;
        out.detail = last_tls_.detail;
        out.version = last_tls_.version;
        co_return out;
    }

    // PROV-001: the real boot state machine and driver, in memory (nothing is written).
    class boot_recorder final : public boot_observer {
    public:
        void exchange(boot_step, const std::string&, const fetch_result&, bool) override {}
        void note(const std::string&) override {}
    };

    awaitable<boot_observation> boot() {
        boot_observation out;
        out.performed = true;
        auto server = parse_server_url(s_.server_url);
        if (auto* err = std::get_if<server_url_error>(&server)) {
            out.status = "usage";
            out.reason = err->message;
            co_return out;
        }
        agent_config agent;
        agent.retry.max_attempts = 1;
        agent.timeouts = {s_.timeout, s_.timeout, s_.timeout, s_.timeout};
        agent.use_system_roots = s_.system_roots;
        agent.tls_offer = s_.tls_offer;
        boot_settings settings;
        settings.order = agent.order;
        settings.retry = agent.retry;
        settings.local_settings = settings_for(std::get<server_location>(server));
        auto created = provisioning_fsm::create(phone_identity{s_.model, *s_.mac, s_.firmware}, settings, {});
        if (auto* err = std::get_if<boot_setup_error>(&created)) {
            out.status = "usage";
            out.reason = err->message;
            co_return out;
        }
        auto& fsm = std::get<provisioning_fsm>(created);
        boot_driver_settings ds;
        ds.agent = agent;
        ds.ca_file = s_.ca_file;
        boot_recorder recorder;
        boot_driver driver(ds, fsm, recorder);
        auto outcome = co_await driver.run(event::start{});
        out.provisioned = outcome.status == boot_status::provisioned;
        out.status = to_string(outcome.status);
        out.reason = outcome.reason;
        for (const auto& step : outcome.steps) {
            out.steps.push_back(step.file + ": " + to_string(step.result) +
                                (step.http_status ? " " + std::to_string(step.http_status) : std::string()));
        }
        co_return out;
    }

    struct last_tls_state {
        std::string version;
        common::net::fetch_error error = common::net::fetch_error::none;
        std::string detail;
    };

    const runner_settings& s_;
    const std::set<std::string, std::less<>>& needs_;
    bool https_;
    common::tls::tls_config tls_;
    std::optional<asio::ssl::context> ctx_;
    std::string user_agent_;
    last_tls_state last_tls_;
};

}  // namespace

std::set<std::string, std::less<>> needs_of(const std::vector<check_def>& checks) {
    std::set<std::string, std::less<>> out;
    for (const auto& c : checks) {
        for (auto n : c.needs) out.emplace(n);
    }
    return out;
}

observations collect(const runner_settings& settings, const std::set<std::string, std::less<>>& needs) {
    runner r(settings, needs);
    asio::io_context ioc{1};
    std::optional<observations> result;
    std::exception_ptr failure;
    asio::co_spawn(
        ioc, [&]() -> awaitable<void> { result = co_await r.run(); },
        [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
}

}  // namespace phone_agent::validate
