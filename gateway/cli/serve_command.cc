// `silta serve` and `silta config check`.
#include <csignal>
#include <filesystem>
#include <iostream>

#include "common/files.h"
#include "gateway/app.h"
#include "gateway/cli/commands.h"
#include "gateway/logging.h"

namespace silta::cli {

namespace fs = std::filesystem;

namespace {

int serve(const std::string& config_path, const std::string& ready_file) {
  std::string report;
  auto config = gateway::load_config(config_path, report);
  if (!config) {
    std::cerr << "silta serve: the configuration is not valid:\n" << report;
    return kBadInput;
  }
  logging::setup(config->log.json, config->log.level);
  for (const auto& w : config->warnings) logging::warn("config_warning", {{"warning", w}});
  return run_service("silta serve", [&] {
    gateway::App app(*config);
    app.run([&] {
      if (ready_file.empty()) return;
      nlohmann::json ready = {{"port", app.server().port()},
                              {"admin_port", app.server().admin_port()},
                              {"pid", static_cast<int>(::getpid())}};
      if (auto s = write_file_atomic(ready_file, ready.dump() + "\n"); !s) {
        throw std::runtime_error(s.error().message);
      }
    });
  });  // the App is gone: the audit log closed (final checkpoint), the store and the listeners
}

}  // namespace

int run_service(const char* command, const std::function<void()>& body) {
  try {
    body();
    logging::info("stopped");
    logging::shutdown();
    return kOk;
  } catch (const std::exception& e) {
    logging::error("startup_failed", {{"error", e.what()}});
    logging::shutdown();
    std::cerr << command << ": " << e.what() << "\n";
    return kFailed;
  }
}

void add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Run the gateway until SIGTERM or SIGINT.");
  auto config = std::make_shared<std::string>();
  auto ready_file = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config, "Gateway configuration file (JSON)")->required();
  cmd->add_option("--ready-file", *ready_file,
                  "Write {\"port\",\"admin_port\",\"pid\"} here once listening");
  cmd->callback([=] {
    int rc = serve(*config, *ready_file);
    if (rc != kOk) throw CLI::RuntimeError(rc);
  });
}

void add_config_commands(CLI::App& app) {
  auto* config = app.add_subcommand("config", "Work with gateway configuration files.");
  config->require_subcommand(1);
  auto* check = config->add_subcommand(
      "check", "Validate a configuration file and list every problem with its JSON path.");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "Configuration file")->required();
  check->callback([=] {
    std::string report;
    auto c = gateway::load_config(*file, report);
    if (!c) {
      std::cerr << report;
      throw CLI::RuntimeError(kBadInput);
    }
    for (const auto& w : c->warnings) std::cout << *file << ": warning: " << w << "\n";
    std::cout << *file << ": valid (" << c->registry.agencies().size()
              << " agencies in the registry)\n";
  });
}

}  // namespace silta::cli
