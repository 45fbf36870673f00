// Encryption at rest: the cipher itself, and the raw database holding no identity code.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/files.h"
#include "store/cipher.h"
#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;
using namespace std::chrono;
namespace fs = std::filesystem;

TEST_CASE("the field cipher opens only what it sealed for the same row", "[store][cipher]") {
  TempDir dir;
  auto key = dir / "store.key";
  auto c = store::FieldCipher::load(key, true);
  REQUIRE(c);
  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto sealed = c->seal(kChildHetu, "consent\nc-1");
  std::string raw(sealed.begin(), sealed.end());
  CHECK(raw.find(kChildHetu) == std::string::npos);
  CHECK(*c->open(sealed, "consent\nc-1") == kChildHetu);
  // Two seals of the same value differ (random nonce).
  CHECK(c->seal(kChildHetu, "consent\nc-1") != sealed);

  auto other_row = c->open(sealed, "consent\nc-2");
  REQUIRE_FALSE(other_row);
  CHECK(other_row.error().code == ErrorCode::kDataLoss);
  auto tampered = sealed;
  tampered[tampered.size() / 2] ^= 1;
  CHECK(c->open(tampered, "consent\nc-1").error().code == ErrorCode::kDataLoss);
  CHECK(c->open(Bytes{1, 2, 3}, "consent\nc-1").error().code == ErrorCode::kDataLoss);

  auto other_key = dir / "other.key";
  REQUIRE(store::FieldCipher::generate_key_file(other_key));
  CHECK(store::FieldCipher::load(other_key, false)->open(sealed, "consent\nc-1").error().code ==
        ErrorCode::kDataLoss);
  // Never overwritten, never made when not asked, refused when others can read it.
  CHECK(store::FieldCipher::generate_key_file(key).error().code == ErrorCode::kAlreadyExists);
  CHECK(store::FieldCipher::load(dir / "missing.key", false).error().code == ErrorCode::kNotFound);
  ::chmod(key.c_str(), 0644);
  CHECK(store::FieldCipher::load(key, false).error().code == ErrorCode::kPermissionDenied);
  REQUIRE(write_secret_file(dir / "short.key", "abcd\n"));
  CHECK(store::FieldCipher::load(dir / "short.key", false).error().code ==
        ErrorCode::kInvalidArgument);
}

namespace {

// Stores one of everything that can carry an identity code.
void store_identities(store::Store& s) {
  auto consent = make_consent("c-1", "p-child");
  consent.subject_identity_code = kChildHetu;
  consent.grantor_identity_codes = {kGuardianHetu, kOtherHetu};
  REQUIRE(s.create_consent(consent));
  REQUIRE(s.enqueue_referral(make_referral("r-1")));  // payload names kChildHetu
  store::ReferralDecision d{at_minutes(5), "sw-1", "no_action",
                            std::string(R"({"sibling":")") + kOtherHetu + "\"}"};
  REQUIRE(s.record_referral_decision("r-1", d, {}, {}));
  REQUIRE(s.save_idempotency({"soite-lastensuojelu", "k1", "h", 200,
                              std::string(R"({"data":{"hetu":")") + kGuardianHetu + "\"}}", "",
                              t0(), t0() + hours(1)}));
  store::BreakGlassReview bg;
  bg.id = "bg-1";
  bg.agency = "soite-lastensuojelu";
  bg.justification = std::string("threat against ") + kGuardianHetu;
  bg.opened_at = t0();
  bg.due_at = t0() + days(14);
  REQUIRE(s.open_break_glass_review(bg));
  REQUIRE(s.review_break_glass("bg-1", {store::ReviewVerdict::kJustified, "po-1",
                                        std::string("checked ") + kOtherHetu, t0()}));
  // Free text a person writes: a revocation's reason (and its receipt, which repeats it) and an
  // audit record's justification, as the audit index keeps it.
  policy::ConsentRevocation revocation;
  revocation.at = t0() + hours(1);
  revocation.by_agency = "soite-lastensuojelu";
  revocation.capacity = policy::Capacity::kGuardian;
  revocation.reason = std::string("the father ") + kGuardianHetu + " no longer agrees";
  REQUIRE(s.revoke_consent("c-1", revocation, std::string("receipt for ") + kGuardianHetu));
  REQUIRE(s.index_audit_records(
      {{"gw-1", 0, t0(), "break-glass", "soite-lastensuojelu", "p-child", "pohjanmaa-poliisi",
        "cw_urgent", std::string("{\"justification\":\"threat by ") + kOtherHetu + "\"}"}}));
  // And they read back in the clear.
  CHECK(s.get_consent("c-1")->grantor_identity_codes[1] == kOtherHetu);
  CHECK(s.get_consent("c-1")->record.revoked->reason == revocation.reason);
  CHECK(s.query_audit_index({})->items.at(0).record.find(kOtherHetu) != std::string::npos);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_no_identity_code(const std::string& bytes, const std::string& where) {
  INFO(where);
  for (const char* code : {kChildHetu, kGuardianHetu, kOtherHetu}) {
    CHECK(bytes.find(code) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("sqlite: the database files hold no identity code", "[store][cipher]") {
  StoreFixture f(store::Backend::kSqlite);
  std::string sizes;
  {
    auto s = f.open();
    store_identities(*s);
    // Before the checkpoint the data sits in the WAL; read both, and the main file after.
    auto db = fs::path(f.config.url.substr(7));
    auto wal = fs::path(db.string() + "-wal");
    REQUIRE(fs::exists(wal));
    CHECK(fs::file_size(wal) > 0);
    check_no_identity_code(read_all(db) + read_all(wal), "database + WAL");
    struct stat st {};
    REQUIRE(::stat(db.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    // The fresh data directory was made for the file, owner only.
    REQUIRE(::stat(db.parent_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
  }
  // Closing the last connection checkpoints the WAL into the main file.
  auto db = fs::path(f.config.url.substr(7));
  auto content = read_all(db);
  CHECK(content.find("p-child") != std::string::npos);  // the data is there, pseudonymised
  check_no_identity_code(content, "database after checkpoint");
}

TEST_CASE("postgresql: the tables and data files hold no identity code", "[store][cipher]") {
  StoreFixture f(store::Backend::kPostgres);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  store_identities(*s);
  std::string text;
  for (const char* table : {"consents", "referrals", "idempotency", "break_glass_reviews",
                            "store_meta", "audit_index"}) {
    for (const auto& row :
         f.server->query(f.database, std::string("SELECT t::text FROM ") + table + " t")) {
      text += row + "\n";
    }
  }
  CHECK(text.find("p-child") != std::string::npos);
  check_no_identity_code(text, "table rows as text");
  // And on disk, after the server has written its buffers out.
  f.server->query(f.database, "CHECKPOINT");
  std::string files;
  for (const auto& e : fs::recursive_directory_iterator(f.server->data_dir())) {
    if (e.is_regular_file()) files += read_all(e.path());
  }
  CHECK(files.find("p-child") != std::string::npos);
  check_no_identity_code(files, "data directory");
}
