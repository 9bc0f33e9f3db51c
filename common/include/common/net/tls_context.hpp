// Builds Asio TLS contexts from a tls_config and prepares client streams (SNI, hostname check).
// Asio's defaults are unsafe for a client (verify_none, no SNI, no name check); everything here is
// set explicitly.
#pragma once

#include "common/net/tls_config.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace common::tls {

// A configuration or setup failure, with a message naming what (file, setting) and OpenSSL's
// reason, e.g. "certificate /etc/x.pem: no start line".
struct tls_error {
    std::string message;
};

using context_result = std::variant<boost::asio::ssl::context, tls_error>;

// Server context: own certificate + key required; TLS >= min_version (1.2 by default), no
// compression, no renegotiation, server cipher preference; client certificates per
// cfg.client_cert, verified against cfg.ca_files. Errors: missing/unreadable/mismatched cert or
// key, bad cipher strings, an impossible version range, request_ssl3.
context_result make_server_context(const tls_config& cfg);

// Client context: trust roots from cfg.ca_files (+ system roots if asked), chain verification per
// cfg.verify_peer / cfg.check_expiry, optional client certificate. Hostname checks and SNI are
// per connection: call prepare_client_stream before each handshake.
context_result make_client_context(const tls_config& cfg);

// Whether OpenSSL takes `offer` for a client hello, checked at start-up so a bad setting is a
// usage error before any connection: builds a throwaway client context with only the offer set.
// The message names the setting ("groups 'X25519:NOPE': ..."); empty offers always pass.
std::optional<tls_error> check_client_offer(const tls_offer& offer);

// Sets SNI (host names only; RFC 6066 forbids IP literals) and, when cfg.verify_peer and
// cfg.verify_hostname are on, the name or IP address the certificate must match. `host` is what
// was connected to; cfg.server_name overrides it. An IPv6 literal may be bracketed.
// Returns an error when OpenSSL rejects the name.
std::optional<tls_error> prepare_client_stream(SSL* ssl, std::string_view host,
                                               const tls_config& cfg);

template <class NextLayer>
std::optional<tls_error> prepare_client_stream(boost::asio::ssl::stream<NextLayer>& stream,
                                               std::string_view host, const tls_config& cfg) {
    return prepare_client_stream(stream.native_handle(), host, cfg);
}

// A readable reason for a failed handshake: the certificate verification result when that is
// what failed ("certificate verify failed: certificate has expired"; also "self-signed
// certificate", "unable to get local issuer certificate", "hostname mismatch", "IP address
// mismatch"; plus the subject when OpenSSL still holds the peer certificate), otherwise the TLS
// error with a hint for version and cipher mismatches ("unsupported protocol; the peer's TLS
// version is outside the configured range", "peer did not return a certificate", ...).
std::string describe_handshake_error(const SSL* ssl, const boost::system::error_code& ec);

template <class NextLayer>
std::string describe_handshake_error(boost::asio::ssl::stream<NextLayer>& stream,
                                     const boost::system::error_code& ec) {
    return describe_handshake_error(stream.native_handle(), ec);
}

struct tls_session_info {
    std::string version;  // OpenSSL's spelling: "TLSv1.3", "TLSv1", ...
    std::string cipher;   // e.g. "TLS_AES_256_GCM_SHA384"
};

// Only meaningful after a successful handshake.
tls_session_info session_info(const SSL* ssl);

}  // namespace common::tls
