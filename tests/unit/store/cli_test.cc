// `silta db status`, `migrate`, `keygen` and `clear-audit-index`, run as the real binary.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "store/cipher.h"
#include "tests/support/process.h"
#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;

namespace {
RunResult silta_cli(std::vector<std::string> args) {
  args.insert(args.begin(), silta_binary().string());
  return run_command(args);
}
}  // namespace

TEMPLATE_TEST_CASE("silta db status and migrate", "[store][cli]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  // PostgreSQL through its URI form here (the fixture's default is key=value).
  std::string url = f.server ? f.server->uri(f.database) : f.config.url;
  auto before = silta_cli({"db", "status", "--store", url});
  INFO(before.output);
  CHECK(before.status == 1);
  CHECK(before.output.find("schema: version 0 of") != std::string::npos);
  CHECK(before.output.find("1 initial schema") != std::string::npos);

  auto migrated =
      silta_cli({"db", "migrate", "--store", url, "--key-file", f.config.key_file.string()});
  INFO(migrated.output);
  CHECK(migrated.status == 0);
  CHECK(migrated.output.find("up to date") != std::string::npos);

  auto after = silta_cli({"db", "status", "--store", url});
  INFO(after.output);
  CHECK(after.status == 0);
  CHECK(after.output.find("up to date") != std::string::npos);
  // The store the CLI migrated is the one the library opens.
  auto s = f.open();
  CHECK(s->schema_status()->pending.empty());
}

TEMPLATE_TEST_CASE("silta db clear-audit-index removes one origin's entries", "[store][cli]",
                   Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  {
    auto s = f.open();
    for (const char* origin : {"gw-1", "gw-2"}) {
      REQUIRE(s->index_audit_records({{origin, 0, t0(), "decision", "soite-lastensuojelu",
                                       "p-child", "kokkola-perusopetus", "cw_assessment", "{}"}}));
    }
  }
  TempDir empty;
  auto unmigrated = silta_cli({"db", "clear-audit-index", "--store",
                               "sqlite:" + (empty / "other.db").string(), "--origin", "gw-1"});
  CHECK(unmigrated.status == 2);
  CHECK(unmigrated.output.find("has no schema") != std::string::npos);
  auto missing = silta_cli({"db", "clear-audit-index", "--store", f.config.url});
  CHECK(missing.status != 0);
  CHECK(missing.output.find("--origin") != std::string::npos);

  auto cleared =
      silta_cli({"db", "clear-audit-index", "--store", f.config.url, "--origin", "gw-1"});
  INFO(cleared.output);
  CHECK(cleared.status == 0);
  CHECK(cleared.output.find("origin gw-1") != std::string::npos);
  auto s = f.open();
  CHECK(*s->next_audit_index_sequence("gw-1") == 0);
  CHECK(*s->next_audit_index_sequence("gw-2") == 1);  // the other log's entries stay
}

TEST_CASE("silta db: bad arguments and unreachable stores", "[store][cli]") {
  TempDir dir;
  auto bad = silta_cli({"db", "status", "--store", "mysql://db"});
  CHECK(bad.status == 2);
  CHECK(bad.output.find("expected sqlite:PATH") != std::string::npos);
  auto down = silta_cli({"db", "status", "--store",
                         "postgresql://silta:hunter2@127.0.0.1:1/silta?connect_timeout=5"});
  CHECK(down.status == 1);
  CHECK(down.output.find("cannot connect") != std::string::npos);
  CHECK(down.output.find("hunter2") == std::string::npos);  // the password is never printed
  auto no_key = silta_cli({"db", "migrate", "--store", "host=/nonexistent dbname=x", "--key-file",
                           (dir / "missing.key").string()});
  CHECK(no_key.status == 2);
  CHECK(no_key.output.find("silta db keygen") != std::string::npos);
}

TEST_CASE("silta db keygen makes a 0600 key once", "[store][cli]") {
  TempDir dir;
  auto key = dir / "store.key";
  auto made = silta_cli({"db", "keygen", "--key-file", key.string()});
  INFO(made.output);
  CHECK(made.status == 0);
  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(store::FieldCipher::load(key, false));
  auto again = silta_cli({"db", "keygen", "--key-file", key.string()});
  CHECK(again.status == 1);
  CHECK(again.output.find("never overwritten") != std::string::npos);
}
