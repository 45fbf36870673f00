#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "audit/config.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::audit;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> parse(const json& doc, const fs::path& base, AuditConfig* out) {
  json_check::Issues issues;
  json_check::Object o(issues, doc, "/audit");
  AuditConfig c = parse_audit_config(o, base);
  if (out) *out = c;
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  return by_path;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("keygen writes 0600 secrets and the verifier key, and never overwrites", "[config]") {
  silta::test::TempDir tmp;
  auto keys = generate_key_files(tmp / "keys", "silta.example/gw-1");
  REQUIRE(keys);
  CHECK(mode_of(keys->signing_key) == 0600);
  CHECK(mode_of(keys->pseudonym_key) == 0600);
  CHECK(mode_of(keys->verifier_key) == 0644);
  CHECK(mode_of(tmp / "keys") == 0700);
  auto signing = SigningKey::load(keys->signing_key);
  REQUIRE(signing);
  CHECK(signing->verifier().to_string() == keys->vkey);
  CHECK(keys->vkey.rfind("silta.example/gw-1+", 0) == 0);
  auto vkey = VerifierKey::load(keys->verifier_key);
  REQUIRE(vkey);
  CHECK(vkey->to_string() == keys->vkey);
  CHECK(PseudonymKey::load(keys->pseudonym_key)->key_id() == keys->pseudonym_key_id);

  std::string before = *read_file(keys->signing_key);
  auto again = generate_key_files(tmp / "keys", "silta.example/gw-1");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kAlreadyExists);
  CHECK(*read_file(keys->signing_key) == before);
  CHECK_FALSE(generate_key_files(tmp / "other", "bad name"));
}

TEST_CASE("the audit config: defaults, relative paths, the key files", "[config]") {
  silta::test::TempDir tmp;
  REQUIRE(generate_key_files(tmp / "keys", "silta.example/gw-1"));
  AuditConfig c;
  json doc = {{"dir", "audit"},
              {"signing_key", "keys/audit-signing.key"},
              {"pseudonym_key", "keys/pseudonym.key"}};
  auto issues = parse(doc, tmp.path(), &c);
  CHECK(issues.empty());
  CHECK(c.dir == tmp / "audit");
  CHECK(c.signing_key == tmp / "keys/audit-signing.key");
  CHECK(c.checkpoint_every_records == 1000);
  CHECK(c.checkpoint_every == std::chrono::milliseconds(1000));
  CHECK(c.segment_bytes == 64u << 20);
  CHECK(c.syncs_in_flight == 4);
  CHECK(c.origin.empty());
  CHECK(c.archive_dir.empty());
  CHECK(c.index_retention_days == 0);
  auto o = c.log_options();
  CHECK(o.dir == c.dir);
  CHECK(o.segment_bytes == c.segment_bytes);
  CHECK(o.max_syncs_in_flight == 4);
  auto ring = load_pseudonym_keyring(c);
  REQUIRE(ring);
  CHECK(ring->all_pseudonyms("150317A901J").size() == 1);

  // A working log from the config.
  auto log = AuditLog::open(c.log_options(), *SigningKey::load(c.signing_key));
  REQUIRE(log);
  CHECK((*log)->origin() == "silta.example/gw-1");

  // The archive, relative to the config, reaches the log's options; the index retention.
  doc["archive_dir"] = "archive";
  doc["index_retention_days"] = 1095;
  CHECK(parse(doc, tmp.path(), &c).empty());
  CHECK(c.archive_dir == tmp / "archive");
  CHECK(c.log_options().archive_dir == tmp / "archive");
  CHECK(c.index_retention_days == 1095);
  doc["archive_dir"] = "./audit/";
  CHECK(parse(doc, tmp.path(), &c)["/audit/archive_dir"] ==
        "must be a directory other than audit.dir");
}

TEST_CASE("the audit config reports every problem with its path", "[config]") {
  silta::test::TempDir tmp;
  REQUIRE(generate_key_files(tmp / "keys", "gw"));
  REQUIRE(write_file_atomic(tmp / "open.key", "PSEUDONYM+KEY+00000000+AAAA\n", 0644));
  REQUIRE(write_secret_file(tmp / "garbage.key", "not a key\n"));
  json doc = {
      {"signing_key", "garbage.key"},
      {"pseudonym_key", "open.key"},
      {"retired_pseudonym_keys", {"keys/pseudonym.key", "keys/pseudonym.key", "missing.key"}},
      {"origin", "has space"},
      {"checkpoint_every_records", 0},
      {"checkpoint_every_ms", "soon"},
      {"segment_bytes", 10},
      {"syncs_in_flight", 0},
      {"index_retention_days", -1},
      {"segmnet_bytes", 10}};
  auto issues = parse(doc, tmp.path(), nullptr);
  CHECK(issues["/audit/dir"] == "required: a string");
  CHECK(issues["/audit/signing_key"].find("garbage.key") != std::string::npos);
  CHECK(issues["/audit/pseudonym_key"].find("chmod 600") != std::string::npos);
  CHECK(issues["/audit/retired_pseudonym_keys/1"].find("twice") != std::string::npos);
  CHECK(issues["/audit/retired_pseudonym_keys/2"].find("missing.key") != std::string::npos);
  CHECK(issues["/audit/origin"].find("origin") != std::string::npos);
  CHECK(issues["/audit/checkpoint_every_records"] == "expected an integer from 1 to 10000000");
  CHECK(issues.count("/audit/checkpoint_every_ms") == 1);
  CHECK(issues.count("/audit/segment_bytes") == 1);
  CHECK(issues["/audit/syncs_in_flight"] == "expected an integer from 1 to 64");
  CHECK(issues.count("/audit/segmnet_bytes") == 1);
  CHECK(issues["/audit/index_retention_days"] == "expected an integer from 0 to 36500");
  // No key material in any message.
  for (const auto& [path, message] : issues) CHECK(message.find("AAAA") == std::string::npos);
}
