// The API's routes, wired to the modules they use (docs/api.md, docs/openapi.yaml).
#pragma once

#include <optional>

#include "gateway/api/requests.h"
#include "gateway/http/router.h"
#include "gateway/services.h"

namespace silta::gateway {

// Every route of the API listener: the add_*_routes below. docs/openapi.yaml documents exactly
// this set (tests/unit/gateway/openapi_routes_test.cc keeps the two equal).
void add_api_routes(Router& router, const Services& services);

// GET /v1/whoami: the caller's identity as the gateway sees it.
void add_identity_routes(Router& router);
// GET /v1/catalog
void add_catalog_routes(Router& router, const Services& services);
// POST /v1/exchanges, POST /v1/decisions
void add_exchange_routes(Router& router, const Services& services);
// POST /v1/consents, GET /v1/consents, GET /v1/consents/{id}, POST /v1/consents/{id}/revoke
void add_consent_routes(Router& router, const Services& services);
// POST /v1/referrals, GET /v1/referrals, GET /v1/referrals/{id},
// POST /v1/referrals/{id}/acknowledge, POST /v1/referrals/{id}/decision
void add_referral_routes(Router& router, const Services& services);
// The privacy officer's audit API: /v1/audit/...
void add_audit_routes(Router& router, const Services& services);

// The answer when an audit record could not be made durable: 503 audit-unavailable with
// `detail` (the log cannot write: retry later), or 500 internal when the log refused the record
// itself, which checking the request should have prevented (a gateway bug: logged, and not for
// the caller to retry).
Response audit_failed(const Error& error, ProblemText detail);

// The answer when the engine refused the request itself (the request checks catch what they
// can; what is left, such as a combination the catalog cannot decide): 400 validation with the
// engine's words, identity codes removed.
Response engine_refused(const Error& error);

// The answer when the calling agency states an actor role its registry entry (actor_roles) does
// not let it assert: 403 forbidden naming /actor/role, audited as an auth-failure record with
// outcome forbidden_actor_role (like a route the agency's role does not allow); nothing when
// no role is stated or the role is allowed.
std::optional<Response> refuse_actor_role(const Services& s, const RequestContext& ctx,
                                          const Actor& actor);

// The answer when the store could not list a page: a cursor the store does not know is the
// caller's mistake, 400 at ?cursor; anything else by its error code.
Response list_failed(const Error& error);

}  // namespace silta::gateway
