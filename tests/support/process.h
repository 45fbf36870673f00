// Runs a child process (the real `silta` binary) for integration tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace silta::test {

class Process {
 public:
  // Starts `argv[0]` with arguments; stdout and stderr go to `log_file`.
  Process(std::vector<std::string> argv, const std::filesystem::path& log_file);
  ~Process();  // SIGKILLs the child if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for exit; returns the exit status (128+signal if killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  bool running();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::filesystem::path log_file_;
};

// Polls `condition` until it holds or a generous deadline passes: for effects another process
// makes asynchronously (a log line, a metric). Returns whether it held.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(20));

// Waits until `p` has written `ready_file` (its --ready-file) and returns its content; throws
// std::runtime_error with the process's log when it exits first or `timeout` passes. `what`
// names the command in the error.
std::string wait_for_ready_file(Process& p, const std::filesystem::path& ready_file,
                                std::chrono::seconds timeout, const std::string& what);

// The executable `name` on the PATH, if there is one.
std::optional<std::filesystem::path> find_program(const std::string& name);

// Runs a command to completion and returns {exit status, combined output}.
struct RunResult {
  int status;
  std::string output;
};
RunResult run_command(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = std::chrono::minutes(2));

}  // namespace silta::test
