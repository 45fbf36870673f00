// Working on a log directory without opening it for writing: what `silta audit verify`,
// `export`, `checkpoint` and `prove` use. Nothing here changes the directory, and nothing needs
// a secret: a privacy officer or an outside auditor runs these on a copy of the log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "audit/checkpoint.h"
#include "audit/file_system.h"
#include "audit/merkle.h"
#include "common/result.h"

namespace silta::audit {

struct VerifyReport {
  std::string origin;
  std::size_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t checkpoints = 0;
  Hash root{};                    // of all the records
  std::uint64_t signed_size = 0;  // size of the latest checkpoint
  std::string torn_tail;          // an incomplete final frame that open() would cut; or empty
  double seconds = 0;
};

// Recomputes every leaf and the tree, checks every checkpoint's signature (with `key`) and root,
// sequence continuity and monotonic time. Fails (kDataLoss) with the segment, offset and
// sequence number of the first problem; a log without any checkpoint by `key` fails too.
// Records after the latest checkpoint (a crash before the next one) are reported, not failed.
Result<VerifyReport> verify_log(const std::filesystem::path& dir, const VerifierKey& key,
                                FileSystem* fs = nullptr);

// Every record's leaf bytes and every checkpoint, in log order, after the same structural checks
// as verify_log (signatures are not checked: no key is needed).
struct LogReader {
  std::function<Status(std::uint64_t seq, std::string_view leaf)> on_record;
  std::function<Status(const SignedCheckpoint& checkpoint)> on_checkpoint;
};
// Returns the log's origin.
Result<std::string> read_log(const std::filesystem::path& dir, const LogReader& reader,
                             FileSystem* fs = nullptr);

Result<SignedCheckpoint> latest_checkpoint(const std::filesystem::path& dir,
                                           FileSystem* fs = nullptr);
// Proofs computed in one pass over the log, in constant memory.
Result<InclusionProof> prove_inclusion(const std::filesystem::path& dir, std::uint64_t index,
                                       std::uint64_t size, FileSystem* fs = nullptr);
Result<ConsistencyProof> prove_consistency(const std::filesystem::path& dir, std::uint64_t from,
                                           std::uint64_t to, FileSystem* fs = nullptr);

}  // namespace silta::audit
