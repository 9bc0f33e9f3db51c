// TLS-001..006: what the phone's `https validate ...` settings and its TLS stack will meet.
#include "logic/validate_verdicts.hpp"

namespace phone_agent::validate::detail {

namespace {

const tls_probe* probe(const observations& o, std::string_view name) {
    auto it = o.tls.find(name);
    return it == o.tls.end() || !it->second.performed ? nullptr : &it->second;
}

verdict tls_check(const observations& o, std::string_view name, std::string expected) {
    if (!o.https) return skip("not an https URL");
    const auto* p = probe(o, name);
    if (!p) return fail(std::move(expected), "not performed");
    if (!p->connected) return fail("a TCP connection", p->detail);
    if (!p->handshake_ok) return fail(std::move(expected), p->detail);
    return pass(p->version);
}

}  // namespace

verdict tls_legacy(const observations& o) {
    if (!o.https) return skip("not an https URL");
    const auto* p = probe(o, need::tls_legacy);
    if (!p) return fail("a TLS 1.0/1.1 handshake attempt", "not performed");
    if (!p->connected) return fail("a TCP connection", p->detail);
    if (p->handshake_ok) {
        return warn("TLS 1.0 and 1.1 refused (RFC 8996)", "accepted " + p->version,
                    "only needed for Aastra firmware 3.2.x that speaks TLS 1.0");
    }
    return pass(p->detail);
}

verdict tls_chain(const observations& o) {
    return tls_check(o, need::tls_chain,
                     o.ca_given ? "a chain to --ca or a system root" : "a chain to a system root (no --ca given)");
}

verdict tls_hostname(const observations& o) {
    return tls_check(o, need::tls_hostname, "a certificate naming the server's host");
}

verdict tls_expiry(const observations& o) {
    return tls_check(o, need::tls_expiry, "a certificate valid now (notBefore <= now <= notAfter)");
}

// NIST SP 800-57 part 1 §5.6.1: 112-bit security needs RSA 2048; EC below 256 bits is below what
// the phones' own CA keys use.
verdict tls_key_size(const observations& o) {
    if (!o.https) return skip("not an https URL");
    const auto& k = o.tls_key;
    if (!k.performed) return fail("the server certificate's key", "not performed");
    if (!k.handshake_ok) return fail("a handshake to read the server key", k.detail);
    const std::string seen = k.key_type + " " + std::to_string(k.bits) + " bits";
    if (k.key_type == "RSA" || k.key_type == "DSA") {
        if (k.bits < 2048) return warn(k.key_type + " of at least 2048 bits", seen);
        return pass(seen);
    }
    if (k.key_type == "EC") {
        if (k.bits < 256) return warn("EC of at least 256 bits", seen);
        return pass(seen);
    }
    if (k.key_type == "ED25519" || k.key_type == "ED448") return pass(seen);
    return warn("an RSA or EC key", seen);
}

// With --client-cert: the server must let the phone in with its certificate; whether it also lets
// clients in without one is reported, not judged (the server may not ask for certificates).
verdict tls_client_certificate(const observations& o) {
    if (!o.client_cert_given) return skip("no --client-cert/--client-key given");
    if (!o.https) return skip("not an https URL");
    const auto& c = o.client_cert;
    if (!c.performed) return fail("a request with the client certificate", "not performed");
    if (!c.with_handshake_ok) return fail("a handshake with the client certificate", c.with_detail);
    if (c.with_status == 0) return fail("an answer with the client certificate", c.with_detail);
    const std::string without =
        c.without_handshake_ok && c.without_status != 0
            ? "without a certificate: " + std::to_string(c.without_status)
            : "without a certificate: refused (" + c.without_detail + ")";
    return pass("with the certificate: " + std::to_string(c.with_status) + "; " + without);
}

}  // namespace phone_agent::validate::detail
