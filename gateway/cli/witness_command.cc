// `silta witness serve`: a witness (C2SP tlog-witness) for other organisations' audit logs.
#include <unistd.h>

#include <iostream>

#include "common/files.h"
#include "gateway/cli/commands.h"
#include "gateway/logging.h"
#include "gateway/witness/server.h"

namespace silta::cli {

namespace {

int serve_witness(const std::string& config_path, const std::string& ready_file, bool json_log) {
  std::string report;
  auto config = gateway::witness::load_witness_config(config_path, report);
  if (!config) {
    std::cerr << "silta witness serve: the configuration is not valid:\n" << report;
    return kBadInput;
  }
  logging::setup(json_log, "info");
  return run_service("silta witness serve", [&] {
    auto key = audit::SigningKey::load(config->key);
    if (!key) throw std::runtime_error(key.error().message);
    audit::WitnessOptions options;
    options.state_dir = config->state_dir;
    options.logs = config->logs;
    auto witness = audit::Witness::open(std::move(options), std::move(*key));
    if (!witness) {
      throw std::runtime_error("cannot open the witness state: " + witness.error().message);
    }
    gateway::witness::WitnessServer server(*config, **witness);
    server.bind();
    server.run([&] {
      nlohmann::json logs = nlohmann::json::array();
      for (const auto& [origin, head] : (*witness)->heads()) {
        logs.push_back({{"origin", origin}, {"size", head.size}});
      }
      logging::info(
          "witness_listening",
          {{"port", server.port()}, {"key", (*witness)->verifier().to_string()}, {"logs", logs}});
      if (ready_file.empty()) return;
      nlohmann::json ready = {{"port", server.port()}, {"pid", static_cast<int>(::getpid())}};
      if (auto s = write_file_atomic(ready_file, ready.dump() + "\n"); !s) {
        throw std::runtime_error(s.error().message);
      }
    });
  });
}

}  // namespace

void add_witness_commands(CLI::App& app) {
  auto* witness = app.add_subcommand(
      "witness", "Run a witness (C2SP tlog-witness) that cosigns other logs' checkpoints.");
  witness->require_subcommand(1);
  auto* serve = witness->add_subcommand(
      "serve",
      "Serve POST /add-checkpoint over TLS until SIGTERM or SIGINT: cosign a log's checkpoint "
      "only when it is consistent with the last one cosigned (docs/witness.md).");
  auto config = std::make_shared<std::string>();
  auto ready_file = std::make_shared<std::string>();
  auto json_log = std::make_shared<bool>(false);
  serve->add_option("-c,--config", *config, "Witness configuration file (JSON)")->required();
  serve->add_option("--ready-file", *ready_file, "Write {\"port\",\"pid\"} here once listening");
  serve->add_flag("--log-json", *json_log, "Log JSON lines instead of the human format");
  serve->callback([=] {
    int rc = serve_witness(*config, *ready_file, *json_log);
    if (rc != kOk) throw CLI::RuntimeError(rc);
  });
}

}  // namespace silta::cli
