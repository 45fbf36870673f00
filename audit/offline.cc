#include "audit/offline.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "audit/event.h"
#include "audit/scan.h"

namespace silta::audit {

namespace fs = std::filesystem;

namespace {

FileSystem& pick(FileSystem* fs) { return fs ? *fs : posix_file_system(); }

class ReaderVisitor final : public ScanVisitor {
 public:
  explicit ReaderVisitor(const LogReader& reader) : reader_(reader) {}
  Status on_record(std::uint64_t seq, std::string_view leaf, const LogLocation&,
                   std::span<const Hash>) override {
    return reader_.on_record ? reader_.on_record(seq, leaf) : Status();
  }
  Status on_checkpoint(const SignedCheckpoint& cp, const LogLocation&) override {
    return reader_.on_checkpoint ? reader_.on_checkpoint(cp) : Status();
  }

 private:
  const LogReader& reader_;
};

Result<ScanResult> scan_existing(const fs::path& dir, FileSystem* fs, const VerifierKey* key,
                                 ScanVisitor* visitor, const fs::path& archive_dir = {}) {
  ScanOptions options{&pick(fs), dir, key, ""};
  options.archive_dir = archive_dir;
  auto result = scan_log(options, visitor);
  if (!result) return result;
  if (result->segments.empty()) {
    return make_error(ErrorCode::kNotFound, "no audit log segments in " + dir.string());
  }
  return result;
}

// Collects the perfect subtrees a proof needs, then fills them in during one scan.
class SubtreeCollector final : public ScanVisitor {
 public:
  SubtreeSource recorder() {
    return [this](int level, std::uint64_t index) -> Result<Hash> {
      needed_[{level, index}] = Hash{};
      return Hash{};
    };
  }
  SubtreeSource source() const {
    return [this](int level, std::uint64_t index) -> Result<Hash> {
      auto it = needed_.find({level, index});
      if (it == needed_.end()) return make_error(ErrorCode::kInternal, "subtree not collected");
      return it->second;
    };
  }
  Status on_record(std::uint64_t seq, std::string_view, const LogLocation&,
                   std::span<const Hash> completed) override {
    for (std::size_t level = 0; level < completed.size(); ++level) {
      auto it = needed_.find({static_cast<int>(level), seq >> level});
      if (it != needed_.end()) it->second = completed[level];
    }
    return {};
  }
  Status on_checkpoint(const SignedCheckpoint&, const LogLocation&) override { return {}; }

 private:
  std::map<std::pair<int, std::uint64_t>, Hash> needed_;
};

Status check_size(std::uint64_t size, const ScanResult& scan) {
  if (size > scan.tree.size()) {
    return make_error(ErrorCode::kInvalidArgument, "the log has only " +
                                                       std::to_string(scan.tree.size()) +
                                                       " records, not " + std::to_string(size));
  }
  return {};
}

}  // namespace

namespace {

// Verify's visitor: the subtrees the trusted checkpoints' roots need, and the log-recovered
// records (rare: a cheap text search per record before a parse).
class VerifyVisitor final : public ScanVisitor {
 public:
  explicit VerifyVisitor(SubtreeCollector& subtrees) : subtrees_(subtrees) {}
  Status on_record(std::uint64_t seq, std::string_view leaf, const LogLocation& at,
                   std::span<const Hash> completed) override {
    if (leaf.find("\"type\":\"log-recovered\"") != std::string_view::npos) {
      auto record = parse_record(leaf);
      if (!record) return record.error();
      recoveries.push_back(std::move(*record));
    }
    return subtrees_.on_record(seq, leaf, at, completed);
  }
  Status on_checkpoint(const SignedCheckpoint&, const LogLocation&) override { return {}; }

  std::vector<AuditRecord> recoveries;

 private:
  SubtreeCollector& subtrees_;
};

std::uint64_t posix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now_utc().time_since_epoch()).count());
}

std::string posix_time_text(std::uint64_t seconds) {
  return format_rfc3339(SysTime(std::chrono::seconds(seconds)));
}

// The trusted checkpoint against the log: a consistent extension, or what it is not.
Status check_trusted(const TrustedResult& t, const ScanResult& scan, const SubtreeSource& source) {
  const std::uint64_t n = t.checkpoint.size, m = scan.tree.size();
  const std::string what = "trusted checkpoint " + t.name + " (" + std::to_string(n) + " records)";
  if (n <= m) {
    auto root = tree_root(n, source);
    if (!root) return root.error();
    if (*root == t.checkpoint.root) return {};
    return make_error(ErrorCode::kDataLoss,
                      "fork: " + what + " is not in this log's history: the log's first " +
                          std::to_string(n) + " records hash to " + to_base64(*root) + ", not " +
                          to_base64(t.checkpoint.root) +
                          " (records before it were changed, removed or added, and signed again)");
  }
  std::string shorter = "the log has " + std::to_string(m) + " records, fewer than the " +
                        std::to_string(n) + " of " + what;
  if (t.latest_cosignature != 0 && !scan.last_time.empty() &&
      *parse_rfc3339(scan.last_time) > SysTime(std::chrono::seconds(t.latest_cosignature))) {
    return make_error(ErrorCode::kDataLoss,
                      "rollback: " + shorter +
                          ", and it was written after that checkpoint was cosigned (its last "
                          "record is from " +
                          scan.last_time + ", the cosignature from " +
                          posix_time_text(t.latest_cosignature) +
                          "): it was cut back and continued");
  }
  return make_error(ErrorCode::kDataLoss, "truncation: " + shorter + ": records " +
                                              std::to_string(m) + " to " + std::to_string(n - 1) +
                                              " were removed from its end");
}

// The trusted checkpoints, each checked to be signed by the log's key (cosignatures counted);
// records in `subtrees` which subtrees their roots need from the scan.
Result<std::vector<TrustedResult>> read_trusted(const VerifierKey& key,
                                                const VerifyOptions& options,
                                                SubtreeCollector& subtrees) {
  std::vector<VerifierKey> keys{key};
  keys.insert(keys.end(), options.witnesses.begin(), options.witnesses.end());
  const std::uint64_t now = posix_now();
  std::vector<TrustedResult> trusted;
  auto record = subtrees.recorder();
  for (const auto& t : options.trusted) {
    auto bad = [&](const std::string& what) {
      return make_error(ErrorCode::kInvalidArgument, "trusted checkpoint " + t.name + ": " + what);
    };
    auto note = verify_note(t.note, keys, now);
    if (!note) return bad(note.error().message);
    auto cp = Checkpoint::parse_body(note->text);
    if (!cp) return bad(cp.error().message);
    TrustedResult r{t.name, *cp, {}, 0};
    bool by_log = false;
    for (const auto& sig : note->signatures) {
      if (sig.key == 0) {
        by_log = true;
        continue;
      }
      r.cosigned_by.push_back(keys[sig.key].label());
      r.latest_cosignature = std::max(r.latest_cosignature, sig.time);
    }
    if (!by_log) return bad("not signed by the log's key " + key.label());
    (void)tree_root(cp->size, record);
    trusted.push_back(std::move(r));
  }
  return trusted;
}

// Each trusted checkpoint against the scanned log: same origin, extended, cosigned by the quorum.
Status check_all_trusted(const std::vector<TrustedResult>& trusted, const ScanResult& scan,
                         const SubtreeCollector& subtrees, const VerifyOptions& options) {
  for (const auto& t : trusted) {
    if (t.checkpoint.origin != scan.origin) {
      return make_error(ErrorCode::kInvalidArgument,
                        "trusted checkpoint " + t.name + " is of another log (origin \"" +
                            t.checkpoint.origin + "\"; this log is \"" + scan.origin + "\")");
    }
    if (auto s = check_trusted(t, scan, subtrees.source()); !s) return s;
    if (t.cosigned_by.size() < options.quorum) {
      return make_error(ErrorCode::kDataLoss, "trusted checkpoint " + t.name + " is cosigned by " +
                                                  std::to_string(t.cosigned_by.size()) +
                                                  " of the " +
                                                  std::to_string(options.witnesses.size()) +
                                                  " witnesses given, fewer than the quorum of " +
                                                  std::to_string(options.quorum));
    }
  }
  return {};
}

}  // namespace

Result<VerifyReport> verify_log(const fs::path& dir, const VerifierKey& key,
                                const VerifyOptions& options, FileSystem* fs) {
  auto start = std::chrono::steady_clock::now();
  // The trusted checkpoints first: bad input is reported before a long scan.
  SubtreeCollector subtrees;
  auto read = read_trusted(key, options, subtrees);
  if (!read) return read.error();
  std::vector<TrustedResult> trusted = std::move(*read);
  if (options.quorum > 0 && trusted.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a witness quorum needs at least one trusted checkpoint to count "
                      "cosignatures on");
  }

  VerifyVisitor visitor(subtrees);
  ScanOptions scan_options{&pick(fs), dir, &key, ""};
  scan_options.full_records = true;
  scan_options.archive_dir = options.archive_dir;
  auto scan = scan_log(scan_options, &visitor);
  if (!scan) return scan.error();
  if (scan->segments.empty()) {
    return make_error(ErrorCode::kNotFound, "no audit log segments in " + dir.string());
  }
  VerifyReport r;
  r.origin = scan->origin;
  r.segments = scan->segments.size();
  r.records = scan->tree.size();
  r.checkpoints = scan->checkpoints;
  r.root = scan->tree.root();
  if (!scan->latest_checkpoint) {
    return make_error(ErrorCode::kDataLoss, "no checkpoint signed by " + key.to_string() + " in " +
                                                dir.string() +
                                                ": the records cannot be authenticated");
  }
  r.signed_size = scan->latest_checkpoint->checkpoint.size;
  r.unsigned_records = r.records - r.signed_size;
  if (r.unsigned_records > 0) {
    r.unsigned_from = scan->first_unsigned_time;
    r.unsigned_until = scan->last_time;
  }
  if (scan->torn_tail) {
    const TornTail& t = *scan->torn_tail;
    r.torn_tail = "segment " + t.segment + ", offset " + std::to_string(t.offset) + ": " +
                  std::to_string(t.bytes) + " bytes of an incomplete final " +
                  (t.whole_segment ? "segment header" : "frame");
  }
  r.recoveries = std::move(visitor.recoveries);
  if (auto s = check_all_trusted(trusted, *scan, subtrees, options); !s) return s.error();
  r.trusted = std::move(trusted);
  if (options.require_signed && r.unsigned_records > 0) {
    return make_error(ErrorCode::kDataLoss,
                      std::to_string(r.unsigned_records) +
                          " records after the latest checkpoint are not signed (from " +
                          r.unsigned_from + " to " + r.unsigned_until + ")");
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

Result<std::string> read_log(const fs::path& dir, const LogReader& reader, FileSystem* fs,
                             const fs::path& archive_dir) {
  ReaderVisitor visitor(reader);
  auto scan = scan_existing(dir, fs, nullptr, &visitor, archive_dir);
  if (!scan) return scan.error();
  return scan->origin;
}

Result<SignedCheckpoint> latest_checkpoint(const fs::path& dir, FileSystem* fs,
                                           const fs::path& archive_dir) {
  auto scan = scan_existing(dir, fs, nullptr, nullptr, archive_dir);
  if (!scan) return scan.error();
  if (!scan->latest_checkpoint) {
    return make_error(ErrorCode::kNotFound, "no checkpoint in " + dir.string());
  }
  return *scan->latest_checkpoint;
}

Result<InclusionProof> prove_inclusion(const fs::path& dir, std::uint64_t index, std::uint64_t size,
                                       FileSystem* fs, const fs::path& archive_dir) {
  if (index >= size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "inclusion proof: the index must be below the size");
  }
  SubtreeCollector collector;
  auto record = collector.recorder();
  (void)record(0, index);
  (void)tree_root(size, record);
  (void)inclusion_path(index, size, record);
  auto scan = scan_existing(dir, fs, nullptr, &collector, archive_dir);
  if (!scan) return scan.error();
  if (auto s = check_size(size, *scan); !s) return s.error();
  auto source = collector.source();
  InclusionProof p{index, size, *source(0, index), *tree_root(size, source), {}};
  p.path = *inclusion_path(index, size, source);
  return p;
}

Result<ConsistencyProof> prove_consistency(const fs::path& dir, std::uint64_t from,
                                           std::uint64_t to, FileSystem* fs,
                                           const fs::path& archive_dir) {
  if (from > to) {
    return make_error(ErrorCode::kInvalidArgument, "consistency proof: from must not exceed to");
  }
  SubtreeCollector collector;
  auto record = collector.recorder();
  (void)tree_root(from, record);
  (void)tree_root(to, record);
  (void)consistency_path(from, to, record);
  auto scan = scan_existing(dir, fs, nullptr, &collector, archive_dir);
  if (!scan) return scan.error();
  if (auto s = check_size(to, *scan); !s) return s.error();
  auto source = collector.source();
  ConsistencyProof p{from, to, *tree_root(from, source), *tree_root(to, source), {}};
  p.path = *consistency_path(from, to, source);
  return p;
}

}  // namespace silta::audit
