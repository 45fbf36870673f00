#include "audit/archive.h"

#include <algorithm>
#include <utility>

#include "audit/offline.h"
#include "audit/segment.h"

namespace silta::audit {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLockFileName = "LOCK";  // the log's own (audit/log.cc)
constexpr std::size_t kChunk = 1 << 20;

// (first sequence number, file name) of segments.
using SegmentList = std::vector<std::pair<std::uint64_t, std::string>>;

// The segment files in `dir`, by first sequence number.
Result<SegmentList> list_segments(FileSystem& fs, const fs::path& dir) {
  auto names = fs.list(dir);
  if (!names) return names.error();
  SegmentList out;
  for (const auto& name : *names) {
    if (auto first = parse_segment_file_name(name)) out.emplace_back(*first, name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Whether two files hold the same bytes.
Result<bool> same_bytes(FileSystem& fs, const fs::path& a, const fs::path& b) {
  auto fa = fs.open_read(a);
  if (!fa) return fa.error();
  auto fb = fs.open_read(b);
  if (!fb) return fb.error();
  auto sa = (*fa)->size();
  if (!sa) return sa.error();
  auto sb = (*fb)->size();
  if (!sb) return sb.error();
  if (*sa != *sb) return false;
  Bytes ba(kChunk), bb(kChunk);
  for (std::uint64_t at = 0; at < *sa;) {
    auto na = (*fa)->read_at(at, ba);
    if (!na) return na.error();
    auto nb = (*fb)->read_at(at, bb);
    if (!nb) return nb.error();
    if (*na != *nb || *na == 0) return false;
    if (!std::equal(ba.begin(), ba.begin() + static_cast<long>(*na), bb.begin())) return false;
    at += *na;
  }
  return true;
}

// Copies `from` to `to` durably: written under a temporary name, fsynced, renamed, the directory
// fsynced; then read back and compared with `from`.
Status copy_durably(FileSystem& fs, const fs::path& from, const fs::path& to) {
  auto in = fs.open_read(from);
  if (!in) return in.error();
  fs::path tmp = to;
  tmp += ".tmp";
  auto out = fs.create(tmp, 0600);
  if (!out) return out.error();
  Bytes buffer(kChunk);
  for (std::uint64_t at = 0;;) {
    auto n = (*in)->read_at(at, buffer);
    if (!n) return n.error();
    if (*n == 0) break;
    if (auto s = (*out)->append(std::span(buffer).first(*n)); !s) return s;
    at += *n;
  }
  if (auto s = (*out)->sync(); !s) return s;
  if (auto s = fs.rename(tmp, to); !s) return s;
  if (auto s = fs.sync_dir(to.parent_path()); !s) return s;
  auto same = same_bytes(fs, from, to);
  if (!same) return same.error();
  if (!*same) {
    return make_error(ErrorCode::kDataLoss, "the archive copy " + to.string() +
                                                " does not read back as " + from.string() +
                                                " (the segment was left in the log directory)");
  }
  return {};
}

// A crash's leftovers: copies never renamed (removed), and copies renamed whose original was not
// yet removed (the move is completed when the bytes agree).
Status finish_interrupted_moves(FileSystem& fs, const ArchiveOptions& options,
                                const SegmentList& live_before, ArchiveReport& report) {
  auto archived_names = fs.list(options.archive_dir);
  if (!archived_names) return archived_names.error();
  bool removed_tmp = false;
  for (const auto& name : *archived_names) {
    if (name.ends_with(".seg.tmp")) {
      if (auto s = fs.remove(options.archive_dir / name); !s) return s;
      removed_tmp = true;
    }
  }
  if (removed_tmp) {
    if (auto s = fs.sync_dir(options.archive_dir); !s) return s;
  }
  auto archived = list_segments(fs, options.archive_dir);
  if (!archived) return archived.error();
  for (const auto& [first, name] : *archived) {
    if (!std::binary_search(live_before.begin(), live_before.end(), std::pair(first, name))) {
      continue;
    }
    auto same = same_bytes(fs, options.dir / name, options.archive_dir / name);
    if (!same) return same.error();
    if (!*same) {
      return make_error(ErrorCode::kDataLoss,
                        "segment " + name + " is in both " + options.dir.string() + " and " +
                            options.archive_dir.string() +
                            " with different bytes; nothing was moved (`silta audit verify` "
                            "tells which copy is sound)");
    }
    if (auto s = fs.remove(options.dir / name); !s) return s;
    if (auto s = fs.sync_dir(options.dir); !s) return s;
    report.finished.push_back(name);
  }
  return {};
}

// Moves the sealed segments beyond the newest keep_segments, oldest first.
Status move_sealed_segments(FileSystem& fs, const ArchiveOptions& options,
                            std::uint64_t signed_size, ArchiveReport& report) {
  auto live = list_segments(fs, options.dir);
  if (!live) return live.error();
  const std::size_t movable =
      live->size() > options.keep_segments ? live->size() - options.keep_segments : 0;
  std::size_t moved = 0;
  for (; moved < movable; ++moved) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in the lambda.
    const std::uint64_t first = (*live)[moved].first;
    const auto& name = (*live)[moved].second;
    // Sealed: a checkpoint in a later segment covers every record (one of size > end is written
    // after record `end`, the next segment's first). So the latest checkpoint, and any unsigned
    // tail the log checks when it opens, always stay in the log directory.
    const std::uint64_t end = (*live)[moved + 1].first;
    if (end >= signed_size) break;
    auto size = [&]() -> Result<std::uint64_t> {
      auto f = fs.open_read(options.dir / name);
      if (!f) return f.error();
      return (*f)->size();
    }();
    if (!size) return size.error();
    if (auto s = copy_durably(fs, options.dir / name, options.archive_dir / name); !s) return s;
    if (auto s = fs.remove(options.dir / name); !s) return s;
    if (auto s = fs.sync_dir(options.dir); !s) return s;
    report.moved.push_back(name);
    report.records += end - first;
    report.bytes += *size;
  }
  report.live_segments = live->size() - moved;
  return {};
}

}  // namespace

Result<ArchiveReport> archive_segments(const ArchiveOptions& options, const VerifierKey& key) {
  FileSystem& fs = options.file_system ? *options.file_system : posix_file_system();
  if (options.keep_segments < 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      "at least 1 segment (the one being written) stays in the log directory");
  }
  std::error_code ec1, ec2;
  if (options.archive_dir.empty() ||
      fs::weakly_canonical(options.archive_dir, ec1) == fs::weakly_canonical(options.dir, ec2)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the archive must be a directory other than the log's");
  }
  auto live_before = list_segments(fs, options.dir);
  if (!live_before) return live_before.error();
  if (live_before->empty()) {
    return make_error(ErrorCode::kNotFound, "no audit log segments in " + options.dir.string());
  }
  auto lock = fs.lock(options.dir / kLockFileName);
  if (!lock) {
    Error e = lock.error();
    if (e.code == ErrorCode::kFailedPrecondition) {
      e.message += "; stop the gateway before archiving (it keeps the log open)";
    }
    return e;
  }
  if (auto s = fs.create_dir(options.archive_dir); !s) return s.error();
  auto archive_lock = fs.lock(options.archive_dir / kLockFileName);
  if (!archive_lock) return archive_lock.error();

  ArchiveReport report;
  if (auto s = finish_interrupted_moves(fs, options, *live_before, report); !s) return s.error();

  // Never archive what does not verify: the archive must be as good as the log it came from.
  VerifyOptions verify_options;
  verify_options.archive_dir = options.archive_dir;
  auto verified = verify_log(options.dir, key, verify_options, &fs);
  if (!verified) {
    Error e = verified.error();
    e.message = "the log does not verify, nothing was archived: " + e.message;
    return e;
  }
  report.signed_size = verified->signed_size;
  if (auto s = move_sealed_segments(fs, options, verified->signed_size, report); !s) {
    return s.error();
  }
  auto now_archived = list_segments(fs, options.archive_dir);
  if (!now_archived) return now_archived.error();
  report.archived_segments = now_archived->size();
  return report;
}

}  // namespace silta::audit
