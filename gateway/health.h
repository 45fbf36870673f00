// What the admin listener's /ready and the operational gauges of /metrics report
// (docs/operations.md, "Health and readiness").
//
// Not ready (503): nothing could be served. The audit log has stopped (every request that
// touches data needs a durable record first), or the store did not answer its last probe (no
// consent can be read, nothing recorded). A load balancer should send requests elsewhere.
// Degraded (200): an agency system's circuit is open. Only exchanges with that agency fail, the
// same on every instance, so taking this one out of the load balancer would not help.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>

#include "adapters/adapter_set.h"
#include "audit/log.h"
#include "gateway/config.h"
#include "gateway/http/server.h"
#include "gateway/metrics.h"

namespace silta::gateway {

class Health {
 public:
  Health(const audit::AuditLog& log, const adapters::AdapterSet& adapters)
      : log_(log), adapters_(adapters) {}

  // The outcome of the periodic store probe (the referral worker's metrics refresh, every
  // referrals.metrics_interval_ms). Logs a change.
  void store_probed(bool ok, const std::string& error = "");

  Readiness check() const;

  // Declares the operational families and refreshes silta_ready, silta_store_available and
  // silta_adapter_circuit_open on every scrape.
  void register_metrics(Metrics& metrics) const;

 private:
  const audit::AuditLog& log_;
  const adapters::AdapterSet& adapters_;
  std::atomic<bool> store_ok_{true};  // optimistic until the first probe: start-up migrated it
};

// silta_certificate_expiry_timestamp_seconds of the gateway's certificate and of the earliest
// certificate in the client CA file. Call at start and after a reload.
void record_certificate_expiry(Metrics& metrics, const TlsConfig& tls);

// The notAfter time (seconds since the epoch) of the first certificate in a PEM file, or of the
// earliest one with `earliest`; nullopt when the file holds none.
std::optional<double> pem_certificate_not_after(const std::filesystem::path& pem,
                                                bool earliest = false);

}  // namespace silta::gateway
