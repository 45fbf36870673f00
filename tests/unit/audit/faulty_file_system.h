// Real files with injected faults (LevelDB's fault-injection Env idea): make the next write or
// fdatasync on a matching file fail, hold fdatasyncs until released, or skip them for speed
// where durability is not what a test is about.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "audit/file_system.h"

namespace silta::audit::test_util {

class FaultyFileSystem final : public FileSystem {
 public:
  // The next append to a file whose name contains `part` fails; `partial` first writes half.
  void fail_next_append(std::string part, bool partial = false) {
    std::lock_guard lk(mu_);
    append_fault_ = std::move(part);
    partial_ = partial;
  }
  void fail_next_sync(std::string part) {
    std::lock_guard lk(mu_);
    sync_fault_ = std::move(part);
  }
  void fail_next_create(std::string part) {
    std::lock_guard lk(mu_);
    create_fault_ = std::move(part);
  }
  // While held, every sync waits (the writer thread blocks inside fdatasync).
  void hold_syncs() {
    std::lock_guard lk(mu_);
    held_ = true;
  }
  void release_syncs() {
    {
      std::lock_guard lk(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // How many syncs are waiting in hold_syncs().
  int syncs_waiting() {
    std::lock_guard lk(mu_);
    return waiting_;
  }
  void skip_syncs(bool skip) { skip_ = skip; }
  int syncs() const { return syncs_; }

  Result<std::unique_ptr<AppendFile>> create(const std::filesystem::path& path,
                                             unsigned mode) override {
    {
      std::lock_guard lk(mu_);
      if (!create_fault_.empty() &&
          path.filename().string().find(create_fault_) != std::string::npos) {
        create_fault_.clear();
        return make_error(ErrorCode::kUnavailable, "injected: cannot create " + path.string());
      }
    }
    auto f = real().create(path, mode);
    if (!f) return f;
    return wrap(std::move(*f), path);
  }
  Result<std::unique_ptr<AppendFile>> open_append(const std::filesystem::path& path) override {
    auto f = real().open_append(path);
    if (!f) return f;
    return wrap(std::move(*f), path);
  }
  Result<std::unique_ptr<ReadFile>> open_read(const std::filesystem::path& path) override {
    return real().open_read(path);
  }
  Result<std::vector<std::string>> list(const std::filesystem::path& dir) override {
    return real().list(dir);
  }
  Status create_dir(const std::filesystem::path& dir) override { return real().create_dir(dir); }
  Status sync_dir(const std::filesystem::path& dir) override {
    return skip_ ? Status() : real().sync_dir(dir);
  }
  Status rename(const std::filesystem::path& a, const std::filesystem::path& b) override {
    return real().rename(a, b);
  }
  Status remove(const std::filesystem::path& p) override { return real().remove(p); }
  Status truncate(const std::filesystem::path& p, std::uint64_t size) override {
    if (!skip_) return real().truncate(p, size);
    std::error_code ec;
    std::filesystem::resize_file(p, size, ec);
    if (ec) return make_error(ErrorCode::kUnavailable, "cannot truncate " + p.string());
    return {};
  }
  Result<std::unique_ptr<DirectoryLock>> lock(const std::filesystem::path& p) override {
    return real().lock(p);
  }

 private:
  class File final : public AppendFile {
   public:
    File(FaultyFileSystem& fs, std::unique_ptr<AppendFile> inner, std::string name)
        : fs_(fs), inner_(std::move(inner)), name_(std::move(name)) {}
    Status append(std::span<const std::uint8_t> data) override {
      bool partial = false;
      if (fs_.take(fs_.append_fault_, name_, &partial)) {
        if (partial) (void)inner_->append(data.first(data.size() / 2));
        return make_error(ErrorCode::kUnavailable, "injected: write failed on " + name_);
      }
      return inner_->append(data);
    }
    Status sync() override {
      {
        std::unique_lock lk(fs_.mu_);
        ++fs_.waiting_;
        fs_.cv_.wait(lk, [&] { return !fs_.held_; });
        --fs_.waiting_;
      }
      ++fs_.syncs_;
      if (fs_.take(fs_.sync_fault_, name_, nullptr)) {
        return make_error(ErrorCode::kUnavailable, "injected: fdatasync failed on " + name_);
      }
      return fs_.skip_ ? Status() : inner_->sync();
    }

   private:
    FaultyFileSystem& fs_;
    std::unique_ptr<AppendFile> inner_;
    std::string name_;
  };

  static FileSystem& real() { return posix_file_system(); }

  std::unique_ptr<AppendFile> wrap(std::unique_ptr<AppendFile> f,
                                   const std::filesystem::path& path) {
    return std::make_unique<File>(*this, std::move(f), path.filename().string());
  }
  // Whether the fault `part` applies to `name`; consumes it.
  bool take(std::string& part, const std::string& name, bool* partial) {
    std::lock_guard lk(mu_);
    if (part.empty() || name.find(part) == std::string::npos) return false;
    part.clear();
    if (partial) *partial = partial_;
    return true;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::string append_fault_, sync_fault_, create_fault_;
  bool partial_ = false;
  bool held_ = false;
  int waiting_ = 0;
  std::atomic<bool> skip_{false};
  std::atomic<int> syncs_{0};
};

}  // namespace silta::audit::test_util
