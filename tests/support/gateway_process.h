// Starts the real `silta serve` for integration tests: a config in a temp dir using the test PKI,
// listeners on port 0, and clients that connect with any of the test certificates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_client.h"

namespace silta::test {

// The base test config (JSON) for a gateway whose files live in `dir`.
nlohmann::json gateway_test_config(const std::filesystem::path& dir);

class GatewayProcess {
 public:
  // `patch` is applied to the base test config as an RFC 7396 merge patch.
  explicit GatewayProcess(const nlohmann::json& patch = nlohmann::json::object());
  ~GatewayProcess();

  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  const nlohmann::json& config() const { return config_; }
  Process& process() { return *process_; }

  // A client presenting the test certificate `cert_name` (e.g. "soite-lastensuojelu").
  TlsClient client(const std::string& cert_name) const;
  // Plain HTTP GET on the admin listener; returns {status, body}.
  std::pair<unsigned, std::string> admin_get(const std::string& target) const;

  // Sends SIGTERM and returns the exit status.
  int stop();
  // SIGKILL: a crash, with nothing flushed or closed.
  void kill();
  // Starts `silta serve` again on the same directory and config (after stop() or kill()); the
  // listeners get new ports.
  void start();

 private:
  TempDir dir_;
  nlohmann::json config_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
};

}  // namespace silta::test
