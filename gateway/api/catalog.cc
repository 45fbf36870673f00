// GET /v1/catalog.
#include <algorithm>

#include "common/codec.h"
#include "gateway/api/requests.h"
#include "gateway/api/routes.h"
#include "gateway/logging.h"

namespace silta::gateway {

namespace asio = boost::asio;

void add_catalog_routes(Router& router, const Services& services) {
  const Services* s = &services;
  router.add(http::verb::get, "/v1/catalog",
             {Role::kAgency, Role::kPrivacyOfficer, Role::kOperator},
             [s](RequestContext&) -> asio::awaitable<Response> {
               Response r;
               r.body = s->engine.catalog_json();
               co_return r;
             });
}

}  // namespace silta::gateway
