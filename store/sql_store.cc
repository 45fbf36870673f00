// SqlStore: schema, consents, idempotency records, break-glass reviews and the audit index.
// Referrals and the outbox are in sql_store_referrals.cc.
#include "store/sql_store.h"

#include <algorithm>
#include <charconv>
#include <tuple>

#include <nlohmann/json.hpp>

#include "store/consent_json.h"
#include "store/migrations.h"
#include "store/sql_store_internal.h"

namespace silta::store {

using nlohmann::json;
using sql::Connection;
using sql::Dialect;
using sql::Row;
using sql::val;
using sql::Value;

SqlStore::SqlStore(Dialect dialect, std::unique_ptr<sql::Pool> writer,
                   std::unique_ptr<sql::Pool> reader, std::optional<FieldCipher> cipher)
    : dialect_(dialect),
      writer_(std::move(writer)),
      reader_(std::move(reader)),
      cipher_(std::move(cipher)) {}

const char* SqlStore::for_update() const {
  return dialect_ == Dialect::kPostgres ? " FOR UPDATE" : "";
}

Result<const FieldCipher*> SqlStore::cipher() const {
  if (!cipher_) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "the store was opened without its key file; encrypted fields are "
                      "unavailable");
  }
  return &*cipher_;
}

Result<Bytes> SqlStore::seal(std::string_view plaintext, std::string_view context) const {
  auto c = cipher();
  if (!c) return c.error();
  return (*c)->seal(plaintext, context);
}

Result<std::string> SqlStore::open(const Bytes& sealed, std::string_view context) const {
  auto c = cipher();
  if (!c) return c.error();
  return (*c)->open(sealed, context);
}

// ---- schema ---------------------------------------------------------------------------------

Result<SchemaStatus> SqlStore::schema_status() {
  return read([&](Connection& c) -> Result<SchemaStatus> {
    auto applied = applied_migrations(c, dialect_);
    if (!applied) return applied.error();
    SchemaStatus s;
    s.backend = dialect_ == Dialect::kPostgres ? "postgresql" : "sqlite";
    s.latest_version = migrations().back().version;
    s.current_version = applied->empty() ? 0 : applied->back();
    for (const auto& m : migrations()) {
      if (std::find(applied->begin(), applied->end(), m.version) == applied->end()) {
        s.pending.push_back(std::to_string(m.version) + " " + m.name);
      }
    }
    return s;
  });
}

Status SqlStore::migrate() {
  {
    auto h = writer_->acquire();
    if (!h) return h.error();
    if (auto s = apply_migrations(**h, dialect_); !s) return s;
  }
  if (!cipher_) return {};
  // The first key to migrate a database leaves a sealed marker; a different key file (another
  // instance set up wrongly, a restored backup with the wrong key) is refused here at start
  // rather than failing on the first encrypted row.
  constexpr std::string_view kMarker = "silta store key check";
  constexpr std::string_view kContext = "store_meta\nkey_check";
  auto sealed = seal(kMarker, kContext);
  if (!sealed) return sealed.error();
  auto stored = write([&](Connection& c) -> Result<Bytes> {
    auto r = c.run(
        "INSERT INTO store_meta (name, value) VALUES ('key_check', $1) ON CONFLICT (name) DO "
        "NOTHING",
        *sealed);
    if (!r) return r.error();
    auto rows = c.run("SELECT value FROM store_meta WHERE name = 'key_check'");
    if (!rows) return rows.error();
    return rows->at(0).blob(0);
  });
  if (!stored) return stored.error();
  auto opened = open(*stored, kContext);
  if (!opened || *opened != kMarker) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "the store key file does not match this database (its data was encrypted "
                      "under another key)");
  }
  return seal_plain_text();
}

// ---- consents -------------------------------------------------------------------------------

namespace {

constexpr const char* kConsentCols =
    "id, status, record, identities_sealed, receipt, revocation_receipt, revocation_sealed";

std::string identities_context(const std::string& id) { return "consent\n" + id; }
std::string revocation_context(const std::string& id) { return "consent_revocation\n" + id; }

// A revocation's free text (its reason, and the receipt that repeats it) is sealed apart from
// the consent's document, which keeps the rest of the revocation in the clear for queries.
json revocation_free_text(const policy::ConsentRevocation& r, const std::string& receipt) {
  return {{"reason", r.reason}, {"receipt", receipt}};
}

policy::ConsentRecord without_free_text(policy::ConsentRecord record) {
  if (record.revoked) record.revoked->reason.clear();
  return record;
}

const char* status_text(ConsentStatus s) { return consent_status_name(s); }

}  // namespace

Result<StoredConsent> SqlStore::consent_from_row(const Row& row, bool with_identities) const {
  StoredConsent out;
  std::string id = row.text(0);
  auto status = row.text(1);
  out.status = status == "revoked"   ? ConsentStatus::kRevoked
               : status == "expired" ? ConsentStatus::kExpired
                                     : ConsentStatus::kActive;
  auto record = consent_documents_.parse(id, row.text(2));
  if (!record) return record.error();
  out.record = std::move(*record);
  out.receipt = row.text(4);
  out.revocation_receipt = row.text(5);
  if (!row.is_null(6)) {  // sealed (schema version 4); before, both were in the clear
    auto opened = open(row.blob(6), revocation_context(id));
    if (!opened) return opened.error();
    auto text = json::parse(*opened, nullptr, false);
    if (!text.is_object() || !out.record.revoked) {
      return make_error(ErrorCode::kDataLoss, "consent revocation unreadable");
    }
    out.record.revoked->reason = text.value("reason", "");
    out.revocation_receipt = text.value("receipt", "");
  }
  if (!with_identities) return out;
  auto identities = open(row.blob(3), identities_context(id));
  if (!identities) return identities.error();
  auto ids = json::parse(*identities, nullptr, false);
  if (!ids.is_object()) return make_error(ErrorCode::kDataLoss, "consent identities unreadable");
  out.subject_identity_code = ids.value("subject", "");
  out.grantor_identity_codes = ids.value("grantors", std::vector<std::string>{});
  return out;
}

Status SqlStore::create_consent(const StoredConsent& consent) {
  const auto& r = consent.record;
  if (r.id.empty() || r.subject_pseudonym.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a consent needs an id and a subject");
  }
  if (consent.grantor_identity_codes.size() != r.granted_by.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a consent needs one grantor identity code per grantor");
  }
  json ids = {{"subject", consent.subject_identity_code},
              {"grantors", consent.grantor_identity_codes}};
  auto sealed = seal(ids.dump(), identities_context(r.id));
  if (!sealed) return sealed.error();
  std::optional<Bytes> revocation;
  if (r.revoked) {
    auto sealed_revocation =
        seal(revocation_free_text(*r.revoked, consent.revocation_receipt).dump(),
             revocation_context(r.id));
    if (!sealed_revocation) return sealed_revocation.error();
    revocation = std::move(*sealed_revocation);
  }
  ConsentStatus status = r.revoked ? ConsentStatus::kRevoked : consent.status;
  return write([&](Connection& c) -> Status {
    auto rows = c.run(
        "INSERT INTO consents (id, subject_pseudonym, status, valid_from, valid_until, record, "
        "identities_sealed, receipt, revocation_receipt, updated_at, revocation_sealed) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10)",
        r.id, r.subject_pseudonym, status_text(status), r.valid_from, r.valid_until,
        consent_document(without_free_text(r)).dump(), *sealed, consent.receipt, r.recorded_at,
        revocation);
    if (!rows) {
      if (rows.error().code == ErrorCode::kAlreadyExists) {
        return make_error(ErrorCode::kAlreadyExists, "consent " + r.id + " exists");
      }
      return rows.error();
    }
    return {};
  });
}

Result<StoredConsent> SqlStore::get_consent(const std::string& id) {
  return read([&](Connection& c) -> Result<StoredConsent> {
    auto rows = c.run(std::string("SELECT ") + kConsentCols + " FROM consents WHERE id = $1", id);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(ErrorCode::kNotFound, "no consent " + id);
    return consent_from_row(rows->front());
  });
}

Result<std::vector<StoredConsent>> SqlStore::list_consents(const ConsentQuery& q) {
  return read([&](Connection& c) -> Result<std::vector<StoredConsent>> {
    static const std::string kActive =
        std::string("SELECT ") + kConsentCols +
        " FROM consents WHERE subject_pseudonym = $1 AND status = 'active' AND valid_from <= $2 "
        "AND (valid_until IS NULL OR valid_until > $2)";
    static const std::string kAll =
        std::string("SELECT ") + kConsentCols + " FROM consents WHERE subject_pseudonym = $1";
    auto rows = q.active_at ? c.run(kActive, q.subject_pseudonym, *q.active_at)
                            : c.run(kAll, q.subject_pseudonym);
    if (!rows) return rows.error();
    std::vector<StoredConsent> out;
    for (const auto& row : *rows) {
      auto consent = consent_from_row(row, q.identities);
      if (!consent) return consent.error();
      out.push_back(std::move(*consent));
    }
    // Sorted here, not by the query: a subject has a handful of consents, and SQLite would
    // build a temporary B-tree for an ORDER BY on every decision.
    std::sort(out.begin(), out.end(), [](const StoredConsent& a, const StoredConsent& b) {
      return std::tie(a.record.valid_from, a.record.id) <
             std::tie(b.record.valid_from, b.record.id);
    });
    return out;
  });
}

Result<StoredConsent> SqlStore::revoke_consent(const std::string& id,
                                               const policy::ConsentRevocation& revocation,
                                               const std::string& revocation_receipt) {
  return write([&](Connection& c) -> Result<StoredConsent> {
    auto rows = c.run(
        std::string("SELECT ") + kConsentCols + " FROM consents WHERE id = $1" + for_update(), id);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(ErrorCode::kNotFound, "no consent " + id);
    auto consent = consent_from_row(rows->front());
    if (!consent) return consent.error();
    if (consent->status == ConsentStatus::kRevoked) {
      return make_error(ErrorCode::kFailedPrecondition, "consent " + id + " is already revoked");
    }
    consent->record.revoked = revocation;
    consent->status = ConsentStatus::kRevoked;
    consent->revocation_receipt = revocation_receipt;
    auto sealed =
        seal(revocation_free_text(revocation, revocation_receipt).dump(), revocation_context(id));
    if (!sealed) return sealed.error();
    auto updated = c.run(
        "UPDATE consents SET status = 'revoked', record = $2, revocation_receipt = '', "
        "revocation_sealed = $3, updated_at = $4 WHERE id = $1",
        id, consent_document(without_free_text(consent->record)).dump(), *sealed, revocation.at);
    if (!updated) return updated.error();
    return std::move(*consent);
  });
}

Result<std::vector<std::string>> SqlStore::expire_consents(SysTime now) {
  return write([&](Connection& c) -> Result<std::vector<std::string>> {
    auto rows = c.run(
        "UPDATE consents SET status = 'expired', updated_at = $1 WHERE status = 'active' AND "
        "valid_until IS NOT NULL AND valid_until <= $1 RETURNING id",
        now);
    if (!rows) return rows.error();
    std::vector<std::string> ids;
    for (const auto& r : *rows) ids.push_back(r.text(0));
    std::sort(ids.begin(), ids.end());
    return ids;
  });
}

// ---- idempotency records --------------------------------------------------------------------

namespace {

constexpr const char* kIdempotencyCols =
    "agency, key, request_hash, status, body_sealed, created_at, expires_at, location";

std::string idempotency_context(const std::string& agency, const std::string& key) {
  return "idempotency\n" + agency + "\n" + key;
}

}  // namespace

Result<IdempotencyRecord> SqlStore::idempotency_from_row(const Row& row) const {
  IdempotencyRecord r;
  r.agency = row.text(0);
  r.key = row.text(1);
  r.request_hash = row.text(2);
  r.status = static_cast<int>(row.i64(3));
  auto body = open(row.blob(4), idempotency_context(r.agency, r.key));
  if (!body) return body.error();
  r.body = std::move(*body);
  r.created_at = row.time(5);
  r.expires_at = row.time(6);
  r.location = row.text(7);
  return r;
}

Result<IdempotencyRecord> SqlStore::save_idempotency(const IdempotencyRecord& rec) {
  if (rec.agency.empty() || rec.key.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "an idempotency record needs agency and key");
  }
  auto sealed = seal(rec.body, idempotency_context(rec.agency, rec.key));
  if (!sealed) return sealed.error();
  return write([&](Connection& c) -> Result<IdempotencyRecord> {
    // An expired record with the same key is replaced, and a reservation by its owner (same
    // hash and time); any other live one is kept.
    auto inserted = c.run(
        "INSERT INTO idempotency (agency, key, request_hash, status, body_sealed, created_at, "
        "expires_at, location) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (agency, key) "
        "DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, "
        "body_sealed = excluded.body_sealed, created_at = excluded.created_at, expires_at = "
        "excluded.expires_at, location = excluded.location WHERE idempotency.expires_at <= "
        "excluded.created_at OR (idempotency.status = 0 AND idempotency.request_hash = "
        "excluded.request_hash AND idempotency.created_at = excluded.created_at) RETURNING key",
        rec.agency, rec.key, rec.request_hash, rec.status, *sealed, rec.created_at, rec.expires_at,
        rec.location);
    if (!inserted) return inserted.error();
    if (!inserted->empty()) return rec;
    auto rows = c.run(std::string("SELECT ") + kIdempotencyCols +
                          " FROM idempotency WHERE agency = $1 AND key = $2",
                      rec.agency, rec.key);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(ErrorCode::kInternal, "idempotency record vanished");
    auto existing = idempotency_from_row(rows->front());
    if (!existing) return existing.error();
    if (existing->request_hash != rec.request_hash) {
      return make_error(ErrorCode::kConflict,
                        "the Idempotency-Key was used for a different request");
    }
    return std::move(*existing);
  });
}

Result<std::optional<IdempotencyRecord>> SqlStore::find_idempotency(const std::string& agency,
                                                                    const std::string& key,
                                                                    SysTime now) {
  return read([&](Connection& c) -> Result<std::optional<IdempotencyRecord>> {
    auto rows = c.run(std::string("SELECT ") + kIdempotencyCols +
                          " FROM idempotency WHERE agency = $1 AND key = $2 AND expires_at > $3",
                      agency, key, now);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<IdempotencyRecord>();
    auto r = idempotency_from_row(rows->front());
    if (!r) return r.error();
    return std::optional<IdempotencyRecord>(std::move(*r));
  });
}

Result<std::int64_t> SqlStore::purge_idempotency(SysTime now) {
  return write([&](Connection& c) -> Result<std::int64_t> {
    auto rows = c.run("DELETE FROM idempotency WHERE expires_at <= $1 RETURNING key", now);
    if (!rows) return rows.error();
    return static_cast<std::int64_t>(rows->size());
  });
}

// ---- break-glass review items ---------------------------------------------------------------

namespace {

constexpr const char* kReviewCols =
    "id, audit_origin, audit_sequence, agency, actor, target_agency, subject_pseudonym, basis, "
    "categories, justification_sealed, opened_at, due_at, verdict, reviewer, note_sealed, "
    "reviewed_at, seq";

std::string justification_context(const std::string& id) { return "break_glass\n" + id; }
std::string note_context(const std::string& id) { return "break_glass_note\n" + id; }

}  // namespace

Result<BreakGlassReview> SqlStore::review_from_row(const Row& row) const {
  BreakGlassReview r;
  r.id = row.text(0);
  r.audit_origin = row.text(1);
  r.audit_sequence = static_cast<std::uint64_t>(row.i64(2));
  r.agency = row.text(3);
  r.actor = row.text(4);
  r.target_agency = row.text(5);
  r.subject_pseudonym = row.text(6);
  r.basis = row.text(7);
  auto categories = json::parse(row.text(8), nullptr, false);
  if (!categories.is_array()) return make_error(ErrorCode::kDataLoss, "review item unreadable");
  for (const auto& c : categories)
    r.categories.push_back(c.is_string() ? c.get<std::string>() : "");
  auto justification = open(row.blob(9), justification_context(r.id));
  if (!justification) return justification.error();
  r.justification = std::move(*justification);
  r.opened_at = row.time(10);
  r.due_at = row.time(11);
  if (!row.is_null(12)) {
    BreakGlassVerdict v;
    auto verdict = parse_review_verdict(row.text(12));
    if (!verdict) return make_error(ErrorCode::kDataLoss, "unknown review verdict");
    v.verdict = *verdict;
    v.reviewer = row.text(13);
    auto note = open(row.blob(14), note_context(r.id));
    if (!note) return note.error();
    v.note = std::move(*note);
    v.at = row.time(15);
    r.review = std::move(v);
  }
  return r;
}

Status SqlStore::open_break_glass_review(const BreakGlassReview& item) {
  if (item.id.empty()) return make_error(ErrorCode::kInvalidArgument, "a review needs an id");
  auto sealed = seal(item.justification, justification_context(item.id));
  if (!sealed) return sealed.error();
  return write([&](Connection& c) -> Status {
    auto r = c.run(
        "INSERT INTO break_glass_reviews (id, audit_origin, audit_sequence, agency, actor, "
        "target_agency, subject_pseudonym, basis, categories, justification_sealed, opened_at, "
        "due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        item.id, item.audit_origin, item.audit_sequence, item.agency, item.actor,
        item.target_agency, item.subject_pseudonym, item.basis, json(item.categories).dump(),
        *sealed, item.opened_at, item.due_at);
    if (!r) {
      if (r.error().code == ErrorCode::kAlreadyExists) {
        return make_error(ErrorCode::kAlreadyExists, "review item " + item.id + " exists");
      }
      return r.error();
    }
    return {};
  });
}

Result<BreakGlassReview> SqlStore::get_break_glass_review(const std::string& id) {
  return read([&](Connection& c) -> Result<BreakGlassReview> {
    auto rows =
        c.run(std::string("SELECT ") + kReviewCols + " FROM break_glass_reviews WHERE id = $1", id);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(ErrorCode::kNotFound, "no review item " + id);
    return review_from_row(rows->front());
  });
}

Result<Page<BreakGlassReview>> SqlStore::list_break_glass_reviews(const BreakGlassQuery& q) {
  auto after = parse_seq_cursor(q.cursor);
  if (!after) return after.error();
  Filter f;
  if (q.which == BreakGlassQuery::Which::kOpen) f.add("verdict IS NULL");
  if (q.which == BreakGlassQuery::Which::kReviewed) f.add("verdict IS NOT NULL");
  if (q.agency) f.add("agency = $", *q.agency);
  if (q.overdue_at) f.add("verdict IS NULL AND due_at < $", *q.overdue_at);
  f.add("seq > $", *after);
  std::size_t limit = page_limit(q.limit);
  std::string sql = std::string("SELECT ") + kReviewCols + " FROM break_glass_reviews WHERE " +
                    f.where() + " ORDER BY seq LIMIT " + std::to_string(limit + 1);
  return read([&](Connection& c) -> Result<Page<BreakGlassReview>> {
    auto rows = c.query(sql, f.params);
    if (!rows) return rows.error();
    Page<BreakGlassReview> page;
    for (std::size_t i = 0; i < rows->size() && i < limit; ++i) {
      auto item = review_from_row((*rows)[i]);
      if (!item) return item.error();
      page.items.push_back(std::move(*item));
    }
    if (rows->size() > limit) page.next_cursor = std::to_string((*rows)[limit - 1].i64(16));
    return page;
  });
}

Result<BreakGlassReview> SqlStore::review_break_glass(const std::string& id,
                                                      const BreakGlassVerdict& verdict) {
  if (verdict.reviewer.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a review needs the reviewer");
  }
  auto note = seal(verdict.note, note_context(id));
  if (!note) return note.error();
  return write([&](Connection& c) -> Result<BreakGlassReview> {
    auto rows = c.run(std::string("SELECT ") + kReviewCols +
                          " FROM break_glass_reviews WHERE id = $1" + for_update(),
                      id);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(ErrorCode::kNotFound, "no review item " + id);
    auto item = review_from_row(rows->front());
    if (!item) return item.error();
    if (item->review) {
      return make_error(ErrorCode::kFailedPrecondition, "review item " + id + " is reviewed");
    }
    auto updated = c.run(
        "UPDATE break_glass_reviews SET verdict = $2, reviewer = $3, note_sealed = $4, "
        "reviewed_at = $5 WHERE id = $1",
        id, review_verdict_name(verdict.verdict), verdict.reviewer, *note, verdict.at);
    if (!updated) return updated.error();
    item->review = verdict;
    return std::move(*item);
  });
}

// ---- audit index ----------------------------------------------------------------------------

namespace {

std::string audit_record_context(const std::string& origin, std::uint64_t sequence) {
  return "audit_index\n" + origin + "\n" + std::to_string(sequence);
}

}  // namespace

Result<std::string> SqlStore::audit_record_from_row(const Row& row, std::size_t plain,
                                                    std::size_t sealed, const std::string& origin,
                                                    std::uint64_t sequence) const {
  if (!row.is_null(sealed)) return open(row.blob(sealed), audit_record_context(origin, sequence));
  return row.text(plain);  // before schema version 4 in the clear; before version 3 empty
}

Status SqlStore::index_audit_records(const std::vector<AuditIndexEntry>& entries) {
  std::vector<Bytes> sealed;
  sealed.reserve(entries.size());
  for (const auto& e : entries) {
    auto s = seal(e.record, audit_record_context(e.origin, e.sequence));
    if (!s) return s.error();
    sealed.push_back(std::move(*s));
  }
  return write([&](Connection& c) -> Status {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      auto r = c.run(
          "INSERT INTO audit_index (origin, sequence, time, event_type, agency, "
          "subject_pseudonym, target_agency, purpose, record_sealed) VALUES ($1, $2, $3, $4, $5, "
          "$6, $7, $8, $9) ON CONFLICT (origin, sequence) DO NOTHING RETURNING sequence",
          e.origin, e.sequence, e.time, e.event_type, e.agency, e.subject_pseudonym,
          e.target_agency, e.purpose, sealed[i]);
      if (!r) return r.error();
      if (!r->empty()) continue;
      // Indexing again after a crash finds the same records; an entry without its record (before
      // schema version 3) or with it in the clear (before 4) gets it sealed; a different record
      // under the same origin and sequence is another log with the same origin, whose entries
      // would be lost.
      auto rows =
          c.run("SELECT record, record_sealed FROM audit_index WHERE origin = $1 AND sequence = $2",
                e.origin, e.sequence);
      if (!rows) return rows.error();
      if (rows->empty()) return make_error(ErrorCode::kInternal, "audit index entry vanished");
      auto stored = audit_record_from_row(rows->front(), 0, 1, e.origin, e.sequence);
      if (!stored) return stored.error();
      bool unrecorded = rows->front().is_null(0) && rows->front().is_null(1);
      if (!unrecorded && *stored != e.record) {
        return make_error(ErrorCode::kFailedPrecondition,
                          "the audit index holds a different record " + std::to_string(e.sequence) +
                              " of origin \"" + e.origin +
                              "\": two audit logs use this origin (give every gateway instance "
                              "its own audit.origin)");
      }
      if (rows->front().is_null(1)) {
        auto u = c.run(
            "UPDATE audit_index SET record = NULL, record_sealed = $3 WHERE origin = $1 AND "
            "sequence = $2",
            e.origin, e.sequence, sealed[i]);
        if (!u) return u.error();
      }
    }
    return {};
  });
}

Status SqlStore::seal_plain_text() {
  constexpr int kBatch = 1000;
  // Audit index records kept in the clear before schema version 4.
  for (;;) {
    auto rows = read([&](Connection& c) {
      return c.run(
          "SELECT origin, sequence, record FROM audit_index WHERE record IS NOT NULL LIMIT " +
          std::to_string(kBatch));
    });
    if (!rows) return rows.error();
    if (rows->empty()) break;
    std::vector<std::tuple<std::string, std::int64_t, Bytes>> sealed;
    for (const auto& row : *rows) {
      auto s = seal(row.text(2),
                    audit_record_context(row.text(0), static_cast<std::uint64_t>(row.i64(1))));
      if (!s) return s.error();
      sealed.emplace_back(row.text(0), row.i64(1), std::move(*s));
    }
    auto done = write([&](Connection& c) -> Status {
      for (const auto& [origin, sequence, value] : sealed) {
        auto u = c.run(
            "UPDATE audit_index SET record = NULL, record_sealed = $3 WHERE origin = $1 AND "
            "sequence = $2 AND record IS NOT NULL",
            origin, sequence, value);
        if (!u) return u.error();
      }
      return {};
    });
    if (!done) return done;
  }
  // Revocations with their reason and receipt in the clear.
  for (;;) {
    auto rows = read([&](Connection& c) {
      return c.run(std::string("SELECT ") + kConsentCols +
                   " FROM consents WHERE status = 'revoked' AND revocation_sealed IS NULL LIMIT " +
                   std::to_string(kBatch));
    });
    if (!rows) return rows.error();
    if (rows->empty()) break;
    std::vector<std::tuple<std::string, std::string, Bytes>> sealed;
    for (const auto& row : *rows) {
      auto consent = consent_from_row(row, false);
      if (!consent) return consent.error();
      const auto& r = consent->record;
      if (!r.revoked) return make_error(ErrorCode::kDataLoss, "revoked consent without revocation");
      auto s = seal(revocation_free_text(*r.revoked, consent->revocation_receipt).dump(),
                    revocation_context(r.id));
      if (!s) return s.error();
      sealed.emplace_back(r.id, consent_document(without_free_text(r)).dump(), std::move(*s));
    }
    auto done = write([&](Connection& c) -> Status {
      for (const auto& [id, document, value] : sealed) {
        auto u = c.run(
            "UPDATE consents SET record = $2, revocation_receipt = '', revocation_sealed = $3 "
            "WHERE id = $1 AND revocation_sealed IS NULL",
            id, document, value);
        if (!u) return u.error();
      }
      return {};
    });
    if (!done) return done;
  }
  return {};
}

// Cursor of the audit index: "<time µs>.<sequence>.<origin>" of the last entry of the page.
std::string audit_index_cursor(const AuditIndexEntry& e) {
  return std::to_string(e.time.time_since_epoch().count()) + "." + std::to_string(e.sequence) +
         "." + e.origin;
}

namespace {

struct AuditCursor {
  std::int64_t time;
  std::int64_t sequence;
  std::string origin;
};

std::optional<AuditCursor> parse_audit_cursor(const std::string& s) {
  auto dot1 = s.find('.');
  if (dot1 == std::string::npos) return std::nullopt;
  auto dot2 = s.find('.', dot1 + 1);
  if (dot2 == std::string::npos) return std::nullopt;
  AuditCursor c;
  auto r1 = std::from_chars(s.data(), s.data() + dot1, c.time);
  auto r2 = std::from_chars(s.data() + dot1 + 1, s.data() + dot2, c.sequence);
  if (r1.ec != std::errc() || r1.ptr != s.data() + dot1 || r2.ec != std::errc() ||
      r2.ptr != s.data() + dot2) {
    return std::nullopt;
  }
  c.origin = s.substr(dot2 + 1);
  return c;
}

}  // namespace

Result<Page<AuditIndexEntry>> SqlStore::query_audit_index(const AuditIndexQuery& q) {
  Filter f;
  if (!q.subject_pseudonyms.empty()) {
    std::string in;
    for (const auto& p : q.subject_pseudonyms) {
      f.params.push_back(sql::val(p));
      in += (in.empty() ? "$" : ", $") + std::to_string(f.params.size());
    }
    f.add("subject_pseudonym IN (" + in + ")");
  }
  if (q.agency) f.add("(agency = $ OR target_agency = $)", *q.agency);
  if (q.event_type) f.add("event_type = $", *q.event_type);
  if (q.purpose) f.add("purpose = $", *q.purpose);
  if (q.from) f.add("time >= $", *q.from);
  if (q.until) f.add("time < $", *q.until);
  if (!q.cursor.empty()) {
    auto c = parse_audit_cursor(q.cursor);
    if (!c) return make_error(ErrorCode::kInvalidArgument, "the cursor is not valid");
    // Row-value comparison: both SQLite (≥ 3.15) and PostgreSQL, and it uses the time index.
    std::size_t n = f.params.size();
    f.params.push_back(val(c->time));
    f.params.push_back(val(c->origin));
    f.params.push_back(val(c->sequence));
    f.clauses.push_back("(time, origin, sequence) > ($" + std::to_string(n + 1) + ", $" +
                        std::to_string(n + 2) + ", $" + std::to_string(n + 3) + ")");
  }
  std::size_t limit = page_limit(q.limit);
  std::string sql =
      "SELECT origin, sequence, time, event_type, agency, subject_pseudonym, target_agency, "
      "purpose, record, record_sealed FROM audit_index WHERE " +
      f.where() + " ORDER BY time, origin, sequence LIMIT " + std::to_string(limit + 1);
  return read([&](Connection& c) -> Result<Page<AuditIndexEntry>> {
    auto rows = c.query(sql, f.params);
    if (!rows) return rows.error();
    Page<AuditIndexEntry> page;
    for (std::size_t i = 0; i < rows->size() && i < limit; ++i) {
      const auto& r = (*rows)[i];
      auto sequence = static_cast<std::uint64_t>(r.i64(1));
      auto record = audit_record_from_row(r, 8, 9, r.text(0), sequence);
      if (!record) return record.error();
      page.items.push_back(AuditIndexEntry{r.text(0), sequence, r.time(2), r.text(3), r.text(4),
                                           r.text(5), r.text(6), r.text(7), std::move(*record)});
    }
    if (rows->size() > limit) page.next_cursor = audit_index_cursor(page.items.back());
    return page;
  });
}

Result<std::uint64_t> SqlStore::next_audit_index_sequence(const std::string& origin) {
  return read([&](Connection& c) -> Result<std::uint64_t> {
    auto rows = c.run(
        "SELECT MAX(sequence), (SELECT MIN(sequence) FROM audit_index WHERE origin = $1 AND "
        "record IS NULL AND record_sealed IS NULL) FROM audit_index WHERE origin = $1",
        origin);
    if (!rows) return rows.error();
    if (rows->empty() || rows->front().is_null(0)) return std::uint64_t{0};
    const auto& r = rows->front();
    return static_cast<std::uint64_t>(r.is_null(1) ? r.i64(0) + 1 : r.i64(1));
  });
}

Result<std::uint64_t> SqlStore::prune_audit_index(const std::string& origin, SysTime before) {
  return write([&](Connection& c) -> Result<std::uint64_t> {
    auto r = c.run(
        "DELETE FROM audit_index WHERE origin = $1 AND time < $2 AND sequence < (SELECT "
        "MAX(sequence) FROM audit_index WHERE origin = $1) RETURNING sequence",
        origin, before);
    if (!r) return r.error();
    return static_cast<std::uint64_t>(r->size());
  });
}

Status SqlStore::clear_audit_index(const std::string& origin, std::uint64_t from_sequence) {
  return write([&](Connection& c) -> Status {
    auto r = c.run("DELETE FROM audit_index WHERE origin = $1 AND sequence >= $2", origin,
                   static_cast<std::int64_t>(from_sequence));
    if (!r) return r.error();
    return {};
  });
}

}  // namespace silta::store
