#include "audit/log.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "audit/hash_file.h"
#include "audit/scan.h"
#include "audit/segment.h"
#include "common/thread_name.h"

namespace silta::audit {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSparseEvery = 64;  // a locator for every 64th record
constexpr const char* kHashFileName = "tree.hashes";
constexpr const char* kLockFileName = "LOCK";
// How far ahead of the clock a record after the latest checkpoint may be: the log takes its times
// from this clock, so one later than this was forged, or the clock was set back by more.
constexpr auto kClockSkew = std::chrono::minutes(5);

// "quarantine-<first record, 20 digits>-<UTC time>.bin", e.g.
// quarantine-00000000000000001000-20261123T101530123456Z.bin
std::string quarantine_file_name(std::uint64_t first_seq, SysTime now) {
  std::string name = "quarantine-" + segment_file_name(first_seq);
  name.resize(name.size() - 4);  // ".seg"
  name += '-';
  for (char c : format_rfc3339(now)) {
    if (c != '-' && c != ':' && c != '.') name += c;
  }
  return name + ".bin";
}

// A check's message as the log-recovered record can hold it: it may quote bytes of a forged
// record, so printable ASCII only, bounded, and never anything shaped like an identity code.
std::string recordable_problem(std::string_view message) {
  std::string out;
  for (char c : message.substr(0, 900)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (contains_identity_code(out)) {
    for (char& c : out) {
      if (c >= '0' && c <= '9') c = '#';
    }
  }
  return out;
}

struct Locator {
  std::size_t segment = 0;
  std::uint64_t offset = 0;
};

struct SegmentInfo {
  std::string name;
  fs::path path;  // in the log directory, or in the archive (AuditLogOptions::archive_dir)
  std::uint64_t first_seq = 0;
  std::uint64_t data_start = 0;   // after the header
  std::uint64_t durable_end = 0;  // bytes known durable
};

struct Pending {
  DurableRecord record;
  AuditLog::AppendCallback done;
};

// A batch of records (and perhaps a checkpoint) written to a segment, waiting for the
// fdatasync that makes it durable.
struct Batch {
  std::vector<Pending> records;
  std::shared_ptr<AppendFile> file;
  std::size_t segment_index = 0;
  std::uint64_t segment_end = 0;  // the segment's durable length once this batch is synced
  std::vector<Locator> locators;
  std::uint64_t tree_size = 0;
  Hash root{};
  std::optional<SignedCheckpoint> checkpoint;
  bool synced = false;
};

// Collects what the open scan sees: hashes for the hash file, locators for reads.
class OpenVisitor final : public ScanVisitor {
 public:
  OpenVisitor(HashFile& hashes, std::vector<Locator>& sparse) : hashes_(hashes), sparse_(sparse) {}
  Status on_record(std::uint64_t seq, std::string_view, const LogLocation& at,
                   std::span<const Hash> completed) override {
    if (seq % kSparseEvery == 0) sparse_.push_back({at.segment_index, at.offset});
    return hashes_.reconcile(completed);
  }
  Status on_checkpoint(const SignedCheckpoint&, const LogLocation&) override { return {}; }

 private:
  HashFile& hashes_;
  std::vector<Locator>& sparse_;
};

}  // namespace

class AuditLog::Impl {
 public:
  Impl(AuditLogOptions options, SigningKey key)
      : options_(std::move(options)),
        key_(std::move(key)),
        fs_(options_.file_system ? *options_.file_system : posix_file_system()) {
    if (options_.origin.empty()) options_.origin = key_.name();
    if (!options_.clock) options_.clock = now_utc;
  }

  ~Impl() { (void)close(); }

  // Opens in steps: scan (quarantining a failing unsigned tail), repair the torn tail, restore the
  // writer's state, sign what was opened, start the threads.
  Status open(OpenReport& report);
  Result<ScanResult> scan_signed(OpenReport& report, LogRecovery& recovery, bool& quarantined);
  Status remove_stray_files(const ScanResult& scan, OpenReport& report);
  Status repair_tail(const ScanResult& scan, OpenReport& report, LogRecovery& recovery);
  Status restore_state(const ScanResult& scan, OpenReport& report, LogRecovery& recovery);
  Status seal_open_state(const LogRecovery& recovery, bool quarantined, OpenReport& report);
  void start_threads();
  // The checks of an append and of the order, for the records after the latest checkpoint (up to
  // a damage, if any): a description of the first that fails, or empty.
  Result<std::string> check_unsigned_tail(const ScanResult& scan) const;
  // Moves everything after the latest checkpoint to a quarantine file, and says so in `recovery`.
  Status quarantine(const ScanResult& scan, const std::string& problem, LogRecovery& recovery);
  Status append(AuditEvent event, AppendCallback done);
  Status close();
  std::optional<Error> failure() const {
    std::lock_guard lk(mu_);
    return failure_;
  }

  const std::string& origin() const { return options_.origin; }
  const VerifierKey& verifier() const { return key_.verifier(); }
  Checkpoint tree_head() const {
    std::lock_guard lk(state_mu_);
    return {options_.origin, size_, root_};
  }
  SignedCheckpoint latest_checkpoint() const {
    std::lock_guard lk(state_mu_);
    return latest_;
  }
  Result<std::vector<std::string>> read_leaves(std::uint64_t from, std::uint64_t to) const;
  Result<std::vector<AuditRecord>> read(std::uint64_t from, std::uint64_t to) const;
  Result<Hash> root_at(std::uint64_t size) const;
  Result<Hash> record_hash(std::uint64_t seq) const;
  Result<InclusionProof> prove_inclusion(std::uint64_t index, std::uint64_t size) const;
  Result<ConsistencyProof> prove_consistency(std::uint64_t from, std::uint64_t to) const;

 private:
  Error stopped_error(const Error& cause) const {
    return make_error(ErrorCode::kUnavailable,
                      "the audit log stopped after a failed write and accepts nothing more "
                      "(fail closed): " +
                          cause.message);
  }
  std::uint64_t published_size() const {
    std::lock_guard lk(state_mu_);
    return size_;
  }
  SubtreeSource source() const {
    return [this](int level, std::uint64_t index) {
      return hashes_->read(stored_hash_index(level, index));
    };
  }

  // Write stage (the writer thread): batches records, writes them, hands them to the syncers.
  void run();
  bool checkpoint_due(std::chrono::steady_clock::time_point now) const;
  Status rotate();
  Result<std::shared_ptr<Batch>> write_batch(std::vector<Pending>& records, bool force_checkpoint);
  // Sync stage (sync threads): fdatasync, then acknowledge the synced prefix in order.
  void sync_loop();
  void publish(const Batch& batch);
  // Stops the log for good and fails everything not acknowledged.
  void fail(const Error& error, std::vector<Pending>& records);

  AuditLogOptions options_;
  SigningKey key_;
  FileSystem& fs_;
  std::unique_ptr<DirectoryLock> lock_;
  std::unique_ptr<HashFile> hashes_;

  // The append queue.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  std::uint64_t next_seq_ = 0;
  SysTime last_time_{};
  bool closing_ = false;
  std::optional<Error> failure_;
  std::thread writer_;
  bool writer_started_ = false;
  std::once_flag close_once_;

  // Batches written and not yet acknowledged, oldest first; at most max_syncs_in_flight.
  std::mutex sync_mu_;
  // Two conditions, so that a batch wakes one sync thread and an acknowledgement wakes the
  // writer, not every thread each time: room_cv_ when in_flight_ shrinks (the writer, close()),
  // work_cv_ when to_sync_ grows (the sync threads); both on failure and stop.
  std::condition_variable room_cv_;
  std::condition_variable work_cv_;
  std::deque<std::shared_ptr<Batch>> in_flight_;
  std::deque<std::shared_ptr<Batch>> to_sync_;  // the ones no sync thread has taken yet
  bool sync_failed_ = false;
  bool sync_stop_ = false;
  std::vector<std::thread> syncers_;
  std::mutex complete_mu_;  // held while completions run, so that they run in order

  // Owned by the writer thread (and by open() before it starts).
  CompactRange tree_;
  std::shared_ptr<AppendFile> segment_;
  std::uint64_t segment_bytes_ = 0;
  bool segment_has_frames_ = false;    // rotation never leaves an empty segment behind
  std::uint64_t checkpoint_size_ = 0;  // tree size of the latest checkpoint
  bool have_checkpoint_ = false;
  std::chrono::steady_clock::time_point checkpoint_time_;
  Bytes buffer_;
  std::vector<Hash> completed_;

  // Published after each durable batch, for readers.
  mutable std::mutex state_mu_;
  std::vector<SegmentInfo> segments_;
  std::vector<Locator> sparse_;
  std::uint64_t size_ = 0;
  Hash root_ = empty_root();
  SignedCheckpoint latest_;
};

Status AuditLog::Impl::open(OpenReport& report) {
  if (!valid_key_name(options_.origin)) {
    return make_error(ErrorCode::kInvalidArgument, "audit log origin \"" + options_.origin +
                                                       "\" is not valid (no spaces or '+')");
  }
  if (options_.checkpoint_every_records == 0 || options_.checkpoint_every.count() <= 0 ||
      options_.segment_bytes == 0 || options_.max_syncs_in_flight == 0) {
    return make_error(ErrorCode::kInvalidArgument, "audit log: intervals and sizes must be > 0");
  }
  const fs::path& dir = options_.dir;
  if (auto s = fs_.create_dir(dir); !s) return s;
  auto lock = fs_.lock(dir / kLockFileName);
  if (!lock) return lock.error();
  lock_ = std::move(*lock);

  LogRecovery recovery;
  bool quarantined = false;
  auto scanned = scan_signed(report, recovery, quarantined);
  if (!scanned) return scanned.error();
  ScanResult& scan = *scanned;
  if (auto s = repair_tail(scan, report, recovery); !s) return s;
  if (auto s = restore_state(scan, report, recovery); !s) return s;
  if (auto s = seal_open_state(recovery, quarantined, report); !s) return s;
  report.records = tree_.size();
  report.segments = segments_.size();
  start_threads();
  return {};
}

Result<ScanResult> AuditLog::Impl::scan_signed(OpenReport& report, LogRecovery& recovery,
                                               bool& quarantined) {
  const fs::path& dir = options_.dir;
  for (;;) {
    auto hashes = HashFile::open(fs_, dir / kHashFileName);
    if (!hashes) return hashes.error();
    hashes_ = std::move(*hashes);
    std::vector<Locator> sparse;
    OpenVisitor visitor(*hashes_, sparse);
    ScanOptions scan_options{&fs_, dir, &key_.verifier(), options_.origin};
    scan_options.report_damage = true;
    scan_options.archive_dir = options_.archive_dir;
    auto scan = scan_log(scan_options, &visitor);
    if (!scan) return scan.error();
    if (scan->damage && (scan->damage->at_checkpoint || scan->damage->signature_after)) {
      // Damage under (or in) a signed checkpoint: never quarantined, never re-signed.
      Error e = scan->damage->error;
      e.message = "the audit log in " + dir.string() +
                  " is damaged and was not opened: " + e.message +
                  (quarantined ? ". Its unsigned tail was moved to " + recovery.quarantine_file
                               : ". Nothing was changed") +
                  "; `silta audit verify` reports the same.";
      return e;
    }
    auto problem = check_unsigned_tail(*scan);
    if (!problem) return problem.error();
    if (problem->empty() && scan->damage) *problem = scan->damage->error.message;
    if (problem->empty()) {
      sparse_ = std::move(sparse);
      return std::move(*scan);
    }
    if (quarantined) {
      return make_error(ErrorCode::kInternal,
                        "audit log: the tail still fails after it was quarantined: " + *problem);
    }
    if (auto s = remove_stray_files(*scan, report); !s) return s.error();
    if (auto s = quarantine(*scan, *problem, recovery); !s) return s.error();
    quarantined = true;
  }
}

Status AuditLog::Impl::remove_stray_files(const ScanResult& scan, OpenReport& report) {
  for (const auto& name : scan.stray_files) {
    if (auto s = fs_.remove(options_.dir / name); !s) return s;
    report.removed_files.push_back(name);
  }
  return {};
}

Status AuditLog::Impl::repair_tail(const ScanResult& scan, OpenReport& report,
                                   LogRecovery& recovery) {
  const fs::path& dir = options_.dir;
  if (auto s = remove_stray_files(scan, report); !s) return s;
  if (scan.torn_tail) {
    const TornTail& t = *scan.torn_tail;
    if (t.whole_segment) {
      if (auto s = fs_.remove(dir / t.segment); !s) return s;
    } else if (auto s = fs_.truncate(dir / t.segment, t.offset); !s) {
      return s;
    }
    recovery.torn_bytes = t.bytes;
    report.torn_tail = "segment " + t.segment + ": cut " + std::to_string(t.bytes) +
                       " bytes of an incomplete final " +
                       (t.whole_segment ? "segment header" : "frame") + " at offset " +
                       std::to_string(t.offset) +
                       " (a crash while writing; nothing there was "
                       "acknowledged)";
  }
  if (!scan.stray_files.empty() || (scan.torn_tail && scan.torn_tail->whole_segment)) {
    if (auto s = fs_.sync_dir(dir); !s) return s;
  }
  return {};
}

Status AuditLog::Impl::restore_state(const ScanResult& scan, OpenReport& report,
                                     LogRecovery& recovery) {
  tree_ = scan.tree;
  if (auto s = hashes_->finish_reconcile(stored_hash_count(tree_.size())); !s) return s;

  for (std::size_t i = 0; i < scan.segments.size(); ++i) {
    const auto& seg = scan.segments[i];
    segments_.push_back({seg.name, seg.path, seg.first_seq,
                         encode_segment_header({seg.first_seq, options_.origin}).size(),
                         seg.valid_bytes});
  }
  if (segments_.empty()) {
    report.created = true;
    if (auto s = rotate(); !s) return s;
  } else {
    auto file = fs_.open_append(options_.dir / segments_.back().name);
    if (!file) return file.error();
    segment_ = std::shared_ptr<AppendFile>(std::move(*file));
    segment_bytes_ = segments_.back().durable_end;
    segment_has_frames_ = segment_bytes_ > segments_.back().data_start;
  }
  next_seq_ = tree_.size();
  if (!scan.last_time.empty()) last_time_ = *parse_rfc3339(scan.last_time);
  size_ = tree_.size();
  root_ = tree_.root();
  if (scan.latest_checkpoint) {
    latest_ = *scan.latest_checkpoint;
    checkpoint_size_ = latest_.checkpoint.size;
    have_checkpoint_ = true;
  }
  if (tree_.size() > checkpoint_size_) {
    recovery.recovered_records = tree_.size() - checkpoint_size_;
    recovery.recovered_from = parse_rfc3339(scan.first_unsigned_time);
    recovery.recovered_until = parse_rfc3339(scan.last_time);
  }
  checkpoint_time_ = std::chrono::steady_clock::now();
  return {};
}

Status AuditLog::Impl::seal_open_state(const LogRecovery& recovery, bool quarantined,
                                       OpenReport& report) {
  // Every state of the log is covered by a signed checkpoint before it takes appends; what was
  // recovered is signed together with the record that says so.
  std::vector<Pending> batch_records;
  if (!recovery.empty()) {
    AuditEvent e;
    e.type = EventType::kLogRecovered;
    e.outcome = quarantined ? "quarantined" : "recovered";
    e.recovery = recovery;
    auto prepared = PreparedEvent::prepare(e);
    if (!prepared) return prepared.error();
    std::uint64_t seq = next_seq_++;
    last_time_ = std::max(last_time_, options_.clock());
    DurableRecord r;
    r.seq = seq;
    r.leaf = prepared->assemble(seq, last_time_);
    batch_records.push_back({std::move(r), nullptr});
    report.recovery = recovery;
    report.recovery_seq = seq;
  }
  if (!batch_records.empty() || !have_checkpoint_ || checkpoint_size_ != tree_.size()) {
    auto batch = write_batch(batch_records, true);
    if (!batch) return batch.error();
    if (auto s = (*batch)->file->sync(); !s) return s;
    publish(**batch);
  }
  return {};
}

void AuditLog::Impl::start_threads() {
  for (unsigned i = 0; i < options_.max_syncs_in_flight; ++i) {
    syncers_.emplace_back([this, i] {
      name_this_thread("audit-sync-" + std::to_string(i));
      sync_loop();
    });
  }
  writer_ = std::thread([this] {
    name_this_thread("audit-writer");
    run();
  });
  writer_started_ = true;
}

Result<std::string> AuditLog::Impl::check_unsigned_tail(const ScanResult& scan) const {
  std::uint64_t seq = scan.latest_checkpoint ? scan.latest_checkpoint->checkpoint.size : 0;
  const SysTime latest_allowed = options_.clock() + kClockSkew;
  for (std::size_t i = scan.unsigned_from.segment_index;
       seq < scan.tree.size() && i < scan.segment_files.size(); ++i) {
    const std::string& name = scan.segment_files[i];
    auto file = fs_.open_read(options_.dir / name);
    if (!file) return file.error();
    SegmentReader reader(**file);
    if (i == scan.unsigned_from.segment_index) {
      auto size = (*file)->size();
      if (!size) return size.error();
      reader.start_at(scan.unsigned_from.offset, *size);
    } else if (SegmentHeader header; reader.read_header(header) != SegmentReader::Step::kFrame) {
      break;  // the scan has said what is wrong there
    }
    SegmentReader::Frame frame;
    while (seq < scan.tree.size() && reader.next(frame) == SegmentReader::Step::kFrame) {
      if (frame.type != FrameType::kRecord) continue;
      std::string where = LogLocation{i, name, frame.offset, seq}.describe() + ": ";
      auto record = parse_record(frame.payload);
      if (!record) return where + record.error().message;
      if (record->time > latest_allowed) {
        return where + "time " + format_rfc3339(record->time) +
               " is later than the clock allows (" + format_rfc3339(latest_allowed) +
               "): a forged record, or the clock was set back";
      }
      ++seq;
    }
  }
  return std::string();
}

Status AuditLog::Impl::quarantine(const ScanResult& scan, const std::string& problem,
                                  LogRecovery& recovery) {
  const fs::path& dir = options_.dir;
  const LogPosition from = scan.unsigned_from;
  const std::uint64_t first_seq =
      scan.latest_checkpoint ? scan.latest_checkpoint->checkpoint.size : 0;
  std::string name = quarantine_file_name(first_seq, options_.clock());
  fs::path tmp = dir / (name + ".tmp");
  auto out = fs_.create(tmp, 0600);
  if (!out) return out.error();
  // The bytes as they are, in log order: the rest of the segment after the latest checkpoint,
  // then every later segment whole (headers included); and how many record frames they hold.
  std::uint64_t bytes = 0, records = 0;
  bool readable = true;
  Bytes chunk(1 << 20);
  for (std::size_t i = from.segment_index; i < scan.segment_files.size(); ++i) {
    auto file = fs_.open_read(dir / scan.segment_files[i]);
    if (!file) return file.error();
    auto size = (*file)->size();
    if (!size) return size.error();
    std::uint64_t start = i == from.segment_index ? from.offset : 0;
    for (std::uint64_t at = start; at < *size;) {
      auto n = (*file)->read_at(at, std::span(chunk).first(static_cast<std::size_t>(
                                        std::min<std::uint64_t>(chunk.size(), *size - at))));
      if (!n) return n.error();
      if (*n == 0) break;
      if (auto s = (*out)->append(std::span(chunk).first(*n)); !s) return s;
      at += *n;
      bytes += *n;
    }
    SegmentReader reader(**file);
    if (i == from.segment_index) {
      reader.start_at(start, *size);
    } else if (SegmentHeader header; reader.read_header(header) != SegmentReader::Step::kFrame) {
      readable = false;
    }
    SegmentReader::Frame frame;
    while (readable) {
      auto step = reader.next(frame);
      if (step == SegmentReader::Step::kEnd) break;
      if (step != SegmentReader::Step::kFrame) {
        readable = false;
        break;
      }
      records += frame.type == FrameType::kRecord;
    }
  }
  if (auto s = (*out)->sync(); !s) return s;
  out->reset();
  if (auto s = fs_.rename(tmp, dir / name); !s) return s;
  if (auto s = fs_.sync_dir(dir); !s) return s;
  // Only once the quarantine file is durable: a crash before leaves the tail in place, to be
  // quarantined again.
  if (auto s = fs_.truncate(dir / scan.segment_files[from.segment_index], from.offset); !s) {
    return s;
  }
  for (std::size_t i = from.segment_index + 1; i < scan.segment_files.size(); ++i) {
    if (auto s = fs_.remove(dir / scan.segment_files[i]); !s) return s;
  }
  if (auto s = fs_.sync_dir(dir); !s) return s;
  recovery.quarantine_file = name;
  recovery.quarantine_segment = scan.segment_files[from.segment_index];
  recovery.quarantine_offset = from.offset;
  recovery.quarantine_bytes = bytes;
  recovery.quarantined_records = records;
  recovery.problem = recordable_problem(problem);
  return {};
}

Status AuditLog::Impl::append(AuditEvent event, AppendCallback done) {
  auto prepared = PreparedEvent::prepare(event);
  if (!prepared) return prepared.error();
  std::unique_lock lk(mu_);
  if (failure_) return stopped_error(*failure_);
  if (closing_) return make_error(ErrorCode::kFailedPrecondition, "the audit log is closed");
  std::uint64_t seq = next_seq_++;
  SysTime t = options_.clock();
  if (t < last_time_) t = last_time_;  // time never goes backwards along the log
  last_time_ = t;
  DurableRecord r{seq,
                  t,
                  event.type,
                  std::move(event.agency),
                  std::move(event.subject),
                  std::move(event.target),
                  std::move(event.purpose),
                  prepared->assemble(seq, t)};
  queue_.push_back({std::move(r), std::move(done)});
  bool wake = queue_.size() == 1;
  lk.unlock();
  if (wake) wake_.notify_one();
  return {};
}

bool AuditLog::Impl::checkpoint_due(std::chrono::steady_clock::time_point now) const {
  if (tree_.size() == checkpoint_size_ && have_checkpoint_) return false;
  return tree_.size() - checkpoint_size_ >= options_.checkpoint_every_records ||
         now - checkpoint_time_ >= options_.checkpoint_every;
}

void AuditLog::Impl::run() {
  std::vector<Pending> records;
  for (;;) {
    {
      // Room for another batch first: while the syncs in flight run, records queue up and go
      // together into the next batch (group commit).
      std::unique_lock lk(sync_mu_);
      room_cv_.wait(
          lk, [&] { return in_flight_.size() < options_.max_syncs_in_flight || sync_failed_; });
      if (sync_failed_) return;
    }
    bool stop = false;
    {
      std::unique_lock lk(mu_);
      while (queue_.empty() && !closing_ && !failure_) {
        if (tree_.size() != checkpoint_size_) {
          // Records not yet under a checkpoint: sign one when the interval is over.
          if (wake_.wait_until(lk, checkpoint_time_ + options_.checkpoint_every) ==
              std::cv_status::timeout) {
            break;
          }
        } else {
          wake_.wait(lk);
        }
      }
      if (failure_) return;
      records.swap(queue_);
      stop = closing_ && records.empty();
    }
    bool force = stop && tree_.size() != checkpoint_size_;  // the checkpoint at close
    if (!force && records.empty() && !checkpoint_due(std::chrono::steady_clock::now())) {
      if (stop) return;
      continue;
    }
    auto batch = write_batch(records, force);
    if (!batch) {
      fail(batch.error(), records);
      return;
    }
    {
      std::lock_guard lk(sync_mu_);
      in_flight_.push_back(*batch);
      to_sync_.push_back(*batch);
    }
    work_cv_.notify_one();
    records.clear();
    if (stop) return;
  }
}

void AuditLog::Impl::sync_loop() {
  for (;;) {
    std::shared_ptr<Batch> batch;
    {
      std::unique_lock lk(sync_mu_);
      work_cv_.wait(lk, [&] { return !to_sync_.empty() || sync_stop_; });
      if (to_sync_.empty()) return;
      batch = std::move(to_sync_.front());
      to_sync_.pop_front();
    }
    // Several fdatasyncs may be in flight on the same file: a batch written while another
    // batch's fdatasync runs need not wait for it to finish before starting its own.
    Status synced = batch->file->sync();
    if (!synced) {
      std::vector<Pending> none;
      fail(synced.error(), none);
      continue;
    }
    // Acknowledge in order, and only batches whose own fdatasync succeeded: a later batch's
    // success says nothing about an earlier one whose fdatasync is still running (or failing).
    {
      std::lock_guard lk(sync_mu_);
      if (sync_failed_) continue;  // fail() has answered this batch already
      batch->synced = true;
    }
    // Completions run in sequence order: whoever acknowledges holds complete_mu_ from taking
    // the synced prefix until its completions have run.
    std::lock_guard done(complete_mu_);
    std::vector<std::shared_ptr<Batch>> acknowledged;
    {
      std::lock_guard lk(sync_mu_);
      while (!sync_failed_ && !in_flight_.empty() && in_flight_.front()->synced) {
        publish(*in_flight_.front());
        acknowledged.push_back(std::move(in_flight_.front()));
        in_flight_.pop_front();
      }
    }
    if (!acknowledged.empty()) room_cv_.notify_all();
    for (auto& b : acknowledged) {
      for (auto& p : b->records) p.done(p.record.seq);
      if (options_.on_durable && !b->records.empty()) {
        std::vector<DurableRecord> durable;
        durable.reserve(b->records.size());
        for (auto& p : b->records) durable.push_back(std::move(p.record));
        options_.on_durable(durable);
      }
      if (b->checkpoint && options_.on_checkpoint) options_.on_checkpoint(*b->checkpoint);
    }
  }
}

void AuditLog::Impl::publish(const Batch& batch) {
  std::lock_guard lk(state_mu_);
  segments_[batch.segment_index].durable_end = batch.segment_end;
  sparse_.insert(sparse_.end(), batch.locators.begin(), batch.locators.end());
  size_ = batch.tree_size;
  root_ = batch.root;
  if (batch.checkpoint) latest_ = *batch.checkpoint;
}

void AuditLog::Impl::fail(const Error& error, std::vector<Pending>& records) {
  std::vector<Pending> queued;
  bool first = false;
  {
    std::lock_guard lk(mu_);
    if (!failure_) {
      failure_ = error;
      first = true;
    }
    queued.swap(queue_);
  }
  std::lock_guard done(complete_mu_);  // after any acknowledgements already under way
  std::deque<std::shared_ptr<Batch>> unacknowledged;
  {
    std::lock_guard lk(sync_mu_);
    sync_failed_ = true;
    unacknowledged.swap(in_flight_);
    to_sync_.clear();
  }
  wake_.notify_all();
  room_cv_.notify_all();
  work_cv_.notify_all();
  Error e = stopped_error(error);
  if (first && options_.on_failure) options_.on_failure(e);
  for (auto& b : unacknowledged) {
    for (auto& p : b->records) p.done(e);
  }
  for (auto& p : records) p.done(e);
  for (auto& p : queued) p.done(e);
  records.clear();
}

Status AuditLog::Impl::rotate() {
  std::uint64_t first = tree_.size();
  std::string name = segment_file_name(first);
  fs::path tmp = options_.dir / (name + ".tmp");
  auto file = fs_.create(tmp, 0600);
  if (!file) return file.error();
  Bytes header = encode_segment_header({first, options_.origin});
  if (auto s = (*file)->append(header); !s) return s;
  if (auto s = (*file)->sync(); !s) return s;
  if (auto s = fs_.rename(tmp, options_.dir / name); !s) return s;
  if (auto s = fs_.sync_dir(options_.dir); !s) return s;
  // Batches of the previous segment still in flight keep their own handle to it.
  segment_ = std::shared_ptr<AppendFile>(std::move(*file));
  segment_bytes_ = header.size();
  segment_has_frames_ = false;
  std::lock_guard lk(state_mu_);
  segments_.push_back({name, options_.dir / name, first, header.size(), header.size()});
  return {};
}

Result<std::shared_ptr<Batch>> AuditLog::Impl::write_batch(std::vector<Pending>& records,
                                                           bool force_checkpoint) {
  if (segment_has_frames_ && segment_bytes_ >= options_.segment_bytes) {
    if (auto s = rotate(); !s) return s.error();
  }
  auto batch = std::make_shared<Batch>();
  {
    std::lock_guard lk(state_mu_);  // rotate() is the only other writer of segments_
    batch->segment_index = segments_.size() - 1;
  }
  buffer_.clear();
  completed_.clear();
  for (const auto& p : records) {
    if (tree_.size() % kSparseEvery == 0) {
      batch->locators.push_back({batch->segment_index, segment_bytes_ + buffer_.size()});
    }
    append_frame(buffer_, FrameType::kRecord, as_bytes(p.record.leaf));
    tree_.append(leaf_hash(p.record.leaf), &completed_);
  }
  auto now = std::chrono::steady_clock::now();
  batch->tree_size = tree_.size();
  batch->root = tree_.root();
  if (force_checkpoint || checkpoint_due(now)) {
    batch->checkpoint = key_.sign({options_.origin, tree_.size(), batch->root});
    append_frame(buffer_, FrameType::kCheckpoint, as_bytes(batch->checkpoint->note));
    checkpoint_size_ = tree_.size();
    checkpoint_time_ = now;
    have_checkpoint_ = true;
  }
  // Hashes first: readers only look below the published size, so hashes of records that then
  // fail to become durable are harmless (and reconciled away on the next open).
  if (!completed_.empty()) {
    if (auto s = hashes_->append(completed_); !s) return s.error();
  }
  if (auto s = segment_->append(buffer_); !s) return s.error();
  segment_bytes_ += buffer_.size();
  segment_has_frames_ = segment_has_frames_ || !buffer_.empty();
  batch->segment_end = segment_bytes_;
  batch->file = segment_;
  batch->records = std::move(records);
  return batch;
}

Status AuditLog::Impl::close() {
  Status result;
  std::call_once(close_once_, [&] {
    {
      std::lock_guard lk(mu_);
      closing_ = true;
    }
    wake_.notify_all();
    if (writer_started_) writer_.join();
    {
      // Everything written is acknowledged (or failed) before the sync threads go.
      std::unique_lock lk(sync_mu_);
      room_cv_.wait(lk, [&] { return in_flight_.empty(); });
      sync_stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : syncers_) t.join();
    segment_.reset();
    lock_.reset();
    if (auto f = failure(); f) result = stopped_error(*f);
  });
  return result;
}

Result<std::vector<std::string>> AuditLog::Impl::read_leaves(std::uint64_t from,
                                                             std::uint64_t to) const {
  std::vector<std::string> out;
  std::vector<SegmentInfo> segments;
  Locator start;
  {
    std::lock_guard lk(state_mu_);
    to = std::min(to, size_);
    if (from >= to) return out;
    start = sparse_[from / kSparseEvery];
    segments.assign(segments_.begin() + static_cast<long>(start.segment), segments_.end());
  }
  out.reserve(static_cast<std::size_t>(to - from));
  std::uint64_t seq = from / kSparseEvery * kSparseEvery;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const SegmentInfo& seg = segments[i];
    auto file = fs_.open_read(seg.path);
    if (!file) return file.error();
    SegmentReader reader(**file);
    reader.start_at(i == 0 ? start.offset : seg.data_start, seg.durable_end);
    SegmentReader::Frame frame;
    for (;;) {
      auto step = reader.next(frame);
      if (step == SegmentReader::Step::kEnd) break;
      if (step != SegmentReader::Step::kFrame) {
        return make_error(
            ErrorCode::kDataLoss,
            "audit log: segment " + seg.name + ", offset " + std::to_string(reader.offset()) +
                ": " +
                (step == SegmentReader::Step::kTorn ? std::string("truncated") : reader.problem()));
      }
      if (frame.type != FrameType::kRecord) continue;
      if (seq >= from) out.emplace_back(frame.payload);
      if (++seq == to) return out;
    }
  }
  return out;
}

Result<std::vector<AuditRecord>> AuditLog::Impl::read(std::uint64_t from, std::uint64_t to) const {
  auto leaves = read_leaves(from, to);
  if (!leaves) return leaves.error();
  std::vector<AuditRecord> out;
  out.reserve(leaves->size());
  for (const auto& leaf : *leaves) {
    auto record = parse_record(leaf);
    if (!record) return record.error();
    std::uint64_t seq = from + out.size();
    if (record->seq != seq) {
      return make_error(ErrorCode::kDataLoss, "audit log: record " + std::to_string(seq) +
                                                  " has sequence number " +
                                                  std::to_string(record->seq));
    }
    out.push_back(std::move(*record));
  }
  return out;
}

Result<Hash> AuditLog::Impl::root_at(std::uint64_t size) const {
  {
    std::lock_guard lk(state_mu_);
    if (size == size_) return root_;
    if (size > size_) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "tree size " + std::to_string(size) + " is beyond the log's " + std::to_string(size_));
    }
  }
  return tree_root(size, source());
}

Result<Hash> AuditLog::Impl::record_hash(std::uint64_t seq) const {
  if (seq >= published_size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "record " + std::to_string(seq) + " is not durable yet");
  }
  return hashes_->read(stored_hash_index(0, seq));
}

Result<InclusionProof> AuditLog::Impl::prove_inclusion(std::uint64_t index,
                                                       std::uint64_t size) const {
  if (size > published_size() || index >= size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "inclusion proof: need index < size <= " + std::to_string(published_size()));
  }
  InclusionProof p{index, size, {}, {}, {}};
  auto leaf = record_hash(index);
  if (!leaf) return leaf.error();
  p.leaf_hash = *leaf;
  auto root = root_at(size);
  if (!root) return root.error();
  p.root = *root;
  auto path = inclusion_path(index, size, source());
  if (!path) return path.error();
  p.path = std::move(*path);
  return p;
}

Result<ConsistencyProof> AuditLog::Impl::prove_consistency(std::uint64_t from,
                                                           std::uint64_t to) const {
  if (to > published_size() || from > to) {
    return make_error(ErrorCode::kInvalidArgument,
                      "consistency proof: need from <= to <= " + std::to_string(published_size()));
  }
  ConsistencyProof p{from, to, {}, {}, {}};
  auto from_root = root_at(from);
  if (!from_root) return from_root.error();
  auto to_root = root_at(to);
  if (!to_root) return to_root.error();
  p.from_root = *from_root;
  p.to_root = *to_root;
  auto path = consistency_path(from, to, source());
  if (!path) return path.error();
  p.path = std::move(*path);
  return p;
}

// --- AuditLog --------------------------------------------------------------------------------

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditLog::~AuditLog() = default;

Result<std::unique_ptr<AuditLog>> AuditLog::open(AuditLogOptions options, SigningKey key,
                                                 OpenReport* report) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(key));
  OpenReport local;
  if (auto s = impl->open(report ? *report : local); !s) return s.error();
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(impl)));
}

Status AuditLog::append(AuditEvent event, AppendCallback done) {
  return impl_->append(std::move(event), std::move(done));
}

Result<std::uint64_t> AuditLog::append_and_wait(AuditEvent event) {
  std::promise<Result<std::uint64_t>> promise;
  auto future = promise.get_future();
  auto s = append(std::move(event),
                  [&promise](Result<std::uint64_t> seq) { promise.set_value(std::move(seq)); });
  if (!s) return s.error();
  return future.get();
}

Status AuditLog::close() { return impl_->close(); }
std::optional<Error> AuditLog::failure() const { return impl_->failure(); }
const std::string& AuditLog::origin() const { return impl_->origin(); }
const VerifierKey& AuditLog::verifier() const { return impl_->verifier(); }
Checkpoint AuditLog::tree_head() const { return impl_->tree_head(); }
SignedCheckpoint AuditLog::latest_checkpoint() const { return impl_->latest_checkpoint(); }
Result<std::vector<AuditRecord>> AuditLog::read(std::uint64_t from, std::uint64_t to) const {
  return impl_->read(from, to);
}
Result<std::vector<std::string>> AuditLog::read_leaves(std::uint64_t from, std::uint64_t to) const {
  return impl_->read_leaves(from, to);
}
Result<Hash> AuditLog::root_at(std::uint64_t size) const { return impl_->root_at(size); }
Result<Hash> AuditLog::record_hash(std::uint64_t seq) const { return impl_->record_hash(seq); }

Result<InclusionProof> AuditLog::prove_inclusion(std::uint64_t index, std::uint64_t size) const {
  return impl_->prove_inclusion(index, size);
}
Result<ConsistencyProof> AuditLog::prove_consistency(std::uint64_t from, std::uint64_t to) const {
  return impl_->prove_consistency(from, to);
}

}  // namespace silta::audit
