#include "adapters/http_adapter.h"

#include "adapters/protocol.h"

namespace silta::adapters {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr const char* kJson = "application/json";

// The first few issues on one line: enough for an operator to see what is wrong.
std::string summary(const json_check::Issues& issues) {
  std::string out;
  std::size_t n = 0;
  for (const auto& i : issues.list()) {
    if (n++ == 3) {
      out += " (and " + std::to_string(issues.list().size() - 3) + " more)";
      break;
    }
    out += (out.empty() ? "" : "; ") + (i.path.empty() ? "/" : i.path) + ": " + i.message.en;
  }
  return out;
}

}  // namespace

CatalogHeaders::CatalogHeaders(const protocol::CatalogStamp& stamp)
    : fields_(protocol::catalog_headers(stamp)) {}

void CatalogHeaders::replace(const protocol::CatalogStamp& stamp) {
  Fields fresh = protocol::catalog_headers(stamp);
  std::lock_guard lock(mu_);
  fields_ = std::move(fresh);
}

CatalogHeaders::Fields CatalogHeaders::fields() const {
  std::lock_guard lock(mu_);
  return fields_;
}

HttpAdapter::HttpAdapter(std::shared_ptr<Endpoint> endpoint,
                         std::shared_ptr<const CatalogHeaders> catalog)
    : endpoint_(std::move(endpoint)), catalog_(std::move(catalog)) {}

CatalogHeaders::Fields HttpAdapter::catalog_fields() const {
  return catalog_ ? catalog_->fields() : CatalogHeaders::Fields{};
}

Error HttpAdapter::out_of_contract(std::string_view operation, const std::string& what) const {
  // The adapter's text may contain anything, an identity code included.
  std::string safe = protocol::redact_identity_codes(what);
  endpoint_->emit(EventLevel::kWarn, "adapter_protocol_violation",
                  {{"operation", operation}, {"problem", safe}});
  return make_error(ErrorCode::kUnavailable, "the adapter of " + endpoint_->agency() +
                                                 " answered out of contract (" +
                                                 std::string(operation) + "): " + safe);
}

Error HttpAdapter::rejected(std::string_view operation, const HttpReply& reply) const {
  std::string what = "HTTP " + std::to_string(reply.status);
  auto doc = protocol::parse_answer(reply.body);
  if (doc.is_object()) {
    if (doc.contains("type") && doc["type"].is_string()) {
      std::string type = doc["type"].get<std::string>();
      if (type.rfind(protocol::kProblemTypePrefix, 0) == 0) {
        type = type.substr(protocol::kProblemTypePrefix.size());
      }
      what += " " + type;
    }
    if (doc.contains("detail") && doc["detail"].is_string()) {
      what += ": " + doc["detail"].get<std::string>();
    }
  }
  what = protocol::redact_identity_codes(what);
  if (reply.status == 409) {
    return make_error(ErrorCode::kConflict, "the system of " + endpoint_->agency() +
                                                " refused the " + std::string(operation) + ": " +
                                                what);
  }
  if (reply.status >= 500) {
    return make_error(ErrorCode::kUnavailable, "the system of " + endpoint_->agency() +
                                                   " failed (" + std::string(operation) +
                                                   "): " + what);
  }
  return make_error(ErrorCode::kFailedPrecondition, "the adapter of " + endpoint_->agency() +
                                                        " refused the " + std::string(operation) +
                                                        " request: " + what);
}

asio::awaitable<Result<FetchResult>> HttpAdapter::fetch(const FetchRequest& request,
                                                        Deadline deadline) {
  HttpCall call;
  call.headers = catalog_fields();
  call.method = http::verb::post;
  call.target = std::string(protocol::kFetchPath);
  call.body = protocol::to_json(request).dump();
  call.content_type = kJson;
  call.request_id = request.request_id;
  auto reply = co_await endpoint_->call("fetch", call, deadline);
  if (!reply) co_return reply.error();
  if (reply->status != 200) co_return rejected("fetch", *reply);
  std::string why;
  auto doc = protocol::parse_answer(reply->body, &why);
  if (doc.is_discarded()) co_return out_of_contract("fetch", why);
  json_check::Issues issues;
  auto result = protocol::fetch_result_from_json(doc, issues);
  if (!result) co_return out_of_contract("fetch", summary(issues));
  if (result->subject_known) {
    for (const auto& c : request.categories) {
      if (!result->categories.count(c)) {
        co_return out_of_contract("fetch", "the requested category " + c + " is missing");
      }
    }
  }
  co_return std::move(*result);
}

asio::awaitable<Result<DeliveryReceipt>> HttpAdapter::deliver(const Referral& referral,
                                                              Deadline deadline) {
  HttpCall call;
  call.headers = catalog_fields();
  call.method = http::verb::put;
  call.target = std::string(protocol::kReferralsPath) + referral.id;  // valid_id: URL-safe
  call.body = protocol::to_json(referral).dump();
  call.content_type = kJson;
  call.request_id = referral.id;
  auto reply = co_await endpoint_->call("deliver", call, deadline);
  if (!reply) co_return reply.error();
  if (reply->status != 200 && reply->status != 201) co_return rejected("deliver", *reply);
  std::string why;
  auto doc = protocol::parse_answer(reply->body, &why);
  if (doc.is_discarded()) co_return out_of_contract("deliver", why);
  json_check::Issues issues;
  auto receipt = protocol::receipt_from_json(doc, issues);
  if (!receipt) co_return out_of_contract("deliver", summary(issues));
  if (receipt->referral_id != referral.id) {
    co_return out_of_contract("deliver", "the receipt names another referral");
  }
  co_return std::move(*receipt);
}

asio::awaitable<Result<HealthReport>> HttpAdapter::health(Deadline deadline) {
  HttpCall call;
  call.headers = catalog_fields();
  call.target = std::string(protocol::kHealthPath);
  auto reply = co_await endpoint_->call("health", call, deadline);
  if (!reply) co_return reply.error();
  if (reply->status != 200) co_return rejected("health", *reply);
  std::string why;
  auto doc = protocol::parse_answer(reply->body, &why);
  if (doc.is_discarded()) co_return out_of_contract("health", why);
  json_check::Issues issues;
  auto report = protocol::health_from_json(doc, issues);
  if (!report) co_return out_of_contract("health", summary(issues));
  co_return std::move(*report);
}

std::optional<bool> HttpAdapter::circuit_open() const {
  return endpoint_->breaker().state() != CircuitState::kClosed;
}

}  // namespace silta::adapters
