// Starts the real `silta witness serve` for integration tests: its own key and state directory,
// the test PKI's server certificate (adapter.pem: localhost and 127.0.0.1), a port picked at
// start, and the logs it watches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/config.h"
#include "tests/support/gateway_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace silta::test {

class WitnessProcess {
 public:
  // `name`: the witness's key name; `logs`: {origin, log verifier key} pairs it watches.
  WitnessProcess(const std::string& name,
                 const std::vector<std::pair<std::string, std::string>>& logs);
  ~WitnessProcess();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& vkey() const { return vkey_; }  // its cosignature key, type 0x04
  Process& process() { return *process_; }

 private:
  TempDir dir_;
  std::string vkey_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

// The gateway's config patch (GatewayProcess) for a log signed with `keys` whose checkpoints
// `witnesses` cosign, `quorum` of them required; retries fast, as tests want.
nlohmann::json witnessed_gateway_config(const audit::GeneratedKeys& keys,
                                        const std::vector<const WitnessProcess*>& witnesses,
                                        int quorum);

// A gateway with fresh keys for the log `origin`, whose checkpoints one real witness
// ("witness.test/w1") cosigns, quorum 1.
class WitnessedGateway {
 public:
  explicit WitnessedGateway(const std::string& origin);

  GatewayProcess& gateway() { return *gateway_; }

 private:
  TempDir dir_;
  std::unique_ptr<WitnessProcess> witness_;
  std::unique_ptr<GatewayProcess> gateway_;  // stops before its witness
};

}  // namespace silta::test
