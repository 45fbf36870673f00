// One store per test on either backend: SQLite in a temporary directory, or a fresh database on
// the PostgreSQL server this test process started (tests/support/postgres_server.h). The same
// test cases run against both (Catch2 TEMPLATE_TEST_CASE over the backend tags below).
#pragma once

#include <memory>
#include <string>

#include "policy/consent.h"
#include "store/store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace silta::test {

struct Sqlite {
  static constexpr store::Backend kBackend = store::Backend::kSqlite;
};
struct Postgres {
  static constexpr store::Backend kBackend = store::Backend::kPostgres;
};

// The PostgreSQL server of this test process, started on first use; nullptr (and the reason)
// when skipped.
PostgresServer* shared_postgres(std::string& why_not);

class StoreFixture {
 public:
  explicit StoreFixture(store::Backend backend);
  // False when the backend cannot run here (PostgreSQL binaries missing outside CI).
  bool available() const { return available_; }
  const std::string& why_not() const { return why_not_; }

  // Opens the store and migrates it.
  std::unique_ptr<store::Store> open();
  store::StoreConfig config;
  std::string database;  // PostgreSQL: the database name
  PostgresServer* server = nullptr;
  TempDir dir{"silta-store"};

 private:
  bool available_ = true;
  std::string why_not_;
};

// Skips the rest of a test case (with a clear message) when the backend is unavailable.
#define SILTA_NEED_BACKEND(fixture) \
  if (!(fixture).available()) {     \
    WARN((fixture).why_not());      \
    return;                         \
  }

// Test data. Identity codes only from the temporary range (individual number 900–999).
inline constexpr const char* kChildHetu = "150317A901J";
inline constexpr const char* kGuardianHetu = "010180+950R";
inline constexpr const char* kOtherHetu = "311299Y944N";

SysTime t0();  // 2026-03-02T09:00:00Z, a Monday
SysTime at_minutes(int minutes);
store::StoredConsent make_consent(const std::string& id, const std::string& pseudonym);
store::NewReferral make_referral(const std::string& id, const std::string& key = "",
                                 const std::string& hash = "h1");

}  // namespace silta::test
