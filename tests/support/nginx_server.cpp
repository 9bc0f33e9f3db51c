#include "nginx_server.hpp"

#include "phone_agent_runner.hpp"

#include "common/net/dev_ca.hpp"

#include <unistd.h>

#include <stdexcept>

namespace test_support {

namespace {

constexpr const char* nginx_binary = "/usr/sbin/nginx";

std::string read_or_empty(const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return {};
    return read_file(p);
}

// A CA made at test time and a client certificate from it, written into `d`.
client_identity issue_client(const temp_dir& d, const std::string& name, std::chrono::system_clock::time_point now,
                             std::filesystem::path* ca_file) {
    auto made = common::tls::dev_ca::create_in_memory("phone-agent test client CA " + name, now);
    if (auto* err = std::get_if<common::tls::ca_error>(&made)) throw std::runtime_error(err->message);
    const auto& ca = std::get<common::tls::dev_ca>(made);
    auto leaf = ca.issue_leaf({"phone-" + name + ".example"}, {}, now - std::chrono::hours(1), now + std::chrono::hours(24));
    if (auto* err = std::get_if<common::tls::ca_error>(&leaf)) throw std::runtime_error(err->message);
    const auto& issued = std::get<common::tls::issued_cert>(leaf);
    if (ca_file) *ca_file = d.write(name + "-ca.pem", ca.cert_pem());
    return {d.write(name + ".pem", issued.cert_pem), d.write(name + ".key", issued.key_pem)};
}

std::string apr1_hash(const std::string& password) {
    auto r = run({"openssl", "passwd", "-apr1", password}, std::chrono::seconds(10));
    if (!r.exit_code || *r.exit_code != 0 || !r.stdout_text.starts_with("$apr1$")) {
        throw std::runtime_error("openssl passwd -apr1 failed: " + tail(r.stderr_text, 200));
    }
    auto line = r.stdout_text.substr(0, r.stdout_text.find('\n'));
    return line;
}

// Workers run as `nobody` when the master is root: what they read must be world-readable.
void open_up(const std::filesystem::path& root) {
    namespace fs = std::filesystem;
    const auto dir_mode = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;
    const auto file_mode = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
    fs::permissions(root, dir_mode);
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (e.path().filename() == "server.key") continue;  // read by the master only
        fs::permissions(e.path(), e.is_directory() ? dir_mode : file_mode);
    }
}

}  // namespace

std::optional<std::string> nginx_server::missing() {
    std::error_code ec;
    if (!std::filesystem::exists(nginx_binary, ec)) return std::string(nginx_binary) + " (package nginx)";
    return std::nullopt;
}

nginx_server::nginx_server(nginx_options options) : dir_(std::make_unique<temp_dir>("pa-nginx")) {
    const auto& d = *dir_;
    const auto now = std::chrono::system_clock::now();
    auto made = common::tls::dev_ca::create_in_memory("phone-agent test CA", now);
    if (auto* err = std::get_if<common::tls::ca_error>(&made)) throw std::runtime_error(err->message);
    const auto& ca = std::get<common::tls::dev_ca>(made);
    auto leaf = ca.issue_leaf({"localhost"}, {"127.0.0.1"}, now - std::chrono::hours(1), now + std::chrono::hours(24));
    if (auto* err = std::get_if<common::tls::ca_error>(&leaf)) throw std::runtime_error(err->message);
    const auto& issued = std::get<common::tls::issued_cert>(leaf);
    ca_file_ = d.write("ca.pem", ca.cert_pem());
    d.write("server.pem", issued.cert_pem);
    d.write("server.key", issued.key_pem);

    std::filesystem::path client_ca;
    if (options.require_client_certificate) {
        client_ = issue_client(d, "client", now, &client_ca);
        foreign_client_ = issue_client(d, "foreign", now, nullptr);
    }
    for (const auto& [name, content] : options.files) d.write("htdocs/" + name, content);
    std::filesystem::create_directories(d / "htdocs");
    std::filesystem::create_directories(d / "logs");
    std::string users;
    for (const auto& u : options.users) users += u.name + ":" + apr1_hash(u.password) + "\n";
    d.write("htpasswd", users);
    port_ = pick_free_port();

    const auto root = d.path().string();
    std::string conf;
    conf += "worker_processes 1;\n";
    if (::geteuid() == 0) conf += "user nobody nogroup;\n";
    conf += "error_log " + root + "/error.log warn;\n";
    conf += "pid " + root + "/nginx.pid;\n";
    conf += "events { worker_connections 64; }\n";
    conf += "http {\n";
    conf += "  log_format tls '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
            "\"$http_referer\" \"$http_user_agent\" tls=$ssl_protocol reused=$ssl_session_reused "
            "conn=$connection req=$connection_requests cipher=$ssl_cipher curve=$ssl_curve "
            "offered_ciphers=$ssl_ciphers offered_curves=$ssl_curves';\n";
    conf += "  access_log " + root + "/access.log tls;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
        conf += std::string("  ") + t + "_temp_path " + root + "/tmp_" + t + ";\n";
    }
    conf += "  server {\n";
    conf += "    listen 127.0.0.1:" + std::to_string(port_) + " ssl;\n";
    conf += "    ssl_certificate " + root + "/server.pem;\n";
    conf += "    ssl_certificate_key " + root + "/server.key;\n";
    // Session ids for TLS 1.2 (tickets work without it; TLS 1.3 uses tickets only).
    conf += "    ssl_session_cache shared:SSL:1m;\n";
    if (!options.ssl_protocols.empty()) conf += "    ssl_protocols " + options.ssl_protocols + ";\n";
    if (options.require_client_certificate) {
        conf += "    ssl_client_certificate " + client_ca.string() + ";\n";
        conf += "    ssl_verify_client on;\n";
    }
    conf += "    root " + root + "/htdocs;\n";
    if (!options.users.empty()) {
        conf += "    auth_basic \"" + options.realm + "\";\n";
        conf += "    auth_basic_user_file " + root + "/htpasswd;\n";
    }
    conf += "  }\n";
    conf += "}\n";
    d.write("nginx.conf", conf);
    open_up(d.path());

    process_options p;
    // -e: the error log used before the configuration is read (else /var/log/nginx/error.log).
    p.argv = {nginx_binary, "-p", root, "-e", root + "/error.log", "-c", root + "/nginx.conf", "-g", "daemon off;"};
    process_ = std::make_unique<child_process>(p);
    if (!wait_for_port(port_, std::chrono::seconds(10)) || !process_->running()) {
        throw std::runtime_error("nginx did not start: " + tail(process_->stderr_text() + error_log(), 400));
    }
}

nginx_server::~nginx_server() {
    if (process_) {
        process_->terminate(3);  // SIGQUIT: graceful shutdown
        if (!process_->wait(std::chrono::seconds(5))) process_->terminate(9);
    }
}

std::string nginx_server::access_log() const { return read_or_empty(*dir_ / "access.log"); }
std::string nginx_server::error_log() const { return read_or_empty(*dir_ / "error.log"); }

}  // namespace test_support
