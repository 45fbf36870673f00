// The file operations the audit log needs, behind an interface (LevelDB's Env idea) so that tests
// can make a write or an fdatasync fail on real files and check that the log fails closed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace silta::audit {

// A file written at its end only.
class AppendFile {
 public:
  virtual ~AppendFile() = default;
  virtual Status append(std::span<const std::uint8_t> data) = 0;
  // fdatasync: when it returns ok, everything appended so far is durable.
  virtual Status sync() = 0;
};

class ReadFile {
 public:
  virtual ~ReadFile() = default;
  // Reads up to out.size() bytes at `offset`; fewer only at the end of the file.
  virtual Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) const = 0;
  virtual Result<std::uint64_t> size() const = 0;
};

// Held while the log is open: a second writer on the same directory is refused.
class DirectoryLock {
 public:
  virtual ~DirectoryLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates `path` (which must not exist) with `mode`, for appending.
  virtual Result<std::unique_ptr<AppendFile>> create(const std::filesystem::path& path,
                                                     unsigned mode) = 0;
  // Opens an existing file to append to it.
  virtual Result<std::unique_ptr<AppendFile>> open_append(const std::filesystem::path& path) = 0;
  virtual Result<std::unique_ptr<ReadFile>> open_read(const std::filesystem::path& path) = 0;
  // Names of the entries of `dir` (not "." or "..").
  virtual Result<std::vector<std::string>> list(const std::filesystem::path& dir) = 0;
  // Creates the directory with mode 0700 if it does not exist.
  virtual Status create_dir(const std::filesystem::path& dir) = 0;
  // fsync of the directory, so that created, renamed and removed entries are durable.
  virtual Status sync_dir(const std::filesystem::path& dir) = 0;
  virtual Status rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  virtual Status remove(const std::filesystem::path& path) = 0;  // kNotFound when missing
  // Truncates to `size` and makes the new size durable.
  virtual Status truncate(const std::filesystem::path& path, std::uint64_t size) = 0;
  // An exclusive advisory lock (flock) on `path`, created if needed.
  virtual Result<std::unique_ptr<DirectoryLock>> lock(const std::filesystem::path& path) = 0;
};

// The real thing: POSIX calls, EINTR retried, errors with the path and strerror.
FileSystem& posix_file_system();

}  // namespace silta::audit
