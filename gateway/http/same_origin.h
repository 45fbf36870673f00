// Cross-site request forgery: a privacy officer's browser presents its client certificate to
// whatever page makes it call the gateway, so a page on another site could otherwise review a
// break-glass access in the officer's name. Browsers say where a request comes from (Fetch
// Metadata's Sec-Fetch-Site; Origin on every POST); agency systems send neither header and are
// not affected (docs/api.md, "Calls from a browser").
#pragma once

#include <optional>

#include "gateway/http/request.h"

namespace silta::gateway {

// The problem (403 cross-origin-request) when a browser sent `req` from another origin:
//  - a state-changing method (anything but GET and HEAD) with Sec-Fetch-Site other than
//    same-origin, or with an Origin other than https://<Host>;
//  - a GET or HEAD that another site made its page fetch (Sec-Fetch-Site cross-site or
//    same-site), except a navigation (a link someone followed).
// std::nullopt when the request carries neither header (not a browser) or comes from the
// gateway's own pages.
std::optional<Problem> cross_origin_problem(const Request& req);

}  // namespace silta::gateway
