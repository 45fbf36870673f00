// Working on a log directory without opening it for writing: what `silta audit verify`,
// `export`, `checkpoint` and `prove` use. Nothing here changes the directory, and nothing needs
// a secret: a privacy officer or an outside auditor runs these on a copy of the log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/event.h"
#include "audit/file_system.h"
#include "audit/merkle.h"
#include "common/result.h"

namespace silta::audit {

// A checkpoint kept from earlier (GET /v1/audit/checkpoint, `silta audit checkpoint`): the log
// must be a consistent extension of it.
struct TrustedCheckpoint {
  std::string name;  // where it came from (a file name), for the report
  std::string note;  // the signed note, with any witness cosignatures
};

struct VerifyOptions {
  bool require_signed = false;  // records after the latest checkpoint fail the verification
  std::vector<TrustedCheckpoint> trusted;
  // Witnesses' cosignature/v1 keys: each trusted checkpoint must carry valid cosignatures by at
  // least `quorum` different ones of them.
  std::vector<VerifierKey> witnesses;
  std::size_t quorum = 0;
  // Sealed segments archived there (audit/archive.h) are verified with the log, as its start.
  std::filesystem::path archive_dir;
};

// What was proved about one trusted checkpoint.
struct TrustedResult {
  std::string name;
  Checkpoint checkpoint;
  std::vector<std::string> cosigned_by;  // witness key labels whose cosignature verified
  std::uint64_t latest_cosignature = 0;  // POSIX seconds; 0 when none
};

struct VerifyReport {
  std::string origin;
  std::size_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t checkpoints = 0;
  Hash root{};                    // of all the records
  std::uint64_t signed_size = 0;  // size of the latest checkpoint
  // The records after the latest checkpoint (a crash before the next one): how many, and the
  // times of the first and the last.
  std::uint64_t unsigned_records = 0;
  std::string unsigned_from, unsigned_until;
  std::string torn_tail;                // an incomplete final frame that open() would cut; or empty
  std::vector<AuditRecord> recoveries;  // the log-recovered records
  std::vector<TrustedResult> trusted;   // every trusted checkpoint, proved consistent
  double seconds = 0;
};

// Recomputes every leaf and the tree, checks every record in full (the field rules of an append,
// as `export` reads them), every checkpoint's signature (with `key`) and root, sequence
// continuity and monotonic time. Fails (kDataLoss) with the segment, offset and sequence number of
// the first problem; a log without any checkpoint by `key` fails too. Records after the latest
// checkpoint are reported, and fail with options.require_signed. Each trusted checkpoint must be
// the log's, carry the quorum of witness cosignatures, and the log must extend it: otherwise
// kDataLoss naming a fork (the log's first N records hash to another root), a rollback (the log
// is shorter and was written after the checkpoint was cosigned) or a truncation (the log is
// shorter). A trusted checkpoint that is not the log's, or not signed by `key`, is bad input
// (kInvalidArgument).
Result<VerifyReport> verify_log(const std::filesystem::path& dir, const VerifierKey& key,
                                const VerifyOptions& options = {}, FileSystem* fs = nullptr);

// Every record's leaf bytes and every checkpoint, in log order, after the same structural checks
// as verify_log (signatures are not checked: no key is needed).
struct LogReader {
  std::function<Status(std::uint64_t seq, std::string_view leaf)> on_record;
  std::function<Status(const SignedCheckpoint& checkpoint)> on_checkpoint;
};
// Returns the log's origin.
// `archive_dir`: archived segments (audit/archive.h) are read first; empty: none.
Result<std::string> read_log(const std::filesystem::path& dir, const LogReader& reader,
                             FileSystem* fs = nullptr,
                             const std::filesystem::path& archive_dir = {});

Result<SignedCheckpoint> latest_checkpoint(const std::filesystem::path& dir,
                                           FileSystem* fs = nullptr,
                                           const std::filesystem::path& archive_dir = {});
// Proofs computed in one pass over the log, in constant memory.
Result<InclusionProof> prove_inclusion(const std::filesystem::path& dir, std::uint64_t index,
                                       std::uint64_t size, FileSystem* fs = nullptr,
                                       const std::filesystem::path& archive_dir = {});
Result<ConsistencyProof> prove_consistency(const std::filesystem::path& dir, std::uint64_t from,
                                           std::uint64_t to, FileSystem* fs = nullptr,
                                           const std::filesystem::path& archive_dir = {});

}  // namespace silta::audit
