// The conformance kit: runs a battery of checks against an adapter service over mutual TLS
// and says, per check, pass or fail and why (`silta adapter check`, docs/adapter-guide.md).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/protocol.h"

namespace silta::adapters {

// The subject the kit asks about unless told otherwise: a child in the demo fixtures and in
// the Node example (Onni Lahti, temporary-range code). Integrators pass their test subject.
inline constexpr const char* kConformanceSubject = "050912A931L";
// A valid temporary-range code no fixture uses: the "unknown subject" check.
inline constexpr const char* kConformanceUnknownSubject = "010114A9988";

// The categories of adapters/categories.h, without a version: for a kit run without --catalog.
protocol::CatalogStamp default_catalog_stamp();

struct ConformanceOptions {
  std::string url;                    // the adapter service's base URL, https://host:port[/prefix]
  std::filesystem::path ca;           // trust anchors for its server certificate
  std::filesystem::path certificate;  // the client certificate to present (the gateway's)
  std::filesystem::path private_key;
  // Another federation member's client certificate (e.g. an agency's), which the adapter must
  // refuse: it accepts the gateway's key only. Unset: that check is skipped.
  std::filesystem::path other_certificate;
  std::filesystem::path other_private_key;
  std::string agency;  // the agency whose register is checked; empty = the first of /health
  std::string subject = kConformanceSubject;
  std::string unknown_subject = kConformanceUnknownSubject;
  bool deliver = true;  // false: skip the referral checks (they create referrals)
  // Agencies declared in the registry as receiving no referrals: their adapters need not
  // serve the referral endpoint, so its checks are skipped for them.
  std::set<std::string> agencies_without_referrals;
  // Sent with every call, as the gateway does; default: the built-in category list.
  protocol::CatalogStamp catalog = default_catalog_stamp();
  int load_requests = 100;
  int load_concurrency = 8;
  Millis max_p95{500};
  Millis timeout{10'000};  // per request
};

enum class CheckOutcome { kPass, kFail, kSkip };

struct CheckResult {
  std::string id;     // e.g. "fetch.only_requested"
  std::string title;  // what the check asks of the adapter
  CheckOutcome outcome = CheckOutcome::kFail;
  std::string reason;  // why it passed, failed or was skipped
};

struct ConformanceReport {
  std::string url;
  std::string agency;
  std::vector<CheckResult> checks;

  bool passed() const;  // no check failed
  const CheckResult* find(std::string_view id) const;
  std::string format() const;  // one line per check and a summary
};

// Runs every check (blocking; it has its own I/O context). Never throws: a set-up problem
// (e.g. an unreadable certificate) is reported as a failed check.
ConformanceReport run_conformance(const ConformanceOptions& options);

}  // namespace silta::adapters
