#include "audit/offline.h"

#include <chrono>
#include <map>
#include <utility>

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
                                 ScanVisitor* visitor) {
  auto result = scan_log(ScanOptions{&pick(fs), dir, key, ""}, visitor);
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

Result<VerifyReport> verify_log(const fs::path& dir, const VerifierKey& key, FileSystem* fs) {
  auto start = std::chrono::steady_clock::now();
  auto scan = scan_existing(dir, fs, &key, nullptr);
  if (!scan) return scan.error();
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
  if (scan->torn_tail) {
    const TornTail& t = *scan->torn_tail;
    r.torn_tail = "segment " + t.segment + ", offset " + std::to_string(t.offset) + ": " +
                  std::to_string(t.bytes) + " bytes of an incomplete final " +
                  (t.whole_segment ? "segment header" : "frame");
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

Result<std::string> read_log(const fs::path& dir, const LogReader& reader, FileSystem* fs) {
  ReaderVisitor visitor(reader);
  auto scan = scan_existing(dir, fs, nullptr, &visitor);
  if (!scan) return scan.error();
  return scan->origin;
}

Result<SignedCheckpoint> latest_checkpoint(const fs::path& dir, FileSystem* fs) {
  auto scan = scan_existing(dir, fs, nullptr, nullptr);
  if (!scan) return scan.error();
  if (!scan->latest_checkpoint) {
    return make_error(ErrorCode::kNotFound, "no checkpoint in " + dir.string());
  }
  return *scan->latest_checkpoint;
}

Result<InclusionProof> prove_inclusion(const fs::path& dir, std::uint64_t index, std::uint64_t size,
                                       FileSystem* fs) {
  if (index >= size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "inclusion proof: the index must be below the size");
  }
  SubtreeCollector collector;
  auto record = collector.recorder();
  (void)record(0, index);
  (void)tree_root(size, record);
  (void)inclusion_path(index, size, record);
  auto scan = scan_existing(dir, fs, nullptr, &collector);
  if (!scan) return scan.error();
  if (auto s = check_size(size, *scan); !s) return s.error();
  auto source = collector.source();
  InclusionProof p{index, size, *source(0, index), *tree_root(size, source), {}};
  p.path = *inclusion_path(index, size, source);
  return p;
}

Result<ConsistencyProof> prove_consistency(const fs::path& dir, std::uint64_t from,
                                           std::uint64_t to, FileSystem* fs) {
  if (from > to) {
    return make_error(ErrorCode::kInvalidArgument, "consistency proof: from must not exceed to");
  }
  SubtreeCollector collector;
  auto record = collector.recorder();
  (void)tree_root(from, record);
  (void)tree_root(to, record);
  (void)consistency_path(from, to, record);
  auto scan = scan_existing(dir, fs, nullptr, &collector);
  if (!scan) return scan.error();
  if (auto s = check_size(to, *scan); !s) return s.error();
  auto source = collector.source();
  ConsistencyProof p{from, to, *tree_root(from, source), *tree_root(to, source), {}};
  p.path = *consistency_path(from, to, source);
  return p;
}

}  // namespace silta::audit
