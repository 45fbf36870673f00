// Schema and consents, on both backends.
#include <catch2/catch.hpp>

#include "store/cipher.h"
#include "store/consent_json.h"
#include "store/sql.h"
#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;
using namespace std::chrono;
using store::ConsentStatus;

TEMPLATE_TEST_CASE("a fresh store migrates to the latest schema once", "[store]", Sqlite,
                   Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto opened = store::open_store(f.config);
  REQUIRE(opened);
  auto& s = **opened;
  auto before = s.schema_status();
  REQUIRE(before);
  CHECK(before->current_version == 0);
  CHECK(before->latest_version >= 1);
  CHECK(before->pending.size() == static_cast<std::size_t>(before->latest_version));
  REQUIRE(s.migrate());
  REQUIRE(s.migrate());  // nothing left to do
  auto after = s.schema_status();
  REQUIRE(after);
  CHECK(after->current_version == after->latest_version);
  CHECK(after->pending.empty());
  CHECK(after->backend ==
        (TestType::kBackend == store::Backend::kSqlite ? "sqlite" : "postgresql"));
}

// A database made by a silta of schema version 1 (before idempotency.location), with rows in it:
// made here from a current one by undoing migration 2 by hand.
TEMPLATE_TEST_CASE("a store at schema version 1 upgrades to the latest with its rows intact",
                   "[store]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  {
    auto s = f.open();
    REQUIRE(s->create_consent(make_consent("c-1", "p-child")));
    REQUIRE(s->save_idempotency({"soite-lastensuojelu", "k1", "hash-a", 201, "{\"id\": \"c-1\"}",
                                 "/v1/consents/c-1", t0(), t0() + hours(24)}));
    REQUIRE(s->index_audit_records({{"gw-1", 0, t0(), "decision", "soite-lastensuojelu", "p-child",
                                     "kokkola-perusopetus", "cw_assessment", "{}"}}));
  }
  const char* undo[] = {"DROP INDEX audit_index_unrecorded",
                        "DROP INDEX audit_index_plain_records",
                        "ALTER TABLE audit_index DROP COLUMN record_sealed",
                        "DROP INDEX consents_plain_revocations",
                        "ALTER TABLE consents DROP COLUMN revocation_sealed",
                        "ALTER TABLE idempotency DROP COLUMN location",
                        "ALTER TABLE audit_index DROP COLUMN record",
                        "DELETE FROM schema_migrations WHERE version >= 2"};
  if (TestType::kBackend == store::Backend::kSqlite) {
    auto c = store::sql::connect_sqlite(f.config.url.substr(7), true, seconds(5));
    REQUIRE(c);
    for (const char* sql : undo) REQUIRE((*c)->run(sql));
  } else {
    for (const char* sql : undo) f.server->query(f.database, sql);
  }

  auto opened = store::open_store(f.config);
  REQUIRE(opened);
  auto& s = **opened;
  auto before = s.schema_status();
  REQUIRE(before);
  CHECK(before->current_version == 1);
  REQUIRE(before->pending.size() == 3);
  CHECK(before->pending[0] == "2 idempotency location");
  CHECK(before->pending[1] == "3 audit index records");
  CHECK(before->pending[2] == "4 sealed free text");
  REQUIRE(s.migrate());
  CHECK(s.schema_status()->current_version == 4);

  auto consent = s.get_consent("c-1");
  REQUIRE(consent);
  CHECK(consent->record.subject_pseudonym == "p-child");
  auto idem = s.find_idempotency("soite-lastensuojelu", "k1", t0() + hours(1));
  REQUIRE(idem);
  REQUIRE(idem->has_value());
  CHECK((*idem)->status == 201);
  CHECK((*idem)->body == "{\"id\": \"c-1\"}");  // still decrypts under its row's binding
  CHECK((*idem)->location.empty());  // stored before the column existed: no Location to replay
  // And new rows carry it.
  REQUIRE(s.save_idempotency({"soite-lastensuojelu", "k2", "hash-b", 201, "{}", "/v1/consents/c-2",
                              t0(), t0() + hours(24)}));
  CHECK((*s.find_idempotency("soite-lastensuojelu", "k2", t0()))->location == "/v1/consents/c-2");
  // An entry indexed before version 3 has no record; indexing it again fills it in.
  auto indexed = s.query_audit_index({});
  REQUIRE(indexed);
  REQUIRE(indexed->items.size() == 1);
  CHECK(indexed->items[0].record.empty());
  CHECK(*s.next_audit_index_sequence("gw-1") == 0);  // indexing starts again there
  REQUIRE(s.index_audit_records({{"gw-1", 0, t0(), "decision", "soite-lastensuojelu", "p-child",
                                  "kokkola-perusopetus", "cw_assessment", "{\"seq\":0}"}}));
  CHECK(s.query_audit_index({})->items[0].record == "{\"seq\":0}");
  CHECK(*s.next_audit_index_sequence("gw-1") == 1);
}

// A database at schema version 3 keeps a revocation's reason and receipt, and the audit index's
// records, in the clear; the upgrade seals them (and they read back the same).
TEMPLATE_TEST_CASE("a store at schema version 3 seals its free text when it upgrades", "[store]",
                   Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  const std::string reason = "isa ei enaa halua tietoja luovutettavan";
  const std::string justification = "lapsen turvallisuus vaatii tiedot heti";
  const std::string record = "{\"justification\":\"" + justification + "\",\"seq\":0}";
  auto run = [&](const std::string& sql) {
    if (TestType::kBackend == store::Backend::kSqlite) {
      auto c = store::sql::connect_sqlite(f.config.url.substr(7), true, seconds(5));
      REQUIRE(c);
      REQUIRE((*c)->run(sql));
    } else {
      f.server->query(f.database, sql);
    }
  };
  {
    auto s = f.open();
    REQUIRE(s->create_consent(make_consent("c-1", "p-child")));
    policy::ConsentRevocation revocation;
    revocation.at = t0() + hours(1);
    revocation.by_agency = "soite-lastensuojelu";
    revocation.by_actor = "sw-1";
    revocation.capacity = policy::Capacity::kGuardian;
    revocation.channel = "phone";
    revocation.reason = reason;
    REQUIRE(s->revoke_consent("c-1", revocation, "receipt: " + reason));
  }
  // Back to version 3, as an older silta wrote it: everything in the clear.
  run("DROP INDEX audit_index_plain_records");
  run("DROP INDEX audit_index_unrecorded");
  run("CREATE INDEX audit_index_unrecorded ON audit_index (origin, sequence) WHERE record IS NULL");
  run("ALTER TABLE audit_index DROP COLUMN record_sealed");
  run("DROP INDEX consents_plain_revocations");
  run("ALTER TABLE consents DROP COLUMN revocation_sealed");
  run("DELETE FROM schema_migrations WHERE version >= 4");
  run("UPDATE consents SET record = replace(record, '\"reason\":\"\"', '\"reason\":\"" + reason +
      "\"'), revocation_receipt = 'receipt: " + reason + "' WHERE id = 'c-1'");
  run("INSERT INTO audit_index (origin, sequence, time, event_type, agency, subject_pseudonym, "
      "target_agency, purpose, record) VALUES ('gw-1', 0, 0, 'break-glass', 'a', 'p-child', 'b', "
      "'cw_urgent', '" +
      record + "')");

  auto opened = store::open_store(f.config);
  REQUIRE(opened);
  auto& s = **opened;
  REQUIRE(s.migrate());
  CHECK(s.schema_status()->current_version == 4);
  auto consent = s.get_consent("c-1");
  REQUIRE(consent);
  REQUIRE(consent->record.revoked);
  CHECK(consent->record.revoked->reason == reason);
  CHECK(consent->revocation_receipt == "receipt: " + reason);
  CHECK(s.query_audit_index({})->items.at(0).record == record);
  // Nothing of it is left in the clear, and indexing the same record again is no conflict.
  std::string raw;
  if (TestType::kBackend == store::Backend::kSqlite) {
    auto c = store::sql::connect_sqlite(f.config.url.substr(7), true, seconds(5));
    REQUIRE(c);
    for (const char* sql : {"SELECT record || revocation_receipt FROM consents",
                            "SELECT coalesce(record, '') FROM audit_index"}) {
      auto rows = (*c)->run(sql);
      REQUIRE(rows);
      for (const auto& row : *rows) raw += row.text(0);
    }
  } else {
    for (const auto& row : f.server->query(f.database, "SELECT t::text FROM consents t"))
      raw += row;
    for (const auto& row : f.server->query(f.database, "SELECT t::text FROM audit_index t")) {
      raw += row;
    }
  }
  CHECK(raw.find(reason) == std::string::npos);
  CHECK(raw.find(justification) == std::string::npos);
  CHECK(raw.find("p-child") != std::string::npos);
  REQUIRE(s.index_audit_records(
      {{"gw-1", 0, t0(), "break-glass", "a", "p-child", "b", "cw_urgent", record}}));
}

TEMPLATE_TEST_CASE("the store refuses a key file that is not this database's", "[store]", Sqlite,
                   Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  f.open();
  auto other = f.config;
  other.key_file = f.dir / "other.key";
  REQUIRE(store::FieldCipher::generate_key_file(other.key_file));
  auto s = store::open_store(other);
  REQUIRE(s);
  auto m = (*s)->migrate();
  REQUIRE_FALSE(m);
  CHECK(m.error().code == ErrorCode::kFailedPrecondition);
  CHECK(m.error().message.find("does not match") != std::string::npos);
}

TEMPLATE_TEST_CASE("without its key the store refuses encrypted data but reports its schema",
                   "[store]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  f.open()->create_consent(make_consent("c-1", "p-child")).ok();
  auto cfg = f.config;
  cfg.key_file.clear();
  auto s = store::open_store(cfg);
  REQUIRE(s);
  CHECK((*s)->schema_status());
  auto got = (*s)->get_consent("c-1");
  REQUIRE_FALSE(got);
  CHECK(got.error().code == ErrorCode::kFailedPrecondition);
}

TEMPLATE_TEST_CASE("consents: create and read back every field", "[store][consent]", Sqlite,
                   Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  auto c = make_consent("c-1", "p-child");
  REQUIRE(s->create_consent(c));
  auto got = s->get_consent("c-1");
  REQUIRE(got);
  const auto& r = got->record;
  CHECK(r.id == "c-1");
  CHECK(r.subject_pseudonym == "p-child");
  CHECK(r.kind == policy::ConsentKind::kSuostumus);
  REQUIRE(r.granted_by.size() == 2);
  CHECK(r.granted_by[0].capacity == policy::Capacity::kSelf);
  CHECK(r.granted_by[0].minor_capable);
  CHECK(r.granted_by[0].assessed_by == "mh-nurse-7");
  CHECK(r.granted_by[0].assessed_at == t0() - hours(1));
  CHECK(r.granted_by[1].capacity == policy::Capacity::kGuardian);
  CHECK_FALSE(r.granted_by[1].assessed_at);
  CHECK(r.from_kinds == std::vector<std::string>{"mental_health"});
  CHECK(r.from_agencies.empty());
  CHECK(r.to_agencies == std::vector<std::string>{"kokkola-koulu"});
  CHECK(r.categories == std::vector<std::string>{"mh_diagnosis"});
  CHECK(r.purposes == std::vector<std::string>{"teaching_arrangement"});
  CHECK(r.data_recorded_from == t0() - days(365));
  CHECK_FALSE(r.data_recorded_until);
  CHECK(r.valid_from == t0());
  CHECK(r.valid_until == t0() + days(180));
  CHECK(r.form == policy::ConsentForm::kElectronic);
  CHECK(r.informed_text_hash == std::string(64, 'a'));
  CHECK(r.recorded_by_agency == "soite-mielenterveys");
  CHECK(r.recorded_by_actor == "nurse-7");
  CHECK(r.recorded_at == t0());
  CHECK_FALSE(r.revoked);
  CHECK(got->subject_identity_code == kChildHetu);
  CHECK(got->grantor_identity_codes == std::vector<std::string>{kChildHetu, kGuardianHetu});
  CHECK(got->receipt == "receipt-of-c-1");
  CHECK(got->status == ConsentStatus::kActive);
}

TEMPLATE_TEST_CASE("consents: the bad paths", "[store][consent]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  REQUIRE(s->create_consent(make_consent("c-1", "p-child")));

  auto dup = s->create_consent(make_consent("c-1", "p-other"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kAlreadyExists);

  auto missing_grantor = make_consent("c-2", "p-child");
  missing_grantor.grantor_identity_codes.pop_back();
  auto bad = s->create_consent(missing_grantor);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
  CHECK(s->get_consent("c-2").error().code == ErrorCode::kNotFound);

  auto none = s->get_consent("c-nope");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == ErrorCode::kNotFound);
  // An error message names the consent, never the person.
  CHECK(none.error().message.find(kChildHetu) == std::string::npos);

  policy::ConsentRevocation rev{at_minutes(10),          "soite-mielenterveys", "nurse-7",
                                policy::Capacity::kSelf, "in_person",           "changed mind"};
  auto missing = s->revoke_consent("c-nope", rev, "rr");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("consents: list by subject (active or all) then revoke and expire",
                   "[store][consent]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  auto current = make_consent("c-current", "p-child");
  auto future = make_consent("c-future", "p-child");
  future.record.valid_from = t0() + days(10);
  auto open_ended = make_consent("c-open", "p-child");
  open_ended.record.valid_until.reset();
  auto short_lived = make_consent("c-short", "p-child");
  short_lived.record.valid_until = t0() + days(1);
  auto other = make_consent("c-other", "p-other");
  for (const auto& c : {current, future, open_ended, short_lived, other}) {
    REQUIRE(s->create_consent(c));
  }
  auto ids = [](const std::vector<store::StoredConsent>& list) {
    std::set<std::string> out;
    for (const auto& c : list) out.insert(c.record.id);
    return out;
  };
  auto all = s->list_consents({"p-child", std::nullopt});
  REQUIRE(all);
  CHECK(ids(*all) == std::set<std::string>{"c-current", "c-future", "c-open", "c-short"});
  for (const auto& c : *all) CHECK(c.subject_identity_code == kChildHetu);
  // Records only (what a decision reads): the identity codes are not decrypted.
  auto records = s->list_consents(
      {.subject_pseudonym = "p-child", .active_at = std::nullopt, .identities = false});
  REQUIRE(records);
  CHECK(ids(*records) == ids(*all));
  for (const auto& c : *records) {
    CHECK(c.subject_identity_code.empty());
    CHECK(c.grantor_identity_codes.empty());
    CHECK_FALSE(c.receipt.empty());
  }
  auto active = s->list_consents({"p-child", t0() + hours(1)});
  REQUIRE(active);
  CHECK(ids(*active) == std::set<std::string>{"c-current", "c-open", "c-short"});
  auto later = s->list_consents({"p-child", t0() + days(2)});
  REQUIRE(later);
  CHECK(ids(*later) == std::set<std::string>{"c-current", "c-open"});
  CHECK(s->list_consents({"p-nobody", std::nullopt})->empty());

  // Revoke: takes effect for every later lookup, and only once.
  policy::ConsentRevocation rev{at_minutes(30),          "soite-mielenterveys", "nurse-7",
                                policy::Capacity::kSelf, "in_person",           "changed mind"};
  auto revoked = s->revoke_consent("c-current", rev, "revocation-receipt");
  REQUIRE(revoked);
  CHECK(revoked->status == ConsentStatus::kRevoked);
  REQUIRE(revoked->record.revoked);
  CHECK(revoked->record.revoked->at == at_minutes(30));
  CHECK(revoked->record.revoked->reason == "changed mind");
  auto again = s->revoke_consent("c-current", rev, "revocation-receipt-2");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kFailedPrecondition);
  auto reread = s->get_consent("c-current");
  REQUIRE(reread);
  CHECK(reread->status == ConsentStatus::kRevoked);
  CHECK(reread->revocation_receipt == "revocation-receipt");
  CHECK(reread->record.revoked->channel == "in_person");
  CHECK(reread->subject_identity_code == kChildHetu);
  CHECK(ids(*s->list_consents({"p-child", t0() + hours(1)})) ==
        std::set<std::string>{"c-open", "c-short"});

  // Expire: those past valid_until, once each, reported for auditing.
  auto expired = s->expire_consents(t0() + days(2));
  REQUIRE(expired);
  CHECK(*expired == std::vector<std::string>{"c-short"});
  CHECK(s->expire_consents(t0() + days(2))->empty());
  CHECK(s->get_consent("c-short")->status == ConsentStatus::kExpired);
  CHECK(s->get_consent("c-open")->status == ConsentStatus::kActive);
  auto much_later = s->expire_consents(t0() + days(400));
  REQUIRE(much_later);
  CHECK(*much_later == std::vector<std::string>{"c-future", "c-other"});
}

TEST_CASE("consent documents: a parsed record is reused only for the same bytes",
          "[store][consent]") {
  store::ConsentDocuments docs(2);
  auto c = make_consent("c-1", "p-child").record;
  std::string doc = store::consent_document(c).dump();
  auto first = docs.parse("c-1", doc);
  REQUIRE(first);
  CHECK(first->id == "c-1");
  CHECK_FALSE(first->revoked);
  CHECK(docs.parse("c-1", doc)->purposes == c.purposes);

  // Revoked: the document changed, so the record is parsed again.
  c.revoked = policy::ConsentRevocation{
      t0(), "soite-mielenterveys", "nurse-7", policy::Capacity::kSelf, "in_person", "changed mind"};
  auto revoked = docs.parse("c-1", store::consent_document(c).dump());
  REQUIRE(revoked);
  REQUIRE(revoked->revoked);
  CHECK(revoked->revoked->reason == "changed mind");

  // A broken document is an error every time, never a stale record.
  CHECK_FALSE(docs.parse("c-1", "{\"id\": \"c-1\"}"));
  CHECK_FALSE(docs.parse("c-1", "not json"));

  // Beyond its capacity it starts again; answers stay right.
  for (int i = 0; i < 5; ++i) {
    auto other = make_consent("c-x" + std::to_string(i), "p-other").record;
    auto parsed = docs.parse(other.id, store::consent_document(other).dump());
    REQUIRE(parsed);
    CHECK(parsed->id == other.id);
  }
  CHECK(docs.parse("c-1", doc)->id == "c-1");
}
