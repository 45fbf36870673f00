// The Store over the SQL layer: one implementation of every operation for both backends; the
// few differences (row locks, claim) are spelled per dialect where they are used.
#pragma once

#include <memory>
#include <optional>

#include "store/cipher.h"
#include "store/consent_json.h"
#include "store/sql.h"
#include "store/store.h"

namespace silta::store {

class SqlStore final : public Store {
 public:
  // SQLite: `writer` has the one writer connection, `reader` the readers. PostgreSQL: one pool
  // serves both (reader == nullptr).
  SqlStore(sql::Dialect dialect, std::unique_ptr<sql::Pool> writer,
           std::unique_ptr<sql::Pool> reader, std::optional<FieldCipher> cipher);

  bool reads_in_process() const override { return dialect_ == sql::Dialect::kSqlite; }
  Result<SchemaStatus> schema_status() override;
  Status migrate() override;

  Status create_consent(const StoredConsent& consent) override;
  Result<StoredConsent> get_consent(const std::string& id) override;
  Result<std::vector<StoredConsent>> list_consents(const ConsentQuery& query) override;
  Result<StoredConsent> revoke_consent(const std::string& id,
                                       const policy::ConsentRevocation& revocation,
                                       const std::string& revocation_receipt) override;
  Result<std::vector<std::string>> expire_consents(SysTime now) override;

  Result<EnqueueResult> enqueue_referral(const NewReferral& referral) override;
  Result<Referral> get_referral(const std::string& id) override;
  Result<Page<Referral>> list_referrals(const ReferralQuery& query) override;
  Result<std::vector<Referral>> claim_deliveries(const std::string& worker, SysTime now,
                                                 std::chrono::microseconds lease,
                                                 std::size_t max) override;
  Status mark_delivered(const std::string& id, const std::string& worker, SysTime at) override;
  Status mark_failed(const std::string& id, const std::string& worker, const std::string& error,
                     SysTime at, std::optional<SysTime> retry_at) override;
  Result<Referral> requeue_referral(const std::string& id, SysTime at) override;
  Result<Referral> acknowledge_referral(const std::string& id, const ReferralAcknowledgement& ack,
                                        const std::vector<std::string>& deadlines_met) override;
  Result<Referral> record_referral_decision(
      const std::string& id, const ReferralDecision& decision,
      const std::vector<std::string>& deadlines_met,
      const std::vector<ReferralDeadline>& new_deadlines) override;
  Result<Referral> mark_deadlines_met(const std::string& id, const std::vector<std::string>& names,
                                      SysTime at) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> count_overdue_by_recipient(
      SysTime at) override;
  Result<std::vector<std::pair<ReferralState, std::int64_t>>> count_referrals_by_state() override;

  Result<IdempotencyRecord> save_idempotency(const IdempotencyRecord& record) override;
  Result<std::optional<IdempotencyRecord>> find_idempotency(const std::string& agency,
                                                            const std::string& key,
                                                            SysTime now) override;
  Result<std::int64_t> purge_idempotency(SysTime now) override;

  Status open_break_glass_review(const BreakGlassReview& item) override;
  Result<BreakGlassReview> get_break_glass_review(const std::string& id) override;
  Result<Page<BreakGlassReview>> list_break_glass_reviews(const BreakGlassQuery& query) override;
  Result<BreakGlassReview> review_break_glass(const std::string& id,
                                              const BreakGlassVerdict& verdict) override;

  Status index_audit_records(const std::vector<AuditIndexEntry>& entries) override;
  Result<Page<AuditIndexEntry>> query_audit_index(const AuditIndexQuery& query) override;
  Result<std::uint64_t> next_audit_index_sequence(const std::string& origin) override;
  Status clear_audit_index(const std::string& origin, std::uint64_t from_sequence) override;
  Result<std::uint64_t> prune_audit_index(const std::string& origin, SysTime before) override;

 private:
  // Runs f(connection) on a reader connection (a single statement, no transaction).
  template <typename F>
  auto read(F&& f) -> decltype(f(std::declval<sql::Connection&>()));
  // Runs f(connection) in a write transaction: committed when f succeeds, else rolled back.
  template <typename F>
  auto write(F&& f) -> decltype(f(std::declval<sql::Connection&>()));

  // " FOR UPDATE" where rows must be locked before a read-modify-write (PostgreSQL); SQLite's
  // single writer already excludes other writers.
  const char* for_update() const;
  Result<const FieldCipher*> cipher() const;
  Result<Bytes> seal(std::string_view plaintext, std::string_view context) const;
  Result<std::string> open(const Bytes& sealed, std::string_view context) const;

  Result<StoredConsent> consent_from_row(const sql::Row& row, bool with_identities = true) const;
  // An audit index entry's record: columns `plain` (before schema version 4) and `sealed`.
  Result<std::string> audit_record_from_row(const sql::Row& row, std::size_t plain,
                                            std::size_t sealed, const std::string& origin,
                                            std::uint64_t sequence) const;
  // Seals the free text that rows written before schema version 4 keep in the clear (at start,
  // once the key is known to be this database's; idempotent, in batches).
  Status seal_plain_text();
  Result<Referral> referral_from_row(const sql::Row& row) const;
  Result<BreakGlassReview> review_from_row(const sql::Row& row) const;
  Result<IdempotencyRecord> idempotency_from_row(const sql::Row& row) const;
  Result<Referral> load_referral(sql::Connection& c, const std::string& id, bool lock);
  Status save_referral_progress(sql::Connection& c, const Referral& r);
  // Why a conditional outbox update matched no row: kNotFound or kFailedPrecondition.
  Status outbox_refusal(sql::Connection& c, const std::string& id, const std::string& worker);

  sql::Dialect dialect_;
  std::unique_ptr<sql::Pool> writer_;
  std::unique_ptr<sql::Pool> reader_;
  std::optional<FieldCipher> cipher_;
  mutable ConsentDocuments consent_documents_;
};

}  // namespace silta::store
