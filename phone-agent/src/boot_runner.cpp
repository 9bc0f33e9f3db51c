// The I/O half of `phone-agent boot`: performs what provisioning_fsm asks for (HTTP exchanges,
// firmware streamed to disk, timers, atomic saves) and feeds the results back. All decisions are
// in the state machine; this loop only moves bytes and keeps the clock.
#include "boot_runner.hpp"

#include "boot_report.hpp"
#include "logic/boot_fsm.hpp"

#include "common/crypto/hash.hpp"
#include "common/fs/atomic_file.hpp"
#include "common/net/http_client.hpp"
#include "common/net/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/rand.h>

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace phone_agent {

namespace asio = boost::asio;
namespace stdfs = std::filesystem;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

std::string random_cnonce() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    return common::crypto::to_hex(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

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

exchange_timings timings_of(const common::net::fetch_result& r) {
    return {r.timings.connect, r.timings.tls, r.timings.ttfb, r.timings.transfer, r.timings.total};
}

std::vector<header_field> headers_of(const common::net::fetch_result& r) {
    std::vector<header_field> out;
    out.reserve(r.headers.size());
    for (const auto& h : r.headers) out.push_back({h.name, h.value});
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

class boot_driver {
public:
    boot_driver(const boot_request& req, provisioning_fsm& fsm, boot_report& report)
        : req_(req), fsm_(fsm), report_(report), rng_(std::random_device{}()) {}

    asio::awaitable<boot_outcome> run(boot_event first) {
        auto ex = co_await asio::this_coro::executor;
        boot_event ev = std::move(first);
        for (;;) {
            resume_inputs in{std::chrono::system_clock::now(), std::uniform_real_distribution<double>(0, 1)(rng_),
                             random_cnonce()};
            boot_action act = fsm_.resume(ev, in);
            switch (type_of(act)) {
                case boot_action_type::send_request:
                    ev = co_await send(ex, std::get<action::send_request>(act));
                    break;
                case boot_action_type::download_to_file:
                    ev = co_await download(ex, std::get<action::download_to_file>(act));
                    break;
                case boot_action_type::wait: {
                    const auto& w = std::get<action::wait>(act);
                    report_.note("retry in " + std::to_string(w.duration.count()) + " ms: " + w.reason);
                    asio::steady_timer timer(ex, w.duration);
                    co_await timer.async_wait(use_nothrow);
                    ev = event::timer_fired{};
                    break;
                }
                case boot_action_type::commit_download: {
                    event::file_op_done done;
                    if (!writer_) done.error = "no download to commit";
                    else if (auto err = writer_->commit()) done.error = err->message;
                    writer_.reset();
                    if (done.error.empty()) {
                        const auto& c = std::get<action::commit_download>(act);
                        report_.note("firmware " + c.file + " committed, " + std::to_string(c.bytes) +
                                     " bytes, sha256 " + c.sha256);
                    }
                    ev = std::move(done);
                    break;
                }
                case boot_action_type::discard_download:
                    if (writer_) writer_->discard();
                    writer_.reset();
                    ev = event::file_op_done{};
                    break;
                case boot_action_type::save_certificates: {
                    const auto& s = std::get<action::save_certificates>(act);
                    event::file_op_done done;
                    stdfs::create_directories(req_.state_dir / "certificates");
                    if (auto err = common::fs::write_file_atomically(req_.state_dir / "certificates" / s.file, s.pem)) {
                        done.error = err->message;
                    }
                    ev = std::move(done);
                    break;
                }
                case boot_action_type::persist: {
                    const auto& p = std::get<action::persist>(act);
                    event::file_op_done done;
                    if (auto err = common::fs::write_file_atomically(req_.state_dir / "server.cfg", p.server_cfg)) {
                        done.error = err->message;
                    } else if (auto err2 = common::fs::write_file_atomically(req_.state_dir / "local.cfg", p.local_cfg)) {
                        done.error = err2->message;
                    }
                    ev = std::move(done);
                    break;
                }
                case boot_action_type::done:
                    co_return std::get<action::done>(act).outcome;
            }
        }
    }

private:
    // TLS settings as the phone has them now: its `https validate ...` keys, the CA given on the
    // command line and the user certificates it downloaded earlier.
    common::tls::tls_config tls_settings() const {
        const auto& cfg = fsm_.config();
        common::tls::tls_config t;
        t.use_system_roots = req_.agent.use_system_roots;
        if (req_.ca_file) t.ca_files.push_back(common::tls::pem_source::from_file(*req_.ca_file));
        std::error_code ec;
        for (const auto& entry : stdfs::directory_iterator(req_.state_dir / "certificates", ec)) {
            if (entry.is_regular_file()) t.ca_files.push_back(common::tls::pem_source::from_file(entry.path()));
        }
        t.verify_peer = cfg.get_bool("https validate certificates", true);
        t.verify_hostname = cfg.get_bool("https validate hostname", true);
        t.check_expiry = cfg.get_bool("https validate expires", true);
        auto method = cfg.get_string("https client method", "TLS 1.2");
        if (method == "TLS 1.0") t.legacy_tls10 = true;
        if (method == "SSL 3.0") t.request_ssl3 = true;
        if (req_.agent.client_certificate) {
            t.certificate = common::tls::pem_source::from_file(*req_.agent.client_certificate);
            t.private_key = common::tls::pem_source::from_file(req_.agent.client_key.value_or(*req_.agent.client_certificate));
        }
        return t;
    }

    common::net::fetch_limits limits(std::uint64_t body_limit) const {
        common::net::fetch_limits l;
        l.connect_timeout = req_.agent.timeouts.connect;
        l.tls_timeout = req_.agent.timeouts.tls;
        l.response_timeout = req_.agent.timeouts.response;
        l.body_idle_timeout = req_.agent.timeouts.body_idle;
        if (body_limit > 0) l.body_limit = body_limit;
        return l;
    }

    // Builds the request and, for https, a client context; on a TLS setup error, a failed result.
    std::optional<common::net::fetch_result> prepare(const std::string& url, const std::vector<header_field>& headers,
                                                     common::net::fetch_request& out,
                                                     std::optional<asio::ssl::context>& ctx,
                                                     common::tls::tls_config& tls) {
        common::net::fetch_result failed;
        std::string error;
        auto parts = common::net::parse_url(url, &error);
        if (!parts) {
            failed.error = common::net::fetch_error::bad_url;
            failed.detail = error;
            return failed;
        }
        out.url = *parts;
        for (const auto& h : headers) out.headers.push_back({h.name, h.value});
        if (out.url.scheme == "https") {
            tls = tls_settings();
            auto made = common::tls::make_client_context(tls);
            if (auto* err = std::get_if<common::tls::tls_error>(&made)) {
                failed.error = common::net::fetch_error::tls;
                failed.detail = err->message;
                return failed;
            }
            ctx.emplace(std::move(std::get<asio::ssl::context>(made)));
        }
        return std::nullopt;
    }

    asio::awaitable<boot_event> send(asio::any_io_executor ex, const action::send_request& r) {
        common::net::fetch_request fr;
        std::optional<asio::ssl::context> ctx;
        common::tls::tls_config tls;
        common::net::fetch_result res;
        std::string body;
        if (auto failed = prepare(r.url, r.headers, fr, ctx, tls)) {
            res = std::move(*failed);
        } else {
            res = co_await common::net::fetch_to_string(ex, fr, limits(r.body_limit), ctx ? &*ctx : nullptr, tls, body);
        }
        report_.exchange(r.file, res, !r.headers.empty() && find_header(r.headers, "Authorization").has_value());
        if (!res.ok()) {
            co_return event::transport_error{failure_of(res.error), res.detail, timings_of(res)};
        }
        co_return event::http_response{res.status, headers_of(res), std::move(body), timings_of(res)};
    }

    asio::awaitable<boot_event> download(asio::any_io_executor ex, const action::download_to_file& d) {
        event::download_result out;
        stdfs::create_directories(req_.state_dir / "firmware");
        auto opened = common::fs::atomic_file_writer::open(req_.state_dir / "firmware" / d.file);
        if (auto* err = std::get_if<common::fs::fs_error>(&opened)) {
            out.failure = transport_failure::local_io;
            out.detail = err->message;
            co_return out;
        }
        writer_.emplace(std::move(std::get<common::fs::atomic_file_writer>(opened)));
        common::crypto::hasher sha(common::crypto::hash_algorithm::sha256);
        std::string write_error;
        common::net::fetch_request fr;
        std::optional<asio::ssl::context> ctx;
        common::tls::tls_config tls;
        common::net::fetch_result res;
        if (auto failed = prepare(d.url, d.headers, fr, ctx, tls)) {
            res = std::move(*failed);
        } else {
            res = co_await common::net::fetch(ex, fr, limits(d.body_limit), ctx ? &*ctx : nullptr, tls,
                                              [&](std::span<const char> piece) {
                                                  std::string_view chunk(piece.data(), piece.size());
                                                  if (auto err = writer_->write(chunk)) {
                                                      write_error = err->message;
                                                      return false;
                                                  }
                                                  sha.update(chunk);
                                                  return true;
                                              });
        }
        report_.exchange(d.file, res, find_header(d.headers, "Authorization").has_value());
        out.status = res.status;
        out.headers = headers_of(res);
        out.bytes = res.body_bytes;
        out.sha256 = sha.finish_hex();
        out.timings = timings_of(res);
        if (!res.ok()) {
            out.failure = failure_of(res.error);
            out.detail = write_error.empty() ? res.detail : write_error;
        }
        co_return out;
    }

    const boot_request& req_;
    provisioning_fsm& fsm_;
    boot_report& report_;
    std::mt19937_64 rng_;
    std::optional<common::fs::atomic_file_writer> writer_;
};

}  // namespace

int run_boot(const boot_request& req) {
    std::error_code ec;
    stdfs::create_directories(req.state_dir, ec);
    if (ec) {
        std::cerr << "phone-agent: state directory " << req.state_dir << ": " << ec.message() << "\n";
        return 2;
    }
    for (const auto& dir : {req.state_dir, req.state_dir / "firmware", req.state_dir / "certificates"}) {
        common::fs::remove_stale_temp_files(dir);  // leftovers of a run that was killed
    }
    persisted_layers last_good{read_optional(req.state_dir / "server.cfg"), read_optional(req.state_dir / "local.cfg")};
    auto created = provisioning_fsm::create(req.identity, req.settings, last_good);
    if (auto* err = std::get_if<boot_setup_error>(&created)) {
        std::cerr << "phone-agent: " << err->message << "\n";
        return 2;
    }
    auto& fsm = std::get<provisioning_fsm>(created);
    boot_report report(std::cerr);
    report.begin(fsm.user_agent());

    asio::io_context ioc{1};
    boot_driver driver(req, fsm, report);
    std::optional<boot_outcome> outcome;
    std::exception_ptr failure;
    auto runner = [&]() -> asio::awaitable<void> {
        auto result = co_await driver.run(event::start{});
        if (result.status == boot_status::force_login_required && req.login) {
            report.note("force login: logging in as '" + req.login->username + "'");
            result = co_await driver.run(event::login{req.login->username, req.login->password});
        }
        outcome = std::move(result);
    };
    asio::co_spawn(ioc, runner(), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::cerr << "phone-agent: internal error: " << e.what() << "\n";
        }
        return 1;
    }
    report.finish(*outcome, fsm.firmware());
    if (outcome->status == boot_status::provisioned) {
        common::fs::write_file_atomically(req.state_dir / "firmware.version", fsm.firmware() + "\n");
    }
    if (req.json_file) {
        if (auto err = common::fs::write_file_atomically(*req.json_file, report.json(*outcome, fsm.firmware()))) {
            std::cerr << "phone-agent: --json: " << err->message << "\n";
        }
    }
    return exit_code(outcome->status);
}

}  // namespace phone_agent
