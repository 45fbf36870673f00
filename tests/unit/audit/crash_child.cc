// The child of the crash test: opens the log (recovering whatever the previous SIGKILL left),
// then appends from several threads until it is killed, printing "<seq> <reference>" on stdout
// after each acknowledged (durable) append. Usage: audit_crash_child DIR SIGNING_KEY RUN
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "audit/log.h"
#include "tests/unit/audit/audit_test_util.h"

using namespace silta::audit;

namespace {
void say(const std::string& line) {
  // One write() per line: lines from several threads never interleave on a pipe.
  std::string l = line + "\n";
  if (::write(1, l.data(), l.size()) != static_cast<ssize_t>(l.size())) std::_Exit(3);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  auto key = SigningKey::load(argv[2]);
  if (!key) {
    std::fprintf(stderr, "%s\n", key.error().message.c_str());
    return 2;
  }
  AuditLogOptions options;
  options.dir = argv[1];
  options.checkpoint_every_records = 50;
  options.segment_bytes = 64 * 1024;  // rotate often, so kills land in rotation too
  OpenReport report;
  auto log = AuditLog::open(options, *key, &report);
  if (!log) {
    std::fprintf(stderr, "%s\n", log.error().message.c_str());
    return 1;
  }
  say("ready " + std::to_string(report.records));
  std::string run = argv[3];
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0;; ++i) {
        AuditEvent e = test_util::small_event(i);
        e.reference = "r" + run + "-" + std::to_string(t) + "-" + std::to_string(i);
        auto seq = (*log)->append_and_wait(e);
        if (!seq) {
          std::fprintf(stderr, "%s\n", seq.error().message.c_str());
          std::_Exit(1);
        }
        say(std::to_string(*seq) + " " + e.reference);
      }
    });
  }
  for (auto& t : threads) t.join();
}
