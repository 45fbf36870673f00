// `silta` subcommands. Each module's commands are registered by one function here so that
// main.cc stays a list.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

namespace silta::cli {

// Exit codes shared by every subcommand.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;    // the command ran and found a problem (e.g. verify failed)
inline constexpr int kBadInput = 2;  // invalid arguments, config or files

// Runs a long-lived service (`serve`, `witness serve`) until it returns: kOk; or logs why it
// could not start or went down (`startup_failed`), says so on stderr and returns kFailed.
int run_service(const char* command, const std::function<void()>& body);

void add_serve_command(CLI::App& app);
void add_config_commands(CLI::App& app);
void add_store_commands(CLI::App& app);
void add_adapter_commands(CLI::App& app);
void add_catalog_commands(CLI::App& app);
void add_audit_commands(CLI::App& app);     // keygen, audit verify|export|checkpoint|prove
void add_registry_commands(CLI::App& app);  // registry list|show|add|add-pin|remove
void add_witness_commands(CLI::App& app);   // witness serve
// audit archive|search (audit_archive_command.cc), under the `audit` command; `add_dir` adds the
// shared --dir option, whose value lands in *dir.
void add_audit_archive_commands(CLI::App& audit_cmd, const std::function<void(CLI::App*)>& add_dir,
                                std::shared_ptr<std::string> dir);
// --archive DIR: segments moved by `silta audit archive`, read before the log directory's.
void add_archive_option(CLI::App* cmd, std::string& archive);

}  // namespace silta::cli
