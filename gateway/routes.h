// The API's routes, wired to the modules they use.
#pragma once

#include "gateway/router.h"

namespace silta::gateway {

// GET /v1/whoami: the caller's identity as the gateway sees it.
void add_identity_routes(Router& router);

}  // namespace silta::gateway
