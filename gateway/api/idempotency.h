// Idempotency-Key for POSTs: a retry with the same key and body gets the first answer.
#pragma once

#include "gateway/http/request.h"
#include "gateway/services.h"

namespace silta::gateway {

// Wraps a POST handler so that a retry with the same Idempotency-Key and body gets the first
// answer, the same key with another body is 409 idempotency-key-reused, and a second request
// while the first is still running is 409 idempotency-key-in-progress.
Handler idempotent(const Services& services, Handler inner);

}  // namespace silta::gateway
