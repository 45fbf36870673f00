#include <catch2/catch.hpp>

#include "store/config.h"

using namespace silta;
using namespace silta::store;
using nlohmann::json;

namespace {
StoreConfig parse(const json& doc, json_check::Issues& issues) {
  json_check::Object o(issues, doc, "/store");
  return parse_store_config(o, "/etc/silta", "/var/lib/silta");
}
}  // namespace

TEST_CASE("store config: defaults under data_dir", "[store][config]") {
  json_check::Issues issues;
  auto c = parse(json::object(), issues);
  CHECK(issues.empty());
  CHECK(c.url == "sqlite:/var/lib/silta/silta.db");
  CHECK(c.key_file == "/var/lib/silta/store.key");
  CHECK(c.pool_size == 4);
  CHECK(c.executor_threads == 4);
  CHECK(c.busy_timeout == std::chrono::milliseconds(5000));
  CHECK(default_store_config("/d").url == "sqlite:/d/silta.db");
}

TEST_CASE("store config: every key with relative paths against the config's directory",
          "[store][config]") {
  json_check::Issues issues;
  auto c = parse({{"url", "sqlite:data/x.db"},
                  {"key_file", "keys/store.key"},
                  {"pool_size", 8},
                  {"executor_threads", 16},
                  {"busy_timeout_ms", 250}},
                 issues);
  INFO(issues.format());
  CHECK(issues.empty());
  CHECK(c.url == "sqlite:/etc/silta/data/x.db");
  CHECK(c.key_file == "/etc/silta/keys/store.key");
  CHECK(c.pool_size == 8);
  CHECK(c.executor_threads == 16);
  CHECK(c.busy_timeout == std::chrono::milliseconds(250));

  json_check::Issues pg_issues;
  auto pg =
      parse({{"url", "postgresql://silta@db.example:5432/silta?sslmode=verify-full"}}, pg_issues);
  CHECK(pg_issues.empty());
  CHECK(pg.url == "postgresql://silta@db.example:5432/silta?sslmode=verify-full");
  CHECK(backend_of(pg.url) == Backend::kPostgres);
  CHECK(backend_of("host=/run/postgresql dbname=silta") == Backend::kPostgres);
  CHECK(backend_of("sqlite:/x.db") == Backend::kSqlite);
  CHECK_FALSE(backend_of("sqlite:"));
  CHECK_FALSE(backend_of("mysql://x"));
}

TEST_CASE("store config: every problem with its path", "[store][config]") {
  json_check::Issues issues;
  parse({{"url", "mysql://db/silta"},
         {"key_file", ""},
         {"pool_size", 0},
         {"executor_threads", "many"},
         {"busy_timeout_ms", -1},
         {"pool", 3}},
        issues);
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  CHECK(by_path.size() == 6);
  CHECK(by_path["/store/url"].find("sqlite:PATH") != std::string::npos);
  CHECK(by_path["/store/key_file"] == "expected a file name");
  CHECK(by_path["/store/pool_size"] == "expected an integer from 1 to 256");
  CHECK(by_path["/store/executor_threads"] == "expected an integer from 1 to 256");
  CHECK(by_path["/store/busy_timeout_ms"] == "expected an integer from 0 to 600000");
  CHECK(by_path.count("/store/pool") == 1);
}

TEST_CASE("store urls are shown without their password", "[store][config]") {
  CHECK(redacted_url("postgresql://silta:s3cret@db:5432/silta") ==
        "postgresql://silta:***@db:5432/silta");
  CHECK(redacted_url("postgres://db/silta?user=silta&password=s3cret&sslmode=require") ==
        "postgres://db/silta?user=silta&password=***&sslmode=require");
  CHECK(redacted_url("host=db password=s3cret dbname=silta") ==
        "host=db password=*** dbname=silta");
  CHECK(redacted_url("host=db password='s3 cret' dbname=silta") ==
        "host=db password=*** dbname=silta");
  CHECK(redacted_url("sqlite:/var/lib/silta/silta.db") == "sqlite:/var/lib/silta/silta.db");
  CHECK(redacted_url("postgresql://silta@db/silta") == "postgresql://silta@db/silta");
}
