// The schema, as versioned migrations in one place. A migration is applied once, in order, in
// one transaction with its row in schema_migrations; never edit one that has shipped — add the
// next version instead.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "store/sql.h"

namespace silta::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;  // shared SQL with {BLOB} and {SEQ} for the types the dialects spell apart
};

const std::vector<Migration>& migrations();
std::string migration_sql(const Migration& m, sql::Dialect dialect);

// The applied versions (empty on a fresh database).
Result<std::vector<int>> applied_migrations(sql::Connection& c, sql::Dialect dialect);
// Applies the pending ones. PostgreSQL: under a transaction-scoped advisory lock, so that
// instances starting together apply each migration once and the others wait, then see it.
Status apply_migrations(sql::Connection& c, sql::Dialect dialect);

}  // namespace silta::store
