#include "gateway/health.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "gateway/http/tls.h"
#include "gateway/logging.h"

namespace silta::gateway {

void Health::store_probed(bool ok, const std::string& error) {
  bool was = store_ok_.exchange(ok);
  if (!ok) {
    logging::error("store_probe_failed", {{"error", error}});
  } else if (!was) {
    logging::info("store_available_again", {});
  }
}

Readiness Health::check() const {
  Readiness r;
  const bool audit_ok = !log_.failure().has_value();
  const bool store_ok = store_ok_.load();
  nlohmann::json circuits = nlohmann::json::object();
  for (const auto& [agency, open] : adapters_.circuits()) {
    circuits[agency] = open ? "circuit_open" : "ok";
    r.degraded = r.degraded || open;
  }
  r.ready = audit_ok && store_ok;
  if (!audit_ok) r.reason = "the audit log has stopped";
  if (!store_ok) r.reason += std::string(r.reason.empty() ? "" : "; ") + "the store is unavailable";
  r.checks = {{"audit_log", audit_ok ? "ok" : "failed"},
              {"store", store_ok ? "ok" : "unavailable"},
              {"adapters", circuits}};
  return r;
}

void Health::register_metrics(Metrics& metrics) const {
  metrics.describe("silta_ready", "gauge",
                   "1 when /ready answers 200 (ready or degraded), 0 when it answers 503.");
  metrics.describe(
      "silta_store_available", "gauge",
      "1 when the store answered its last probe (every referrals.metrics_interval_ms).");
  metrics.describe("silta_adapter_circuit_open", "gauge",
                   "1 while the circuit to an agency system is open or half-open, by agency.");
  metrics.describe("silta_certificate_expiry_timestamp_seconds", "gauge",
                   "When a certificate of the gateway expires (notAfter, Unix time): the gateway's "
                   "own (certificate=\"gateway\") and the earliest of the client CA file.");
  metrics.describe(
      "silta_agency_certificate_expiry_timestamp_seconds", "gauge",
      "When the client certificate an agency last connected with expires (Unix time).");
  metrics.add_collector([this](Metrics& m) {
    auto r = check();
    m.set("silta_ready", {}, r.ready ? 1 : 0);
    m.set("silta_store_available", {}, store_ok_.load() ? 1 : 0);
    for (const auto& [agency, open] : adapters_.circuits()) {
      m.set("silta_adapter_circuit_open", {{"agency", agency}}, open ? 1 : 0);
    }
  });
}

std::optional<double> pem_certificate_not_after(const std::filesystem::path& pem, bool earliest) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(pem.c_str(), "r"), &std::fclose);
  if (!f) return std::nullopt;
  std::optional<double> out;
  while (X509* cert = PEM_read_X509(f.get(), nullptr, nullptr, nullptr)) {
    auto t = certificate_not_after(cert);
    X509_free(cert);
    if (t && (!out || *t < *out)) out = t;
    if (!earliest) break;
  }
  ERR_clear_error();  // the read that found no more certificates leaves an error behind
  return out;
}

void record_certificate_expiry(Metrics& metrics, const TlsConfig& tls) {
  if (auto t = pem_certificate_not_after(tls.certificate)) {
    metrics.set("silta_certificate_expiry_timestamp_seconds", {{"certificate", "gateway"}}, *t);
  }
  if (auto t = pem_certificate_not_after(tls.client_ca, true)) {
    metrics.set("silta_certificate_expiry_timestamp_seconds", {{"certificate", "client_ca"}}, *t);
  }
}

}  // namespace silta::gateway
