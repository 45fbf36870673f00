// The adapter protocol, version 1 (docs/adapter-protocol.md and .openapi.yaml): the
// JSON documents exchanged between the gateway and an adapter service, encoded and checked
// here for both sides. Readers collect every problem with its JSON Pointer path and never echo
// a value (a value may be an identity code).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/adapter.h"
#include "common/json_check.h"

namespace silta::adapters::protocol {

inline constexpr std::string_view kVersion = "v1";
inline constexpr std::string_view kVersionsPath = "/silta-adapter/versions";
inline constexpr std::string_view kHealthPath = "/silta-adapter/v1/health";
inline constexpr std::string_view kFetchPath = "/silta-adapter/v1/fetch";
inline constexpr std::string_view kReferralsPath = "/silta-adapter/v1/referrals/";  // + {id}
inline constexpr std::string_view kProblemTypePrefix = "urn:silta:problem:";
inline constexpr std::string_view kProblemContentType = "application/problem+json";

// The catalog in force, told to the adapter service on every call so that it need not hard-code
// the category list or guess the catalog version (docs/adapter-protocol.md, "The catalog").
inline constexpr std::string_view kCatalogVersionHeader = "Silta-Catalog-Version";
inline constexpr std::string_view kCatalogSha256Header = "Silta-Catalog-Sha256";
inline constexpr std::string_view kCatalogCategoriesHeader = "Silta-Catalog-Categories";

struct CatalogStamp {
  std::string version;                  // e.g. "2026.1"; empty: not sent
  std::string sha256;                   // hex; empty: not sent
  std::vector<std::string> categories;  // every category id of the catalog; empty: not sent
};
// The header fields of `stamp`; the categories comma-separated (an RFC 9110 list).
std::vector<std::pair<std::string, std::string>> catalog_headers(const CatalogStamp& stamp);
// The category ids of a Silta-Catalog-Categories value (split at commas, spaces trimmed).
std::vector<std::string> categories_of_header(std::string_view value);

// Problem types an adapter service answers with (besides the generic ones of its server).
inline constexpr std::string_view kUnknownCategory = "unknown-category";    // 400
inline constexpr std::string_view kValidation = "validation";               // 400
inline constexpr std::string_view kUnknownAgency = "unknown-agency";        // 404
inline constexpr std::string_view kReferralConflict = "referral-conflict";  // 409
inline constexpr std::string_view kUnavailable = "unavailable";             // 503

// "DDMMYYCZZZQ": the shape of a Finnish identity code (the gateway validates the check
// character and the date; an adapter only looks the code up).
bool identity_code_shape_ok(std::string_view code);
// Text from an agency system (a problem's detail, an OperationOutcome's diagnostics) may
// quote an identity code; before it goes into an error message or a log line, every
// identity-code-shaped run is replaced by "[identity code]". Also cut to `max_chars`.
std::string redact_identity_codes(std::string_view text, std::size_t max_chars = 300);
// A referral id or other path segment: 1-128 of A-Z a-z 0-9 - _ . :
bool valid_id(std::string_view id);

// An agency system's answer read as JSON with the bounds of a request body (nesting at most 64
// levels, no key twice) and at most kMaxAnswerValues values, so that no answer builds a
// document that copying or printing would recurse through until the stack overflows. A
// discarded value when it is not such a document; `why` (when given) says what is wrong.
inline constexpr std::size_t kMaxAnswerValues = 1'000'000;
nlohmann::json parse_answer(std::string_view body, std::string* why = nullptr);
// The string member `key` of `object`, or `fallback` when `object` is not an object or the member
// is missing or not a string (nlohmann's value() would throw on a member of another type).
std::string string_or(const nlohmann::json& object, std::string_view key,
                      std::string_view fallback);

nlohmann::json to_json(const FetchRequest& r);
nlohmann::json to_json(const FetchResult& r);
nlohmann::json to_json(const Referral& r);
nlohmann::json to_json(const DeliveryReceipt& r);
nlohmann::json to_json(const HealthReport& r);

std::optional<FetchRequest> fetch_request_from_json(const nlohmann::json& doc,
                                                    json_check::Issues& issues);
std::optional<FetchResult> fetch_result_from_json(const nlohmann::json& doc,
                                                  json_check::Issues& issues);
std::optional<Referral> referral_from_json(const nlohmann::json& doc, json_check::Issues& issues);
std::optional<DeliveryReceipt> receipt_from_json(const nlohmann::json& doc,
                                                 json_check::Issues& issues);
std::optional<HealthReport> health_from_json(const nlohmann::json& doc, json_check::Issues& issues);

// The referral's content digest (hex SHA-256 of its JSON): the same referral delivered twice
// has the same digest; a different one under the same id is a conflict.
std::string referral_digest(const Referral& r);

// An RFC 9457 problem document.
nlohmann::json problem(unsigned status, std::string_view type, std::string_view title,
                       std::string_view detail, const json_check::Issues* errors = nullptr);

}  // namespace silta::adapters::protocol
