// A throw-away nginx (Debian's package, run as `nginx -p <prefix> -c <conf> -g 'daemon off;'`) that
// serves a few files over HTTPS with a private CA issued at test time and `auth_basic` with an
// htpasswd file (APR1 hashes from `openssl passwd -apr1`). The system's nginx service and its
// configuration are never touched.
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
    std::string realm = "BroadWorks";
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
    std::string access_log() const;
    std::string error_log() const;

private:
    std::unique_ptr<temp_dir> dir_;
    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
    std::filesystem::path ca_file_;
};

}  // namespace test_support
