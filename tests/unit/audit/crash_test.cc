// Crash test: a child process appends in a loop and acknowledges each durable record over a pipe;
// it is SIGKILLed at a random moment, 20 times, and the log is reopened each time. Every
// acknowledged record must be there, with its content, what was left unsigned must be signed with
// a log-recovered record, and the log must verify.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "audit/log.h"
#include "audit/offline.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"

extern char** environ;

using namespace silta;
using namespace silta::audit;
namespace fs = std::filesystem;

namespace {

// The child with its stdout on a pipe (posix_spawn: no fork() in this multithreaded process).
class Child {
 public:
  Child(const std::vector<std::string>& argv, const fs::path& stderr_file) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    REQUIRE(rc == 0);
    fd_ = fds[0];
  }
  ~Child() {
    kill();
    ::close(fd_);
  }
  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  // Next line from the child; empty at end of file. Waits at most `deadline`.
  std::string line(std::chrono::seconds deadline = std::chrono::seconds(60)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string l = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return l;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      REQUIRE(left.count() > 0);
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) return buffer_.empty() ? "" : std::exchange(buffer_, "");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace

TEST_CASE("SIGKILL at random moments, 20 times: every acknowledged record survives", "[crash]") {
  silta::test::TempDir tmp("silta-crash");
  fs::path dir = tmp / "log";
  SigningKey key = test_util::test_key("silta.test/crash");
  REQUIRE(write_secret_file(tmp / "signing.key", key.to_secret_string()));
  std::mt19937_64 rng(std::random_device{}());
  std::map<std::uint64_t, std::string> acknowledged;  // seq -> reference
  for (int run = 0; run < 20; ++run) {
    INFO("run " << run);
    {
      Child child(
          {AUDIT_CRASH_CHILD, dir.string(), (tmp / "signing.key").string(), std::to_string(run)},
          tmp / "child.stderr");
      std::string ready = child.line();
      auto child_errors = read_file(tmp / "child.stderr");
      INFO("child stderr: " << (child_errors ? *child_errors : ""));
      REQUIRE(ready.rfind("ready ", 0) == 0);
      // Kill after a random number of acknowledgements, plus a random few microseconds, so the
      // kill lands anywhere: mid-write, mid-fdatasync, mid-rotation, between batches.
      int acks = 1 + static_cast<int>(rng() % 200);
      for (int i = 0; i < acks; ++i) {
        std::string l = child.line();
        REQUIRE_FALSE(l.empty());
        std::istringstream in(l);
        std::uint64_t seq;
        std::string reference;
        in >> seq >> reference;
        acknowledged[seq] = reference;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
      child.kill();
      // Acknowledgements written before the kill are still in the pipe.
      for (std::string l = child.line(); !l.empty(); l = child.line()) {
        std::istringstream in(l);
        std::uint64_t seq;
        std::string reference;
        if (in >> seq >> reference) acknowledged[seq] = reference;
      }
    }
    OpenReport report;
    AuditLogOptions options;
    options.dir = dir;
    auto log = AuditLog::open(options, key, &report);
    INFO((log ? "" : log.error().message));
    REQUIRE(log);
    REQUIRE(!acknowledged.empty());
    CHECK(report.records > acknowledged.rbegin()->first);
    auto records = (*log)->read(0, report.records);
    REQUIRE(records);
    for (const auto& [seq, reference] : acknowledged) {
      INFO("acknowledged record " << seq);
      REQUIRE(seq < records->size());
      CHECK((*records)[seq].event.reference == reference);
    }
    // What the crash left unsigned was checked and signed with a record that says so.
    if (report.recovery) {
      const auto& recovered = (*records)[report.recovery_seq].event;
      CHECK(recovered.type == EventType::kLogRecovered);
      CHECK(recovered.outcome == "recovered");
      CHECK(recovered.recovery.quarantine_file.empty());
      CHECK(report.recovery_seq == report.records - 1);
    }
    CHECK((*log)->latest_checkpoint().checkpoint.size == report.records);
    REQUIRE((*log)->close());
    log->reset();
    auto verified = verify_log(dir, key.verifier());
    INFO((verified ? "" : verified.error().message));
    REQUIRE(verified);
  }
}
