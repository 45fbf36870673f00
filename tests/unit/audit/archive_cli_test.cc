// `silta audit archive`, `search` and the --archive option of verify and export, run as the real
// binary on a real log.
#include <catch2/catch.hpp>
#include <sstream>

#include "audit/config.h"
#include "audit/log.h"
#include "audit/segment.h"
#include "common/files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"

using namespace silta;
using namespace silta::audit;
namespace fs = std::filesystem;
using silta::test::run_command;

namespace {

std::size_t count_lines(const std::string& s, const std::string& containing) {
  std::size_t n = 0;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) n += l.find(containing) != std::string::npos;
  return n;
}

struct ArchiveCli {
  silta::test::TempDir tmp{"silta-archive-cli"};
  std::string silta = silta::test::silta_binary().string();
  fs::path keys = tmp / "keys";
  fs::path log_dir = tmp / "log";
  fs::path archive_dir = tmp / "archive";
  std::string vkey;

  ArchiveCli() {
    auto generated = generate_key_files(keys, "silta.test/archive-cli");
    REQUIRE(generated);
    vkey = generated->vkey;
    auto log = open_log();
    for (int i = 0; i < 30; ++i) REQUIRE(log->append_and_wait(test_util::sample_event(i)));
    REQUIRE(log->close());
  }
  std::unique_ptr<AuditLog> open_log() {
    AuditLogOptions o;
    o.dir = log_dir;
    o.checkpoint_every_records = 4;
    o.segment_bytes = 2048;
    auto log = AuditLog::open(o, *SigningKey::load(keys / "audit-signing.key"));
    REQUIRE(log);
    return std::move(*log);
  }
  silta::test::RunResult audit(std::vector<std::string> args) {
    args.insert(args.begin(), {silta, "audit"});
    return run_command(args);
  }
};

}  // namespace

TEST_CASE("silta audit archive: moves sealed segments and verify and export and search read on",
          "[cli][archive]") {
  ArchiveCli f;
  auto moved = f.audit({"archive", "--dir", f.log_dir.string(), "--archive", f.archive_dir.string(),
                        "--vkey", f.vkey, "--keep-segments", "1"});
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  CHECK(moved.output.find("1 left in the log directory") != std::string::npos);
  CHECK(count_lines(moved.output, "archived   ") > 2);

  auto ok = f.audit({"verify", "--dir", f.log_dir.string(), "--archive", f.archive_dir.string(),
                     "--vkey", f.vkey, "--require-signed"});
  INFO(ok.output);
  CHECK(ok.status == 0);
  CHECK(ok.output.find("records      30 in") != std::string::npos);
  // Without the archive the log directory alone fails, and says why.
  auto alone = f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey});
  CHECK(alone.status == 1);
  CHECK(alone.output.find("name the archive") != std::string::npos);

  auto raw = f.audit({"export", "--dir", f.log_dir.string(), "--archive", f.archive_dir.string(),
                      "--format", "raw"});
  REQUIRE(raw.status == 0);
  CHECK(count_lines(raw.output, "\"seq\":") == 30);

  auto fhir = f.audit({"export", "--dir", f.log_dir.string(), "--archive", f.archive_dir.string(),
                       "--format", "fhir"});
  REQUIRE(fhir.status == 0);
  CHECK(count_lines(fhir.output, "\"resourceType\":\"AuditEvent\"") == 30);
  auto head =
      f.audit({"checkpoint", "--dir", f.log_dir.string(), "--archive", f.archive_dir.string()});
  CHECK(head.status == 0);
  CHECK(head.output.find("silta.test/archive-cli\n30\n") == 0);
  auto proof = f.audit({"prove", "inclusion", "--dir", f.log_dir.string(), "--index", "1", "--size",
                        "30", "--archive", f.archive_dir.string()});
  INFO(proof.output);
  CHECK(proof.status == 0);

  // Record 2 lies in an archived segment; x-2 and x-29 are one record each.
  auto found = f.audit({"search", "--dir", f.log_dir.string(), "--archive", f.archive_dir.string(),
                        "--agency", "soite-lastensuojelu", "--type", "disclosure"});
  INFO(found.output);
  REQUIRE(found.status == 0);
  CHECK(count_lines(found.output, "\"reference\":\"x-2\"") == 1);
  CHECK(count_lines(found.output, "\"reference\":\"x-3\"") == 0);  // a decision
  CHECK(count_lines(found.output, "\"type\":\"disclosure\"") == 20);
  CHECK(found.output.find("20 records found") != std::string::npos);
  auto subject = f.audit({"search", "--dir", f.log_dir.string(), "--archive",
                          f.archive_dir.string(), "--subject", test_util::sample_event(5).subject});
  REQUIRE(subject.status == 0);
  CHECK(count_lines(subject.output, "\"reference\":\"x-5\"") == 1);
  auto bad_time = f.audit({"search", "--dir", f.log_dir.string(), "--from", "yesterday"});
  CHECK(bad_time.status == 2);
  CHECK(bad_time.output.find("--from: \"yesterday\" is not an RFC 3339 time") != std::string::npos);

  // A flipped byte in the first archived segment: verify fails naming the archived file.
  fs::path first = f.archive_dir / segment_file_name(0);
  std::string bytes = *read_file(first);
  auto at = bytes.find("\"reference\":\"x-1\"");
  REQUIRE(at != std::string::npos);
  bytes[at + 15] = '7';
  REQUIRE(write_file_atomic(first, bytes, 0600));
  auto bad = f.audit({"verify", "--dir", f.log_dir.string(), "--archive", f.archive_dir.string(),
                      "--vkey", f.vkey});
  INFO(bad.output);
  CHECK(bad.status == 1);
  CHECK(bad.output.find(first.string() + ", offset ") != std::string::npos);
  auto refused = f.audit({"archive", "--dir", f.log_dir.string(), "--archive",
                          f.archive_dir.string(), "--vkey", f.vkey});
  CHECK(refused.status == 1);
  CHECK(refused.output.find("nothing was archived") != std::string::npos);
}

TEST_CASE("silta audit archive: refusals with a message and a non-zero exit", "[cli][archive]") {
  ArchiveCli f;
  const std::string dir = f.log_dir.string(), archive = f.archive_dir.string();
  auto zero = f.audit(
      {"archive", "--dir", dir, "--archive", archive, "--vkey", f.vkey, "--keep-segments", "0"});
  CHECK(zero.status != 0);
  CHECK(zero.output.find("--keep-segments") != std::string::npos);
  auto no_key = f.audit({"archive", "--dir", dir, "--archive", archive, "--vkey", "garbage"});
  CHECK(no_key.status == 2);
  CHECK(no_key.output.find("silta audit archive: ") != std::string::npos);
  auto same = f.audit({"archive", "--dir", dir, "--archive", dir, "--vkey", f.vkey});
  CHECK(same.status == 2);
  CHECK(same.output.find("other than the log's") != std::string::npos);
  {
    auto running = f.open_log();  // what a running gateway holds
    auto busy = f.audit({"archive", "--dir", dir, "--archive", archive, "--vkey", f.vkey});
    CHECK(busy.status == 2);
    CHECK(busy.output.find("stop the gateway before archiving") != std::string::npos);
    REQUIRE(running->close());
  }
  CHECK(!fs::exists(f.archive_dir / segment_file_name(0)));
  CHECK(
      f.audit({"verify", "--dir", dir, "--archive", (f.tmp / "nowhere").string(), "--vkey", f.vkey})
          .status == 2);
}
