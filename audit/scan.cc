#include "audit/scan.h"

#include <algorithm>
#include <bit>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "audit/event.h"
#include "audit/record_scan.h"
#include "audit/segment.h"

namespace silta::audit {

std::string LogLocation::describe(Kind kind) const {
  std::string s = "segment " + segment + ", offset " + std::to_string(offset) + ", ";
  switch (kind) {
    case Kind::kRecord:
      return s + "record " + std::to_string(seq);
    case Kind::kCheckpoint:
      return s + "checkpoint after " + std::to_string(seq) + " records";
    case Kind::kUnknown:
      break;
  }
  return s + "frame before record " + std::to_string(seq);
}

std::optional<std::string_view> note_text(std::string_view note) {
  std::size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return std::nullopt;
  return note.substr(0, split + 1);
}

namespace {

// The scanning thread reads frames and checks their checksums; everything else that can be
// checked within a chunk of records (record structure, sequence numbers and time order inside
// the chunk, leaf hashes and the hashes of the subtrees that lie inside it) is done by worker
// threads while the next chunks are read; the scanning thread then consumes the chunks in order
// (the first record's time against the chunk before, the rest of the tree, checkpoints,
// visitor). Small logs never fill a chunk and never start a worker.
constexpr std::size_t kChunkRecords = 4096;
constexpr std::size_t kNoRecord = static_cast<std::size_t>(-1);

// The checks of a checkpoint frame that need nothing but its bytes and the verifier key: the
// signature, and that the text is exactly the form this log writes.
Result<Checkpoint> open_checkpoint_frame(std::string_view note, const VerifierKey* verifier) {
  Result<Checkpoint> cp = make_error(ErrorCode::kInvalidArgument, "not a signed note");
  if (verifier) {
    cp = verifier->open_checkpoint(note);
  } else if (auto text = note_text(note)) {
    cp = Checkpoint::parse_body(*text);
  }
  if (!cp) return cp;
  auto text = note_text(note);
  if (!text || cp->body() != *text) {
    return make_error(ErrorCode::kDataLoss,
                      "the checkpoint text is not in the form this log writes");
  }
  return cp;
}

// a < b for two record times (RecordHeader::time, 27 bytes each), in 8-byte big-endian words
// rather than through a call to memcmp: this runs for every record.
bool time_before(std::string_view a, std::string_view b) {
  if constexpr (std::endian::native == std::endian::little) {
    if (a.size() == 27 && b.size() == 27) {
      for (std::size_t at : {0, 8, 16, 19}) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + at, 8);
        std::memcpy(&y, b.data() + at, 8);
        if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y);
      }
      return false;
    }
  }
  return a < b;
}

struct Entry {
  bool checkpoint = false;
  std::size_t segment = 0;
  std::uint64_t offset = 0;
  std::uint64_t seq = 0;            // position: records before this frame
  std::size_t begin = 0, size = 0;  // payload within Chunk::data
};

struct Chunk {
  const VerifierKey* verifier = nullptr;  // ScanOptions::verifier
  bool full_records = false;              // ScanOptions::full_records
  std::string data;
  std::vector<Entry> entries;
  std::size_t records = 0;
  // Filled by work().
  // Per checkpoint entry up to first_bad: open_checkpoint_frame.
  std::vector<Result<Checkpoint>> checkpoints;
  // The first record (counting records only) that is not well formed, has the wrong sequence
  // number or a time before the previous record's in the chunk; kNoRecord if none. Nothing is
  // computed for it and the records after it: the scan stops there.
  std::size_t first_bad = kNoRecord;
  std::string first_time, last_time;  // of the first and the last record before first_bad
  // Per record, `hash_counts` of them: its leaf hash, then the hashes of the perfect subtrees it
  // completes that lie inside the chunk (CompactRange::append_precomputed).
  std::vector<Hash> hashes;
  std::vector<std::uint8_t> hash_counts;
  // work()'s own: the leaves, and per level L the hashes of the perfect subtrees of that level
  // inside the chunk, the first of them numbered first_subtree[L] (the leaves: level 0).
  std::vector<std::string_view> leaves;
  std::vector<std::vector<Hash>> levels;
  std::vector<std::uint64_t> first_subtree;

  void clear() {
    data.clear();
    entries.clear();
    records = 0;
    checkpoints.clear();
    first_bad = kNoRecord;
    first_time.clear();
    last_time.clear();
    hashes.clear();
    hash_counts.clear();
    leaves.clear();
  }
  std::string_view payload(const Entry& e) const {
    return std::string_view(data).substr(e.begin, e.size);
  }
  void work() {
    // The checks, in log order, up to the first bad record.
    std::uint64_t begin = 0;  // position of the chunk's first record
    std::string_view previous_time;
    for (const auto& e : entries) {
      if (e.checkpoint) {
        checkpoints.push_back(open_checkpoint_frame(payload(e), verifier));
        continue;
      }
      std::string_view leaf = payload(e);
      Result<RecordHeader> h = scan_record_header(leaf);
      if (!h || h->seq != e.seq || (!leaves.empty() && time_before(h->time, previous_time)) ||
          (full_records && !parse_record(leaf))) {
        first_bad = leaves.size();
        break;
      }
      if (leaves.empty()) {
        begin = e.seq;
        first_time.assign(h->time);
      }
      previous_time = h->time;
      leaves.push_back(leaf);
    }
    last_time.assign(previous_time);
    // The tree, a level at a time: the leaves, then each perfect subtree that lies inside the
    // chunk, from its two halves.
    std::size_t n = leaves.size();
    if (n == 0) return;
    std::size_t used = 1;
    if (levels.empty()) levels.resize(1);
    levels[0].resize(n);
    leaf_hashes(leaves, levels[0]);
    first_subtree.assign(1, begin);
    for (int level = 1; level < 63; ++level) {
      std::uint64_t lo = (begin + (std::uint64_t{1} << level) - 1) >> level;
      std::uint64_t hi = (begin + n) >> level;  // subtrees [lo, hi) of this level
      if (lo >= hi) break;
      if (levels.size() <= used) levels.resize(used + 1);
      levels[used].resize(hi - lo);
      const std::vector<Hash>& below = levels[used - 1];
      node_hashes(std::span(below).subspan(2 * lo - first_subtree[used - 1], 2 * (hi - lo)),
                  levels[used]);
      first_subtree.push_back(lo);
      ++used;
    }
    // Per record: its leaf hash, then the subtrees it completes (the lowest set bits of its
    // position) while they lie inside the chunk.
    hashes.reserve(2 * n);
    hash_counts.reserve(n);
    for (std::size_t r = 0; r < n; ++r) {
      std::uint64_t end = begin + r + 1;  // of the subtrees the record completes
      hashes.push_back(levels[0][r]);
      std::uint8_t count = 1;
      for (std::size_t level = 1; level < used && (end & ((std::uint64_t{1} << level) - 1)) == 0;
           ++level) {
        std::uint64_t index = (end >> level) - 1;
        if (index < first_subtree[level]) break;
        hashes.push_back(levels[level][index - first_subtree[level]]);
        ++count;
      }
      hash_counts.push_back(count);
    }
  }
};

// Worker threads that run Chunk::work(), started on first use.
class ChunkWorkers {
 public:
  ~ChunkWorkers() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(Chunk* chunk) {
    if (threads_.empty()) {
      unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
      for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
    }
    {
      std::lock_guard lk(mu_);
      queue_.push_back(chunk);
    }
    cv_.notify_all();
  }
  void wait(Chunk* chunk) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return done_.count(chunk) > 0; });
    done_.erase(chunk);
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    for (;;) {
      cv_.wait(lk, [&] { return !queue_.empty() || stop_; });
      if (stop_) return;
      Chunk* chunk = queue_.front();
      queue_.pop_front();
      lk.unlock();
      chunk->work();
      lk.lock();
      done_.insert(chunk);
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk*> queue_;
  std::set<Chunk*> done_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

class Scan {
 public:
  Scan(const ScanOptions& options, ScanVisitor* visitor) : options_(options), visitor_(visitor) {}
  Result<ScanResult> run();

 private:
  Status read_segment(std::size_t index, bool last);
  // The header agrees with the file name, the earlier segments and the expected origin.
  Status check_header(const SegmentHeader& header, std::uint64_t named_first, LogPosition start,
                      const std::string& where);
  Status add(const Entry& entry, std::string_view payload);
  // Hands the filled chunk to the workers; consumes the oldest once enough are in work.
  Status dispatch();
  Status consume_oldest();
  // Consumes everything read so far.
  Status flush();
  Status consume(Chunk& chunk);
  // The error for a record that Chunk::work() found bad, or the first of a chunk when its time
  // is before the last one of the chunk before: as the checks in log order describe it.
  Status record_problem(const Chunk& chunk, const Entry& e, const Entry* previous);
  // The rest of a checkpoint's checks, after open_checkpoint_frame (`cp`): against the tree.
  Status check_checkpoint(const Entry& entry, std::string_view payload,
                          const Result<Checkpoint>& cp);
  // The error for damage at `at` (`where`: its description); remembers where it is, for
  // ScanOptions::report_damage.
  Status damage(LogPosition at, bool checkpoint, const std::string& where,
                const std::string& what) {
    damage_at_ = at;
    damage_at_checkpoint_ = checkpoint;
    return make_error(ErrorCode::kDataLoss, where + ": " + what);
  }
  // Whether the log's signature line occurs from `at` to the end of the log.
  bool signature_after(LogPosition at) const;
  std::unique_ptr<Chunk> new_chunk() const {
    auto chunk = std::make_unique<Chunk>();
    chunk->verifier = options_.verifier;
    chunk->full_records = options_.full_records;
    return chunk;
  }
  LogLocation location(const Entry& e) const {
    return {e.segment, segments_[e.segment].second, e.offset, e.seq};
  }
  // The same for the visitor, kept between records: no copy of the segment name per record.
  const LogLocation& visited(const Entry& e) {
    if (visited_.segment.empty() || visited_.segment_index != e.segment) visited_ = location(e);
    visited_.offset = e.offset;
    visited_.seq = e.seq;
    return visited_;
  }

  const ScanOptions& options_;
  ScanVisitor* visitor_;
  ScanResult result_;
  std::vector<std::pair<std::uint64_t, std::string>> segments_;
  std::vector<std::filesystem::path> paths_;  // of segments_, in the same order
  std::uint64_t records_read_ = 0;  // ahead of result_.tree.size() by what is not consumed yet
  std::vector<std::unique_ptr<Chunk>> free_;
  std::unique_ptr<Chunk> filling_ = new_chunk();
  std::deque<std::unique_ptr<Chunk>> in_work_;  // oldest first
  ChunkWorkers workers_;
  std::vector<Hash> completed_;
  LogLocation visited_;
  LogPosition damage_at_;
  bool damage_at_checkpoint_ = false;
};

Result<ScanResult> Scan::run() {
  auto names = options_.fs->list(options_.dir);
  if (!names) return names.error();
  std::map<std::uint64_t, std::pair<std::string, std::filesystem::path>> found;
  for (const auto& name : *names) {
    if (auto first = parse_segment_file_name(name)) {
      found[*first] = {name, options_.dir / name};
    } else if (name.size() > 4 && name.ends_with(".tmp")) {
      result_.stray_files.push_back(name);
    }
  }
  if (!options_.archive_dir.empty()) {
    auto archived = options_.fs->list(options_.archive_dir);
    // No archive yet: nothing was archived (the first `silta audit archive` creates it).
    if (!archived && archived.error().code != ErrorCode::kNotFound) return archived.error();
    for (const auto& name : archived ? *archived : std::vector<std::string>{}) {
      auto first = parse_segment_file_name(name);
      if (!first) continue;
      std::filesystem::path path = options_.archive_dir / name;
      found.try_emplace(*first, path.string(), path);  // a live copy wins
    }
  }
  for (auto& [first, named] : found) {
    segments_.emplace_back(first, std::move(named.first));
    paths_.push_back(std::move(named.second));
  }
  for (const auto& [first, name] : segments_) result_.segment_files.push_back(name);
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    Status s = read_segment(i, i + 1 == segments_.size());
    // Whatever was read before a problem is consumed first: an earlier problem wins, and a torn
    // tail leaves every complete record visited.
    Status f = flush();
    Status problem = !f ? f : s;
    if (!problem) {
      if (!options_.report_damage || problem.error().code != ErrorCode::kDataLoss) {
        return problem.error();
      }
      result_.damage = ScanDamage{problem.error(), damage_at_, damage_at_checkpoint_,
                                  signature_after(damage_at_)};
      break;
    }
    if (result_.torn_tail) break;
  }
  return std::move(result_);
}

bool Scan::signature_after(LogPosition at) const {
  if (options_.verifier == nullptr) return true;
  const std::string marker = "\xE2\x80\x94 " + options_.verifier->name() + " ";
  Bytes chunk(64 * 1024);
  for (std::size_t i = at.segment_index; i < segments_.size(); ++i) {
    auto file = options_.fs->open_read(paths_[i]);
    if (!file) return true;  // unreadable: it may hold anything
    std::string window;      // the end of the previous read, so that a marker across two is found
    for (std::uint64_t offset = i == at.segment_index ? at.offset : 0;;) {
      auto n = (*file)->read_at(offset, chunk);
      if (!n) return true;
      if (*n == 0) break;
      window.append(reinterpret_cast<const char*>(chunk.data()), *n);
      if (window.find(marker) != std::string::npos) return true;
      window.erase(0, window.size() - std::min(window.size(), marker.size() - 1));
      offset += *n;
    }
  }
  return false;
}

Status Scan::check_header(const SegmentHeader& header, std::uint64_t named_first, LogPosition start,
                          const std::string& where) {
  if (header.first_seq != named_first) {
    return damage(
        start, false, where,
        "the header says the segment starts at record " + std::to_string(header.first_seq));
  }
  if (!valid_key_name(header.origin)) return damage(start, false, where, "bad origin");
  if (result_.origin.empty()) result_.origin = header.origin;
  if (header.origin != result_.origin) {
    return damage(start, false, where,
                  "origin \"" + header.origin + "\" differs from the earlier segments' \"" +
                      result_.origin + "\"");
  }
  if (!options_.expected_origin.empty() && header.origin != options_.expected_origin) {
    return damage(
        start, false, where,
        "origin \"" + header.origin + "\" but \"" + options_.expected_origin + "\" was expected");
  }
  return {};
}

Status Scan::read_segment(std::size_t si, bool last) {
  const auto& [named_first, name] = segments_[si];
  std::string where = "segment " + name;
  const LogPosition start{si, 0};
  if (named_first != records_read_) {
    return damage(start, false, where,
                  "starts at record " + std::to_string(named_first) + " but record " +
                      std::to_string(records_read_) + " comes next (a missing or extra segment" +
                      (si == 0 && options_.archive_dir.empty()
                           ? "; if earlier segments were archived, name the archive: "
                             "audit.archive_dir, --archive)"
                           : ")"));
  }
  auto file = options_.fs->open_read(paths_[si]);
  if (!file) return file.error();
  SegmentReader reader(**file);
  SegmentHeader header;
  auto step = reader.read_header(header);
  if (step == SegmentReader::Step::kTorn && last) {
    auto size = (*file)->size();
    result_.torn_tail = TornTail{name, 0, size ? *size : 0, true};
    return {};
  }
  where += ", offset 0";
  if (step != SegmentReader::Step::kFrame) {
    return damage(
        start, false, where,
        step == SegmentReader::Step::kTorn ? "incomplete segment header" : reader.problem());
  }
  if (auto s = check_header(header, named_first, start, where); !s) return s;
  if (si == 0) result_.unsigned_from = {0, reader.offset()};
  SegmentSummary summary{name, named_first, 0, reader.offset(), paths_[si]};
  SegmentReader::Frame frame;
  for (;;) {
    Entry entry{false, si, reader.offset(), records_read_, 0, 0};
    step = reader.next(frame);
    if (step == SegmentReader::Step::kEnd) break;
    if (step == SegmentReader::Step::kTorn) {
      if (!last) {
        return damage({si, entry.offset}, false,
                      location(entry).describe(LogLocation::Kind::kUnknown),
                      "incomplete frame at the end of a segment that is not the last");
      }
      auto size = (*file)->size();
      result_.torn_tail = TornTail{name, entry.offset, size ? *size - entry.offset : 0, false};
      break;
    }
    if (step == SegmentReader::Step::kDamaged) {
      auto type = reader.damaged_type();
      auto kind = !type                             ? LogLocation::Kind::kUnknown
                  : *type == FrameType::kCheckpoint ? LogLocation::Kind::kCheckpoint
                                                    : LogLocation::Kind::kRecord;
      return damage({si, entry.offset}, kind == LogLocation::Kind::kCheckpoint,
                    location(entry).describe(kind), reader.problem());
    }
    if (frame.type == FrameType::kRecord) {
      ++records_read_;
      ++summary.records;
    } else {
      entry.checkpoint = true;
    }
    if (auto s = add(entry, frame.payload); !s) return s;
  }
  summary.valid_bytes = reader.offset();
  result_.segments.push_back(std::move(summary));
  return {};
}

Status Scan::add(const Entry& entry, std::string_view payload) {
  Entry e = entry;
  e.begin = filling_->data.size();
  e.size = payload.size();
  filling_->data.append(payload);
  filling_->entries.push_back(e);
  if (!e.checkpoint && ++filling_->records == kChunkRecords) return dispatch();
  return {};
}

Status Scan::dispatch() {
  unsigned max_in_work = std::clamp(std::thread::hardware_concurrency(), 1u, 8u) + 1;
  if (in_work_.size() >= max_in_work) {
    if (auto s = consume_oldest(); !s) return s;
  }
  workers_.submit(filling_.get());
  in_work_.push_back(std::move(filling_));
  if (free_.empty()) {
    filling_ = new_chunk();
  } else {
    filling_ = std::move(free_.back());
    free_.pop_back();
  }
  return {};
}

Status Scan::consume_oldest() {
  std::unique_ptr<Chunk> chunk = std::move(in_work_.front());
  in_work_.pop_front();
  workers_.wait(chunk.get());
  Status s = consume(*chunk);
  chunk->clear();
  free_.push_back(std::move(chunk));
  return s;
}

Status Scan::flush() {
  while (!in_work_.empty()) {
    if (auto s = consume_oldest(); !s) {
      // Let the workers finish with the chunks they hold before they go away.
      while (!in_work_.empty()) {
        workers_.wait(in_work_.front().get());
        in_work_.pop_front();
      }
      return s;
    }
  }
  filling_->work();
  Status s = consume(*filling_);
  filling_->clear();
  return s;
}

Status Scan::consume(Chunk& chunk) {
  std::size_t record = 0, hash = 0, checkpoint = 0;
  const Entry* previous = nullptr;  // the chunk's previous record
  std::vector<Hash>* completed = visitor_ ? &completed_ : nullptr;
  for (const auto& e : chunk.entries) {
    if (e.checkpoint) {
      if (auto s = check_checkpoint(e, chunk.payload(e), chunk.checkpoints[checkpoint++]); !s) {
        return s;
      }
      continue;
    }
    if (record == chunk.first_bad || (record == 0 && chunk.first_time < result_.last_time)) {
      return record_problem(chunk, e, previous);
    }
    if (result_.first_unsigned_time.empty()) {
      if (auto h = scan_record_header(chunk.payload(e))) result_.first_unsigned_time = h->time;
    }
    completed_.clear();
    result_.tree.append_precomputed(
        std::span<const Hash>(chunk.hashes).subspan(hash, chunk.hash_counts[record]), completed);
    hash += chunk.hash_counts[record++];
    previous = &e;
    if (visitor_) {
      if (auto s = visitor_->on_record(e.seq, chunk.payload(e), visited(e), completed_); !s) {
        return s;
      }
    }
  }
  if (record > 0) result_.last_time = chunk.last_time;
  return {};
}

Status Scan::record_problem(const Chunk& chunk, const Entry& e, const Entry* previous) {
  std::string where = location(e).describe();
  const LogPosition at{e.segment, e.offset};
  Result<RecordHeader> h = scan_record_header(chunk.payload(e));
  if (!h) return damage(at, false, where, h.error().message);
  if (h->seq != e.seq) {
    return damage(at, false, where,
                  "sequence number " + std::to_string(h->seq) + " where " + std::to_string(e.seq) +
                      " was expected (a missing, repeated or moved record)");
  }
  std::string previous_time = result_.last_time;
  if (previous) {
    Result<RecordHeader> p = scan_record_header(chunk.payload(*previous));
    if (!p) return make_error(ErrorCode::kInternal, where + ": the record before is not readable");
    previous_time.assign(p->time);
  }
  if (h->time < previous_time) {
    return damage(
        at, false, where,
        "time " + std::string(h->time) + " is before the previous record's " + previous_time);
  }
  if (options_.full_records) {
    if (auto r = parse_record(chunk.payload(e)); !r) {
      return damage(at, false, where, r.error().message);
    }
  }
  return make_error(ErrorCode::kInternal, where + ": a problem reported but not found again");
}

Status Scan::check_checkpoint(const Entry& e, std::string_view payload,
                              const Result<Checkpoint>& cp) {
  std::string where = location(e).describe(LogLocation::Kind::kCheckpoint);
  const LogPosition at{e.segment, e.offset};
  if (!cp) return damage(at, true, where, cp.error().message);
  if (cp->origin != result_.origin) {
    return damage(at, true, where, "checkpoint of another log (origin \"" + cp->origin + "\")");
  }
  if (cp->size != result_.tree.size()) {
    return damage(at, true, where,
                  "checkpoint for " + std::to_string(cp->size) + " records where the log has " +
                      std::to_string(result_.tree.size()));
  }
  if (cp->root != result_.tree.root()) {
    return damage(at, true, where,
                  "the signed root does not match the records (a record before it was altered)");
  }
  SignedCheckpoint signed_cp{*cp, std::string(payload)};
  if (visitor_) {
    if (auto s = visitor_->on_checkpoint(signed_cp, location(e)); !s) return s;
  }
  ++result_.checkpoints;
  result_.latest_checkpoint = std::move(signed_cp);
  result_.unsigned_from = {e.segment, e.offset + kFrameHeaderSize + payload.size()};
  result_.first_unsigned_time.clear();
  return {};
}

}  // namespace

Result<ScanResult> scan_log(const ScanOptions& options, ScanVisitor* visitor) {
  return Scan(options, visitor).run();
}

}  // namespace silta::audit
