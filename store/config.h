// Which store to open and how: the "store" section of the gateway configuration.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "common/json_check.h"

namespace silta::store {

enum class Backend { kSqlite, kPostgres };

struct StoreConfig {
  // "sqlite:PATH" (relative paths resolved against the config file's directory), or a
  // PostgreSQL connection string: a URI ("postgresql://user@host:5432/silta?sslmode=...") or
  // key=value pairs ("host=/run/postgresql dbname=silta").
  std::string url;
  // 32-byte key (hex) for encryption at rest, mode 0600. SQLite: created on first start when
  // missing. PostgreSQL: must exist, the same file on every instance (`silta db keygen`).
  std::filesystem::path key_file;
  unsigned pool_size = 4;  // PostgreSQL connections / SQLite reader connections
  unsigned executor_threads = 4;
  std::chrono::milliseconds busy_timeout{5000};  // SQLite: wait for another process's lock
};

// Absent when the URL names neither backend.
std::optional<Backend> backend_of(const std::string& url);
// The URL with any password replaced by "***", for logs and `silta db status`.
std::string redacted_url(const std::string& url);

// Defaults under the gateway's data_dir: sqlite:<data_dir>/silta.db, <data_dir>/store.key.
StoreConfig default_store_config(const std::filesystem::path& data_dir);

// Parses the "store" object of the gateway config:
//   {"url": "...", "key_file": "...", "pool_size": 4, "executor_threads": 4,
//    "busy_timeout_ms": 5000}
// every key optional (defaults from default_store_config). Every problem goes to the object's
// issues with its path; unknown keys are reported.
StoreConfig parse_store_config(json_check::Object& o, const std::filesystem::path& base_dir,
                               const std::filesystem::path& data_dir);

}  // namespace silta::store
