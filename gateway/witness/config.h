// The configuration of `silta witness serve`: one JSON file, validated completely before anything
// starts (docs/witness.md documents every key).
//
//   {
//     "listen": {"address": "0.0.0.0", "port": 8444},
//     "tls": {"certificate": "certs/witness.pem", "private_key": "certs/witness.key"},
//     "key": "keys/witness.key",
//     "state_dir": "state",
//     "logs": [{"origin": "silta.example/soite-gw-1", "keys": ["silta.example/soite-gw-1+..."]}]
//   }
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/witness.h"
#include "common/json_check.h"
#include "gateway/config.h"

namespace silta::gateway::witness {

struct WitnessServiceConfig {
  std::filesystem::path source;
  ListenerConfig listen{"0.0.0.0", 8444};
  TlsConfig tls;              // certificate and key only: no client certificate is asked for
  std::filesystem::path key;  // the witness's cosignature/v1 key, mode 0600
  std::filesystem::path state_dir;
  std::vector<audit::WitnessedLog> logs;
  std::size_t max_connections = 1000;
  Timeouts timeouts{Millis(10'000), Millis(10'000), Millis(30'000), Millis(10'000), Millis(2'000)};
};

// Every problem goes to `issues` with its JSON path; relative paths are against `base_dir`.
WitnessServiceConfig parse_witness_config(const nlohmann::json& doc,
                                          const std::filesystem::path& base_dir,
                                          json_check::Issues& issues);
// Reads and parses `file`; std::nullopt with one line per problem in `report`.
std::optional<WitnessServiceConfig> load_witness_config(const std::filesystem::path& file,
                                                        std::string& report);

}  // namespace silta::gateway::witness
