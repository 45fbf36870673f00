// TLS for the agency listener: TLS 1.3 (1.2 with ECDHE+AEAD only behind a switch), client
// certificates required and verified against the federation CA (and CRL), SPKI pins.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/x509.h>
#include <boost/asio/ssl/context.hpp>

#include "common/json_check.h"
#include "common/result.h"
#include "common/time.h"
#include "gateway/config.h"
#include "gateway/config_tls.h"

namespace silta::gateway {

// Base64 SHA-256 of the certificate's DER SubjectPublicKeyInfo (the HPKP / curl pin form).
std::string spki_pin(X509* cert);
// The same pin of a public key (e.g. a certificate signing request's).
std::string spki_pin_of_key(const EVP_PKEY* key);
// The certificate's notAfter as Unix time (metrics of certificate expiry).
std::optional<double> certificate_not_after(const X509* cert);

// Builds the server context; throws std::runtime_error with a clear message (start-up only).
// An empty tls.client_ca asks for no client certificate.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const TlsConfig& tls);

// The issuer (one line) of the certificate a failed handshake refused, or "" (no certificate).
std::string refused_certificate_issuer(SSL* ssl);

// Why a handshake failed, as a short label for metrics and the audit log:
// no_client_certificate, certificate_expired, certificate_revoked, unknown_ca,
// certificate_invalid, timeout, protocol_error.
std::string handshake_failure_reason(SSL* ssl, const boost::system::error_code& ec);

}  // namespace silta::gateway
