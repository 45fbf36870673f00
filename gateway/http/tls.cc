#include "gateway/http/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <openssl/x509v3.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <ctime>
#include <stdexcept>

#include "common/codec.h"

namespace silta::gateway {

namespace ssl = boost::asio::ssl;

std::string spki_pin(X509* cert) {
  if (cert == nullptr) return {};
  return spki_pin_of_key(X509_get0_pubkey(cert));
}

std::string spki_pin_of_key(const EVP_PKEY* key) {
  if (key == nullptr) return {};
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return {};
  auto digest = sha256(std::span<const std::uint8_t>(der, static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return to_base64(digest);
}

std::optional<double> certificate_not_after(const X509* cert) {
  if (cert == nullptr) return std::nullopt;
  struct tm t = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &t) != 1) return std::nullopt;
  return static_cast<double>(timegm(&t));
}

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

void load_crls(SSL_CTX* ctx, const std::filesystem::path& file) {
  auto crls = read_crls(file);
  if (crls.empty()) throw std::runtime_error("no CRL found in " + file.string());
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (auto& crl : crls) X509_STORE_add_crl(store, crl.get());
  // Check every certificate of the chain against its issuer's CRL, so a revoked intermediate is
  // refused too. A CRL that is missing or past its nextUpdate fails every handshake: fail
  // closed, refresh the CRLs before they expire.
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
}

void free_issuer(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { OPENSSL_free(ptr); }

// Where a connection keeps the issuer of a certificate that failed verification: OpenSSL does
// not keep a refused peer certificate, and the audit summary names the issuer.
int refused_issuer_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_issuer);
  return index;
}

int remember_refused_issuer(int ok, X509_STORE_CTX* ctx) {
  if (ok == 1) return ok;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  if (ssl != nullptr && leaf != nullptr &&
      SSL_get_ex_data(ssl, refused_issuer_index()) == nullptr) {
    SSL_set_ex_data(ssl, refused_issuer_index(),
                    OPENSSL_strdup(one_line(X509_get_issuer_name(leaf)).c_str()));
  }
  return ok;
}

}  // namespace

std::string refused_certificate_issuer(SSL* ssl) {
  const auto* issuer = static_cast<const char*>(SSL_get_ex_data(ssl, refused_issuer_index()));
  return issuer == nullptr ? "" : issuer;
}

std::shared_ptr<ssl::context> make_server_tls_context(const TlsConfig& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (tls.allow_tls12) {
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // TLS 1.2: forward secrecy and AEAD only.
    if (SSL_CTX_set_cipher_list(native,
                                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
                                "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
      throw std::runtime_error("cannot set TLS 1.2 cipher list: " + openssl_error());
    }
  } else {
    SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  }
  if (SSL_CTX_use_certificate_chain_file(native, tls.certificate.c_str()) != 1) {
    throw std::runtime_error("cannot load certificate chain " + tls.certificate.string() + ": " +
                             openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(native, tls.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot load private key " + tls.private_key.string() + ": " +
                             openssl_error());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error("the private key does not match the certificate " +
                             tls.certificate.string());
  }
  // Without a client CA no client certificate is asked for: the witness service (anyone may
  // submit a checkpoint; its signature is what is checked). The gateway's config requires one.
  if (!tls.client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(native, tls.client_ca.c_str(), nullptr) != 1) {
      throw std::runtime_error("cannot load client CA " + tls.client_ca.string() + ": " +
                               openssl_error());
    }
    if (tls.client_intermediates) {
      // Chain building material, not trust anchors: a chain must still end at a root of
      // client_ca (X509_V_FLAG_PARTIAL_CHAIN stays off). Clients that send only their own
      // certificate (browsers, Java keystores, smart cards) are verified through these.
      X509_STORE* store = SSL_CTX_get_cert_store(native);
      auto certs = read_certificates(*tls.client_intermediates);
      if (certs.empty()) {
        throw std::runtime_error("no certificate in " + tls.client_intermediates->string());
      }
      for (auto& c : certs) X509_STORE_add_cert(store, c.get());
    }
    if (tls.crl) load_crls(native, *tls.crl);
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       remember_refused_issuer);
    SSL_CTX_set_verify_depth(native, 4);
  }
  // Resumption: sessions are bound to this service, and one ticket per handshake is enough
  // for clients that keep one connection per target.
  static const unsigned char kSessionContext[] = "silta-gateway";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_num_tickets(native, 1);
  return ctx;
}

std::string handshake_failure_reason(SSL* ssl, const boost::system::error_code& ec) {
  if (ec == boost::beast::error::timeout) return "timeout";
  long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  switch (verify) {
    case X509_V_OK:
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate_expired";
    case X509_V_ERR_CERT_REVOKED:
      return "certificate_revoked";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "unknown_ca";
    default:
      return "certificate_invalid";
  }
  if (ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
          SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    return "no_client_certificate";
  }
  return "protocol_error";
}

}  // namespace silta::gateway
