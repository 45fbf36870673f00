// The privacy officer's audit API (tietosuojavastaava): search the log, the subject's log-data
// report (ATL 11 §), checkpoints and proofs, and the review queue of break-glass accesses.
// Every read here is itself audited, durably, before the answer goes out.
#include <algorithm>
#include <charconv>
#include <type_traits>

#include "common/codec.h"
#include "gateway/api/idempotency.h"
#include "gateway/api/query.h"
#include "gateway/api/receipts.h"
#include "gateway/api/record_filter.h"
#include "gateway/api/requests.h"
#include "gateway/api/routes.h"
#include "gateway/api/subject_report.h"
#include "gateway/referral_rules.h"
#include "gateway/witness/submitter.h"

namespace silta::gateway {

namespace asio = boost::asio;

namespace {

constexpr std::uint64_t kMaxPage = 1000;
// A search with a record filter (outcome, case_reference, acted_by) reads at most this many index
// entries per page (docs/openapi.yaml).
constexpr std::size_t kMaxScan = 20 * kMaxPage;

// Records the read; nothing is answered unless this is durable.
asio::awaitable<Result<std::uint64_t>> audit_read(
    const Services& s, const RequestContext& ctx, const std::string& actor, std::string what,
    std::optional<audit::Pseudonym> subject = std::nullopt) {
  audit::AuditEvent e;
  e.type = audit::EventType::kAuditRead;
  e.agency = ctx.agency.id;
  e.actor = actor;
  if (subject) {
    e.subject = subject->value;
    e.subject_key = subject->key_id;
  }
  e.reference = std::move(what);
  e.outcome = "ok";
  co_return co_await audit_durably(s, std::move(e));
}

constexpr ProblemText kNotAnswered = ProblemText::kReadNotRecorded;

// Full records (full_record()); an entry without one as indexed.
nlohmann::json records_json(const Services& s, const std::vector<store::AuditIndexEntry>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : items) {
    if (auto r = full_record(s, e)) {
      auto j = audit::to_json(*r);
      j["origin"] = e.origin;
      out.push_back(std::move(j));
      continue;
    }
    out.push_back({{"origin", e.origin},
                   {"seq", e.sequence},
                   {"time", format_rfc3339(e.time)},
                   {"type", e.event_type},
                   {"agency", e.agency},
                   {"subject", e.subject_pseudonym},
                   {"target", e.target_agency},
                   {"purpose", e.purpose},
                   {"full_record", false}});
  }
  return out;
}

asio::awaitable<Response> records(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto actor = query.actor(ctx.agency);
  auto code = query.identity_code("subject", json_check::Need::kOptional);
  store::AuditIndexQuery q;
  q.agency = query.text("agency", json_check::Need::kOptional, {}, kReferenceRule);
  q.event_type = query.text("event_type");
  if (q.event_type && !audit::parse_event_type(*q.event_type)) {
    issues.add("?event_type", json_check::quoting({"tuntematon tapahtumatyyppi",
                                                   "okänd händelsetyp", "unknown event type"},
                                                  *q.event_type));
  }
  q.purpose = query.text("purpose", json_check::Need::kOptional, {}, kReferenceRule);
  RecordFilter filter;
  filter.outcome = query.text("outcome");
  if (filter.outcome &&
      std::ranges::find(kOutcomeFilters, *filter.outcome) == kOutcomeFilters.end()) {
    issues.add("?outcome", json_check::expected_one_of("granted, denied, break_glass, failed"));
  }
  filter.case_reference =
      query.text("case_reference", json_check::Need::kOptional, {}, kReferenceRule);
  filter.acted_by = query.text("acted_by", json_check::Need::kOptional, {}, kActorRule);
  q.from = query.time("from");
  q.until = query.time("until");
  q.cursor = query.text("cursor", json_check::Need::kOptional, {}, kReferenceRule).value_or("");
  q.limit = query.number("limit", json_check::Need::kOptional, kMaxPage).value_or(100);
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  std::optional<audit::Pseudonym> subject;
  if (code) {
    subject = s.pseudonyms->pseudonymise(code->normalised());
    for (const auto& p : s.pseudonyms->all_pseudonyms(code->normalised())) {
      q.subject_pseudonyms.push_back(p.value);
    }
  }
  // The index first catches up with every durable record, so a search sees all of them.
  auto search = [q, filter, indexer = s.indexer](
                    store::Store& st) -> Result<store::Page<store::AuditIndexEntry>> {
    if (auto caught_up = indexer->catch_up(); !caught_up) return caught_up.error();
    return filtered_page(st, q, filter, kMaxScan);
  };
  auto page = co_await on_store(s, std::move(search));
  if (!page) co_return list_failed(page.error());
  auto read = co_await audit_read(s, ctx, actor, "records", subject);
  if (!read) co_return audit_failed(read.error(), kNotAnswered);
  nlohmann::json body = {{"records", records_json(s, page->items)}};
  if (!page->next_cursor.empty()) body["next_cursor"] = page->next_cursor;
  co_return Response::json(200, body);
}

asio::awaitable<Response> subject_report(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto actor = query.actor(ctx.agency);
  auto code = query.identity_code("subject", json_check::Need::kRequired);
  std::string format = query.text("format").value_or("json");
  if (format != "json" && format != "html")
    issues.add("?format", json_check::expected_one_of("json, html"));
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto subject = s.pseudonyms->pseudonymise(code->normalised());
  store::AuditIndexQuery q;
  for (const auto& p : s.pseudonyms->all_pseudonyms(code->normalised())) {
    q.subject_pseudonyms.push_back(p.value);
  }
  q.limit = kMaxPage;
  auto every_page = [q, indexer = s.indexer](
                        store::Store& st) mutable -> Result<std::vector<store::AuditIndexEntry>> {
    if (auto caught_up = indexer->catch_up(); !caught_up) return caught_up.error();
    std::vector<store::AuditIndexEntry> all;
    for (;;) {
      auto page = st.query_audit_index(q);
      if (!page) return page.error();
      for (auto& e : page->items) all.push_back(std::move(e));
      if (page->next_cursor.empty() || all.size() >= 100 * kMaxPage) break;
      q.cursor = page->next_cursor;
    }
    return all;
  };
  auto entries = co_await on_store(s, std::move(every_page));
  if (!entries) co_return Response::from_problem(problem_from_error(entries.error()));
  auto read = co_await audit_read(s, ctx, actor, "subject-report", subject);
  if (!read) co_return audit_failed(read.error(), kNotAnswered);
  SubjectReport report = build_subject_report(s, *entries, now_utc());
  if (format == "html") {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = render_subject_report_html(s, report, ctx.lang);
    co_return r;
  }
  co_return Response::json(200, subject_report_json(s, report, ctx.lang));
}

asio::awaitable<Response> checkpoint(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto actor = query.actor(ctx.agency);
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto read = co_await audit_read(s, ctx, actor, "checkpoint");
  if (!read) co_return audit_failed(read.error(), kNotAnswered);
  // With witnesses: the newest checkpoint with the quorum of cosignatures (else the newest one
  // with those it has), its note carrying them: keep it, and verify against it later.
  auto latest = s.audit->latest_checkpoint();
  witness::CosignedCheckpoint served{latest, latest.note, 0};
  if (s.witnesses) served = s.witnesses->served();
  const auto& cp = served.checkpoint.checkpoint;
  nlohmann::json body = {
      {"origin", cp.origin},
      {"size", cp.size},
      {"root_hash", to_base64(cp.root)},
      {"note", served.note},
      {"verifier_key", s.audit->verifier().to_string()},
      {"latest_size", latest.checkpoint.size},
      {"cosignatures", served.cosignatures},
      {"quorum", s.witnesses ? s.witnesses->quorum() : 0},
      {"witnessed", s.witnesses && served.cosignatures >= s.witnesses->quorum()},
      {"witnesses", s.witnesses ? s.witnesses->status() : nlohmann::json::array()}};
  co_return Response::json(200, body);
}

// `?from_root`: the base64 root the caller kept for the tree of `from` records.
std::optional<audit::Hash> kept_root_param(QueryParams& query, json_check::Issues& issues) {
  auto text = query.text("from_root");
  if (!text) return std::nullopt;
  auto bytes = from_base64(*text);
  if (!bytes || bytes->size() != audit::Hash{}.size()) {
    issues.add("?from_root",
               Texts{"odotettiin säilyttämäsi tarkistuspisteen juuritiivistettä base64-muodossa "
                     "(32 tavua)",
                     "förväntade rothashen (32 byte, base64) för den kontrollpunkt du sparade",
                     "expected the base64 root hash (32 bytes) of the checkpoint you kept"});
    return std::nullopt;
  }
  audit::Hash kept{};
  std::copy(bytes->begin(), bytes->end(), kept.begin());
  return kept;
}

// A proof between the two numbers of the query `first` and `second` (index and size, or from
// and to); `prove` makes it from the log. With `root_of` (the proof's root for `first`), the
// query may name the root the caller kept (`from_root`): a proof is only worth something against
// that one, and another root is a fork (409). Parameters by value: the callers return this
// coroutine without awaiting it.
template <typename Prove, typename RootOf = std::nullptr_t>
asio::awaitable<Response> proof(const Services& s, RequestContext& ctx, std::string first,
                                std::string second, std::string what, Prove prove,
                                RootOf root_of = nullptr) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto actor = query.actor(ctx.agency);
  auto a = query.number(first, json_check::Need::kRequired, UINT64_MAX / 2);
  auto b = query.number(second, json_check::Need::kRequired, UINT64_MAX / 2);
  constexpr bool kChecksRoot = !std::is_same_v<RootOf, std::nullptr_t>;
  std::optional<audit::Hash> kept;
  if constexpr (kChecksRoot) kept = kept_root_param(query, issues);
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto made = prove(*a, *b);
  if (!made) {
    co_return Response::from_problem(problem(400, "bad-proof-request", ProblemText::kNoSuchProof));
  }
  auto read = co_await audit_read(s, ctx, actor, std::move(what));
  if (!read) co_return audit_failed(read.error(), kNotAnswered);
  if constexpr (kChecksRoot) {
    if (kept && *kept != root_of(*made)) {
      Problem p = problem(409, "fork", problem_text(ProblemText::kFork, {std::to_string(*a)}));
      p.extensions = {{"log_root", to_base64(root_of(*made))}};
      co_return Response::from_problem(p);
    }
  }
  co_return Response::json(200, audit::to_json(*made));
}

asio::awaitable<Response> inclusion(const Services& s, RequestContext& ctx) {
  auto prove = [&s](std::uint64_t index, std::uint64_t size) {
    return s.audit->prove_inclusion(index, size);
  };
  return proof(s, ctx, "index", "size", "proof-inclusion", prove);
}

asio::awaitable<Response> consistency(const Services& s, RequestContext& ctx) {
  auto prove = [&s](std::uint64_t from, std::uint64_t to) {
    return s.audit->prove_consistency(from, to);
  };
  auto root_of = [](const audit::ConsistencyProof& p) { return p.from_root; };
  return proof(s, ctx, "from", "to", "proof-consistency", prove, root_of);
}

// An agency's proof that a record its own request wrote is in the log: its inclusion in the
// checkpoint the gateway serves (witnessed, when there are witnesses), so that the agency can hold
// the gateway to the receipt its answer carried. Only the acting agency's records: another
// agency's, or a number the log does not have, is the same 404.
asio::awaitable<Response> receipt_proof(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto actor = query.actor(ctx.agency);
  auto origin = query.text("origin");
  query.no_other_params();
  std::uint64_t seq = 0;
  const std::string& text = ctx.params["seq"];
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  bool numeric = ec == std::errc() && end == text.data() + text.size();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (origin && *origin != s.audit->origin()) {
    co_return Response::from_problem(problem(
        421, "other-instance", problem_text(ProblemText::kOtherInstance, {s.audit->origin()})));
  }
  bool mine = false;
  if (numeric) {
    auto records = s.audit->read(seq, seq + 1);
    mine = records && records->size() == 1 && records->front().event.agency == ctx.agency.id;
  }
  if (!mine) {
    co_return Response::from_problem(problem(404, "not-found", ProblemText::kNoRecordOfYours));
  }
  auto latest = s.audit->latest_checkpoint();
  witness::CosignedCheckpoint served{latest, latest.note, 0};
  if (s.witnesses) served = s.witnesses->served();
  const auto& cp = served.checkpoint.checkpoint;
  if (cp.size <= seq) {
    Response r = Response::from_problem(problem(409, "not-yet-signed", ProblemText::kNotYetSigned));
    r.headers.emplace_back("Retry-After", "1");
    co_return r;
  }
  auto proof = s.audit->prove_inclusion(seq, cp.size);
  if (!proof) co_return Response::from_problem(problem_from_error(proof.error()));
  audit::AuditEvent e;
  e.type = audit::EventType::kAuditRead;
  e.agency = ctx.agency.id;
  e.actor = actor;
  e.reference = "receipt:" + std::to_string(seq);
  e.outcome = "ok";
  auto read = co_await audit_durably(s, std::move(e));
  if (!read) co_return audit_failed(read.error(), kNotAnswered);
  co_return Response::json(200, {{"origin", s.audit->origin()},
                                 {"seq", seq},
                                 {"leaf_hash", to_base64(proof->leaf_hash)},
                                 {"checkpoint",
                                  {{"size", cp.size},
                                   {"root_hash", to_base64(cp.root)},
                                   {"note", served.note},
                                   {"cosignatures", served.cosignatures}}},
                                 {"proof", audit::to_json(*proof)},
                                 {"audit",
                                  {{"origin", s.audit->origin()},
                                   {"seq", *read},
                                   {"receipts", audit_receipts(s, {*read})}}}});
}

nlohmann::json review_json(const store::BreakGlassReview& r) {
  nlohmann::json j = {{"id", r.id},
                      {"audit", {{"origin", r.audit_origin}, {"seq", r.audit_sequence}}},
                      {"agency", r.agency},
                      {"actor", r.actor},
                      {"target", r.target_agency},
                      {"subject", r.subject_pseudonym},
                      {"basis", r.basis},
                      {"categories", r.categories},
                      {"justification", r.justification},
                      {"opened_at", format_rfc3339(r.opened_at)},
                      {"due_at", format_rfc3339(r.due_at)},
                      {"state", r.review ? "reviewed" : "open"}};
  if (r.review) {
    j["review"] = {{"verdict", store::review_verdict_name(r.review->verdict)},
                   {"reviewer", r.review->reviewer},
                   {"note", r.review->note},
                   {"at", format_rfc3339(r.review->at)}};
  }
  return j;
}

asio::awaitable<Response> break_glass_list(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto actor = query.actor(ctx.agency);
  store::BreakGlassQuery q;
  std::string state = query.text("state").value_or("open");
  if (state == "open") {
    q.which = store::BreakGlassQuery::Which::kOpen;
  } else if (state == "reviewed") {
    q.which = store::BreakGlassQuery::Which::kReviewed;
  } else if (state == "all") {
    q.which = store::BreakGlassQuery::Which::kAll;
  } else {
    issues.add("?state", json_check::expected_one_of("open, reviewed, all"));
  }
  q.agency = query.text("agency", json_check::Need::kOptional, {}, kReferenceRule);
  q.cursor = query.text("cursor", json_check::Need::kOptional, {}, kReferenceRule).value_or("");
  q.limit = query.number("limit", json_check::Need::kOptional, kMaxPage).value_or(100);
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto list = [q](store::Store& st) { return st.list_break_glass_reviews(q); };
  auto page = co_await on_store(s, std::move(list));
  if (!page) co_return list_failed(page.error());
  auto read = co_await audit_read(s, ctx, actor, "break-glass-queue");
  if (!read) co_return audit_failed(read.error(), kNotAnswered);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : page->items) items.push_back(review_json(r));
  nlohmann::json body = {{"reviews", std::move(items)}};
  if (!page->next_cursor.empty()) body["next_cursor"] = page->next_cursor;
  co_return Response::json(200, body);
}

// Every agency's referrals with their statutory deadlines, for the privacy officer's oversight:
// ?due_within_days=N keeps those with a deadline unmet and due within N days (0: overdue now).
asio::awaitable<Response> referral_oversight(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto actor = query.actor(ctx.agency);
  const SysTime now = now_utc();
  store::ReferralQuery q;
  if (auto days = query.number("due_within_days", json_check::Need::kOptional, 366)) {
    q.overdue_at = now + std::chrono::days(*days);
  }
  q.cursor = query.text("cursor", json_check::Need::kOptional, {}, kReferenceRule).value_or("");
  q.limit = query.number("limit", json_check::Need::kOptional, kMaxPage).value_or(100);
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto list = [q](store::Store& st) { return st.list_referrals(q); };
  auto page = co_await on_store(s, std::move(list));
  if (!page) co_return list_failed(page.error());
  auto read = co_await audit_read(s, ctx, actor, "referrals");
  if (!read) co_return audit_failed(read.error(), kNotAnswered);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : page->items) {
    items.push_back(referral_json(r, s.catalog(), ReferralView::kOversight, now, ctx.lang));
  }
  nlohmann::json body = {{"referrals", std::move(items)}};
  if (!page->next_cursor.empty()) body["next_cursor"] = page->next_cursor;
  co_return Response::json(200, body);
}

asio::awaitable<Response> break_glass_review(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  no_query_params(ctx, issues);
  json_check::Object o(issues, ctx.body, "");
  store::BreakGlassVerdict verdict;
  verdict.at = now_utc();
  Actor reviewer = actor_of(o, s.catalog(), ctx.agency);
  verdict.reviewer = reviewer.id;
  if (auto v = o.string("verdict", json_check::Need::kRequired)) {
    if (auto parsed = store::parse_review_verdict(*v)) {
      verdict.verdict = *parsed;
    } else {
      issues.add("/verdict", json_check::expected_one_of("justified, unjustified"));
    }
  }
  verdict.note = o.text("note", json_check::Need::kOptional, kNoteRule).value_or("");
  o.no_other_keys();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (auto refused = refuse_actor_role(s, ctx, reviewer)) co_return std::move(*refused);
  std::string id = ctx.params["id"];
  auto get = [id](store::Store& st) { return st.get_break_glass_review(id); };
  auto item = co_await on_store(s, std::move(get));
  if (!item) {
    if (item.error().code == ErrorCode::kNotFound) {
      co_return Response::from_problem(problem(404, "not-found", ProblemText::kReviewNotFound));
    }
    co_return Response::from_problem(problem_from_error(item.error()));
  }
  if (item->review) {
    co_return Response::from_problem(
        problem(409, "already-reviewed", ProblemText::kReviewedBefore));
  }
  audit::AuditEvent e;
  e.type = audit::EventType::kBreakGlassReview;
  e.agency = ctx.agency.id;
  e.actor = reviewer.id;
  e.actor_role = reviewer.role;
  e.target = item->agency;
  if (item->audit_origin == s.audit->origin()) {
    // The access record has the subject and the key of its pseudonym.
    if (auto r = s.audit->read(item->audit_sequence, item->audit_sequence + 1);
        r && r->size() == 1) {
      e.subject = r->front().event.subject;
      e.subject_key = r->front().event.subject_key;
    }
  }
  e.citations = {item->basis};
  e.categories_requested = item->categories;
  e.reference = item->id;
  e.outcome = store::review_verdict_name(verdict.verdict);
  auto seq = co_await audit_durably(s, std::move(e));
  if (!seq) co_return audit_failed(seq.error(), ProblemText::kNothingRecorded);
  auto review = [id, verdict](store::Store& st) { return st.review_break_glass(id, verdict); };
  auto reviewed = co_await on_store(s, std::move(review));
  if (!reviewed) {
    if (reviewed.error().code == ErrorCode::kFailedPrecondition) {
      co_return Response::from_problem(
          problem(409, "already-reviewed", ProblemText::kReviewedBefore));
    }
    co_return Response::from_problem(problem_from_error(reviewed.error()));
  }
  co_return Response::json(200, {{"review", review_json(*reviewed)}});
}

}  // namespace

void add_audit_routes(Router& router, const Services& services) {
  const Services* s = &services;
  const std::vector<Role> officer = {Role::kPrivacyOfficer};
  auto route = [&](http::verb verb, const char* path, auto fn) {
    router.add(verb, path, officer, [s, fn](RequestContext& ctx) { return fn(*s, ctx); });
  };
  route(http::verb::get, "/v1/audit/records", records);
  route(http::verb::get, "/v1/audit/subject-report", subject_report);
  route(http::verb::get, "/v1/audit/checkpoint", checkpoint);
  route(http::verb::get, "/v1/audit/proofs/inclusion", inclusion);
  route(http::verb::get, "/v1/audit/proofs/consistency", consistency);
  route(http::verb::get, "/v1/audit/break-glass", break_glass_list);
  route(http::verb::get, "/v1/audit/referrals", referral_oversight);
  router.add(http::verb::get, "/v1/receipts/{seq}", {Role::kAgency},
             [s](RequestContext& ctx) { return receipt_proof(*s, ctx); });
  router.add(
      http::verb::post, "/v1/audit/break-glass/{id}/review", officer,
      idempotent(services, [s](RequestContext& ctx) { return break_glass_review(*s, ctx); }));
}

}  // namespace silta::gateway
