// One pass over a log directory, checking everything that can be checked without the signing
// key's secret: segment headers and names, frame checksums, record structure, sequence
// continuity, monotonic time, and every checkpoint against the recomputed tree (and its
// signature, given the verifier key). AuditLog::open and the offline tools share it (internal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/file_system.h"
#include "audit/merkle.h"
#include "common/result.h"

namespace silta::audit {

struct LogLocation {
  std::size_t segment_index = 0;
  std::string segment;       // file name
  std::uint64_t offset = 0;  // of the frame in the segment
  std::uint64_t seq = 0;     // the record's sequence number (for a checkpoint: records before it)
  enum class Kind { kRecord, kCheckpoint, kUnknown };
  // "segment S, offset O, record N" / "..., checkpoint after N records" / "..., frame before
  // record N" (a frame whose header is damaged, so its kind is unknown).
  std::string describe(Kind kind = Kind::kRecord) const;
};

struct SegmentSummary {
  std::string name;
  std::uint64_t first_seq = 0;
  std::uint64_t records = 0;
  std::uint64_t valid_bytes = 0;  // header and complete frames
};

struct TornTail {
  std::string segment;
  std::uint64_t offset = 0;    // where the valid part ends
  std::uint64_t bytes = 0;     // how many bytes follow it
  bool whole_segment = false;  // the segment's header itself is incomplete
};

class ScanVisitor {
 public:
  virtual ~ScanVisitor() = default;
  // A record that passed every check. `completed`: its leaf hash, then the hashes of the perfect
  // subtrees it completes (CompactRange::append).
  virtual Status on_record(std::uint64_t seq, std::string_view leaf, const LogLocation& at,
                           std::span<const Hash> completed) = 0;
  virtual Status on_checkpoint(const SignedCheckpoint& checkpoint, const LogLocation& at) = 0;
};

struct ScanOptions {
  FileSystem* fs = nullptr;
  std::filesystem::path dir;
  const VerifierKey* verifier = nullptr;  // set: every checkpoint's signature is checked
  std::string expected_origin;            // set: every segment must carry this origin
};

struct ScanResult {
  std::string origin;
  std::vector<SegmentSummary> segments;
  CompactRange tree;
  std::uint64_t checkpoints = 0;
  std::optional<SignedCheckpoint> latest_checkpoint;
  std::string last_time;
  std::optional<TornTail> torn_tail;
  std::vector<std::string> stray_files;  // leftover "*.tmp" of an interrupted segment creation
};

// Errors: kDataLoss naming the segment, offset and sequence number of the first problem;
// kNotFound when the directory does not exist.
Result<ScanResult> scan_log(const ScanOptions& options, ScanVisitor* visitor);

// The text of a signed note (before the blank line), without checking any signature.
std::optional<std::string_view> note_text(std::string_view note);

}  // namespace silta::audit
