// Adapter configuration: one adapter per target agency, in the gateway config under
// "adapters" (docs/adapter-guide.md lists every key). Validated completely on load, every
// problem reported with its JSON Pointer path, then immutable.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/adapter.h"
#include "adapters/url.h"
#include "common/json_check.h"

namespace silta::adapters {

// TLS files for the client side of a connection to an agency system. Unset entries default
// to the gateway's own: its certificate and key (it is the client) and the federation CA.
struct ClientTlsFiles {
  std::optional<std::filesystem::path> ca;           // trust anchors for the server certificate
  std::optional<std::filesystem::path> certificate;  // client chain, leaf first
  std::optional<std::filesystem::path> private_key;  // mode 0600
};

struct RetryPolicy {
  int max_attempts = 3;  // in all, for idempotent calls (every protocol call is idempotent)
  Millis backoff{25};    // before the 2nd attempt; doubled each time, with jitter
};

struct CircuitBreakerSettings {
  int failure_threshold = 5;  // consecutive failed calls that open the circuit
  Millis open_for{10'000};    // then fail fast this long before one probe call (half-open)
};

// How to reach an agency system over mutual TLS (the http and fhir adapters).
struct EndpointSettings {
  HttpsUrl url;
  ClientTlsFiles tls;
  Millis timeout{5'000};          // the call's time budget, retries included (the one rule:
                                  // AdaptersConfig::timeout_of)
  Millis connect_timeout{2'000};  // TCP connect + TLS handshake
  std::size_t max_idle_connections = 32;
  Millis idle_timeout{30'000};  // idle pooled connections older than this are not reused
  std::size_t max_response_bytes = 8u << 20;
  RetryPolicy retry;
  CircuitBreakerSettings circuit;
};

struct DemoSettings {};

struct HttpSettings {
  EndpointSettings endpoint;
};

// One FHIR search that feeds a category: GET [base]/<resource>?<patient_param>=<id>&<params>.
// resource "Patient" means the matched Patient resource itself.
struct FhirSearch {
  std::string resource;
  std::map<std::string, std::string> params;
  std::string patient_param = "patient";
};

struct FhirSettings {
  EndpointSettings endpoint;
  std::map<std::string, std::vector<FhirSearch>> mapping;  // category → searches
  int page_size = 50;                                      // _count
  int max_pages = 20;  // per search; more is an error rather than a silent cut
};

enum class AdapterType { kDemo, kHttp, kFhir };

struct AdapterConfig {
  std::string agency;  // the target agency id (registry)
  AdapterType type = AdapterType::kDemo;
  std::variant<DemoSettings, HttpSettings, FhirSettings> settings;
};

struct AdaptersConfig {
  std::map<std::string, AdapterConfig> by_agency;
  // The time budget of a call to an agency system whose adapter sets no timeout_ms (the
  // gateway's exchange.adapter_timeout_ms).
  Millis default_timeout{5'000};

  // The one timeout rule: a call to the system of `agency` (fetch, delivery, health) may take
  // its adapter's timeout_ms, retries included, else default_timeout; the gateway waits that long
  // and no longer, and nothing else shortens it.
  Millis timeout_of(std::string_view agency) const;
  Millis longest_timeout() const;  // of every adapter and the default
};

// Parses the "adapters" object of the gateway config: agency id → adapter. `path` is that
// object's JSON Pointer in the config (e.g. "/adapters"); relative file names resolve against
// `base_dir`. An adapter for an id that is not in `known_agencies` (the registry) is reported.
// An adapter without timeout_ms gets `default_timeout`.
// Every problem goes to `issues`; the result is meaningful only when none were added.
AdaptersConfig parse_adapters_config(const nlohmann::json& doc,
                                     const std::filesystem::path& base_dir, const std::string& path,
                                     const std::set<std::string>& known_agencies,
                                     Millis default_timeout, json_check::Issues& issues);

}  // namespace silta::adapters
