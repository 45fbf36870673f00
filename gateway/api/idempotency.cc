// The Idempotency-Key handling of POSTs (docs/api.md, "Conventions").
#include <algorithm>

#include "common/codec.h"
#include "gateway/api/idempotency.h"
#include "gateway/api/requests.h"
#include "gateway/logging.h"

namespace silta::gateway {

namespace asio = boost::asio;

namespace {

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

Response key_reused() {
  return Response::from_problem(
      problem(409, "idempotency-key-reused", ProblemText::kIdempotencyKeyReused));
}

Response in_progress() {
  auto r = Response::from_problem(
      problem(409, "idempotency-key-in-progress", ProblemText::kIdempotencyInProgress));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// What a request finds under its key: the first answer again, or why it may not run.
Response answer_from(const store::IdempotencyRecord& record, const std::string& hash) {
  if (record.request_hash != hash) return key_reused();
  if (record.status == 0) return in_progress();
  Response replay;
  replay.status = static_cast<unsigned>(record.status);
  replay.content_type = record.status >= 400 ? kProblemContentType : "application/json";
  replay.body = record.body;
  replay.headers.emplace_back("Idempotent-Replayed", "true");
  replay.in_request_language = false;  // in the first request's language
  if (!record.location.empty()) replay.headers.emplace_back("Location", record.location);
  return replay;
}

}  // namespace

// A request with a key first reserves it (a pending record, status 0, with a random token as
// its body), durably — or finds the key's live record and answers from it — then runs, then stores
// its answer over the reservation. A second request with the key meanwhile gets 409
// idempotency-key-in-progress, so the same exchange never runs twice at once, also across instances
// sharing a PostgreSQL store. A 5xx answer releases the key (a retry should try again); a
// reservation whose instance died expires after max(60 s, 4 × the longest adapter timeout).
Handler idempotent(const Services& services, Handler inner) {
  const Services* s = &services;
  return [s, inner = std::move(inner)](RequestContext& ctx) -> asio::awaitable<Response> {
    auto header = ctx.request.find("Idempotency-Key");
    if (header == ctx.request.end()) co_return co_await inner(ctx);
    std::string key(header->value());
    if (!valid_key(key)) {
      json_check::Issues issues;
      issues.add("Idempotency-Key", Texts{"odotettiin 1–255 näkyvää ASCII-merkkiä",
                                          "förväntade 1–255 synliga ASCII-tecken",
                                          "expected 1-255 visible ASCII characters"});
      co_return Response::from_problem(validation_problem(issues));
    }
    // The same key is the same request only with the same method, path and body.
    const std::string hash = sha256_hex(std::string(ctx.request.method_string()) + " " +
                                        std::string(ctx.path) + "\n" + ctx.request.body());
    const SysTime now = now_utc();
    const std::string agency = ctx.agency.id;
    // One durable statement both reserves a new key and returns what a live key holds.
    const auto pending_ttl = std::max<std::chrono::microseconds>(
        std::chrono::seconds(60), 4 * s->config->adapters.longest_timeout());
    const std::string token = new_id("pending-");
    store::IdempotencyRecord reservation{agency, key, hash, 0, token, "", now, now + pending_ttl};
    auto reserve = [reservation](store::Store& st) { return st.save_idempotency(reservation); };
    auto reserved = co_await on_store(*s, std::move(reserve));
    if (!reserved) {
      if (reserved.error().code == ErrorCode::kConflict) co_return key_reused();
      co_return Response::from_problem(problem_from_error(reserved.error()));
    }
    if (reserved->status != 0 || reserved->body != token) co_return answer_from(*reserved, hash);

    Response response = co_await inner(ctx);
    response.localise(ctx.lang);  // the body stored is the body answered
    store::IdempotencyRecord answer = reservation;
    if (response.status < 500) {
      answer.status = static_cast<int>(response.status);
      answer.body = response.body;
      answer.expires_at = now_utc() + s->config->exchange.idempotency_ttl;
      for (const auto& [name, value] : response.headers) {
        if (name == "Location") answer.location = value;
      }
    } else {
      answer.expires_at = now;  // released: expired at once
    }
    auto save = [answer](store::Store& st) { return st.save_idempotency(answer); };
    if (auto saved = co_await on_store(*s, std::move(save)); !saved) {
      // The answer stands; a retry finds the reservation until it expires.
      logging::warn("idempotency_save_failed", {{"error", saved.error().message}});
    }
    co_return response;
  };
}

}  // namespace silta::gateway
