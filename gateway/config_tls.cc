#include "gateway/config_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace silta::gateway {

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

namespace {

using StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr =
    std::unique_ptr<STACK_OF(X509), OpenSslDeleter<STACK_OF(X509), free_x509_stack>>;

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

}  // namespace

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

}  // namespace silta::gateway
