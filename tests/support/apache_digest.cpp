#include "apache_digest.hpp"

#include "phone_agent_runner.hpp"

#include "common/crypto/hash.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace test_support {

namespace {

constexpr const char* apache_binary = "/usr/sbin/apache2";
constexpr const char* module_dir = "/usr/lib/apache2/modules";
const char* const modules[][2] = {
    {"mpm_event_module", "mod_mpm_event.so"},   {"authn_core_module", "mod_authn_core.so"},
    {"authn_file_module", "mod_authn_file.so"}, {"authz_core_module", "mod_authz_core.so"},
    {"authz_user_module", "mod_authz_user.so"}, {"auth_digest_module", "mod_auth_digest.so"},
    {"mime_module", "mod_mime.so"},             {"dir_module", "mod_dir.so"},
};

// httpd's workers run as `nobody` when started by root: everything they read must be world-readable.
void open_up(const std::filesystem::path& root) {
    namespace fs = std::filesystem;
    const auto dir_mode = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;
    const auto file_mode = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
    fs::permissions(root, dir_mode);
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        fs::permissions(e.path(), e.is_directory() ? dir_mode : file_mode);
    }
}

std::string read_or_empty(const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return {};
    return read_file(p);
}

}  // namespace

std::string htdigest_line(const std::string& user, const std::string& realm, const std::string& password) {
    common::crypto::hasher md5(common::crypto::hash_algorithm::md5);
    md5.update(user + ":" + realm + ":" + password);
    return user + ":" + realm + ":" + md5.finish_hex();
}

std::optional<std::string> apache_server::missing() {
    std::error_code ec;
    if (!std::filesystem::exists(apache_binary, ec)) return std::string(apache_binary) + " (package apache2-bin)";
    for (const auto& m : modules) {
        auto p = std::filesystem::path(module_dir) / m[1];
        if (!std::filesystem::exists(p, ec)) return p.string();
    }
    return std::nullopt;
}

apache_server::apache_server(apache_options options) : dir_(std::make_unique<temp_dir>("pa-apache")) {
    const auto& d = *dir_;
    for (const auto& [name, content] : options.files) d.write("htdocs/" + name, content);
    std::filesystem::create_directories(d / "htdocs");
    std::filesystem::create_directories(d / "run");
    std::string users;
    for (const auto& u : options.users) users += htdigest_line(u.name, options.realm, u.password) + "\n";
    d.write("digest.passwd", users);
    port_ = pick_free_port();

    const auto root = d.path().string();
    std::string conf;
    conf += "ServerRoot " + root + "\n";
    conf += "ServerName 127.0.0.1\n";
    conf += "Listen 127.0.0.1:" + std::to_string(port_) + "\n";
    conf += "PidFile " + root + "/run/httpd.pid\n";
    conf += "DefaultRuntimeDir " + root + "/run\n";
    conf += "ErrorLog " + root + "/error.log\n";
    conf += "LogLevel warn\n";
    if (::geteuid() == 0) conf += "User nobody\nGroup nogroup\n";
    for (const auto& m : modules) conf += std::string("LoadModule ") + m[0] + " " + module_dir + "/" + m[1] + "\n";
    conf += "TypesConfig /dev/null\n";
    conf += "StartServers 1\nServerLimit 1\nThreadsPerChild 8\nMaxRequestWorkers 8\n";
    conf += "LogFormat \"%h \\\"%r\\\" %>s %b \\\"%{User-Agent}i\\\" user=%u\" phone\n";
    conf += "CustomLog " + root + "/access.log phone\n";
    conf += "DocumentRoot " + root + "/htdocs\n";
    conf += "<Directory " + root + "/htdocs>\n";
    conf += "  AuthType Digest\n";
    conf += "  AuthName \"" + options.realm + "\"\n";
    conf += "  AuthDigestProvider file\n";
    conf += "  AuthUserFile " + root + "/digest.passwd\n";
    conf += "  AuthDigestNonceLifetime " + std::to_string(options.nonce_lifetime_seconds) + "\n";
    conf += "  Require valid-user\n";
    conf += "</Directory>\n";
    d.write("httpd.conf", conf);
    open_up(d.path());

    process_options p;
    p.argv = {apache_binary, "-f", root + "/httpd.conf", "-DFOREGROUND"};
    // Debian's apache2 reads these from /etc/apache2/envvars when started by apache2ctl; -f with
    // absolute paths needs none of them, but keep the locale neutral.
    p.env = {{"LANG", "C"}};
    process_ = std::make_unique<child_process>(p);
    if (!wait_for_port(port_, std::chrono::seconds(10)) || !process_->running()) {
        throw std::runtime_error("apache2 did not start: " + tail(process_->stderr_text() + error_log(), 400));
    }
}

apache_server::~apache_server() {
    if (process_) {
        process_->terminate(15);  // graceful: the master stops its workers and frees shared memory
        process_->wait(std::chrono::seconds(5));
    }
}

std::string apache_server::access_log() const { return read_or_empty(*dir_ / "access.log"); }
std::string apache_server::error_log() const { return read_or_empty(*dir_ / "error.log"); }

}  // namespace test_support
