#include "common/net/tls_context.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <array>
#include <climits>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace common::tls {

namespace {

// OpenSSL's three TLS 1.3 suites, the cheaper AES first. An explicit `ciphersuites` still wins.
constexpr const char* cheaper_aes_first = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

struct bio_free {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct x509_free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

// Drains OpenSSL's error queue into one line; the queue is per thread and a stale entry would
// otherwise be blamed on a later, unrelated call.
std::string openssl_reason() {
    std::string out;
    const char* data = nullptr;
    int flags = 0;
    while (const unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        const char* reason = ERR_reason_error_string(e);
        std::string piece = reason != nullptr ? reason : "error " + std::to_string(e);
        if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
            piece += std::string(" (") + data + ")";
        }
        if (out.find(piece) == std::string::npos) out += (out.empty() ? "" : "; ") + piece;
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

tls_error failure(std::string_view what, const pem_source& src) {
    return tls_error{std::string(what) + " " + src.describe() + ": " + openssl_reason()};
}

// Encrypted keys are not supported; without this callback OpenSSL would prompt on the terminal.
int no_password(char*, int, int, void*) { return 0; }

bio_ptr open_pem(const pem_source& src) {
    if (!src.file.empty()) return bio_ptr(BIO_new_file(src.file.c_str(), "r"));
    if (src.pem.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
    return bio_ptr(BIO_new_mem_buf(src.pem.data(), static_cast<int>(src.pem.size())));
}

std::variant<std::vector<x509_ptr>, tls_error> load_certificates(std::string_view what,
                                                                 const pem_source& src) {
    ERR_clear_error();
    bio_ptr bio = open_pem(src);
    if (!bio) return failure(what, src);
    std::vector<x509_ptr> certs;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr)) {
        certs.emplace_back(cert);
    }
    // Running out of PEM blocks ends the loop with "no start line"; anything else is damage.
    const unsigned long last = ERR_peek_last_error();
    if (!certs.empty() && ERR_GET_LIB(last) == ERR_LIB_PEM &&
        ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
    }
    if (ERR_peek_error() != 0) return failure(what, src);
    if (certs.empty()) return tls_error{std::string(what) + " " + src.describe() +
                                        ": no PEM certificate found"};
    return certs;
}

std::optional<tls_error> use_identity(SSL_CTX* ctx, const tls_config& cfg) {
    auto loaded = load_certificates("certificate", cfg.certificate);
    if (auto* err = std::get_if<tls_error>(&loaded)) return std::move(*err);
    auto& certs = std::get<std::vector<x509_ptr>>(loaded);
    if (SSL_CTX_use_certificate(ctx, certs.front().get()) != 1) {
        return failure("certificate", cfg.certificate);
    }
    auto add_chain = [ctx](std::vector<x509_ptr>& list, std::size_t first) {
        for (std::size_t i = first; i < list.size(); ++i) {
            // SSL_CTX_add1_chain_cert, spelled out: the macro's C cast trips -Wold-style-cast.
            if (SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 1, list[i].get()) != 1) return false;
        }
        return true;
    };
    if (!add_chain(certs, 1)) return failure("certificate chain", cfg.certificate);
    for (const auto& src : cfg.chain) {
        auto extra = load_certificates("chain", src);
        if (auto* err = std::get_if<tls_error>(&extra)) return std::move(*err);
        if (!add_chain(std::get<std::vector<x509_ptr>>(extra), 0)) return failure("chain", src);
    }

    ERR_clear_error();
    bio_ptr bio = open_pem(cfg.private_key);
    if (!bio) return failure("private key", cfg.private_key);
    pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
    if (!key) return failure("private key", cfg.private_key);
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
        return tls_error{"private key " + cfg.private_key.describe() +
                         " does not match certificate " + cfg.certificate.describe() + ": " +
                         openssl_reason()};
    }
    return std::nullopt;
}

std::optional<tls_error> add_trust_roots(SSL_CTX* ctx, const tls_config& cfg, bool server) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const auto& src : cfg.ca_files) {
        auto loaded = load_certificates("CA file", src);
        if (auto* err = std::get_if<tls_error>(&loaded)) return std::move(*err);
        for (auto& cert : std::get<std::vector<x509_ptr>>(loaded)) {
            if (X509_STORE_add_cert(store, cert.get()) != 1) return failure("CA file", src);
            // Tells clients which issuers are acceptable, so they pick the right certificate.
            if (server && SSL_CTX_add_client_CA(ctx, cert.get()) != 1) {
                return failure("CA file", src);
            }
        }
    }
    return std::nullopt;
}

int openssl_version(tls_version v) {
    switch (v) {
    case tls_version::tls1_0: return TLS1_VERSION;
    case tls_version::tls1_1: return TLS1_1_VERSION;
    case tls_version::tls1_2: return TLS1_2_VERSION;
    case tls_version::tls1_3: return TLS1_3_VERSION;
    }
    return TLS1_2_VERSION;
}

// The phone's `https validate expires: 0`: a certificate outside its validity period is accepted,
// every other verification error still fails the handshake.
int forgive_validity_period(int preverify_ok, X509_STORE_CTX* store) {
    if (preverify_ok == 1) return 1;
    const int err = X509_STORE_CTX_get_error(store);
    if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    }
    return 0;
}

std::optional<tls_error> apply_protocol_settings(SSL_CTX* ctx, const tls_config& cfg) {
    if (cfg.request_ssl3) {
        return tls_error{"SSL 3.0 requested, but Debian's OpenSSL is built without SSLv3 "
                         "(OPENSSL_NO_SSL3); the oldest protocol available is TLS 1.0 "
                         "(legacy_tls10)"};
    }
    tls_version min = cfg.min_version;
    if (min < tls_version::tls1_2 && !cfg.legacy_tls10) {
        return tls_error{"min_version " + std::string(to_string(min)) +
                         " needs legacy_tls10: OpenSSL refuses it at the default security level"};
    }
    if (cfg.legacy_tls10) min = tls_version::tls1_0;
    if (cfg.max_version && *cfg.max_version < min) {
        return tls_error{"max_version " + std::string(to_string(*cfg.max_version)) +
                         " is below min_version " + std::string(to_string(min))};
    }
    ERR_clear_error();
    // SSL_CTX_set_min/max_proto_version, spelled out to avoid the macros' casts.
    if (SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, openssl_version(min), nullptr) != 1) {
        return tls_error{"min_version " + std::string(to_string(min)) + ": " + openssl_reason()};
    }
    const int max = cfg.max_version ? openssl_version(*cfg.max_version) : 0;
    if (SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, max, nullptr) != 1) {
        return tls_error{"max_version: " + openssl_reason()};
    }

    std::string ciphers = cfg.offer.cipher_list;
    if (cfg.legacy_tls10) {
        // TLS 1.0/1.1 sign handshakes with SHA-1/MD5, which security level 1+ rejects.
        if (ciphers.empty()) ciphers = "DEFAULT";
        if (ciphers.find("@SECLEVEL") == std::string::npos) ciphers += ":@SECLEVEL=0";
    }
    if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
        return tls_error{"cipher_list '" + ciphers + "': " + openssl_reason()};
    }
    if (cfg.legacy_tls10) SSL_CTX_set_security_level(ctx, 0);
    if (!cfg.offer.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, cfg.offer.ciphersuites.c_str()) != 1) {
        return tls_error{"ciphersuites '" + cfg.offer.ciphersuites + "': " + openssl_reason()};
    }
    // A client sends its key share for the first group it lists; a server picks among the
    // client's groups in this order.
    if (!cfg.offer.groups.empty() && SSL_CTX_set1_groups_list(ctx, cfg.offer.groups.c_str()) != 1) {
        return tls_error{"groups '" + cfg.offer.groups + "': " + openssl_reason()};
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    return std::nullopt;
}

std::optional<boost::asio::ssl::context> new_context(boost::asio::ssl::context::method method,
                                                     std::string& error) {
    try {
        return boost::asio::ssl::context(method);
    } catch (const boost::system::system_error& e) {
        error = std::string("cannot create TLS context: ") + e.what();
        return std::nullopt;
    }
}

// An IP literal's address in network order (size 4 or 16); size 0 for a name. The bytes go to
// X509_VERIFY_PARAM_set1_ip, not the text to set1_ip_asc: that one parses IPv4 with sscanf, a
// measurable cost on a fleet's new connection per request.
struct ip_literal {
    std::array<unsigned char, sizeof(in6_addr)> bytes{};
    std::size_t size = 0;
};
ip_literal parse_ip_literal(const std::string& host) {
    ip_literal ip;
    if (inet_pton(AF_INET, host.c_str(), ip.bytes.data()) == 1) {
        ip.size = sizeof(in_addr);
    } else if (inet_pton(AF_INET6, host.c_str(), ip.bytes.data()) == 1) {
        ip.size = sizeof(in6_addr);
    }
    return ip;
}

std::string subject_of(X509* cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
        return {};
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// The servers speak HTTP/1.1 only. Confirming "http/1.1" when a client offers it spares ALPN
// clients their no-protocol fallback (h2load logs two lines per connection for it); a client that
// offers only other protocols is not refused (no ALPN extension in the answer), as before.
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
    constexpr std::string_view http11 = "http/1.1";
    for (unsigned int i = 0; i < inlen;) {
        const unsigned int len = in[i];
        if (len > inlen - i - 1) break;
        const std::string_view offered(reinterpret_cast<const char*>(in + i + 1), len);
        if (offered == http11) {
            *out = in + i + 1;
            *outlen = static_cast<unsigned char>(len);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

context_result make_server_context(const tls_config& cfg) {
    std::string error;
    auto ctx = new_context(boost::asio::ssl::context::tls_server, error);
    if (!ctx) return tls_error{error};
    SSL_CTX* native = ctx->native_handle();
    if (auto err = apply_protocol_settings(native, cfg)) return std::move(*err);
    // Renegotiation is off (above) and the server picks the cipher, so a client cannot steer it to
    // the weakest suite it offers.
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
    // OpenSSL's TLS 1.3 order starts with AES-256-GCM; with server preference that beat the
    // AES-128-GCM most clients list first (nginx, which lets the client choose, ends up there).
    if (cfg.offer.ciphersuites.empty() && SSL_CTX_set_ciphersuites(native, cheaper_aes_first) != 1) {
        return tls_error{"server TLS 1.3 ciphersuites: " + openssl_reason()};
    }
    // One TLS 1.3 session ticket per handshake instead of OpenSSL's two: a client resumes with
    // one, and each ticket costs an encryption and a record on every new connection.
    SSL_CTX_set_num_tickets(native, 1);
    SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);

    if (cfg.certificate.empty() || cfg.private_key.empty()) {
        return tls_error{"server TLS: certificate and private_key are required"};
    }
    if (auto err = use_identity(native, cfg)) return std::move(*err);
    if (auto err = add_trust_roots(native, cfg, true)) return std::move(*err);

    int mode = SSL_VERIFY_NONE;
    if (cfg.client_cert != client_cert_mode::none) {
        if (cfg.ca_files.empty()) {
            return tls_error{"server TLS: client certificates requested but no ca_files to "
                             "verify them against"};
        }
        mode = SSL_VERIFY_PEER;
        if (cfg.client_cert == client_cert_mode::require) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        // Session resumption with client certificates fails without a session id context.
        static constexpr unsigned char sid_ctx[] = "apl-tls-server";
        SSL_CTX_set_session_id_context(native, sid_ctx, sizeof sid_ctx - 1);
    }
    SSL_CTX_set_verify(native, mode, cfg.check_expiry ? nullptr : forgive_validity_period);
    return std::move(*ctx);
}

context_result make_client_context(const tls_config& cfg) {
    std::string error;
    auto ctx = new_context(boost::asio::ssl::context::tls_client, error);
    if (!ctx) return tls_error{error};
    SSL_CTX* native = ctx->native_handle();
    if (auto err = apply_protocol_settings(native, cfg)) return std::move(*err);
    // Offered in the order Firefox, Chrome and h2load use; servers that let the client
    // choose (nginx, Apache) then take AES-128-GCM, whose SHA-256 key schedule costs less than
    // SHA-384's in every handshake.
    if (cfg.offer.ciphersuites.empty() && SSL_CTX_set_ciphersuites(native, cheaper_aes_first) != 1) {
        return tls_error{"client TLS 1.3 ciphersuites: " + openssl_reason()};
    }

    if (cfg.use_system_roots && SSL_CTX_set_default_verify_paths(native) != 1) {
        return tls_error{"system trust roots: " + openssl_reason()};
    }
    if (auto err = add_trust_roots(native, cfg, false)) return std::move(*err);

    if (cfg.certificate.empty() != cfg.private_key.empty()) {
        return tls_error{"client TLS: a client certificate needs both certificate and private_key"};
    }
    if (!cfg.certificate.empty()) {
        if (auto err = use_identity(native, cfg)) return std::move(*err);
    }
    SSL_CTX_set_verify(native, cfg.verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                       cfg.check_expiry ? nullptr : forgive_validity_period);
    return std::move(*ctx);
}

std::optional<tls_error> check_client_offer(const tls_offer& offer) {
    if (offer.empty()) return std::nullopt;
    tls_config cfg;
    cfg.offer = offer;
    auto ctx = make_client_context(cfg);
    if (auto* err = std::get_if<tls_error>(&ctx)) return std::move(*err);
    return std::nullopt;
}

std::optional<tls_error> prepare_client_stream(SSL* ssl, std::string_view host,
                                               const tls_config& cfg) {
    std::string name(cfg.server_name.empty() ? host : std::string_view(cfg.server_name));
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
        name = name.substr(1, name.size() - 2);
    }
    if (name.empty()) return tls_error{"TLS client: empty server name"};
    const auto ip_address = parse_ip_literal(name);
    const bool ip = ip_address.size != 0;
    ERR_clear_error();
    // A connection object reused after SSL_clear still carries the last connection's name and
    // checks: none of them may carry over to another host.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, nullptr);
    SSL_set1_host(ssl, nullptr);
    X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), nullptr, 0);
    // SSL_set_tlsext_host_name, spelled out to avoid the macro's C cast.
    if (!ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                        name.data()) != 1) {
        return tls_error{"SNI '" + name + "': " + openssl_reason()};
    }
    if (!cfg.verify_peer || !cfg.verify_hostname) return std::nullopt;
    if (ip) {
        if (X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), ip_address.bytes.data(), ip_address.size) != 1) {
            return tls_error{"IP address check '" + name + "': " + openssl_reason()};
        }
        return std::nullopt;
    }
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, name.c_str()) != 1) {
        return tls_error{"hostname check '" + name + "': " + openssl_reason()};
    }
    return std::nullopt;
}

std::string describe_handshake_error(const SSL* ssl, const boost::system::error_code& ec) {
    const auto& ssl_category = boost::asio::error::get_ssl_category();
    const unsigned long packed = static_cast<unsigned int>(ec.value());
    // With verify_none a failed verification is recorded but harmless, so the verify result is
    // only the reason when the handshake itself failed on it.
    const bool verify_failed = !ec || (ec.category() == ssl_category &&
                                       ERR_GET_REASON(packed) == SSL_R_CERTIFICATE_VERIFY_FAILED);
    if (ssl != nullptr && verify_failed) {
        const long result = SSL_get_verify_result(ssl);
        if (result != X509_V_OK) {
            std::string msg = "certificate verify failed: ";
            msg += X509_verify_cert_error_string(result);
            if (X509* peer = SSL_get0_peer_certificate(ssl)) {
                const std::string subject = subject_of(peer);
                if (!subject.empty()) msg += " (subject " + subject + ")";
            }
            return msg;
        }
    }
    if (!ec) return "no error";
    if (ec == boost::asio::ssl::error::stream_truncated) {
        return "TLS handshake failed: connection closed by peer without close_notify";
    }
    std::string msg = "TLS handshake failed: " + ec.message();
    if (ec.category() == ssl_category) {
        // OpenSSL's wording depends on which side noticed; say which limit was hit.
        switch (ERR_GET_REASON(packed)) {
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_WRONG_SSL_VERSION:
            msg += "; the peer's TLS version is outside the configured range";
            break;
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
            msg += "; the peer does not accept the offered TLS versions";
            break;
        case SSL_R_NO_SHARED_CIPHER:
            msg += "; no cipher, key exchange group or signature algorithm acceptable to both sides";
            break;
        case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
            // A TLS 1.2 server that requires a client certificate answers a missing one this way.
            msg += ssl != nullptr && SSL_get_certificate(ssl) == nullptr
                       ? "; no cipher, key exchange group or signature algorithm acceptable to both sides, or the server "
                         "requires a client certificate"
                       : "; no cipher, key exchange group or signature algorithm acceptable to both sides";
            break;
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            msg += "; the server requires a client certificate";
            break;
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
            if (ssl != nullptr && SSL_get_certificate(ssl) != nullptr) {
                msg += "; the server refused the client certificate";
            }
            break;
        default:
            break;
        }
    }
    return msg;
}

tls_session_info session_info(const SSL* ssl) {
    tls_session_info info;
    if (ssl == nullptr) return info;
    info.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
        info.cipher = SSL_CIPHER_get_name(cipher);
    }
    return info;
}

}  // namespace common::tls
