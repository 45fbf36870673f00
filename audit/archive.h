// Archiving sealed audit segments (`silta audit archive`): the live log directory stays bounded
// while every record stays in the log. A sealed segment (not the one being written, and every
// record in it under a signed checkpoint) is copied to the archive directory, the copy fsynced and
// read back byte for byte, and only then removed from the log directory. Checkpoints are frames in
// the segments, so they move with their records; the tree runs on across the two directories:
// the log, `verify`, `export` and `search` read the archived segments first (ScanOptions::
// archive_dir) and a verification over both proves the same root as before the move. The latest
// checkpoint, and anything after it, always stay in the log directory: the log never writes to
// the archive.
//
// Nothing is ever deleted from the log without a verified, durable copy in the archive; nothing
// here ever deletes from the archive (how long to keep it is the deployment's statutory duty:
// docs/operations.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/file_system.h"
#include "common/result.h"

namespace silta::audit {

struct ArchiveOptions {
  std::filesystem::path dir;          // the log directory
  std::filesystem::path archive_dir;  // created with mode 0700 if missing
  // The newest segments that stay in the log directory, at least 1 (the one being written).
  std::size_t keep_segments = 1;
  FileSystem* file_system = nullptr;  // null: posix_file_system()
};

struct ArchiveReport {
  std::vector<std::string> moved;     // segment file names, oldest first
  std::vector<std::string> finished;  // moves a crash had interrupted, completed first
  std::uint64_t records = 0;          // in the moved segments
  std::uint64_t bytes = 0;
  std::size_t live_segments = 0;      // left in the log directory
  std::size_t archived_segments = 0;  // in the archive now
  std::uint64_t signed_size = 0;      // records under the latest checkpoint
};

// Takes the log directory's lock (so refuses, kFailedPrecondition, while a gateway has the log
// open) and the archive's; completes a move a crash interrupted (a segment in both directories
// with the same bytes: the log directory's copy is removed; different bytes: kDataLoss); verifies
// the whole log, live and archive, with `key` (any failure refuses, nothing moved); then moves the
// oldest sealed segments, all but the newest keep_segments, stopping at the first one that is not
// covered by a checkpoint in a later segment. A failed write, fsync or read-back stops the run with
// an error before that segment leaves the log directory.
Result<ArchiveReport> archive_segments(const ArchiveOptions& options, const VerifierKey& key);

}  // namespace silta::audit
