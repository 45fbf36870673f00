#include "store/migrations.h"

#include <algorithm>

namespace silta::store {

using sql::Dialect;

// Times are integer microseconds since the Unix epoch (UTC) in both backends. Columns named
// *_sealed hold values encrypted by FieldCipher.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, "initial schema", R"SQL(
CREATE TABLE store_meta (
  name TEXT PRIMARY KEY,
  value {BLOB} NOT NULL
);

CREATE TABLE consents (
  id TEXT PRIMARY KEY,
  subject_pseudonym TEXT NOT NULL,
  status TEXT NOT NULL,
  valid_from BIGINT NOT NULL,
  valid_until BIGINT,
  record TEXT NOT NULL,
  identities_sealed {BLOB} NOT NULL,
  receipt TEXT NOT NULL,
  revocation_receipt TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
CREATE INDEX consents_by_subject ON consents (subject_pseudonym, status);
CREATE INDEX consents_by_expiry ON consents (valid_until) WHERE status = 'active';

CREATE TABLE referrals (
  seq {SEQ},
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  sender_agency TEXT NOT NULL,
  recipient_agency TEXT NOT NULL,
  subject_pseudonym TEXT NOT NULL,
  payload_sealed {BLOB} NOT NULL,
  idempotency_key TEXT,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  last_error TEXT NOT NULL DEFAULT '',
  lease_worker TEXT,
  lease_expires_at BIGINT,
  deadlines TEXT NOT NULL,
  overdue_from BIGINT,
  acknowledgement TEXT,
  decision_sealed {BLOB},
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  delivered_at BIGINT,
  UNIQUE (sender_agency, idempotency_key)
);
CREATE INDEX referrals_due ON referrals (next_attempt_at) WHERE state = 'received';
CREATE INDEX referrals_by_sender ON referrals (sender_agency, seq);
CREATE INDEX referrals_by_recipient ON referrals (recipient_agency, seq);
CREATE INDEX referrals_by_state ON referrals (state, seq);
CREATE INDEX referrals_overdue ON referrals (overdue_from) WHERE overdue_from IS NOT NULL;

CREATE TABLE idempotency (
  agency TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body_sealed {BLOB} NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (agency, key)
);
CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);

CREATE TABLE break_glass_reviews (
  seq {SEQ},
  id TEXT NOT NULL UNIQUE,
  audit_origin TEXT NOT NULL,
  audit_sequence BIGINT NOT NULL,
  agency TEXT NOT NULL,
  actor TEXT NOT NULL,
  target_agency TEXT NOT NULL,
  subject_pseudonym TEXT NOT NULL,
  basis TEXT NOT NULL,
  categories TEXT NOT NULL,
  justification_sealed {BLOB} NOT NULL,
  opened_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  verdict TEXT,
  reviewer TEXT,
  note_sealed {BLOB},
  reviewed_at BIGINT
);
CREATE INDEX break_glass_open ON break_glass_reviews (due_at) WHERE verdict IS NULL;
CREATE INDEX break_glass_by_agency ON break_glass_reviews (agency, seq);

CREATE TABLE audit_index (
  origin TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  time BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  agency TEXT NOT NULL,
  subject_pseudonym TEXT NOT NULL,
  target_agency TEXT NOT NULL,
  purpose TEXT NOT NULL,
  PRIMARY KEY (origin, sequence)
);
CREATE INDEX audit_index_by_time ON audit_index (time, origin, sequence);
CREATE INDEX audit_index_by_subject ON audit_index (subject_pseudonym, time);
CREATE INDEX audit_index_by_agency ON audit_index (agency, time);
CREATE INDEX audit_index_by_target ON audit_index (target_agency, time);
CREATE INDEX audit_index_by_event ON audit_index (event_type, time);
)SQL"},
      // A replayed 201/202 carries the Location header of the first answer.
      {2, "idempotency location", R"SQL(
ALTER TABLE idempotency ADD COLUMN location TEXT NOT NULL DEFAULT '';
)SQL"},
      // Every instance can report every instance's records in full (categories, bases, embargo).
      // The partial index finds an instance's entries still without a record at start without
      // reading all of its entries.
      {3, "audit index records", R"SQL(
ALTER TABLE audit_index ADD COLUMN record TEXT;
CREATE INDEX audit_index_unrecorded ON audit_index (origin, sequence) WHERE record IS NULL;
)SQL"},
      // Free text encrypted at rest: an audit index entry's record (a justification is free text)
      // and a consent's revocation (its reason, and the receipt that repeats it). Rows written
      // before keep their plain text until the store seals them at start (SqlStore::migrate);
      // the partial indexes find them without reading every row.
      {4, "sealed free text", R"SQL(
ALTER TABLE audit_index ADD COLUMN record_sealed {BLOB};
DROP INDEX audit_index_unrecorded;
CREATE INDEX audit_index_unrecorded ON audit_index (origin, sequence)
  WHERE record IS NULL AND record_sealed IS NULL;
CREATE INDEX audit_index_plain_records ON audit_index (origin, sequence) WHERE record IS NOT NULL;
ALTER TABLE consents ADD COLUMN revocation_sealed {BLOB};
CREATE INDEX consents_plain_revocations ON consents (id)
  WHERE status = 'revoked' AND revocation_sealed IS NULL;
)SQL"},
  };
  return list;
}

std::string migration_sql(const Migration& m, Dialect dialect) {
  auto replace_all = [](std::string s, std::string_view from, std::string_view to) {
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
      s.replace(pos, from.size(), to);
    }
    return s;
  };
  bool pg = dialect == Dialect::kPostgres;
  std::string s = replace_all(m.sql, "{BLOB}", pg ? "BYTEA" : "BLOB");
  return replace_all(
      std::move(s), "{SEQ}",
      pg ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
}

namespace {

constexpr const char* kCreateVersions =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at BIGINT NOT NULL)";

// Any fixed number; instances of one deployment share it.
constexpr const char* kAdvisoryLock = "SELECT pg_advisory_xact_lock(7215398830061251)";

Result<std::vector<int>> read_versions(sql::Connection& c) {
  auto rows = c.run("SELECT version FROM schema_migrations ORDER BY version");
  if (!rows) return rows.error();
  std::vector<int> out;
  for (const auto& r : *rows) out.push_back(static_cast<int>(r.i64(0)));
  return out;
}

}  // namespace

Result<std::vector<int>> applied_migrations(sql::Connection& c, Dialect dialect) {
  auto exists = dialect == Dialect::kPostgres
                    ? c.run(
                          "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND "
                          "tablename = 'schema_migrations'")
                    : c.run(
                          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                          "'schema_migrations'");
  if (!exists) return exists.error();
  if (exists->empty()) return std::vector<int>{};
  return read_versions(c);
}

Status apply_migrations(sql::Connection& c, Dialect dialect) {
  if (auto s = c.begin(); !s) return s;
  auto fail = [&](Status s) {
    c.rollback();
    return s;
  };
  if (dialect == Dialect::kPostgres) {
    if (auto r = c.run(kAdvisoryLock); !r) return fail(r.error());
  }
  if (auto s = c.exec_script(kCreateVersions); !s) return fail(s);
  auto applied = read_versions(c);
  if (!applied) return fail(applied.error());
  int latest = migrations().back().version;
  if (!applied->empty() && applied->back() > latest) {
    return fail(make_error(ErrorCode::kFailedPrecondition,
                           "the database schema is at version " + std::to_string(applied->back()) +
                               ", newer than this silta (" + std::to_string(latest) +
                               "); upgrade silta"));
  }
  for (const auto& m : migrations()) {
    if (std::find(applied->begin(), applied->end(), m.version) != applied->end()) continue;
    if (auto s = c.exec_script(migration_sql(m, dialect)); !s) {
      return fail(make_error(s.error().code, "migration " + std::to_string(m.version) + " (" +
                                                 m.name + "): " + s.error().message));
    }
    auto r = c.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                   m.version, m.name, now_utc());
    if (!r) return fail(r.error());
  }
  return c.commit();
}

}  // namespace silta::store
