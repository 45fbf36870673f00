// libFuzzer target: query strings as the gateway reads them (gateway/http/router.h parse_query,
// then gateway/api/query.h QueryParams the way the audit, consent and referral lists read them,
// then the 400 the gateway would answer). Input: a byte that picks the route's reading, then the
// query string. Nothing may crash; every issue is a "?name" pointer without an identity code; the
// problem renders as JSON that reads back; an actor that is accepted is one the audit log accepts.
#include <cstdlib>

#include "gateway/api/query.h"
#include "gateway/api/requests.h"
#include "gateway/http/problem.h"
#include "gateway/http/router.h"
#include "tests/fuzz/request_fuzz_support.h"

using namespace silta;
using namespace silta::gateway;
using json_check::Need;

namespace {

// What one route reads, as its handler does (gateway/api/audit.cc, consents.cc, referrals.cc),
// for a caller with a system's certificate or (the route byte's high bit) a person's own.
void read_route(std::uint8_t route, QueryParams& q, std::string& actor) {
  static const Agency system;
  static const Agency person = [] {
    Agency a;
    a.person = "liisa.laine";
    return a;
  }();
  const Agency& caller = (route & 0x80) != 0 ? person : system;
  switch (route % 5) {
    case 0:  // GET /v1/audit/records
      actor = q.actor(caller);
      (void)q.identity_code("subject", Need::kOptional);
      (void)q.text("agency", Need::kOptional, {}, kReferenceRule);
      (void)q.text("event_type");
      (void)q.time("from");
      (void)q.time("until");
      (void)q.text("cursor", Need::kOptional, {}, kReferenceRule);
      (void)q.number("limit", Need::kOptional, 1000);
      break;
    case 1:  // GET /v1/audit/subject-report
      actor = q.actor(caller);
      (void)q.identity_code("subject", Need::kRequired);
      (void)q.text("format");
      break;
    case 2:  // GET /v1/audit/proofs/...
      actor = q.actor(caller);
      (void)q.number("index", Need::kRequired, UINT64_MAX / 2);
      (void)q.number("size", Need::kRequired, UINT64_MAX / 2);
      break;
    case 3:  // GET /v1/consents
      (void)q.identity_code("subject", Need::kRequired);
      (void)q.boolean("all");
      break;
    default:  // GET /v1/referrals
      (void)q.text("role");
      (void)q.text("state");
      (void)q.boolean("overdue");
      (void)q.text("cursor", Need::kOptional, {}, kReferenceRule);
      (void)q.number("limit", Need::kOptional, 500);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Query query;
  if (!parse_query(text, query)) return 0;  // 400 malformed-query
  json_check::Issues issues;
  QueryParams q(query, issues);
  std::string actor;
  read_route(data[0], q, actor);
  q.no_other_params();
  fuzz::check_issues(issues);
  for (const auto& i : issues.list()) {
    if (i.path.empty() || i.path[0] != '?') std::abort();
  }
  if (!issues.empty()) {
    auto body = nlohmann::json::parse(validation_problem(issues).body(Lang::kEn), nullptr, false);
    if (body.is_discarded() || body["errors"].size() != issues.list().size()) std::abort();
    return 0;
  }
  if (!actor.empty()) {
    audit::AuditEvent e;
    e.type = audit::EventType::kAuditRead;
    e.agency = "a-privacy";
    e.actor = actor;
    e.reference = "records";
    e.outcome = "ok";
    fuzz::check_auditable(e);
  }
  return 0;
}
