// The running gateway: every module built from the configuration, wired to the routes.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "gateway/config.h"
#include "gateway/http/server.h"
#include "gateway/referral_worker.h"
#include "gateway/services.h"
#include "gateway/witness/submitter.h"

namespace silta::gateway {

// Test seams (LevelDB's injected Env): real files with injected faults.
struct AppOptions {
  audit::FileSystem* audit_file_system = nullptr;  // null: the real POSIX one
};

class App {
 public:
  // Builds everything: catalog and engine, audit log and keys, store (migrated), adapters,
  // routes, listeners. Throws std::runtime_error with a clear message when something cannot
  // start (an invalid catalog, a damaged log, an unreachable database, a port in use).
  explicit App(const Config& config, AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  Server& server() { return *server_; }
  // Runs until SIGTERM/SIGINT (handled here) and the shutdown completes.
  void run();

 private:
  Config config_;
  std::shared_ptr<const policy::Engine> engine_;
  std::shared_ptr<Metrics> metrics_;
  // Declaration order is destruction order reversed: everything that completes work onto the
  // server's io_contexts (store executor, audit log, adapters) goes before the server does.
  std::unique_ptr<Server> server_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::StoreExecutor> executor_;
  std::optional<audit::SigningKey> signer_;
  std::optional<audit::PseudonymKeyring> keyring_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<AuditIndexer> indexer_;
  // Set once built; the audit log's sync threads read it to announce checkpoints.
  std::unique_ptr<witness::Submitter> witnesses_;
  std::atomic<witness::Submitter*> announce_to_{nullptr};
  adapters::AdapterSet adapters_;
  Services services_;
  std::unique_ptr<ReferralWorker> referral_worker_;
};

}  // namespace silta::gateway
