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

namespace silta::gateway {

// Base64 SHA-256 of the certificate's DER SubjectPublicKeyInfo (the HPKP / curl pin form).
std::string spki_pin(X509* cert);
// The same pin of a public key (e.g. a certificate signing request's).
std::string spki_pin_of_key(const EVP_PKEY* key);
// The certificate's notAfter as Unix time (metrics of certificate expiry).
std::optional<double> certificate_not_after(const X509* cert);

// Builds the server context; throws std::runtime_error with a clear message (start-up only).
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const TlsConfig& tls);

// Checks what the TLS files say beyond being readable, for `silta config check` and start-up:
// each intermediate of tls.client_intermediates must be a CA (CA:true), chain to a root of
// tls.client_ca, be valid at `now`, not be revoked, and have its CRL in tls.crl when CRLs are
// configured; problems name the intermediate by its subject. A CRL past its nextUpdate, or
// within kCrlWarnBefore of it, is a warning (every handshake through its CA fails after it).
inline constexpr std::chrono::hours kCrlWarnBefore{7 * 24};
void check_tls_files(const TlsConfig& tls, SysTime now, json_check::Issues& issues,
                     std::vector<std::string>& warnings);

// What the gateway reports about each CRL it holds (metrics, warnings).
struct CrlInfo {
  std::string issuer;  // the issuing CA's subject, one line
  SysTime last_update;
  std::optional<SysTime> next_update;
};
std::vector<CrlInfo> read_crl_info(const std::filesystem::path& file);

// The issuer (one line) of the certificate a failed handshake refused, or "" (no certificate).
std::string refused_certificate_issuer(SSL* ssl);

// Why a handshake failed, as a short label for metrics and the audit log:
// no_client_certificate, certificate_expired, certificate_revoked, unknown_ca,
// certificate_invalid, timeout, protocol_error.
std::string handshake_failure_reason(SSL* ssl, const boost::system::error_code& ec);

}  // namespace silta::gateway
