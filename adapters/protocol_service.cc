#include "adapters/protocol_service.h"

#include <algorithm>

#include "adapters/categories.h"
#include "adapters/protocol.h"

namespace silta::adapters {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

ServiceReply reply(unsigned status, const json& body) {
  return ServiceReply{status, "application/json", body.dump()};
}

ServiceReply problem_reply(unsigned status, std::string_view type, std::string_view title,
                           std::string_view detail, const json_check::Issues* errors = nullptr) {
  return ServiceReply{status, std::string(protocol::kProblemContentType),
                      protocol::problem(status, type, title, detail, errors).dump()};
}

ServiceReply invalid(const json_check::Issues& issues) {
  return problem_reply(400, protocol::kValidation, "The request is not valid",
                       "The request has invalid fields.", &issues);
}

ServiceReply from_error(const Error& e) {
  switch (e.code) {
    case ErrorCode::kNotFound:
      return problem_reply(404, protocol::kUnknownAgency, "Unknown agency", e.message);
    case ErrorCode::kInvalidArgument:
      return problem_reply(400, protocol::kValidation, "The request is not valid", e.message);
    case ErrorCode::kConflict:
      return problem_reply(409, protocol::kReferralConflict,
                           "The referral id was delivered with other content", e.message);
    default:
      return problem_reply(503, protocol::kUnavailable, "The agency system is unavailable",
                           e.message);
  }
}

}  // namespace

ProtocolService::ProtocolService(std::shared_ptr<Adapter> adapter, Millis call_timeout)
    : adapter_(std::move(adapter)), call_timeout_(call_timeout) {}

ServiceReply ProtocolService::versions() const {
  return reply(200, {{"versions", {std::string(protocol::kVersion)}}});
}

asio::awaitable<ServiceReply> ProtocolService::health() {
  auto h = co_await adapter_->health(deadline());
  if (!h) co_return from_error(h.error());
  co_return reply(h->ok ? 200 : 503, protocol::to_json(*h));
}

asio::awaitable<ServiceReply> ProtocolService::fetch(
    const json& body, std::optional<std::vector<std::string>> catalog_categories) {
  json_check::Issues issues;
  auto request = protocol::fetch_request_from_json(body, issues);
  if (!request) co_return invalid(issues);
  auto known = [&](const std::string& id) {
    if (!catalog_categories) return is_catalog_category(id);
    return std::find(catalog_categories->begin(), catalog_categories->end(), id) !=
           catalog_categories->end();
  };
  json_check::Issues unknown;
  for (std::size_t i = 0; i < request->categories.size(); ++i) {
    if (!known(request->categories[i])) {
      unknown.add(json_check::child_pointer("/categories", i), "not a catalog category id");
    }
  }
  if (!unknown.empty()) {
    co_return problem_reply(400, protocol::kUnknownCategory, "Unknown category",
                            "A requested category is not in the catalog.", &unknown);
  }
  auto result = co_await adapter_->fetch(*request, deadline());
  if (!result) co_return from_error(result.error());
  co_return reply(200, protocol::to_json(*result));
}

asio::awaitable<ServiceReply> ProtocolService::deliver(std::string_view referral_id,
                                                       const json& body) {
  json_check::Issues issues;
  if (!protocol::valid_id(referral_id)) {
    issues.add("", "the referral id in the path must be 1-128 of A-Z a-z 0-9 - _ . :");
  }
  auto referral = protocol::referral_from_json(body, issues);
  if (referral && referral->id != referral_id) {
    issues.add("/id", "expected the referral id of the path");
  }
  if (!issues.empty()) co_return invalid(issues);
  auto receipt = co_await adapter_->deliver(*referral, deadline());
  if (!receipt) co_return from_error(receipt.error());
  co_return reply(receipt->duplicate ? 200 : 201, protocol::to_json(*receipt));
}

}  // namespace silta::adapters
