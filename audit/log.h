// The audit log: append-only, durable before it answers, tamper-evident.
//
// append() hands an event to the writer thread and returns at once; the writer batches whatever
// has queued into one write and one fdatasync (group commit), and each completion is called
// with the record's sequence number once that fdatasync has returned. A write or fdatasync failure
// stops the log for good (fail closed): every pending and later append gets an error, and
// on_failure is called once.
//
// Readers (any thread): the durable size and root, the latest signed checkpoint, records by
// sequence range, inclusion and consistency proofs for any size up to the current one.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/event.h"
#include "audit/file_system.h"
#include "audit/merkle.h"
#include "common/result.h"
#include "common/time.h"

namespace silta::audit {

// A record as it became durable, with the fields the store's audit index is searched by: what
// AuditLogOptions::on_durable hands over, so that an index need not parse the leaf again.
struct DurableRecord {
  std::uint64_t seq = 0;
  SysTime time{};
  EventType type = EventType::kDecision;
  std::string agency, subject, target, purpose;
  std::string leaf;  // the record's leaf bytes (canonical JSON)
};

struct AuditLogOptions {
  std::filesystem::path dir;  // created with mode 0700 if missing
  // Where `silta audit archive` moved sealed segments (audit/archive.h); empty: none. They are
  // read at open, for the tree, and by read(); nothing is ever written there by the log.
  std::filesystem::path archive_dir;
  std::string origin;  // the log's identity in checkpoints; empty = the signing key's name
  std::uint64_t checkpoint_every_records = 1000;
  std::chrono::milliseconds checkpoint_every{1000};
  std::uint64_t segment_bytes = 64ull << 20;  // a new segment once the current one is this big
  // How many batches may wait for their fdatasync at once, each on its own thread. 1 is classic
  // group commit (a batch forms while the previous one syncs); more lets a batch start its
  // fdatasync while earlier ones still run. Acknowledgements stay in order either way. On the
  // development VM this cut the latency of a durable append about tenfold (docs/benchmarks.md).
  unsigned max_syncs_in_flight = 4;
  FileSystem* file_system = nullptr;  // null: posix_file_system()
  std::function<SysTime()> clock;     // null: now_utc()
  // Called once, on the writer thread, when the log stops after a failed write or fdatasync.
  std::function<void(const Error&)> on_failure;
  // Called when a checkpoint has become durable, on one of the log's threads, after the
  // completions of the records it signs; it must return at once (the gateway hands it to the
  // witnesses' client). Not for the checkpoint open() writes: latest_checkpoint() has that one.
  std::function<void(const SignedCheckpoint&)> on_checkpoint;
  // Called after the completions of each batch of appended records, with its records in sequence
  // order, on one of the log's threads; it must return at once (the gateway hands them to its
  // audit indexer). The record open() may write (log-recovered) is not passed: read it back.
  std::function<void(std::vector<DurableRecord>&)> on_durable;
};

// What open() found and did; worth a log line (and a loud one when anything was recovered).
struct OpenReport {
  bool created = false;       // a new, empty log
  std::uint64_t records = 0;  // in the log now, the log-recovered record included
  std::size_t segments = 0;
  // A torn tail (incomplete final frame after a crash) that was cut off; empty when none.
  std::string torn_tail;
  std::vector<std::string> removed_files;  // leftovers of an interrupted segment creation
  // Set when open() found a crash's leftovers (records after the latest checkpoint, a torn
  // tail) or an unsigned tail that failed the checks, and wrote the log-recovered record that
  // says so (record number recovery_seq), signed with everything before it.
  std::optional<LogRecovery> recovery;
  std::uint64_t recovery_seq = 0;
};

class AuditLog {
 public:
  // Opens (or creates) the log in options.dir and checks all of it. It never signs what it has
  // not checked: the records after the latest checkpoint (a crash's leftovers) go through every
  // check of an append (the field rules, no identity code) and of the order (sequence, time,
  // none later than the clock allows), and the frames around them. A tail that passes is signed
  // together with a log-recovered record saying how many records over which time span; a tail
  // that fails is moved unsigned to a quarantine file in the directory, never deleted, and the
  // log-recovered record says what, where and why. A torn tail is cut off and reported. Damage
  // that may lie under a signed checkpoint refuses the open (kDataLoss naming segment, offset and
  // record): a log never signs a tree that contradicts one it signed before.
  static Result<std::unique_ptr<AuditLog>> open(AuditLogOptions options, SigningKey key,
                                                OpenReport* report = nullptr);
  ~AuditLog();  // close()
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  using AppendCallback = std::function<void(Result<std::uint64_t> seq)>;
  // Queues the event and returns without blocking on I/O. On success `done` is called exactly
  // once, on one of the log's threads, after the fdatasync that made the record durable (or with
  // the error that stopped the log). Completions run one at a time, in sequence order. Returns an
  // error, and never calls `done`, when the event is invalid or the log is closed or failed. `done`
  // must not block on the log.
  Status append(AuditEvent event, AppendCallback done);
  // append() and wait (CLI, tests). Not from inside a completion.
  Result<std::uint64_t> append_and_wait(AuditEvent event);

  // Stops accepting, writes what is queued, signs a final checkpoint, syncs. Idempotent.
  Status close();
  // The error that stopped the log, if one did.
  std::optional<Error> failure() const;

  const std::string& origin() const;
  const VerifierKey& verifier() const;
  // The durable tree: size and root (unsigned).
  Checkpoint tree_head() const;
  SignedCheckpoint latest_checkpoint() const;

  // Records with from <= seq < min(to, size), in order.
  Result<std::vector<AuditRecord>> read(std::uint64_t from, std::uint64_t to) const;
  // The same records' exact leaf bytes (canonical JSON, no identity code), unparsed.
  Result<std::vector<std::string>> read_leaves(std::uint64_t from, std::uint64_t to) const;
  Result<Hash> root_at(std::uint64_t size) const;
  // The leaf hash of durable record `seq` (one stored hash read: what a receipt names).
  Result<Hash> record_hash(std::uint64_t seq) const;
  Result<InclusionProof> prove_inclusion(std::uint64_t index, std::uint64_t size) const;
  Result<ConsistencyProof> prove_consistency(std::uint64_t from, std::uint64_t to) const;

  class Impl;

 private:
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace silta::audit
