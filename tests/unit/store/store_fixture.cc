#include "tests/unit/store/store_fixture.h"

#include <stdexcept>

#include "store/cipher.h"

namespace silta::test {

using namespace std::chrono;

PostgresServer* shared_postgres(std::string& why_not) {
  static std::string reason;
  static std::unique_ptr<PostgresServer> server = PostgresServer::start(reason);
  why_not = reason;
  return server.get();
}

StoreFixture::StoreFixture(store::Backend backend) {
  config.key_file = dir / "store.key";
  config.pool_size = 3;
  if (backend == store::Backend::kSqlite) {
    config.url = "sqlite:" + (dir / "data" / "silta.db").string();
    return;
  }
  server = shared_postgres(why_not_);
  if (server == nullptr) {
    available_ = false;
    return;
  }
  database = server->create_database();
  config.url = server->conninfo(database);
  // PostgreSQL keys are made deliberately (`silta db keygen`), never on open.
  auto s = store::FieldCipher::generate_key_file(config.key_file);
  if (!s) throw std::runtime_error(s.error().message);
}

std::unique_ptr<store::Store> StoreFixture::open() {
  auto s = store::open_store(config);
  if (!s) throw std::runtime_error("open_store: " + s.error().message);
  if (auto m = (*s)->migrate(); !m) throw std::runtime_error("migrate: " + m.error().message);
  return std::move(*s);
}

SysTime t0() { return sys_days{year{2026} / March / 2} + hours{9}; }
SysTime at_minutes(int minutes) { return t0() + std::chrono::minutes(minutes); }

store::StoredConsent make_consent(const std::string& id, const std::string& pseudonym) {
  store::StoredConsent c;
  auto& r = c.record;
  r.id = id;
  r.subject_pseudonym = pseudonym;
  r.kind = policy::ConsentKind::kSuostumus;
  policy::ConsentGrantor self;
  self.capacity = policy::Capacity::kSelf;
  self.person_pseudonym = pseudonym;
  self.minor_capable = true;
  self.assessed_by = "mh-nurse-7";
  self.assessed_at = t0() - hours(1);
  policy::ConsentGrantor guardian;
  guardian.capacity = policy::Capacity::kGuardian;
  guardian.person_pseudonym = "p-guardian";
  r.granted_by = {self, guardian};
  r.from_kinds = {"mental_health"};
  r.to_agencies = {"kokkola-koulu"};
  r.categories = {"mh_diagnosis"};
  r.purposes = {"teaching_arrangement"};
  r.data_recorded_from = t0() - days(365);
  r.valid_from = t0();
  r.valid_until = t0() + days(180);
  r.form = policy::ConsentForm::kElectronic;
  r.informed_text_hash = std::string(64, 'a');
  r.recorded_by_agency = "soite-mielenterveys";
  r.recorded_by_actor = "nurse-7";
  r.recorded_at = t0();
  c.subject_identity_code = kChildHetu;
  c.grantor_identity_codes = {kChildHetu, kGuardianHetu};
  c.receipt = "receipt-of-" + id;
  return c;
}

store::NewReferral make_referral(const std::string& id, const std::string& key,
                                 const std::string& hash) {
  store::NewReferral n;
  n.id = id;
  n.kind = "fi.lsl.25.child_welfare_report";
  n.sender_agency = "oulu-poliisi";
  n.recipient_agency = "soite-lastensuojelu";
  n.subject_pseudonym = "p-child";
  n.payload = std::string(R"({"subject":")") + kChildHetu + R"(","concern":"left alone"})";
  n.idempotency_key = key;
  n.request_hash = hash;
  n.deadlines = {{"urgency_assessment", t0(), std::nullopt},
                 {"assessment_started", t0() + days(9), std::nullopt}};
  n.received_at = t0();
  return n;
}

}  // namespace silta::test
