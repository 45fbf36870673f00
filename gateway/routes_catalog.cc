// GET /v1/catalog and the Idempotency-Key handling of POSTs.
#include "common/codec.h"
#include "gateway/routes.h"

namespace silta::gateway {

namespace asio = boost::asio;

void add_catalog_routes(Router& router, const Services& services) {
  const Services* s = &services;
  router.add(http::verb::get, "/v1/catalog",
             {Role::kAgency, Role::kPrivacyOfficer, Role::kOperator},
             [s](RequestContext&) -> asio::awaitable<Response> {
               Response r;
               r.body = s->catalog_json;
               co_return r;
             });
}

namespace {

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

Handler idempotent(const Services& services, Handler inner) {
  const Services* s = &services;
  return [s, inner = std::move(inner)](RequestContext& ctx) -> asio::awaitable<Response> {
    auto header = ctx.request.find("Idempotency-Key");
    if (header == ctx.request.end()) co_return co_await inner(ctx);
    std::string key(header->value());
    if (!valid_key(key)) {
      json_check::Issues issues;
      issues.add("Idempotency-Key", "expected 1-255 visible ASCII characters");
      co_return Response::from_problem(validation_problem(issues));
    }
    // The same key is the same request only with the same method, path and body.
    const std::string hash = sha256_hex(std::string(ctx.request.method_string()) + " " +
                                        std::string(ctx.path) + "\n" + ctx.request.body());
    const SysTime now = now_utc();
    const std::string agency = ctx.agency.id;
    auto find = [agency, key, now](store::Store& st) {
      return st.find_idempotency(agency, key, now);
    };
    auto found = co_await read_store(*s, std::move(find));
    if (!found) co_return Response::from_problem(problem_from_error(found.error()));
    if (found->has_value()) {
      const auto& record = **found;
      if (record.request_hash != hash) {
        co_return Response::from_problem(
            problem(409, "idempotency-key-reused", "Idempotency-Key reused",
                    "This Idempotency-Key was used for a different request."));
      }
      Response replay;
      replay.status = static_cast<unsigned>(record.status);
      replay.content_type = record.status >= 400 ? kProblemContentType : "application/json";
      replay.body = record.body;
      replay.headers.emplace_back("Idempotent-Replayed", "true");
      if (!record.location.empty()) replay.headers.emplace_back("Location", record.location);
      co_return replay;
    }
    Response response = co_await inner(ctx);
    // Server-side failures are not remembered: a retry should try again.
    if (response.status < 500) {
      store::IdempotencyRecord record{
          agency,        key, hash, static_cast<int>(response.status),
          response.body, "",  now,  now + s->config->exchange.idempotency_ttl};
      for (const auto& [name, value] : response.headers) {
        if (name == "Location") record.location = value;
      }
      auto save = [record](store::Store& st) { return st.save_idempotency(record); };
      auto saved = co_await on_store(*s, std::move(save));
      if (!saved && saved.error().code == ErrorCode::kConflict) {
        co_return Response::from_problem(
            problem(409, "idempotency-key-reused", "Idempotency-Key reused",
                    "This Idempotency-Key was used for a different request."));
      }
    }
    co_return response;
  };
}

}  // namespace silta::gateway
