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
  BIO* bio = BIO_new_file(file.c_str(), "r");
  if (bio == nullptr) throw std::runtime_error("cannot read CRL file " + file.string());
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++loaded;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  BIO_free(bio);
  if (loaded == 0) throw std::runtime_error("no CRL found in " + file.string());
  // Check every certificate of the chain against its issuer's CRL, so a revoked intermediate is
  // refused too. A CRL that is missing or past its nextUpdate fails every handshake: fail
  // closed, refresh the CRLs before they expire.
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), free_x509_stack>>;

std::vector<X509Ptr> read_certificates(const std::filesystem::path& file) {
  std::vector<X509Ptr> out;
  BIO* bio = BIO_new_file(file.c_str(), "r");
  if (bio == nullptr) return out;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.emplace_back(cert);
  ERR_clear_error();
  BIO_free(bio);
  return out;
}

std::vector<CrlPtr> read_crls(const std::filesystem::path& file) {
  std::vector<CrlPtr> out;
  BIO* bio = BIO_new_file(file.c_str(), "r");
  if (bio == nullptr) return out;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    out.emplace_back(crl);
  }
  ERR_clear_error();
  BIO_free(bio);
  return out;
}

std::string one_line(const X509_NAME* name) {
  char buf[256];
  if (X509_NAME_oneline(name, buf, sizeof buf) == nullptr) return "?";
  return buf;
}

std::optional<SysTime> to_sys_time(const ASN1_TIME* t) {
  if (t == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::from_time_t(timegm(&tm)));
}

// The roots of tls.client_ca and the CRLs of tls.crl, as the handshake checks them.
StorePtr verify_store(const TlsConfig& tls) {
  StorePtr store(X509_STORE_new());
  for (auto& root : read_certificates(tls.client_ca)) X509_STORE_add_cert(store.get(), root.get());
  if (tls.crl) {
    for (auto& crl : read_crls(*tls.crl)) X509_STORE_add_crl(store.get(), crl.get());
    X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  return store;
}

// Why `cert` (an intermediate) does not verify against the roots and CRLs, or "".
std::string intermediate_problem(X509* cert, X509_STORE* store, STACK_OF(X509) * others,
                                 SysTime now) {
  if (X509_check_ca(cert) < 1 || (X509_get_extension_flags(cert) & EXFLAG_CA) == 0) {
    return "is not a CA certificate (basicConstraints CA:true)";
  }
  if (X509_check_issued(cert, cert) == X509_V_OK) {
    return "is self-signed: a root belongs in tls.client_ca";
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store, cert, others);
  X509_STORE_CTX_set_time(ctx.get(), 0,
                          std::chrono::system_clock::to_time_t(
                              std::chrono::time_point_cast<std::chrono::seconds>(now)));
  if (X509_verify_cert(ctx.get()) == 1) return "";
  int err = X509_STORE_CTX_get_error(ctx.get());
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "does not chain to a root CA of tls.client_ca";
    default:
      return std::string("does not verify: ") + X509_verify_cert_error_string(err);
  }
}

bool has_crl_of(X509* ca, const std::vector<CrlPtr>& crls) {
  for (const auto& crl : crls) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca)) == 0 &&
        X509_CRL_verify(crl.get(), X509_get0_pubkey(ca)) == 1) {
      return true;
    }
  }
  return false;
}

void check_intermediates(const TlsConfig& tls, SysTime now, json_check::Issues& issues) {
  const std::string path = "/tls/client_intermediates";
  auto certs = read_certificates(*tls.client_intermediates);
  if (certs.empty()) {
    issues.add(path,
               "expected PEM certificates; " + tls.client_intermediates->string() + " holds none");
    return;
  }
  auto store = verify_store(tls);
  X509StackPtr others(sk_X509_new_null());
  for (auto& c : certs) {
    X509_up_ref(c.get());
    sk_X509_push(others.get(), c.get());
  }
  auto crls = tls.crl ? read_crls(*tls.crl) : std::vector<CrlPtr>{};
  for (std::size_t i = 0; i < certs.size(); ++i) {
    X509* cert = certs[i].get();
    const std::string name = "intermediate " + std::to_string(i + 1) + " \"" +
                             one_line(X509_get_subject_name(cert)) + "\" ";
    if (auto p = intermediate_problem(cert, store.get(), others.get(), now); !p.empty()) {
      issues.add(path, name + p);
    } else if (tls.crl && !has_crl_of(cert, crls)) {
      issues.add(path, name +
                           "has no CRL in tls.crl: every client certificate it issued would "
                           "be refused");
    }
  }
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

std::vector<CrlInfo> read_crl_info(const std::filesystem::path& file) {
  std::vector<CrlInfo> out;
  for (const auto& crl : read_crls(file)) {
    CrlInfo info;
    info.issuer = one_line(X509_CRL_get_issuer(crl.get()));
    info.last_update = to_sys_time(X509_CRL_get0_lastUpdate(crl.get())).value_or(SysTime{});
    info.next_update = to_sys_time(X509_CRL_get0_nextUpdate(crl.get()));
    out.push_back(std::move(info));
  }
  return out;
}

void check_tls_files(const TlsConfig& tls, SysTime now, json_check::Issues& issues,
                     std::vector<std::string>& warnings) {
  if (tls.client_intermediates) check_intermediates(tls, now, issues);
  if (!tls.crl) return;
  for (const auto& crl : read_crl_info(*tls.crl)) {
    if (!crl.next_update) continue;
    const std::string when = format_rfc3339(*crl.next_update);
    if (*crl.next_update <= now) {
      warnings.push_back("tls.crl: the CRL of " + crl.issuer + " is past its nextUpdate (" + when +
                         "): every handshake through that CA fails until it is refreshed");
    } else if (*crl.next_update - now <= kCrlWarnBefore) {
      warnings.push_back("tls.crl: the CRL of " + crl.issuer + " reaches its nextUpdate at " +
                         when + ": refresh it before then");
    }
  }
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
  if (SSL_CTX_load_verify_locations(native, tls.client_ca.c_str(), nullptr) != 1) {
    throw std::runtime_error("cannot load client CA " + tls.client_ca.string() + ": " +
                             openssl_error());
  }
  if (tls.client_intermediates) {
    // Chain building material, not trust anchors: a chain must still end at a root of client_ca
    // (X509_V_FLAG_PARTIAL_CHAIN stays off). Clients that send only their own certificate
    // (browsers, Java keystores, smart cards) are verified through these.
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
