#include "gateway/app.h"

#include <boost/asio/signal_set.hpp>
#include <stdexcept>

#include "gateway/api/requests.h"
#include "gateway/api/routes.h"
#include "gateway/logging.h"

namespace silta::gateway {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<const policy::Engine> load_engine(const fs::path& dir) {
  auto load = policy::load_catalog(dir);
  if (!load.catalog) {
    throw std::runtime_error("the catalog in " + dir.string() + " is not valid:\n" +
                             policy::format_problems(load.problems));
  }
  return std::make_shared<const policy::Engine>(load.catalog);
}

void check_registry_kinds(const Registry& registry, const policy::Catalog& catalog) {
  for (const auto& a : registry.agencies()) {
    if (!a.kind.empty() && catalog.find_kind(a.kind) == nullptr) {
      throw std::runtime_error("agency " + a.id + " has kind " + a.kind +
                               ", which the catalog does not know");
    }
  }
}

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message);
  return std::move(*r);
}

}  // namespace

App::App(const Config& config, AppOptions app_options) : config_(config) {
  std::error_code ec;
  fs::create_directories(config_.data_dir, ec);
  if (ec) {
    throw std::runtime_error("cannot create data_dir " + config_.data_dir.string() + ": " +
                             ec.message());
  }
  fs::permissions(config_.data_dir, fs::perms::owner_all, ec);

  engine_ = load_engine(config_.catalog_dir);
  check_registry_kinds(config_.registry, *engine_->catalog());
  logging::info("catalog_loaded", {{"id", engine_->catalog()->id},
                                   {"version", engine_->catalog()->version},
                                   {"sha256", engine_->catalog()->sha256}});
  metrics_ = std::make_shared<Metrics>();
  metrics_->describe("silta_decisions_total", "counter", "Decisions by outcome.");
  metrics_->describe("silta_break_glass_total", "counter",
                     "Emergency (break-glass) accesses by agency.");
  metrics_->describe("silta_adapter_failures_total", "counter",
                     "Failed calls to agency systems by agency.");
  metrics_->describe("silta_audit_failed", "gauge",
                     "1 when the audit log has stopped after a failed write or fdatasync.");
  metrics_->describe("silta_referrals_total", "counter",
                     "Referrals submitted, by kind and outcome (accepted or denied).");
  metrics_->describe("silta_referral_deliveries_total", "counter",
                     "Delivery attempts by outcome: delivered, retry, dead (dead letter).");
  metrics_->describe("silta_referrals", "gauge",
                     "Referrals by state (all instances; refreshed every "
                     "referrals.metrics_interval_ms). state=\"dead\" are dead letters.");
  metrics_->describe(
      "silta_referrals_overdue", "gauge",
      "Referrals with a statutory deadline passed and not met, by recipient agency.");
  metrics_->describe("silta_audit_recoveries_total", "counter",
                     "What opening the audit log found at start: result=\"recovered\" (a "
                     "crash's unsigned records checked and signed, or a torn tail cut), "
                     "result=\"quarantined\" (an unsigned tail that failed the checks, moved "
                     "aside unsigned: look at it).");
  for (const char* result : {"recovered", "quarantined"}) {
    metrics_->add("silta_audit_recoveries_total", {{"result", result}}, 0);
  }

  Router router;
  add_api_routes(router, services_);
  server_ = std::make_unique<Server>(config_, std::move(router), metrics_);

  store_ = must(store::open_store(config_.store), "cannot open the store");
  if (auto s = store_->migrate(); !s) {
    throw std::runtime_error("cannot migrate the store: " + s.error().message);
  }
  executor_ = std::make_unique<store::StoreExecutor>(config_.store.executor_threads);

  signer_ = must(audit::SigningKey::load(config_.audit.signing_key), "cannot load the signing key");
  keyring_ = must(audit::load_pseudonym_keyring(config_.audit), "cannot load the pseudonym keys");
  auto options = config_.audit.log_options();
  if (app_options.audit_file_system != nullptr) options.file_system = app_options.audit_file_system;
  Metrics* metrics = metrics_.get();
  options.on_failure = [metrics](const Error& e) {
    logging::error("audit_log_stopped", {{"error", e.message}});
    metrics->set("silta_audit_failed", {}, 1);
  };
  options.on_checkpoint = [this](const audit::SignedCheckpoint&) {
    if (auto* w = announce_to_.load()) w->checkpoint_signed();
  };
  audit::OpenReport report;
  audit_ = must(audit::AuditLog::open(options, *signer_, &report), "cannot open the audit log");
  if (!report.torn_tail.empty()) {
    logging::warn("audit_torn_tail_recovered", {{"detail", report.torn_tail}});
  }
  if (report.recovery) {
    const audit::LogRecovery& r = *report.recovery;
    auto time = [](const std::optional<SysTime>& t) { return t ? format_rfc3339(*t) : ""; };
    if (!r.quarantine_file.empty()) {
      logging::error("audit_tail_quarantined", {{"record", report.recovery_seq},
                                                {"file", r.quarantine_file},
                                                {"records", r.quarantined_records},
                                                {"bytes", r.quarantine_bytes},
                                                {"segment", r.quarantine_segment},
                                                {"offset", r.quarantine_offset},
                                                {"problem", r.problem}});
      metrics_->add("silta_audit_recoveries_total", {{"result", "quarantined"}});
      // The index may hold records of the tail, which the log no longer has.
      if (auto s = store_->clear_audit_index(audit_->origin(), report.recovery_seq); !s) {
        throw std::runtime_error("cannot remove the quarantined records from the audit index: " +
                                 s.error().message);
      }
    } else {
      logging::warn("audit_log_recovered", {{"record", report.recovery_seq},
                                            {"records_signed", r.recovered_records},
                                            {"from", time(r.recovered_from)},
                                            {"until", time(r.recovered_until)},
                                            {"torn_bytes", r.torn_bytes}});
      metrics_->add("silta_audit_recoveries_total", {{"result", "recovered"}});
    }
  }
  for (const auto& f : report.removed_files) {
    logging::warn("audit_leftover_removed", {{"file", f}});
  }
  logging::info(
      "audit_log_opened",
      {{"origin", audit_->origin()}, {"records", report.records}, {"segments", report.segments}});
  metrics_->set("silta_audit_failed", {}, 0);
  indexer_ = std::make_unique<AuditIndexer>(*audit_, *store_, std::chrono::milliseconds(500),
                                            config_.audit.index_retention_days);
  if (auto s = indexer_->catch_up(); !s) {
    throw std::runtime_error("cannot index the audit log into the store: " + s.error().message);
  }
  if (auto pruned = indexer_->apply_retention(now_utc()); !pruned) {
    logging::warn("audit_index_retention_failed", {{"error", pruned.error().message}});
  } else if (*pruned > 0) {
    logging::info("audit_index_pruned",
                  {{"entries", *pruned}, {"retention_days", config_.audit.index_retention_days}});
  }

  if (!config_.witnesses.list.empty()) {
    witnesses_ = std::make_unique<witness::Submitter>(
        config_.witnesses, *audit_, server_->io_context().get_executor(), *metrics_);
    announce_to_ = witnesses_.get();
  }

  adapters::BuildOptions build;
  build.executor = server_->io_context().get_executor();
  build.ca = config_.tls.client_ca;
  build.certificate = config_.tls.certificate;
  build.private_key = config_.tls.private_key;
  build.events = [](const adapters::AdapterEvent& e) {
    auto level = e.level == adapters::EventLevel::kError  ? spdlog::level::err
                 : e.level == adapters::EventLevel::kWarn ? spdlog::level::warn
                 : e.level == adapters::EventLevel::kInfo ? spdlog::level::info
                                                          : spdlog::level::debug;
    logging::event(level, e.name, e.fields);
  };
  adapters_ = adapters::AdapterSet::build(config_.adapters, build);

  services_.config = &config_;
  services_.engine = engine_;
  services_.audit = audit_.get();
  services_.pseudonyms = &*keyring_;
  services_.signer = &*signer_;
  services_.store = store_.get();
  services_.store_executor = executor_.get();
  services_.adapters = &adapters_;
  services_.metrics = metrics_.get();
  services_.indexer = indexer_.get();
  services_.witnesses = witnesses_.get();
  services_.catalog_json = engine_->catalog()->to_json().dump();

  // The worker's id names this process in delivery leases.
  referral_worker_ = std::make_unique<ReferralWorker>(
      services_, server_->io_context(), boost::asio::ip::host_name() + "/" + new_id("w-"));
  services_.referral_worker = config_.referrals.worker ? referral_worker_.get() : nullptr;

  audit::AuditLog* log = audit_.get();
  server_->set_ready_check([log] { return !log->failure().has_value(); });
  server_->set_auth_failure_hook([this](const AuthFailure& f) {
    audit::AuditEvent e;
    e.type = audit::EventType::kAuthFailure;
    e.agency = f.agency;
    // Which key was refused (an unregistered one), or which route (a role refusal).
    e.reference = !f.route.empty() ? f.route : (f.spki_pin.empty() ? "" : "spki:" + f.spki_pin);
    e.outcome = f.reason;
    audit_in_background(services_, std::move(e));
  });
  server_->bind();
}

App::~App() {
  // The audit log signs a final checkpoint on a clean shutdown.
  if (audit_) {
    if (auto s = audit_->close(); !s)
      logging::error("audit_close_failed", {{"error", s.error().message}});
  }
}

void App::run() {
  boost::asio::signal_set signals(server_->io_context(), SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    logging::info("signal", {{"signal", sig}});
    referral_worker_->stop();
    if (witnesses_) witnesses_->stop();
    server_->shutdown();
  });
  logging::info("listening", {{"agency_port", server_->port()},
                              {"admin_port", server_->admin_port()},
                              {"agencies", config_.registry.agencies().size()},
                              {"referral_worker",
                               config_.referrals.worker ? referral_worker_->worker_id() : ""}});
  referral_worker_->start();
  if (witnesses_) witnesses_->start();
  server_->run();
}

}  // namespace silta::gateway
