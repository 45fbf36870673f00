// The witness's decisions (C2SP tlog-witness add-checkpoint, every status) and its durable state,
// against a real log's checkpoints and proofs.
#include <catch2/catch.hpp>
#include <thread>

#include "audit/log.h"
#include "audit/witness.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"

using namespace silta;
using namespace silta::audit;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kNow = 1800000000;

struct WitnessFixture {
  silta::test::TempDir tmp{"silta-witness"};
  SigningKey log_key = test_util::test_key("silta.test/gw-1");
  SigningKey witness_key = SigningKey::generate("witness.test/w1", KeyType::kCosignatureV1);
  std::unique_ptr<AuditLog> log;
  std::unique_ptr<Witness> witness;

  WitnessFixture() {
    AuditLogOptions o;
    o.dir = tmp / "log";
    o.checkpoint_every_records = 1;  // a checkpoint after every record
    o.checkpoint_every = std::chrono::hours(1);
    auto opened = AuditLog::open(o, log_key);
    REQUIRE(opened);
    log = std::move(*opened);
    reopen_witness();
  }
  void reopen_witness() {
    witness.reset();
    WitnessOptions w;
    w.state_dir = tmp / "witness";
    w.logs = {{"silta.test/gw-1", {log_key.verifier()}}};
    w.clock = [] { return kNow; };
    auto opened = Witness::open(std::move(w), witness_key);
    INFO((opened ? "" : opened.error().message));
    REQUIRE(opened);
    witness = std::move(*opened);
  }
  SignedCheckpoint grow(int records) {
    for (int i = 0; i < records; ++i) REQUIRE(log->append_and_wait(test_util::small_event(i)));
    return log->latest_checkpoint();
  }
  WitnessAnswer submit(std::uint64_t old, const SignedCheckpoint& cp) {
    AddCheckpointRequest r{old, {}, cp.note};
    if (old > 0 && old < cp.checkpoint.size) {
      r.proof = log->prove_consistency(old, cp.checkpoint.size)->path;
    }
    return witness->add_checkpoint(format_add_checkpoint(r));
  }
};

void check_cosigned(const WitnessAnswer& a, const SignedCheckpoint& cp,
                    const VerifierKey& witness) {
  INFO(a.body);
  REQUIRE(a.status == 200);
  auto v = verify_note(cp.note + a.body, std::span(&witness, 1), kNow);
  REQUIRE(v);
  CHECK(v->signatures.front().time == kNow);
}

}  // namespace

TEST_CASE("add-checkpoint: the first checkpoint from 0, then each with a proof", "[witness]") {
  WitnessFixture f;
  auto cp3 = f.grow(3);
  check_cosigned(f.submit(0, cp3), cp3, f.witness_key.verifier());
  auto cp8 = f.grow(5);
  check_cosigned(f.submit(3, cp8), cp8, f.witness_key.verifier());
  CHECK(f.witness->heads().at("silta.test/gw-1").size == 8);
  // The same checkpoint again: cosigned again (a fresh time), no proof needed.
  check_cosigned(f.submit(8, cp8), cp8, f.witness_key.verifier());
}

TEST_CASE("add-checkpoint: 409 with the witness's size, so the log can send the right proof",
          "[witness]") {
  WitnessFixture f;
  auto cp3 = f.grow(3);
  REQUIRE(f.submit(0, cp3).status == 200);
  auto cp6 = f.grow(3);
  auto a = f.submit(0, cp6);
  CHECK(a.status == 409);
  CHECK(a.content_type == "text/x.tlog.size");
  CHECK(a.body == "3\n");
  CHECK(f.submit(3, cp6).status == 200);
  // A rollback: the log offers an older, smaller tree; the witness keeps its size.
  auto rolled = f.submit(3, cp3);
  CHECK(rolled.status == 409);
  CHECK(rolled.body == "6\n");
}

TEST_CASE("add-checkpoint refusals: 400, 403, 404, 409 on another root, 422", "[witness]") {
  WitnessFixture f;
  auto cp4 = f.grow(4);
  REQUIRE(f.submit(0, cp4).status == 200);
  auto cp9 = f.grow(5);
  SECTION("malformed requests are 400") {
    for (std::string bad :
         {std::string(""), std::string("old 4\n"), "old 04\n\n" + cp9.note, "new 4\n\n" + cp9.note,
          "old 4\nnot-base64\n\n" + cp9.note, "old -1\n\n" + cp9.note,
          "old 10\n\n" + cp9.note /* old above the checkpoint's size */}) {
      INFO(bad);
      CHECK(f.witness->add_checkpoint(bad).status == 400);
    }
    std::string many = "old 4\n";
    for (int i = 0; i < 64; ++i) many += to_base64(empty_root()) + "\n";
    CHECK(f.witness->add_checkpoint(many + "\n" + cp9.note).status == 400);
  }
  SECTION("an unknown origin is 404") {
    SigningKey other = test_util::test_key("silta.test/gw-2");
    auto note = other.sign({"silta.test/gw-2", 1, empty_root()}).note;
    CHECK(f.witness->add_checkpoint("old 0\n\n" + note).status == 404);
  }
  SECTION("a checkpoint not signed by the log's key is 403") {
    SigningKey impostor = test_util::test_key("silta.test/gw-1");
    auto note = impostor.sign(cp9.checkpoint).note;
    auto a = f.witness->add_checkpoint("old 4\n\n" + note);
    CHECK(a.status == 403);
  }
  SECTION("a proof that does not verify is 422") {
    auto path = f.log->prove_consistency(4, 9)->path;
    path.front()[0] ^= 1;
    auto a = f.witness->add_checkpoint(format_add_checkpoint({4, path, cp9.note}));
    CHECK(a.status == 422);
    CHECK(f.witness->heads().at("silta.test/gw-1").size == 4);
  }
  SECTION("a fork: another tree of the cosigned size is 409; grown from it, 422") {
    // The log's key signs a tree of 4 records that is not the one cosigned.
    Checkpoint forged = cp4.checkpoint;
    forged.root = cp9.checkpoint.root;
    auto a = f.witness->add_checkpoint("old 4\n\n" + f.log_key.sign(forged).note);
    CHECK(a.status == 409);
    CHECK(a.body == "4\n");
  }
}

TEST_CASE("the witness's state is durable and its own", "[witness]") {
  WitnessFixture f;
  auto cp5 = f.grow(5);
  REQUIRE(f.submit(0, cp5).status == 200);
  f.reopen_witness();
  CHECK(f.witness->heads().at("silta.test/gw-1").size == 5);
  CHECK(f.submit(0, cp5).status == 409);  // it remembers
  // A second witness on the same state directory is refused.
  WitnessOptions again;
  again.state_dir = f.tmp / "witness";
  again.logs = {{"silta.test/gw-1", {f.log_key.verifier()}}};
  CHECK_FALSE(Witness::open(std::move(again), f.witness_key));
  // A damaged state file is refused: a witness that forgets can be rolled back.
  f.witness.reset();
  REQUIRE(write_file_atomic(f.tmp / "witness" / "witness-state.json", "{\"version\":1}", 0600));
  WitnessOptions damaged;
  damaged.state_dir = f.tmp / "witness";
  auto refused = Witness::open(std::move(damaged), f.witness_key);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kDataLoss);
  // A log's key cannot be a witness's key.
  WitnessOptions wrong;
  wrong.state_dir = f.tmp / "other";
  CHECK_FALSE(Witness::open(std::move(wrong), f.log_key));
}

TEST_CASE("concurrent submissions never roll the witness back", "[witness]") {
  WitnessFixture f;
  auto cp2 = f.grow(2);
  REQUIRE(f.submit(0, cp2).status == 200);
  std::vector<SignedCheckpoint> later;
  for (int i = 0; i < 8; ++i) later.push_back(f.grow(1));
  // Every thread submits from size 2; exactly one can win, the others get 409.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, conflict{0};
  for (const auto& cp : later) {
    threads.emplace_back([&, cp] {
      auto a = f.submit(2, cp);
      (a.status == 200 ? ok : conflict)++;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 1);
  CHECK(conflict == 7);
  CHECK(f.witness->heads().at("silta.test/gw-1").size > 2);
}

TEST_CASE("add-checkpoint requests round trip", "[witness]") {
  AddCheckpointRequest r{17, {empty_root(), leaf_hash("x")}, "o\n18\nroot\n\n— o sig\n"};
  auto back = parse_add_checkpoint(format_add_checkpoint(r));
  REQUIRE(back);
  CHECK(back->old_size == 17);
  CHECK(back->proof == r.proof);
  CHECK(back->note == r.note);
  CHECK(format_add_checkpoint({0, {}, "n\n"}) == "old 0\n\nn\n");
}
