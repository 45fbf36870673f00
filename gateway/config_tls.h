// The TLS files of the configuration (tls.*), read and checked without a TLS context: the
// certificates and CRLs in PEM files, the intermediates' chains, the CRLs' dates. Used by
// `silta config check`, at start and on reload; gateway/http/tls.h builds the context from them.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json_check.h"
#include "common/time.h"
#include "gateway/config.h"

namespace silta::gateway {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<X509_CRL, X509_CRL_free>>;

// Every certificate, or CRL, of a PEM file, in file order; none when the file cannot be read.
std::vector<X509Ptr> read_certificates(const std::filesystem::path& file);
std::vector<CrlPtr> read_crls(const std::filesystem::path& file);

// A distinguished name on one line ("/C=FI/O=.../CN=..."), for messages.
std::string one_line(const X509_NAME* name);

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

}  // namespace silta::gateway
