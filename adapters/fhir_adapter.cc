#include "adapters/fhir_adapter.h"

#include "adapters/protocol.h"
#include "adapters/url.h"

namespace silta::adapters {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr const char* kFhirJson = "application/fhir+json";
constexpr std::string_view kDigestExtension = "urn:silta:referral-digest";

const json* link_next(const json& bundle) {
  if (!bundle.contains("link") || !bundle["link"].is_array()) return nullptr;
  for (const auto& l : bundle["link"]) {
    if (protocol::string_or(l, "relation", "") == "next" && l.contains("url") &&
        l["url"].is_string()) {
      return &l["url"];
    }
  }
  return nullptr;
}

bool has_errors(const json& outcome) {
  if (!outcome.contains("issue") || !outcome["issue"].is_array()) return false;
  for (const auto& i : outcome["issue"]) {
    auto sev = protocol::string_or(i, "severity", "");
    if (sev == "error" || sev == "fatal") return true;
  }
  return false;
}

std::string digest_of(const json& resource) {
  if (!resource.contains("extension") || !resource["extension"].is_array()) return {};
  for (const auto& e : resource["extension"]) {
    if (protocol::string_or(e, "url", "") == kDigestExtension)
      return protocol::string_or(e, "valueString", "");
  }
  return {};
}

}  // namespace

std::string describe_operation_outcome(const json& outcome) {
  std::string out;
  if (outcome.contains("issue") && outcome["issue"].is_array()) {
    for (const auto& i : outcome["issue"]) {
      if (!i.is_object()) continue;
      std::string one =
          protocol::string_or(i, "severity", "?") + "/" + protocol::string_or(i, "code", "?");
      std::string text = protocol::string_or(i, "diagnostics", "");
      if (text.empty() && i.contains("details") && i["details"].is_object()) {
        text = protocol::string_or(i["details"], "text", "");
      }
      if (!text.empty()) one += ": " + text;
      out += (out.empty() ? "" : "; ") + one;
    }
  }
  if (out.empty()) out = "an OperationOutcome without issues";
  return protocol::redact_identity_codes(out);
}

FhirAdapter::FhirAdapter(std::shared_ptr<Endpoint> endpoint, FhirSettings settings)
    : endpoint_(std::move(endpoint)), settings_(std::move(settings)) {}

asio::awaitable<Result<json>> FhirAdapter::interact(std::string_view what, const HttpCall& call,
                                                    Deadline deadline) {
  auto reply = co_await endpoint_->call(what, call, deadline);
  if (!reply) co_return reply.error();
  auto doc = protocol::parse_answer(reply->body);
  const bool outcome = protocol::string_or(doc, "resourceType", "") == "OperationOutcome";
  const std::string who = "the FHIR server of " + endpoint_->agency();
  if (reply->status < 200 || reply->status >= 300) {
    std::string detail = "HTTP " + std::to_string(reply->status);
    if (outcome) detail += ": " + describe_operation_outcome(doc);
    // A 4xx is a refusal (e.g. a search parameter the server does not know: a mapping to
    // fix); a 5xx is the system failing.
    co_return make_error(
        reply->status < 500 ? ErrorCode::kFailedPrecondition : ErrorCode::kUnavailable,
        who + " refused the " + std::string(what) + ": " + detail);
  }
  if (!doc.is_object() || !doc.contains("resourceType")) {
    std::string problem = "the answer is not a FHIR JSON resource";
    endpoint_->emit(EventLevel::kWarn, "adapter_protocol_violation",
                    {{"operation", what}, {"problem", problem}});
    co_return make_error(ErrorCode::kUnavailable, who + " answered the " + std::string(what) +
                                                      " out of contract: " + problem);
  }
  if (outcome && has_errors(doc)) {
    co_return make_error(ErrorCode::kUnavailable, who + " failed the " + std::string(what) + ": " +
                                                      describe_operation_outcome(doc));
  }
  co_return doc;
}

namespace {

// The matched resources of a searchset Bundle page, or an error text.
Result<std::vector<json>> matches(const json& bundle, std::string_view resource_type) {
  auto bad = [](std::string what) {
    return make_error(ErrorCode::kUnavailable, "a search answer is out of contract: " + what);
  };
  if (protocol::string_or(bundle, "resourceType", "") != "Bundle") return bad("expected a Bundle");
  if (protocol::string_or(bundle, "type", "") != "searchset")
    return bad("expected a searchset Bundle");
  std::vector<json> out;
  if (!bundle.contains("entry")) return out;
  if (!bundle["entry"].is_array()) return bad("expected entry to be an array");
  for (const auto& e : bundle["entry"]) {
    if (!e.is_object() || !e.contains("resource") || !e["resource"].is_object()) {
      return bad("expected every entry to hold a resource");
    }
    std::string mode = "match";
    if (e.contains("search") && e["search"].is_object())
      mode = protocol::string_or(e["search"], "mode", "match");
    const json& r = e["resource"];
    if (mode == "outcome") {
      if (protocol::string_or(r, "resourceType", "") == "OperationOutcome" && has_errors(r)) {
        return make_error(ErrorCode::kUnavailable,
                          "the search reported: " + describe_operation_outcome(r));
      }
      continue;
    }
    if (mode != "match") continue;  // _include'd resources are not asked for
    if (protocol::string_or(r, "resourceType", "") != resource_type) {
      return bad("a match is a " +
                 protocol::redact_identity_codes(protocol::string_or(r, "resourceType", "?"), 40) +
                 ", not a " + std::string(resource_type));
    }
    out.push_back(r);
  }
  return out;
}

bool has_identifier(const json& patient, std::string_view system, std::string_view value) {
  if (!patient.contains("identifier") || !patient["identifier"].is_array()) return false;
  for (const auto& i : patient["identifier"]) {
    if (protocol::string_or(i, "system", "") == system &&
        protocol::string_or(i, "value", "") == value) {
      return true;
    }
  }
  return false;
}

}  // namespace

asio::awaitable<Result<json>> FhirAdapter::find_patient(const FetchRequest& request,
                                                        Deadline deadline) {
  HttpCall call;
  call.method = http::verb::post;
  call.target = "/Patient/_search";
  call.content_type = "application/x-www-form-urlencoded";
  call.accept = kFhirJson;
  call.request_id = request.request_id;
  call.body =
      "identifier=" + url_encode(std::string(kFinnishIdentityCodeSystem) + "|" + request.subject);
  auto doc = co_await interact("patient search", call, deadline);
  if (!doc) co_return doc.error();
  auto found = matches(*doc, "Patient");
  if (!found) co_return found.error();
  if (found->size() > 1 || link_next(*doc) != nullptr) {
    co_return make_error(ErrorCode::kUnavailable,
                         "the FHIR server of " + endpoint_->agency() +
                             " has several patients for one identity code");
  }
  if (found->empty()) co_return json();
  json patient = std::move(found->front());
  // A server that ignores the identifier parameter answers with every patient; never take
  // one of those for the subject.
  if (!has_identifier(patient, kFinnishIdentityCodeSystem, request.subject) ||
      !patient.contains("id") || !patient["id"].is_string()) {
    co_return make_error(ErrorCode::kUnavailable,
                         "the FHIR server of " + endpoint_->agency() +
                             " answered the patient search with a Patient that does not carry "
                             "the identity code searched for");
  }
  co_return patient;
}

asio::awaitable<Result<json>> FhirAdapter::search(const FhirSearch& s,
                                                  const std::string& patient_id,
                                                  const std::string& request_id,
                                                  Deadline deadline) {
  HttpCall call;
  call.accept = kFhirJson;
  call.request_id = request_id;
  call.target =
      "/" + s.resource + "?" + s.patient_param + "=" + url_encode("Patient/" + patient_id);
  for (const auto& [k, v] : s.params) call.target += "&" + k + "=" + url_encode(v);
  call.target += "&_count=" + std::to_string(settings_.page_size);
  json records = json::array();
  for (int page = 0; page < settings_.max_pages; ++page) {
    auto doc = co_await interact(s.resource + " search", call, deadline);
    if (!doc) co_return doc.error();
    auto found = matches(*doc, s.resource);
    if (!found) {
      co_return make_error(found.error().code, "the FHIR server of " + endpoint_->agency() + ", " +
                                                   s.resource +
                                                   " search: " + found.error().message);
    }
    for (auto& r : *found) records.push_back(std::move(r));
    const json* next = link_next(*doc);
    if (next == nullptr) co_return records;
    auto target = endpoint_->client().target_of_link(next->get<std::string>());
    if (!target) co_return target.error();
    call.target = *target;
  }
  co_return make_error(ErrorCode::kUnavailable,
                       "the FHIR server of " + endpoint_->agency() + ", " + s.resource +
                           " search: more than " + std::to_string(settings_.max_pages) +
                           " pages (raise max_pages or narrow the search)");
}

asio::awaitable<Result<FetchResult>> FhirAdapter::fetch(const FetchRequest& request,
                                                        Deadline deadline) {
  auto patient = co_await find_patient(request, deadline);
  if (!patient) co_return patient.error();
  FetchResult result;
  if (patient->is_null()) {
    result.subject_known = false;
    co_return result;
  }
  const std::string id = (*patient)["id"].get<std::string>();
  for (const auto& category : request.categories) {
    json records = json::array();
    auto m = settings_.mapping.find(category);
    if (m != settings_.mapping.end()) {
      for (const auto& s : m->second) {
        if (s.resource == "Patient") {
          records.push_back(*patient);
          continue;
        }
        auto found = co_await search(s, id, request.request_id, deadline);
        if (!found) co_return found.error();
        for (auto& r : *found) records.push_back(std::move(r));
      }
    }
    result.categories[category] = std::move(records);
  }
  co_return result;
}

namespace {

// Built outside the coroutine: GCC 12 miscompiles initializer lists inside a coroutine body.
json communication_of(const Referral& referral, const std::string& digest) {
  return {
      {"resourceType", "Communication"},
      {"identifier", {{{"system", kReferralIdentifierSystem}, {"value", referral.id}}}},
      {"extension", {{{"url", kDigestExtension}, {"valueString", digest}}}},
      {"status", "completed"},
      {"category",
       {{{"coding", {{{"system", "urn:silta:referral-kind"}, {"code", referral.kind}}}}}}},
      {"priority", referral.urgent ? "urgent" : "routine"},
      {"subject",
       {{"identifier", {{"system", kFinnishIdentityCodeSystem}, {"value", referral.subject}}}}},
      {"sent", format_rfc3339(referral.sent_at)},
      {"sender",
       {{"identifier", {{"system", kAgencyIdentifierSystem}, {"value", referral.sender_agency}}}}},
      {"recipient",
       {{{"identifier",
          {{"system", kAgencyIdentifierSystem}, {"value", referral.recipient_agency}}}}}},
      {"reasonCode", {{{"text", referral.basis}}}},
      {"payload", {{{"contentString", referral.content.dump()}}}}};
}

// Conditional create: the server creates nothing when the referral id exists, so a retry (or
// a second worker) cannot make a second Communication.
std::vector<std::pair<std::string, std::string>> conditional_create_headers(const std::string& id) {
  return {{"If-None-Exist",
           "identifier=" + url_encode(std::string(kReferralIdentifierSystem) + "|" + id)},
          {"Prefer", "return=representation"}};
}

}  // namespace

asio::awaitable<Result<DeliveryReceipt>> FhirAdapter::deliver(const Referral& referral,
                                                              Deadline deadline) {
  const std::string digest = protocol::referral_digest(referral);
  HttpCall call;
  call.method = http::verb::post;
  call.target = "/Communication";
  call.content_type = kFhirJson;
  call.accept = kFhirJson;
  call.request_id = referral.id;
  call.body = communication_of(referral, digest).dump();
  call.headers = conditional_create_headers(referral.id);
  auto reply = co_await endpoint_->call("fhir create Communication", call, deadline);
  if (!reply) co_return reply.error();
  if (reply->status != 200 && reply->status != 201) {
    auto doc = protocol::parse_answer(reply->body);
    std::string detail = "HTTP " + std::to_string(reply->status);
    if (protocol::string_or(doc, "resourceType", "") == "OperationOutcome") {
      detail += ": " + describe_operation_outcome(doc);
    }
    co_return make_error(
        reply->status < 500 ? ErrorCode::kFailedPrecondition : ErrorCode::kUnavailable,
        "the FHIR server of " + endpoint_->agency() + " refused the referral: " + detail);
  }
  auto doc = protocol::parse_answer(reply->body);
  if (protocol::string_or(doc, "resourceType", "") != "Communication" || !doc.contains("id") ||
      !doc["id"].is_string()) {
    co_return make_error(ErrorCode::kUnavailable,
                         "the FHIR server of " + endpoint_->agency() +
                             " did not return the Communication it stored");
  }
  DeliveryReceipt receipt;
  receipt.referral_id = referral.id;
  receipt.reference = "Communication/" + doc["id"].get<std::string>();
  receipt.duplicate = reply->status == 200;
  receipt.received_at = now_utc();
  if (doc.contains("meta") && doc["meta"].is_object()) {
    if (auto t = parse_rfc3339(protocol::string_or(doc["meta"], "lastUpdated", "")))
      receipt.received_at = *t;
  }
  if (receipt.duplicate && digest_of(doc) != digest) {
    co_return make_error(ErrorCode::kConflict,
                         "referral " + referral.id + " was delivered before with other content");
  }
  co_return receipt;
}

asio::awaitable<Result<HealthReport>> FhirAdapter::health(Deadline deadline) {
  HttpCall call;
  call.target = "/metadata";
  call.accept = kFhirJson;
  auto doc = co_await interact("capability statement", call, deadline);
  if (!doc) co_return doc.error();
  const std::string version = protocol::string_or(*doc, "fhirVersion", "");
  if (protocol::string_or(*doc, "resourceType", "") != "CapabilityStatement" ||
      version.rfind("4.0", 0) != 0) {
    co_return make_error(ErrorCode::kUnavailable,
                         "the FHIR server of " + endpoint_->agency() + " is not a FHIR R4 server");
  }
  HealthReport report;
  report.ok = true;
  std::string system = "FHIR " + version + " server";
  if (doc->contains("software") && (*doc)["software"].is_object()) {
    system += ": " + protocol::string_or((*doc)["software"], "name", "") + " " +
              protocol::string_or((*doc)["software"], "version", "");
  }
  report.system = protocol::redact_identity_codes(system, 200);
  HolderInfo holder{endpoint_->agency(), {}};
  for (const auto& [category, searches] : settings_.mapping) holder.categories.push_back(category);
  report.agencies.push_back(std::move(holder));
  co_return report;
}

std::optional<bool> FhirAdapter::circuit_open() const {
  return endpoint_->breaker().state() != CircuitState::kClosed;
}

}  // namespace silta::adapters
