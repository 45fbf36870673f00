// The running gateway: every module built from the configuration, wired to the routes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/auth_failures.h"
#include "gateway/config.h"
#include "gateway/health.h"
#include "gateway/http/server.h"
#include "gateway/http/tls.h"
#include "gateway/referral_worker.h"
#include "gateway/services.h"
#include "gateway/witness/submitter.h"

namespace silta::gateway {

// Test seams (LevelDB's injected Env): real files with injected faults.
struct AppOptions {
  audit::FileSystem* audit_file_system = nullptr;  // null: the real POSIX one
};

// What adapter services are told of the catalog on every call (docs/adapter-protocol.md).
adapters::protocol::CatalogStamp catalog_stamp(const policy::Catalog& catalog);

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
  const Config& config() const { return config_; }
  // Runs until SIGTERM/SIGINT (handled here) and the shutdown completes. `ready` is called once
  // the signal handlers are in place, so whoever it tells may signal the process at once.
  void run(const std::function<void()>& ready = {});

 private:
  // The constructor's steps.
  void load_policy();
  void open_store();
  void open_audit_log(const AppOptions& app_options);
  void wire_services();
  void install_server_hooks();
  // Reloads the TLS files, the registry and the catalog when they changed; each part is built
  // and checked completely first, and a part that fails keeps what is in force (logged,
  // counted in silta_reload_failures_total). On SIGHUP and every reload.interval_ms, on the
  // reload thread.
  void reload();
  void reload_tls();
  void reload_registry();
  void reload_catalog();
  void reload_failed(const char* what, const std::string& error);
  void reloaded(const char* what);
  void record_crls();
  void reload_loop();
  void request_reload();
  void stop_reloading();
  void handle_signals(boost::asio::signal_set& signals);
  // Refused connections: one audit record per auth_failures.summary_interval_ms.
  boost::asio::awaitable<void> summarise_auth_failures();
  void flush_auth_failures();

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
  // Set once built; the audit log's sync threads hand it what became durable.
  std::atomic<AuditIndexer*> index_to_{nullptr};
  // Set once built; the audit log's sync threads read it to announce checkpoints.
  std::unique_ptr<witness::Submitter> witnesses_;
  std::atomic<witness::Submitter*> announce_to_{nullptr};
  adapters::AdapterSet adapters_;
  Services services_;
  AuthFailureSummary auth_failures_;
  // What was loaded last (fingerprints of the files), and the CRLs in force, for metrics.
  std::string tls_fingerprint_, registry_fingerprint_, catalog_fingerprint_;
  std::mutex crls_mu_;
  std::vector<CrlInfo> crls_;
  std::mutex reload_mu_;
  std::condition_variable reload_cv_;
  bool reload_requested_ = false;
  bool reload_stopping_ = false;
  std::thread reloader_;
  std::unique_ptr<ReferralWorker> referral_worker_;
  std::unique_ptr<Health> health_;
};

}  // namespace silta::gateway
