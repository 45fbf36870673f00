// GET /v1/catalog.
#include "gateway/api/query.h"
#include "gateway/api/routes.h"

namespace silta::gateway {

namespace asio = boost::asio;

void add_catalog_routes(Router& router, const Services& services) {
  const Services* s = &services;
  router.add(http::verb::get, "/v1/catalog",
             {Role::kAgency, Role::kPrivacyOfficer, Role::kOperator},
             [s](RequestContext& ctx) -> asio::awaitable<Response> {
               if (auto refused = refuse_query_params(ctx)) co_return std::move(*refused);
               Response r;
               r.body = s->engine.catalog_json();
               co_return r;
             });
}

}  // namespace silta::gateway
