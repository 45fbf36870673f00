#include "gateway/api/query.h"
#include "gateway/api/routes.h"

namespace silta::gateway {

void add_identity_routes(Router& router) {
  router.add(http::verb::get, "/v1/whoami", {Role::kAgency, Role::kPrivacyOfficer, Role::kOperator},
             [](RequestContext& ctx) -> boost::asio::awaitable<Response> {
               if (auto refused = refuse_query_params(ctx)) co_return std::move(*refused);
               const Agency& a = ctx.agency;
               nlohmann::json roles = nlohmann::json::array();
               for (Role r : a.roles) roles.push_back(role_name(r));
               nlohmann::json body = {{"agency_id", a.id},
                                      {"name", a.name},
                                      {"kind", a.kind},
                                      {"authority", a.authority},
                                      {"business_id", a.business_id},
                                      {"roles", roles}};
               if (!a.person.empty()) body["person"] = {{"id", a.person}, {"name", a.person_name}};
               co_return Response::json(200, body);
             });
}

}  // namespace silta::gateway
