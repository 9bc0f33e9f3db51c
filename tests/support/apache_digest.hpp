// A throw-away Apache httpd (Debian's apache2-bin, run as `apache2 -f <conf> -DFOREGROUND`) that
// serves a few files behind mod_auth_digest on 127.0.0.1, for testing a Digest client against a
// server nobody in this project wrote. Nothing of the system's Apache configuration is used.
#pragma once

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace test_support {

struct http_user {
    std::string name;
    std::string password;
};

struct apache_options {
    std::map<std::string, std::string> files;  // DocumentRoot content: relative name -> bytes
    std::vector<http_user> users;              // written to an htdigest-format AuthUserFile
    std::string realm = "BroadWorks";
    int nonce_lifetime_seconds = 5;            // AuthDigestNonceLifetime
};

// One line of an htdigest file: user:realm:MD5(user:realm:password) in lower-case hex.
std::string htdigest_line(const std::string& user, const std::string& realm, const std::string& password);

class apache_server {
public:
    // Empty when /usr/sbin/apache2 and the modules are installed; otherwise what is missing.
    static std::optional<std::string> missing();

    // Starts httpd and waits until it accepts connections; throws std::runtime_error with the
    // error log's tail when it does not.
    explicit apache_server(apache_options options);
    ~apache_server();
    apache_server(const apache_server&) = delete;
    apache_server& operator=(const apache_server&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Access log lines: `<client> "<request line>" <status> <bytes> "<User-Agent>" user=<user>`.
    std::string access_log() const;
    std::string error_log() const;

private:
    std::unique_ptr<temp_dir> dir_;
    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
};

}  // namespace test_support
