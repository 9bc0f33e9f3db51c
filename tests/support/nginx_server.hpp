// A throw-away nginx (Debian's package, run as `nginx -p <prefix> -c <conf> -g 'daemon off;'`) that
// serves a few files over HTTPS with a private CA issued at test time and `auth_basic` with an
// htpasswd file (APR1 hashes from `openssl passwd -apr1`). The system's nginx service and its
// configuration are never touched. Its access log (nginx's "combined" format) ends each line with
// ` tls=<protocol> reused=<r|.> conn=<connection serial> req=<request number on it>`, the
// server's view of TLS session resumption and keep-alive; optionally it requires client
// certificates issued by a second CA made at test time.
#pragma once

#include "apache_digest.hpp"  // http_user
#include "child_process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace test_support {

struct nginx_options {
    std::map<std::string, std::string> files;  // document root content
    std::vector<http_user> users;              // auth_basic_user_file
    std::string realm = "BroadWorks";     // no auth_basic when `users` is empty
    std::string ssl_protocols;            // e.g. "TLSv1.2"; empty = nginx's default
    bool require_client_certificate = false;  // ssl_verify_client on, against client_ca_file()
};

struct client_identity {
    std::filesystem::path certificate;  // PEM, issued by the server's client CA
    std::filesystem::path key;
};

class nginx_server {
public:
    static std::optional<std::string> missing();  // empty when nginx and openssl are installed

    explicit nginx_server(nginx_options options);
    ~nginx_server();
    nginx_server(const nginx_server&) = delete;
    nginx_server& operator=(const nginx_server&) = delete;

    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
    const std::filesystem::path& ca_file() const { return ca_file_; }  // the CA that issued the server's certificate
    // Only with require_client_certificate: a certificate + key the server accepts, and one from
    // an unrelated CA that it refuses.
    client_identity client_certificate() const { return client_; }
    client_identity foreign_client_certificate() const { return foreign_client_; }
    std::string access_log() const;
    std::string error_log() const;

private:
    std::unique_ptr<temp_dir> dir_;
    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
    std::filesystem::path ca_file_;
    client_identity client_;
    client_identity foreign_client_;
};

}  // namespace test_support
