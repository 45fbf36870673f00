// Starts the real `silta adapter serve-demo` for tests: the demo agency systems over the
// adapter protocol with mutual TLS on a free port, accepting the gateway's certificate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace silta::test {

class AdapterServiceProcess {
 public:
  // `cert_name`: the server certificate of the test PKI ("adapter", or "adapter-wrong-host").
  explicit AdapterServiceProcess(const std::string& cert_name = "adapter");
  ~AdapterServiceProcess();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  Process& process() { return *process_; }

 private:
  TempDir dir_{"silta-adapter"};
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

}  // namespace silta::test
