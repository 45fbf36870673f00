#include "audit/scan.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "audit/event.h"
#include "audit/segment.h"

namespace silta::audit {

namespace {

Error damage(const std::string& where, const std::string& what) {
  return make_error(ErrorCode::kDataLoss, where + ": " + what);
}

}  // namespace

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

// The scanning thread reads frames and checks their checksums; the record structure and leaf
// hashes (most of the work) are done for a chunk of records at a time by worker threads while
// the next chunks are read; the scanning thread then consumes the chunks in order (sequence,
// time, tree, checkpoints, visitor). Small logs never fill a chunk and never start a worker.
constexpr std::size_t kChunkRecords = 4096;

struct Entry {
  bool checkpoint = false;
  std::size_t segment = 0;
  std::uint64_t offset = 0;
  std::uint64_t seq = 0;            // position: records before this frame
  std::size_t begin = 0, size = 0;  // payload within Chunk::data
};

struct Chunk {
  std::string data;
  std::vector<Entry> entries;
  std::size_t records = 0;
  // Filled by work(), one per record entry.
  std::vector<Result<RecordHeader>> headers;
  std::vector<Hash> leaf_hashes;

  void clear() {
    data.clear();
    entries.clear();
    records = 0;
    headers.clear();
    leaf_hashes.clear();
  }
  std::string_view payload(const Entry& e) const {
    return std::string_view(data).substr(e.begin, e.size);
  }
  void work() {
    headers.reserve(records);
    leaf_hashes.reserve(records);
    for (const auto& e : entries) {
      if (e.checkpoint) continue;
      headers.push_back(scan_record_header(payload(e)));
      leaf_hashes.push_back(leaf_hash(payload(e)));
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
  Status add(const Entry& entry, std::string_view payload);
  // Hands the filled chunk to the workers; consumes the oldest once enough are in work.
  Status dispatch();
  Status consume_oldest();
  // Consumes everything read so far.
  Status flush();
  Status consume(Chunk& chunk);
  Status check_checkpoint(const Entry& entry, std::string_view payload);
  LogLocation location(const Entry& e) const {
    return {e.segment, segments_[e.segment].second, e.offset, e.seq};
  }

  const ScanOptions& options_;
  ScanVisitor* visitor_;
  ScanResult result_;
  std::vector<std::pair<std::uint64_t, std::string>> segments_;
  std::uint64_t records_read_ = 0;  // ahead of result_.tree.size() by what is not consumed yet
  std::vector<std::unique_ptr<Chunk>> free_;
  std::unique_ptr<Chunk> filling_ = std::make_unique<Chunk>();
  std::deque<std::unique_ptr<Chunk>> in_work_;  // oldest first
  ChunkWorkers workers_;
  std::vector<Hash> completed_;
};

Result<ScanResult> Scan::run() {
  auto names = options_.fs->list(options_.dir);
  if (!names) return names.error();
  for (const auto& name : *names) {
    if (auto first = parse_segment_file_name(name)) {
      segments_.emplace_back(*first, name);
    } else if (name.size() > 4 && name.ends_with(".tmp")) {
      result_.stray_files.push_back(name);
    }
  }
  std::sort(segments_.begin(), segments_.end());
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    Status s = read_segment(i, i + 1 == segments_.size());
    // Whatever was read before a problem is consumed first: an earlier problem wins, and a torn
    // tail leaves every complete record visited.
    Status f = flush();
    if (!f) return f.error();
    if (!s) return s.error();
    if (result_.torn_tail) break;
  }
  return std::move(result_);
}

Status Scan::read_segment(std::size_t si, bool last) {
  const auto& [named_first, name] = segments_[si];
  std::string where = "segment " + name;
  if (named_first != records_read_) {
    return damage(where, "starts at record " + std::to_string(named_first) + " but record " +
                             std::to_string(records_read_) +
                             " comes next (a missing or extra segment)");
  }
  auto file = options_.fs->open_read(options_.dir / name);
  if (!file) return file.error();
  SegmentReader reader(**file);
  SegmentHeader header;
  auto step = reader.read_header(header);
  if (step == SegmentReader::Step::kTorn && last) {
    auto size = (*file)->size();
    result_.torn_tail = TornTail{name, 0, size ? *size : 0, true};
    return {};
  }
  if (step != SegmentReader::Step::kFrame) {
    return damage(where + ", offset 0", step == SegmentReader::Step::kTorn
                                            ? "incomplete segment header"
                                            : reader.problem());
  }
  if (header.first_seq != named_first) {
    return damage(where + ", offset 0", "the header says the segment starts at record " +
                                            std::to_string(header.first_seq));
  }
  if (!valid_key_name(header.origin)) return damage(where + ", offset 0", "bad origin");
  if (result_.origin.empty()) result_.origin = header.origin;
  if (header.origin != result_.origin) {
    return damage(where + ", offset 0", "origin \"" + header.origin +
                                            "\" differs from the earlier segments' \"" +
                                            result_.origin + "\"");
  }
  if (!options_.expected_origin.empty() && header.origin != options_.expected_origin) {
    return damage(where + ", offset 0", "origin \"" + header.origin + "\" but \"" +
                                            options_.expected_origin + "\" was expected");
  }
  SegmentSummary summary{name, named_first, 0, reader.offset()};
  SegmentReader::Frame frame;
  for (;;) {
    Entry entry{false, si, reader.offset(), records_read_, 0, 0};
    LogLocation at = location(entry);
    step = reader.next(frame);
    if (step == SegmentReader::Step::kEnd) break;
    if (step == SegmentReader::Step::kTorn) {
      if (!last) {
        return damage(at.describe(LogLocation::Kind::kUnknown),
                      "incomplete frame at the end of a segment that is not the last");
      }
      auto size = (*file)->size();
      result_.torn_tail = TornTail{name, at.offset, size ? *size - at.offset : 0, false};
      break;
    }
    if (step == SegmentReader::Step::kDamaged) {
      auto type = reader.damaged_type();
      auto kind = !type                             ? LogLocation::Kind::kUnknown
                  : *type == FrameType::kCheckpoint ? LogLocation::Kind::kCheckpoint
                                                    : LogLocation::Kind::kRecord;
      return damage(at.describe(kind), reader.problem());
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
    filling_ = std::make_unique<Chunk>();
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
  std::size_t record = 0;
  for (const auto& e : chunk.entries) {
    if (e.checkpoint) {
      if (auto s = check_checkpoint(e, chunk.payload(e)); !s) return s;
      continue;
    }
    const Result<RecordHeader>& h = chunk.headers[record];
    if (!h) return damage(location(e).describe(), h.error().message);
    if (h->seq != e.seq) {
      return damage(location(e).describe(),
                    "sequence number " + std::to_string(h->seq) + " where " +
                        std::to_string(e.seq) +
                        " was expected (a missing, repeated or moved record)");
    }
    if (h->time < result_.last_time) {
      return damage(
          location(e).describe(),
          "time " + std::string(h->time) + " is before the previous record's " + result_.last_time);
    }
    result_.last_time.assign(h->time);
    completed_.clear();
    result_.tree.append(chunk.leaf_hashes[record++], &completed_);
    if (visitor_) {
      if (auto s = visitor_->on_record(e.seq, chunk.payload(e), location(e), completed_); !s) {
        return s;
      }
    }
  }
  return {};
}

Status Scan::check_checkpoint(const Entry& e, std::string_view payload) {
  std::string where = location(e).describe(LogLocation::Kind::kCheckpoint);
  std::string note(payload);
  Result<Checkpoint> cp = make_error(ErrorCode::kInvalidArgument, "not a signed note");
  if (options_.verifier) {
    cp = options_.verifier->open_checkpoint(note);
  } else if (auto text = note_text(note)) {
    cp = Checkpoint::parse_body(*text);
  }
  if (!cp) return damage(where, cp.error().message);
  auto text = note_text(note);
  if (!text || cp->body() != *text) {
    return damage(where, "the checkpoint text is not in the form this log writes");
  }
  if (cp->origin != result_.origin) {
    return damage(where, "checkpoint of another log (origin \"" + cp->origin + "\")");
  }
  if (cp->size != result_.tree.size()) {
    return damage(where, "checkpoint for " + std::to_string(cp->size) +
                             " records where the log has " + std::to_string(result_.tree.size()));
  }
  if (cp->root != result_.tree.root()) {
    return damage(where,
                  "the signed root does not match the records (a record before it was altered)");
  }
  SignedCheckpoint signed_cp{*cp, std::move(note)};
  if (visitor_) {
    if (auto s = visitor_->on_checkpoint(signed_cp, location(e)); !s) return s;
  }
  ++result_.checkpoints;
  result_.latest_checkpoint = std::move(signed_cp);
  return {};
}

}  // namespace

Result<ScanResult> scan_log(const ScanOptions& options, ScanVisitor* visitor) {
  return Scan(options, visitor).run();
}

}  // namespace silta::audit
