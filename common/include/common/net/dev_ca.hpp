// A development certificate authority kept in a state directory, so the CMS mock can serve HTTPS
// with a certificate that clients can verify by trusting one exported ca.pem. Also issues the
// deliberately broken certificates the TLS tests need. Pure OpenSSL; no Asio.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace common::tls {

using sys_time = std::chrono::system_clock::time_point;

// Names the file or the step that failed and carries OpenSSL's or the OS's reason.
struct ca_error {
    std::string message;
};

struct issued_cert {
    std::string cert_pem;
    std::string key_pem;  // unencrypted PKCS#8
};

struct server_cert_files {
    std::filesystem::path cert_file;  // server.pem (leaf only; clients trust ca.pem)
    std::filesystem::path key_file;   // server.key, mode 0600
    bool reissued = false;            // false when the stored certificate was reused
};

// Broken certificates for testing a client's validation; each fails one check only.
enum class bad_cert {
    expired,        // notAfter in the past
    not_yet_valid,  // notBefore in the future
    wrong_host,     // SAN is wrong-host.invalid only
    self_signed,    // leaf signed by its own key
    unknown_ca,     // signed by a throw-away CA nobody trusts
};

class dev_ca {
public:
    // Certificates expiring within this window are replaced rather than reused.
    static constexpr std::chrono::days renew_before{30};
    static constexpr std::chrono::days ca_lifetime{3650};
    static constexpr std::chrono::days server_cert_lifetime{365};

    // Loads ca.key/ca.pem from state_dir, or creates them (EC P-256, ten years) when missing or
    // expiring within renew_before. The directory is created with mode 0700, the key written
    // 0600; files are replaced atomically. Errors: unreadable or corrupt files, a key that does not
    // match the certificate, I/O failures; each names the file.
    static std::variant<dev_ca, ca_error> load_or_create(const std::filesystem::path& state_dir,
                                                         sys_time now);
    // A CA that lives only in memory (tests: "signed by another CA").
    static std::variant<dev_ca, ca_error> create_in_memory(std::string_view common_name,
                                                           sys_time now);

    dev_ca(dev_ca&&) noexcept;
    dev_ca& operator=(dev_ca&&) noexcept;
    ~dev_ca();

    const std::string& cert_pem() const noexcept { return cert_pem_; }
    // state_dir/ca.pem, the file to hand to clients; empty for an in-memory CA.
    const std::filesystem::path& cert_file() const noexcept { return cert_file_; }
    sys_time not_after() const noexcept { return not_after_; }
    // True when this load_or_create generated the CA (first use or renewal).
    bool created() const noexcept { return created_; }

    // A leaf for TLS servers and clients (serverAuth + clientAuth) with the given SANs; at least
    // one name is required. Errors: invalid IP literal, no names, OpenSSL failures.
    std::variant<issued_cert, ca_error> issue_leaf(const std::vector<std::string>& dns_names,
                                                   const std::vector<std::string>& ip_addresses,
                                                   sys_time not_before, sys_time not_after) const;

    // A leaf that is broken in exactly the way `kind` says and otherwise valid for the names.
    std::variant<issued_cert, ca_error> issue_bad_leaf(bad_cert kind,
                                                       const std::vector<std::string>& dns_names,
                                                       const std::vector<std::string>& ip_addresses,
                                                       sys_time now) const;

    // Reuses state_dir/server.pem + server.key when they were issued by this CA, carry exactly
    // `sans` (host names and IP literals, mixed) and do not expire within renew_before;
    // otherwise issues and stores a new pair.
    std::variant<server_cert_files, ca_error> ensure_server_cert(
        const std::filesystem::path& state_dir, const std::vector<std::string>& sans,
        sys_time now) const;

    static std::vector<std::string> default_sans() { return {"localhost", "127.0.0.1", "::1"}; }

private:
    struct key_free {
        void operator()(EVP_PKEY* k) const noexcept;
    };
    struct cert_free {
        void operator()(X509* c) const noexcept;
    };

    dev_ca() = default;

    std::unique_ptr<EVP_PKEY, key_free> key_;
    std::unique_ptr<X509, cert_free> cert_;
    std::string cert_pem_;
    std::filesystem::path cert_file_;
    sys_time not_after_{};
    bool created_ = false;
};

}  // namespace common::tls
