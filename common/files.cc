#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace silta {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kNotFound,
                      "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

struct Owner {
  uid_t uid;
  gid_t gid;
};

Status write_atomic(const fs::path& path, std::string_view content, unsigned mode,
                    const Owner* owner) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return make_error(ErrorCode::kUnavailable,
                      "cannot create " + tmp.string() + ": " + std::strerror(errno));
  }
  // open() applies the umask; make the mode exact.
  ::fchmod(fd, mode);
  if (owner != nullptr && ::fchown(fd, owner->uid, owner->gid) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kPermissionDenied, "cannot give " + tmp.string() +
                                                        " the owner of " + path.string() + ": " +
                                                        std::strerror(err));
  }
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return make_error(ErrorCode::kUnavailable,
                        "cannot write " + tmp.string() + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return make_error(ErrorCode::kUnavailable,
                      "cannot fsync " + tmp.string() + ": " + std::strerror(err));
  }
  ::close(fd);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return make_error(ErrorCode::kUnavailable, "cannot rename to " + path.string());
  return {};
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view content, unsigned mode) {
  return write_atomic(path, content, mode, nullptr);
}

Status replace_file_atomic(const fs::path& path, std::string_view content) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return make_error(ErrorCode::kNotFound,
                      "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  Owner owner{st.st_uid, st.st_gid};
  return write_atomic(path, content, static_cast<unsigned>(st.st_mode & 07777), &owner);
}

Status write_secret_file(const fs::path& path, std::string_view content) {
  return write_file_atomic(path, content, 0600);
}

Status check_secret_file_mode(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return make_error(ErrorCode::kNotFound,
                      "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(ErrorCode::kPermissionDenied,
                      path.string() + " is a secret but has mode " + mode +
                          "; it must not be readable by group or others (chmod 600)");
  }
  return {};
}

Result<std::string> read_secret_file(const fs::path& path) {
  if (auto s = check_secret_file_mode(path); !s) return s.error();
  return read_file(path);
}

}  // namespace silta
