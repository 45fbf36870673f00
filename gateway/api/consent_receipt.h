// Signed consent receipts: what the agency hands to the family when a consent is recorded or
// revoked. A receipt is a signed note (the C2SP format the audit checkpoints use) whose text is
// a header line and the receipt's canonical JSON; it verifies with the gateway's published
// verifier key (`silta receipt verify`, docs/api.md).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "audit/checkpoint.h"
#include "common/result.h"
#include "store/store.h"

namespace silta::gateway {

inline constexpr std::string_view kReceiptHeader = "silta consent receipt v1";

// The receipt's content for a consent: scope, who gave it in which capacity, validity, who
// recorded it; no identity code (the subject appears by pseudonym).
nlohmann::json receipt_body(const store::StoredConsent& consent, std::string_view event,
                            std::string_view issuer, SysTime issued_at);
std::string sign_receipt(const audit::SigningKey& key, const nlohmann::json& body);
// Checks the signature and returns the receipt's JSON.
Result<nlohmann::json> open_receipt(const audit::VerifierKey& key, std::string_view note);

}  // namespace silta::gateway
