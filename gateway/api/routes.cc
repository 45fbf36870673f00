#include "gateway/api/routes.h"

namespace silta::gateway {

void add_api_routes(Router& router, const Services& services) {
  add_identity_routes(router);
  add_catalog_routes(router, services);
  add_exchange_routes(router, services);
  add_consent_routes(router, services);
  add_referral_routes(router, services);
  add_audit_routes(router, services);
}

}  // namespace silta::gateway
