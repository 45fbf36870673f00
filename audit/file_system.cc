#include "audit/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace silta::audit {

namespace fs = std::filesystem;

namespace {

Error os_error(const std::string& what, const fs::path& path, int err) {
  return make_error(ErrorCode::kUnavailable,
                    what + " " + path.string() + ": " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class PosixAppendFile final : public AppendFile {
 public:
  PosixAppendFile(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}

  Status append(std::span<const std::uint8_t> data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os_error("cannot write", path_, errno);
      data = data.subspan(static_cast<std::size_t>(n));
    }
    return {};
  }

  Status sync() override {
    if (::fdatasync(fd_.get()) != 0) return os_error("cannot fdatasync", path_, errno);
    return {};
  }

 private:
  Fd fd_;
  fs::path path_;
};

class PosixReadFile final : public ReadFile {
 public:
  PosixReadFile(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}

  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done,
                          static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os_error("cannot read", path_, errno);
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

  Result<std::uint64_t> size() const override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return os_error("cannot stat", path_, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

 private:
  Fd fd_;
  fs::path path_;
};

class PosixLock final : public DirectoryLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::flock(fd_.get(), LOCK_UN); }

 private:
  Fd fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<AppendFile>> create(const fs::path& path, unsigned mode) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, mode);
    if (fd < 0) return os_error("cannot create", path, errno);
    ::fchmod(fd, mode);  // open() applies the umask
    return std::unique_ptr<AppendFile>(new PosixAppendFile(fd, path));
  }

  Result<std::unique_ptr<AppendFile>> open_append(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return os_error("cannot open", path, errno);
    return std::unique_ptr<AppendFile>(new PosixAppendFile(fd, path));
  }

  Result<std::unique_ptr<ReadFile>> open_read(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      Error e = os_error("cannot open", path, err);
      if (err == ENOENT) e.code = ErrorCode::kNotFound;
      return e;
    }
    return std::unique_ptr<ReadFile>(new PosixReadFile(fd, path));
  }

  Result<std::vector<std::string>> list(const fs::path& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      int err = errno;
      Error e = os_error("cannot list", dir, err);
      if (err == ENOENT) e.code = ErrorCode::kNotFound;
      return e;
    }
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    return names;
  }

  Status create_dir(const fs::path& dir) override {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return os_error("cannot create directory", dir, errno);
    }
    return {};
  }

  Status sync_dir(const fs::path& dir) override {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return os_error("cannot open directory", dir, errno);
    if (::fsync(fd.get()) != 0) return os_error("cannot fsync directory", dir, errno);
    return {};
  }

  Status rename(const fs::path& from, const fs::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return os_error("cannot rename", from, errno);
    return {};
  }

  Status remove(const fs::path& path) override {
    if (::unlink(path.c_str()) != 0) {
      int err = errno;
      Error e = os_error("cannot remove", path, err);
      if (err == ENOENT) e.code = ErrorCode::kNotFound;
      return e;
    }
    return {};
  }

  Status truncate(const fs::path& path, std::uint64_t size) override {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) return os_error("cannot open", path, errno);
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
      return os_error("cannot truncate", path, errno);
    }
    if (::fsync(fd.get()) != 0) return os_error("cannot fsync", path, errno);
    return {};
  }

  Result<std::unique_ptr<DirectoryLock>> lock(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return os_error("cannot open", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return make_error(ErrorCode::kFailedPrecondition,
                          path.parent_path().string() +
                              " is in use by another process (the audit log has one writer)");
      }
      return os_error("cannot lock", path, err);
    }
    return std::unique_ptr<DirectoryLock>(new PosixLock(fd));
  }
};

}  // namespace

FileSystem& posix_file_system() {
  static PosixFileSystem fs;
  return fs;
}

}  // namespace silta::audit
