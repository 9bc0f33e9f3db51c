#include "common/net/dev_ca.hpp"

#include "common/fs/atomic_file.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>

namespace common::tls {

void dev_ca::key_free::operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
void dev_ca::cert_free::operator()(X509* c) const noexcept { X509_free(c); }

dev_ca::dev_ca(dev_ca&&) noexcept = default;
dev_ca& dev_ca::operator=(dev_ca&&) noexcept = default;
dev_ca::~dev_ca() = default;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct bio_free {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct x509_free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct names_free {
    void operator()(GENERAL_NAMES* n) const noexcept { GENERAL_NAMES_free(n); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using names_ptr = std::unique_ptr<GENERAL_NAMES, names_free>;

constexpr const char* ca_key_name = "ca.key";
constexpr const char* ca_cert_name = "ca.pem";
constexpr const char* server_key_name = "server.key";
constexpr const char* server_cert_name = "server.pem";

std::string openssl_reason() {
    std::string out;
    while (const unsigned long e = ERR_get_error()) {
        const char* reason = ERR_reason_error_string(e);
        const std::string piece = reason != nullptr ? reason : "error " + std::to_string(e);
        if (out.find(piece) == std::string::npos) out += (out.empty() ? "" : "; ") + piece;
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

ca_error fail(std::string what) { return ca_error{std::move(what) + ": " + openssl_reason()}; }
ca_error fail_errno(std::string what, int err) {
    return ca_error{std::move(what) + ": " + std::strerror(err)};
}

pkey_ptr generate_key() { return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

std::string to_pem(X509* cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string to_pem(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return {};
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// Keys are stored unencrypted; without this OpenSSL would prompt on the terminal for one that is.
int no_password(char*, int, int, void*) { return 0; }

bio_ptr memory_bio(const std::string& pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
    return bio_ptr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::variant<std::string, ca_error> read_text(const fs::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno("cannot open " + p.string(), errno);
    std::string out;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            const int err = errno;
            ::close(fd);
            return fail_errno("cannot read " + p.string(), err);
        }
    }
    ::close(fd);
    return out;
}

// A crash leaves either the old file or the new one, never a torn key.
std::optional<ca_error> write_atomic(const fs::path& dir, const char* name,
                                     const std::string& content, fs::perms mode) {
    if (auto err = common::fs::write_file_atomically(dir / name, content, mode)) {
        return ca_error{err->message};
    }
    return std::nullopt;
}

constexpr auto private_mode = fs::perms::owner_read | fs::perms::owner_write;
constexpr auto public_mode = common::fs::default_file_mode;

std::optional<ca_error> ensure_private_dir(const fs::path& dir) {
    std::error_code ec;
    if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
    if (ec) return ca_error{"cannot create " + dir.parent_path().string() + ": " + ec.message()};
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return fail_errno("cannot create " + dir.string(), errno);
    }
    if (!fs::is_directory(dir, ec)) return ca_error{dir.string() + ": not a directory"};
    return std::nullopt;
}

sys_time to_sys_time(const ASN1_TIME* t) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return sys_time{};
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

bool set_time(ASN1_TIME* field, sys_time t) {
    return ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(t)) != nullptr;
}

bool add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
    if (ext == nullptr) return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

// SANs built as GENERAL_NAMEs rather than a config string, so a name containing ',' cannot smuggle
// in extra entries.
std::variant<names_ptr, ca_error> make_sans(const std::vector<std::string>& dns,
                                            const std::vector<std::string>& ips) {
    names_ptr names(GENERAL_NAMES_new());
    if (!names) return fail("subjectAltName");
    for (const auto& d : dns) {
        ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
        GENERAL_NAME* gen = GENERAL_NAME_new();
        if (ia5 == nullptr || gen == nullptr ||
            ASN1_STRING_set(ia5, d.data(), static_cast<int>(d.size())) != 1) {
            ASN1_IA5STRING_free(ia5);
            GENERAL_NAME_free(gen);
            return fail("subjectAltName DNS:" + d);
        }
        GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
        sk_GENERAL_NAME_push(names.get(), gen);
    }
    for (const auto& ip : ips) {
        ASN1_OCTET_STRING* bytes = a2i_IPADDRESS(ip.c_str());
        if (bytes == nullptr) {
            ERR_clear_error();
            return ca_error{"subjectAltName: invalid IP address '" + ip + "'"};
        }
        GENERAL_NAME* gen = GENERAL_NAME_new();
        if (gen == nullptr) {
            ASN1_OCTET_STRING_free(bytes);
            return fail("subjectAltName IP:" + ip);
        }
        GENERAL_NAME_set0_value(gen, GEN_IPADD, bytes);
        sk_GENERAL_NAME_push(names.get(), gen);
    }
    return names;
}

// Canonical "DNS:name" / "IP:hexbytes" set, so 0:0::1 and ::1 compare equal.
std::set<std::string> san_set(const GENERAL_NAMES* names) {
    std::set<std::string> out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, i);
        int type = 0;
        const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(gen, &type));
        const auto* data = ASN1_STRING_get0_data(value);
        const auto len = static_cast<std::size_t>(ASN1_STRING_length(value));
        if (type == GEN_DNS) {
            std::string name(reinterpret_cast<const char*>(data), len);
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            out.insert("DNS:" + name);
        } else if (type == GEN_IPADD) {
            std::string hex = "IP:";
            for (std::size_t j = 0; j < len; ++j) hex += std::to_string(data[j]) + ".";
            out.insert(hex);
        }
    }
    return out;
}

struct cert_spec {
    std::string common_name;
    std::vector<std::string> dns;
    std::vector<std::string> ips;
    sys_time not_before;
    sys_time not_after;
    bool is_ca = false;
};

// Signs with `issuer_key`; issuer == nullptr makes the certificate self-signed.
std::variant<x509_ptr, ca_error> build_cert(const cert_spec& spec, EVP_PKEY* subject_key,
                                            X509* issuer, EVP_PKEY* issuer_key) {
    x509_ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return fail("X509_new");
    // 127 random bits: unique per issuance, positive, below the 20-octet limit of RFC 5280.
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
        return fail("certificate serial");
    }
    X509_NAME* name = X509_get_subject_name(cert.get());
    const auto add_entry = [name](const char* field, const std::string& v) {
        return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(v.data()),
                                          static_cast<int>(v.size()), -1, 0) == 1;
    };
    if (!add_entry("O", "aastra-provisioning-lab") || !add_entry("CN", spec.common_name)) {
        return fail("certificate subject '" + spec.common_name + "'");
    }
    X509* signer = issuer != nullptr ? issuer : cert.get();
    if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1 ||
        X509_set_pubkey(cert.get(), subject_key) != 1 ||
        !set_time(X509_getm_notBefore(cert.get()), spec.not_before) ||
        !set_time(X509_getm_notAfter(cert.get()), spec.not_after)) {
        return fail("certificate fields");
    }

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, signer, cert.get(), nullptr, nullptr, 0);
    const bool self_signed_leaf = issuer == nullptr && !spec.is_ca;
    bool ok = add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
    if (spec.is_ca) {
        ok = ok && add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
             add_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
        // A self-signed leaf keeps no keyUsage so OpenSSL classifies it as self-signed
        // ("self-signed certificate") instead of as a certificate whose issuer is missing.
        if (!self_signed_leaf) {
            ok = ok && add_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
        }
    }
    if (!self_signed_leaf) {
        ok = ok && add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
    }
    if (!ok) return fail("certificate extensions for '" + spec.common_name + "'");
    if (!spec.dns.empty() || !spec.ips.empty()) {
        auto sans = make_sans(spec.dns, spec.ips);
        if (auto* err = std::get_if<ca_error>(&sans)) return std::move(*err);
        if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, std::get<names_ptr>(sans).get(), 0,
                          X509V3_ADD_DEFAULT) != 1) {
            return fail("subjectAltName");
        }
    }
    if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) return fail("signing certificate");
    return cert;
}

std::variant<issued_cert, ca_error> finish(std::variant<x509_ptr, ca_error> built, EVP_PKEY* key) {
    if (auto* err = std::get_if<ca_error>(&built)) return std::move(*err);
    issued_cert out{to_pem(std::get<x509_ptr>(built).get()), to_pem(key)};
    if (out.cert_pem.empty() || out.key_pem.empty()) return fail("PEM encoding");
    return out;
}

std::variant<issued_cert, ca_error> issue_with(X509* issuer, EVP_PKEY* issuer_key,
                                               const std::vector<std::string>& dns,
                                               const std::vector<std::string>& ips,
                                               sys_time not_before, sys_time not_after) {
    if (dns.empty() && ips.empty()) return ca_error{"issue_leaf: no DNS name or IP address"};
    pkey_ptr key = generate_key();
    if (!key) return fail("generating EC P-256 key");
    const cert_spec spec{dns.empty() ? ips.front() : dns.front(), dns, ips, not_before, not_after};
    return finish(build_cert(spec, key.get(), issuer, issuer != nullptr ? issuer_key : key.get()),
                  key.get());
}

}  // namespace

std::variant<dev_ca, ca_error> dev_ca::create_in_memory(std::string_view common_name,
                                                        sys_time now) {
    dev_ca ca;
    ca.key_.reset(generate_key().release());
    if (!ca.key_) return fail("generating EC P-256 CA key");
    const cert_spec spec{std::string(common_name), {}, {}, now - 1h, now + ca_lifetime, true};
    auto built = build_cert(spec, ca.key_.get(), nullptr, ca.key_.get());
    if (auto* err = std::get_if<ca_error>(&built)) return std::move(*err);
    ca.cert_.reset(std::get<x509_ptr>(built).release());
    ca.cert_pem_ = to_pem(ca.cert_.get());
    if (ca.cert_pem_.empty()) return fail("PEM encoding of CA certificate");
    ca.not_after_ = to_sys_time(X509_get0_notAfter(ca.cert_.get()));
    ca.created_ = true;
    return ca;
}

std::variant<dev_ca, ca_error> dev_ca::load_or_create(const fs::path& state_dir, sys_time now) {
    if (auto err = ensure_private_dir(state_dir)) return std::move(*err);
    const fs::path key_path = state_dir / ca_key_name;
    const fs::path cert_path = state_dir / ca_cert_name;

    std::error_code ec;
    // The key is written before the certificate, so a lone file is an interrupted creation.
    if (fs::exists(key_path, ec) && fs::exists(cert_path, ec)) {
        auto key_text = read_text(key_path);
        if (auto* err = std::get_if<ca_error>(&key_text)) return std::move(*err);
        auto cert_text = read_text(cert_path);
        if (auto* err = std::get_if<ca_error>(&cert_text)) return std::move(*err);
        dev_ca ca;
        bio_ptr kb = memory_bio(std::get<std::string>(key_text));
        ca.key_.reset(kb ? PEM_read_bio_PrivateKey(kb.get(), nullptr, no_password, nullptr)
                         : nullptr);
        if (!ca.key_) return fail("CA key " + key_path.string());
        bio_ptr cb = memory_bio(std::get<std::string>(cert_text));
        ca.cert_.reset(cb ? PEM_read_bio_X509(cb.get(), nullptr, no_password, nullptr) : nullptr);
        if (!ca.cert_) return fail("CA certificate " + cert_path.string());
        if (X509_check_private_key(ca.cert_.get(), ca.key_.get()) != 1) {
            return fail("CA key " + key_path.string() + " does not match " + cert_path.string());
        }
        ca.not_after_ = to_sys_time(X509_get0_notAfter(ca.cert_.get()));
        if (ca.not_after_ - now > renew_before) {
            ca.cert_pem_ = std::move(std::get<std::string>(cert_text));
            ca.cert_file_ = cert_path;
            return ca;
        }
    }

    auto fresh = create_in_memory("APL Development CA", now);
    if (auto* err = std::get_if<ca_error>(&fresh)) return std::move(*err);
    auto& ca = std::get<dev_ca>(fresh);
    const std::string key_pem = to_pem(ca.key_.get());
    if (key_pem.empty()) return fail("PEM encoding of CA key");
    if (auto err = write_atomic(state_dir, ca_key_name, key_pem, private_mode)) {
        return std::move(*err);
    }
    if (auto err = write_atomic(state_dir, ca_cert_name, ca.cert_pem_, public_mode)) {
        return std::move(*err);
    }
    ca.cert_file_ = cert_path;
    return fresh;
}

std::variant<issued_cert, ca_error> dev_ca::issue_leaf(const std::vector<std::string>& dns_names,
                                                       const std::vector<std::string>& ip_addresses,
                                                       sys_time not_before,
                                                       sys_time not_after) const {
    return issue_with(cert_.get(), key_.get(), dns_names, ip_addresses, not_before, not_after);
}

std::variant<issued_cert, ca_error> dev_ca::issue_bad_leaf(
    bad_cert kind, const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ip_addresses, sys_time now) const {
    constexpr auto month = std::chrono::days(30);
    switch (kind) {
    case bad_cert::expired:
        return issue_leaf(dns_names, ip_addresses, now - 2 * month, now - std::chrono::days(1));
    case bad_cert::not_yet_valid:
        return issue_leaf(dns_names, ip_addresses, now + std::chrono::days(1), now + 2 * month);
    case bad_cert::wrong_host:
        return issue_leaf({"wrong-host.invalid"}, {}, now - 1h, now + month);
    case bad_cert::self_signed:
        return issue_with(nullptr, nullptr, dns_names, ip_addresses, now - 1h, now + month);
    case bad_cert::unknown_ca: {
        auto other = create_in_memory("APL Unknown CA", now);
        if (auto* err = std::get_if<ca_error>(&other)) return std::move(*err);
        return std::get<dev_ca>(other).issue_leaf(dns_names, ip_addresses, now - 1h, now + month);
    }
    }
    return ca_error{"issue_bad_leaf: unknown kind"};
}

std::variant<server_cert_files, ca_error> dev_ca::ensure_server_cert(
    const fs::path& state_dir, const std::vector<std::string>& sans, sys_time now) const {
    std::vector<std::string> dns;
    std::vector<std::string> ips;
    for (const auto& s : sans) {
        unsigned char buf[16];
        const bool ip = inet_pton(AF_INET, s.c_str(), buf) == 1 ||
                        inet_pton(AF_INET6, s.c_str(), buf) == 1;
        (ip ? ips : dns).push_back(s);
    }
    server_cert_files files{state_dir / server_cert_name, state_dir / server_key_name, false};

    std::error_code ec;
    if (fs::exists(files.cert_file, ec) && fs::exists(files.key_file, ec)) {
        auto text = read_text(files.cert_file);
        bio_ptr bio = std::holds_alternative<std::string>(text)
                          ? memory_bio(std::get<std::string>(text))
                          : nullptr;
        x509_ptr stored(bio ? PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr)
                            : nullptr);
        ERR_clear_error();
        if (stored) {
            auto wanted = make_sans(dns, ips);
            names_ptr have(static_cast<GENERAL_NAMES*>(
                X509_get_ext_d2i(stored.get(), NID_subject_alt_name, nullptr, nullptr)));
            const bool same_sans =
                have && std::holds_alternative<names_ptr>(wanted) &&
                san_set(have.get()) == san_set(std::get<names_ptr>(wanted).get());
            const bool ours = X509_verify(stored.get(), key_.get()) == 1;
            const bool fresh = to_sys_time(X509_get0_notAfter(stored.get())) - now > renew_before;
            ERR_clear_error();
            if (same_sans && ours && fresh) return files;
        }
    }

    const sys_time not_after = std::min(now + server_cert_lifetime, not_after_);
    auto issued = issue_leaf(dns, ips, now - 1h, not_after);
    if (auto* err = std::get_if<ca_error>(&issued)) return std::move(*err);
    const auto& pair = std::get<issued_cert>(issued);
    if (auto err = ensure_private_dir(state_dir)) return std::move(*err);
    // Key first: a crash in between leaves a certificate that does not verify against the new
    // key's owner, which the next start detects and repairs by reissuing.
    if (auto err = write_atomic(state_dir, server_key_name, pair.key_pem, private_mode)) {
        return std::move(*err);
    }
    if (auto err = write_atomic(state_dir, server_cert_name, pair.cert_pem, public_mode)) {
        return std::move(*err);
    }
    files.reissued = true;
    return files;
}

}  // namespace common::tls
