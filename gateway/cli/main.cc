// The `silta` command-line entry point.
#include <iostream>

#include "gateway/cli/commands.h"

#ifndef SILTA_VERSION
#define SILTA_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "Silta: a consent-aware data exchange gateway between the agencies that work on "
      "the same child."};
  app.set_version_flag("--version", std::string("silta ") + SILTA_VERSION);
  app.require_subcommand(1);
  silta::cli::add_serve_command(app);
  silta::cli::add_config_commands(app);
  silta::cli::add_store_commands(app);
  silta::cli::add_adapter_commands(app);
  silta::cli::add_catalog_commands(app);
  silta::cli::add_audit_commands(app);
  silta::cli::add_registry_commands(app);
  silta::cli::add_witness_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand failed and has said why
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, the version, or what was wrong with the arguments
    return code == 0 ? silta::cli::kOk : silta::cli::kBadInput;
  }
  return silta::cli::kOk;
}
