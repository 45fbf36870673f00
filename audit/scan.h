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
  std::filesystem::path path;     // the file (in the log directory or the archive)
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
  // Every record through parse_record as well (the full field rules, as `export` reads them),
  // not only the structural scan: what `verify` does.
  bool full_records = false;
  // Damage is returned in ScanResult::damage, with what was read before it, instead of as the
  // error (AuditLog::open decides whether it lies in the unsigned tail). Needs `verifier`.
  bool report_damage = false;
  // Set: sealed segments moved there by `silta audit archive` (audit/archive.h) come before the
  // segments in `dir`, and the tree runs on across both. A segment in both is an interrupted move:
  // the copy in `dir` is read. Archived segments are named by their path in messages.
  std::filesystem::path archive_dir{};
};

// Where in the log: a segment (by index in ScanResult::segment_files) and an offset in it.
struct LogPosition {
  std::size_t segment_index = 0;
  std::uint64_t offset = 0;
};

struct ScanDamage {
  Error error;  // kDataLoss, as scan_log would have returned it
  LogPosition at;
  bool at_checkpoint = false;  // the damaged frame is (or claims to be) a checkpoint
  // The log's signature line appears somewhere from the damage to the end of the log: the damage
  // may lie under a signed checkpoint, so it is not the unsigned tail's.
  bool signature_after = false;
};

struct ScanResult {
  std::string origin;
  std::vector<std::string> segment_files;  // every segment file, in order of first record
  std::vector<SegmentSummary> segments;    // those read whole
  CompactRange tree;
  std::uint64_t checkpoints = 0;
  std::optional<SignedCheckpoint> latest_checkpoint;
  // Where the frames after the latest checkpoint begin (the first segment's first frame when
  // there is none): the records from here on are signed by no checkpoint.
  LogPosition unsigned_from;
  std::string first_unsigned_time;  // of the first record there; empty when there is none
  std::string last_time;
  std::optional<TornTail> torn_tail;
  std::vector<std::string> stray_files;  // leftover "*.tmp" of an interrupted segment creation
  std::optional<ScanDamage> damage;      // with ScanOptions::report_damage only
};

// Errors: kDataLoss naming the segment, offset and sequence number of the first problem;
// kNotFound when the directory does not exist.
Result<ScanResult> scan_log(const ScanOptions& options, ScanVisitor* visitor);

// The text of a signed note (before the blank line), without checking any signature.
std::optional<std::string_view> note_text(std::string_view note);

}  // namespace silta::audit
