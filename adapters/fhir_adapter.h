// The fhir adapter: a FHIR R4 client (JSON, over the same mutual-TLS endpoint as the http
// adapter). It finds the Patient by the Finnish identity code identifier system
// (urn:oid:1.2.246.21) with a POST _search, so that the code never appears in a URL or an
// access log; then runs the searches the config maps to each granted category, follows the
// Bundle `next` links, and returns the matched resources per category. OperationOutcome
// answers become clear errors. Referrals are delivered as a Communication with a conditional
// create on the referral id, so a retry creates nothing new.
#pragma once

#include <memory>
#include <string>

#include "adapters/adapter.h"
#include "adapters/config.h"
#include "adapters/endpoint.h"

namespace silta::adapters {

inline constexpr std::string_view kFinnishIdentityCodeSystem = "urn:oid:1.2.246.21";
inline constexpr std::string_view kReferralIdentifierSystem = "urn:silta:referral";
inline constexpr std::string_view kAgencyIdentifierSystem = "urn:silta:agency";

class FhirAdapter final : public Adapter {
 public:
  FhirAdapter(std::shared_ptr<Endpoint> endpoint, FhirSettings settings);

  boost::asio::awaitable<Result<FetchResult>> fetch(const FetchRequest& request,
                                                    Deadline deadline) override;
  boost::asio::awaitable<Result<DeliveryReceipt>> deliver(const Referral& referral,
                                                          Deadline deadline) override;
  boost::asio::awaitable<Result<HealthReport>> health(Deadline deadline) override;
  std::optional<bool> circuit_open() const override;

 private:
  // The Patient resource of the identity code; a null json when there is none.
  boost::asio::awaitable<Result<nlohmann::json>> find_patient(const FetchRequest& request,
                                                              Deadline deadline);
  // Every matched resource of one search, all pages.
  boost::asio::awaitable<Result<nlohmann::json>> search(const FhirSearch& search,
                                                        const std::string& patient_id,
                                                        const std::string& request_id,
                                                        Deadline deadline);
  // One FHIR interaction; a non-2xx answer becomes an error that cites its OperationOutcome.
  boost::asio::awaitable<Result<nlohmann::json>> interact(std::string_view what,
                                                          const HttpCall& call, Deadline deadline);

  std::shared_ptr<Endpoint> endpoint_;
  FhirSettings settings_;
};

// "error/processing: diagnostics; ..." for the issues of an OperationOutcome (redacted).
std::string describe_operation_outcome(const nlohmann::json& outcome);

}  // namespace silta::adapters
