// The stored subtree hashes of the tree, in a file beside the segments ("tree.hashes", internal):
// 32 bytes per hash at stored_hash_index(level, index). Derived data: checked against the
// segments and repaired on every open, appended (not synced) with every batch, read with pread by
// proof generation. It keeps memory flat however long the log grows.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "audit/file_system.h"
#include "audit/merkle.h"

namespace silta::audit {

class HashFile {
 public:
  static Result<std::unique_ptr<HashFile>> open(FileSystem& fs, const std::filesystem::path& path);

  // While opening the log: the stored hashes the scan recomputed, in order. Matching content is
  // kept; from the first difference on the file is rewritten.
  Status reconcile(std::span<const Hash> hashes);
  // After the scan: `count` hashes are valid; anything beyond is cut.
  Status finish_reconcile(std::uint64_t count);

  Status append(std::span<const Hash> hashes);
  Result<Hash> read(std::uint64_t index) const;

 private:
  HashFile(FileSystem& fs, std::filesystem::path path) : fs_(fs), path_(std::move(path)) {}
  Status flush_pending();
  Status start_rewrite(std::uint64_t from);

  FileSystem& fs_;
  std::filesystem::path path_;
  std::unique_ptr<ReadFile> reader_;
  std::unique_ptr<AppendFile> writer_;
  std::uint64_t file_hashes_ = 0;  // whole hashes in the file when opened
  std::uint64_t position_ = 0;     // hashes reconciled so far
  bool rewriting_ = false;
  std::vector<Hash> pending_;
};

}  // namespace silta::audit
