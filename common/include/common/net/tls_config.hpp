// TLS settings shared by the phone agent (client side) and the CMS mock (server side). A plain
// aggregate with safe defaults; tls_context.hpp turns it into an OpenSSL context.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace common::tls {

// SSL 3.0 is deliberately absent: Debian's OpenSSL 3 is built without it (see request_ssl3).
enum class tls_version { tls1_0, tls1_1, tls1_2, tls1_3 };

constexpr std::string_view to_string(tls_version v) noexcept {
    switch (v) {
    case tls_version::tls1_0: return "TLS 1.0";
    case tls_version::tls1_1: return "TLS 1.1";
    case tls_version::tls1_2: return "TLS 1.2";
    case tls_version::tls1_3: return "TLS 1.3";
    }
    return "unknown TLS version";
}

// What a server asks of its clients.
enum class client_cert_mode {
    none,     // no CertificateRequest
    request,  // ask; a client without a certificate is still accepted, a bad one is refused
    require,  // a client without a valid certificate fails the handshake
};

// PEM data either from a file or already in memory (exactly one of the two is set). Files are
// read when the context is built, so errors name the file.
struct pem_source {
    std::filesystem::path file;
    std::string pem;

    static pem_source from_file(std::filesystem::path p) { return {std::move(p), {}}; }
    static pem_source from_memory(std::string text) { return {{}, std::move(text)}; }
    bool empty() const noexcept { return file.empty() && pem.empty(); }
    // For error messages: the path, or "<in-memory PEM>".
    std::string describe() const { return file.empty() ? "<in-memory PEM>" : file.string(); }
    bool operator==(const pem_source&) const = default;
};

// What a client offers in its ClientHello, or what a server accepts, besides the versions. OpenSSL
// syntax; an empty string keeps OpenSSL's default for that list.
struct tls_offer {
    std::string cipher_list;   // TLS 1.2 and below, e.g. "ECDHE+AESGCM"
    std::string ciphersuites;  // TLS 1.3, e.g. "TLS_AES_128_GCM_SHA256"
    std::string groups;        // key exchange groups in order, e.g. "X25519:P-256"
    bool empty() const noexcept { return cipher_list.empty() && ciphersuites.empty() && groups.empty(); }
    bool operator==(const tls_offer&) const = default;
};

struct tls_config {
    // Own identity: the server certificate on a server, the client certificate on a client
    // (optional there). `certificate` may hold the leaf followed by intermediates; `chain` adds
    // further intermediates.
    pem_source certificate;
    pem_source private_key;
    std::vector<pem_source> chain;

    // Extra trust roots: for a client, the CAs a server certificate may chain to (the phone's
    // `https user certificates`); for a server, the CAs client certificates must chain to.
    std::vector<pem_source> ca_files;
    // Client only: also trust the system store (stands in for the phone's pre-loaded public
    // roots). Never used to verify client certificates, so a public CA cannot admit clients.
    bool use_system_roots = false;

    tls_version min_version = tls_version::tls1_2;
    std::optional<tls_version> max_version;  // nullopt = newest the library supports
    tls_offer offer;

    client_cert_mode client_cert = client_cert_mode::none;  // server only

    // Client only: SNI and the name the certificate must match. Empty = the host connected to.
    std::string server_name;

    // Client side, the phone's `https validate certificates|hostname|expires` (all on by
    // default). verify_peer = false accepts any certificate; the other two only matter with it
    // on. On a server check_expiry also applies to client certificates.
    bool verify_peer = true;
    bool verify_hostname = true;
    bool check_expiry = true;

    // Aastra firmware 3.2.x speaks only TLS 1.0: this lowers the minimum to TLS 1.0 and drops the
    // security level to 0 (Debian's OpenSSL refuses TLS 1.0/1.1 signatures at its default level
    // 2). An explicit opt-in, never a default.
    bool legacy_tls10 = false;
    // The phone's `https client method: SSL 3.0`. Building a context with this set always fails
    // with an explanation: Debian's OpenSSL is compiled without SSLv3.
    bool request_ssl3 = false;

    bool operator==(const tls_config&) const = default;
};

}  // namespace common::tls
