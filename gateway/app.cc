#include "gateway/app.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "common/codec.h"
#include "common/files.h"
#include "common/thread_name.h"
#include "gateway/api/console.h"
#include "gateway/api/requests.h"
#include "gateway/api/routes.h"
#include "gateway/health.h"
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

void check_registry_against_catalog(const Registry& registry, const policy::Catalog& catalog) {
  auto problems = catalog_problems(registry, catalog);
  if (!problems.empty()) throw std::runtime_error(problems.front());
}

// What a reload compares: the SHA-256 of the files' names and contents (a directory's files
// in order), so that an unchanged file is not loaded again.
std::string fingerprint(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      // The non-throwing forms: out of descriptors, a directory cannot be opened, and the
      // fingerprint then differs ("unreadable") so the reload is tried and fails as a reload.
      fs::recursive_directory_iterator it(p, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      if (ec) files.push_back(p);
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& f : files) {
    auto text = read_file(f);
    all += f.string() + '\0' + (text ? sha256_hex(*text) : "unreadable") + '\0';
  }
  return sha256_hex(all);
}

std::vector<fs::path> tls_files(const TlsConfig& tls) {
  std::vector<fs::path> files = {tls.certificate, tls.private_key, tls.client_ca};
  if (tls.client_intermediates) files.push_back(*tls.client_intermediates);
  if (tls.crl) files.push_back(*tls.crl);
  return files;
}

double unix_seconds(SysTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message);
  return std::move(*r);
}

void prepare_data_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw std::runtime_error("cannot create data_dir " + dir.string() + ": " + ec.message());
  }
  fs::permissions(dir, fs::perms::owner_all, ec);
}

void describe_app_metrics(Metrics& m) {
  m.describe("silta_decisions_total", "counter", "Decisions by outcome.");
  m.describe("silta_break_glass_total", "counter", "Emergency (break-glass) accesses by agency.");
  m.describe("silta_adapter_failures_total", "counter",
             "Failed calls to agency systems by agency.");
  m.describe("silta_audit_failed", "gauge",
             "1 when the audit log has stopped after a failed write or fdatasync.");
  m.describe("silta_referrals_total", "counter",
             "Referrals submitted, by kind and outcome (accepted or denied).");
  m.describe("silta_referral_deliveries_total", "counter",
             "Delivery attempts by outcome: delivered, retry, dead (dead letter).");
  m.describe("silta_referrals", "gauge",
             "Referrals by state (all instances; refreshed every "
             "referrals.metrics_interval_ms). state=\"dead\" are dead letters.");
  m.describe("silta_referrals_overdue", "gauge",
             "Referrals with a statutory deadline passed and not met, by recipient agency.");
  m.describe("silta_referrals_due_soon", "gauge",
             "Referrals with a statutory deadline unmet within 24 hours or passed, by recipient "
             "agency.");
  m.describe("silta_break_glass_reviews_overdue", "gauge",
             "Break-glass review items still open after their due date (all instances).");
  m.describe("silta_reloads_total", "counter",
             "Reloads that took effect, by what (tls, registry, catalog).");
  m.describe("silta_reload_failures_total", "counter",
             "Reloads refused, by what: the new files were bad, the old ones stay in force.");
  // From 0, so that the first failure is an increase an alert rule sees.
  for (const char* what : {"tls", "registry", "catalog"}) {
    m.add("silta_reloads_total", {{"what", what}}, 0);
    m.add("silta_reload_failures_total", {{"what", what}}, 0);
  }
  m.describe("silta_audit_checkpoint_size", "gauge",
             "Tree size of the audit log's latest signed checkpoint: what the witnesses are "
             "asked to cosign (silta_witness_cosigned_size).");
  m.describe("silta_crl_last_update_timestamp_seconds", "gauge",
             "thisUpdate of each CRL in force (tls.crl), by issuer.");
  m.describe("silta_crl_next_update_timestamp_seconds", "gauge",
             "nextUpdate of each CRL in force, by issuer: after it every handshake through that "
             "CA fails until the CRL is refreshed.");
  m.describe("silta_crl_age_seconds", "gauge", "Age of each CRL in force, by issuer.");
  m.describe("silta_audit_recoveries_total", "counter",
             "What opening the audit log found at start: result=\"recovered\" (a crash's "
             "unsigned records checked and signed, or a torn tail cut), result=\"quarantined\" "
             "(an unsigned tail that failed the checks, moved aside unsigned: look at it).");
  for (const char* result : {"recovered", "quarantined"}) {
    m.add("silta_audit_recoveries_total", {{"result", result}}, 0);
  }
}

adapters::BuildOptions adapter_build_options(const Config& config,
                                             boost::asio::any_io_executor executor,
                                             adapters::protocol::CatalogStamp catalog) {
  adapters::BuildOptions build;
  build.executor = std::move(executor);
  build.catalog = std::move(catalog);
  build.ca = config.tls.client_ca;
  build.certificate = config.tls.certificate;
  build.private_key = config.tls.private_key;
  build.events = [](const adapters::AdapterEvent& e) {
    auto level = e.level == adapters::EventLevel::kError  ? spdlog::level::err
                 : e.level == adapters::EventLevel::kWarn ? spdlog::level::warn
                 : e.level == adapters::EventLevel::kInfo ? spdlog::level::info
                                                          : spdlog::level::debug;
    logging::event(level, e.name, e.fields);
  };
  return build;
}

}  // namespace

adapters::protocol::CatalogStamp catalog_stamp(const policy::Catalog& catalog) {
  adapters::protocol::CatalogStamp stamp{catalog.version, catalog.sha256, {}};
  for (const auto& c : catalog.categories) stamp.categories.push_back(c.id);
  return stamp;
}

App::App(const Config& config, AppOptions app_options) : config_(config) {
  ensure_file_descriptor_limit(config_.limits.max_connections);
  prepare_data_dir(config_.data_dir);
  load_policy();
  metrics_ = std::make_shared<Metrics>();
  describe_app_metrics(*metrics_);
  Router router;
  add_api_routes(router, services_);
  add_console_routes(router, load_console(config_.console));
  server_ = std::make_unique<Server>(config_, std::move(router), metrics_);
  open_store();
  open_audit_log(app_options);
  adapters_ = adapters::AdapterSet::build(
      config_.adapters, adapter_build_options(config_, server_->io_context().get_executor(),
                                              catalog_stamp(*engine_->catalog())));
  wire_services();
  install_server_hooks();
  tls_fingerprint_ = fingerprint(tls_files(config_.tls));
  registry_fingerprint_ = fingerprint({config_.registry_file});
  catalog_fingerprint_ = fingerprint({config_.catalog_dir});
  record_crls();
  metrics_->add_collector([this](Metrics& m) {
    m.set("silta_audit_checkpoint_size", {},
          static_cast<double>(audit_->latest_checkpoint().checkpoint.size));
    std::lock_guard lock(crls_mu_);
    for (const auto& crl : crls_) {
      m.set("silta_crl_age_seconds", {{"issuer", crl.issuer}},
            unix_seconds(now_utc()) - unix_seconds(crl.last_update));
    }
  });
  server_->bind();
}

void App::load_policy() {
  engine_ = load_engine(config_.catalog_dir);
  check_registry_against_catalog(config_.registry, *engine_->catalog());
  logging::info("catalog_loaded", {{"id", engine_->catalog()->id},
                                   {"version", engine_->catalog()->version},
                                   {"sha256", engine_->catalog()->sha256}});
}

void App::open_store() {
  store_ = must(store::open_store(config_.store), "cannot open the store");
  if (auto s = store_->migrate(); !s) {
    throw std::runtime_error("cannot migrate the store: " + s.error().message);
  }
  executor_ = std::make_unique<store::StoreExecutor>(config_.store.executor_threads);
}

void App::open_audit_log(const AppOptions& app_options) {
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
  options.on_durable = [this](std::vector<audit::DurableRecord>& records) {
    if (auto* i = index_to_.load()) i->offer(records);
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
  index_to_ = indexer_.get();
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
}

void App::wire_services() {
  services_.config = &config_;
  services_.engine.replace(engine_);
  services_.audit = audit_.get();
  services_.pseudonyms = &*keyring_;
  services_.signer = &*signer_;
  services_.store = store_.get();
  services_.store_executor = executor_.get();
  services_.adapters = &adapters_;
  services_.metrics = metrics_.get();
  services_.indexer = indexer_.get();
  health_ = std::make_unique<Health>(*audit_, adapters_);
  health_->register_metrics(*metrics_);
  record_certificate_expiry(*metrics_, config_.tls);
  services_.store_probed = [h = health_.get()](bool ok, const std::string& error) {
    h->store_probed(ok, error);
  };
  services_.witnesses = witnesses_.get();

  // The worker's id names this process in delivery leases.
  referral_worker_ = std::make_unique<ReferralWorker>(
      services_, server_->io_context(), boost::asio::ip::host_name() + "/" + new_id("w-"));
  services_.referral_worker = config_.referrals.worker ? referral_worker_.get() : nullptr;
}

void App::install_server_hooks() {
  server_->set_ready_check([health = health_.get()] { return health->check(); });
  server_->set_auth_failure_hook([this](const AuthFailure& f) {
    if (f.reason != "forbidden_role" && f.reason != "cross_origin") {
      // Not (yet) a registered agency: summarised, so that refusals cannot fill the log.
      auth_failures_.add(f, now_utc());
      return;
    }
    // A registered agency called a route its role does not allow, or its browser was made to
    // call from another site: one record per request.
    audit::AuditEvent e;
    e.type = audit::EventType::kAuthFailure;
    e.agency = f.agency;
    e.reference = f.route;
    e.outcome = f.reason;
    audit_in_background(services_, std::move(e));
  });
}

void App::flush_auth_failures() {
  if (auto e = auth_failures_.take()) audit_in_background(services_, std::move(*e));
}

boost::asio::awaitable<void> App::summarise_auth_failures() {
  boost::asio::steady_timer timer(server_->io_context());
  for (;;) {
    timer.expires_after(config_.auth_failures.summary_interval);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    flush_auth_failures();
    if (ec) co_return;
  }
}

void App::record_crls() {
  if (!config_.tls.crl) return;
  auto crls = read_crl_info(*config_.tls.crl);
  for (const auto& crl : crls) {
    metrics_->set("silta_crl_last_update_timestamp_seconds", {{"issuer", crl.issuer}},
                  unix_seconds(crl.last_update));
    if (crl.next_update) {
      metrics_->set("silta_crl_next_update_timestamp_seconds", {{"issuer", crl.issuer}},
                    unix_seconds(*crl.next_update));
    }
  }
  std::lock_guard lock(crls_mu_);
  crls_ = std::move(crls);
}

void App::reload_failed(const char* what, const std::string& error) {
  metrics_->add("silta_reload_failures_total", {{"what", what}});
  logging::error("reload_failed", {{"what", what}, {"error", error}, {"kept", "the one in force"}});
}

void App::reloaded(const char* what) {
  metrics_->add("silta_reloads_total", {{"what", what}});
  logging::info("reloaded", {{"what", what}});
}

void App::reload_tls() {
  auto fp = fingerprint(tls_files(config_.tls));
  if (fp == tls_fingerprint_) return;
  json_check::Issues issues;
  std::vector<std::string> warnings;
  check_tls_files(config_.tls, now_utc(), issues, warnings);
  if (!issues.empty()) return reload_failed("tls", issues.format());
  try {
    server_->replace_tls_context(make_server_tls_context(config_.tls));
  } catch (const std::exception& e) {
    return reload_failed("tls", e.what());
  }
  for (const auto& w : warnings) logging::warn("config_warning", {{"warning", w}});
  tls_fingerprint_ = fp;
  record_crls();
  record_certificate_expiry(*metrics_, config_.tls);
  reloaded("tls");
}

void App::reload_registry() {
  auto fp = fingerprint({config_.registry_file});
  if (fp == registry_fingerprint_) return;
  json_check::Issues issues;
  Registry fresh = load_registry_file(config_.registry_file, issues);
  if (!issues.empty()) return reload_failed("registry", issues.format());
  try {
    check_registry_against_catalog(fresh, services_.catalog());
  } catch (const std::exception& e) {
    return reload_failed("registry", e.what());
  }
  config_.registry.replace(fresh);  // the server's copy shares it
  registry_fingerprint_ = fp;
  reloaded("registry");
}

void App::reload_catalog() {
  auto fp = fingerprint({config_.catalog_dir});
  if (fp == catalog_fingerprint_) return;
  std::shared_ptr<const policy::Engine> engine;
  try {
    engine = load_engine(config_.catalog_dir);
    check_registry_against_catalog(config_.registry, *engine->catalog());
  } catch (const std::exception& e) {
    return reload_failed("catalog", e.what());
  }
  logging::info("catalog_loaded", {{"id", engine->catalog()->id},
                                   {"version", engine->catalog()->version},
                                   {"sha256", engine->catalog()->sha256}});
  // The http adapters tell their services the catalog in force (docs/adapter-protocol.md).
  adapters_.set_catalog(catalog_stamp(*engine->catalog()));
  services_.engine.replace(std::move(engine));
  catalog_fingerprint_ = fp;
  reloaded("catalog");
}

void App::reload() {
  reload_tls();
  reload_catalog();
  reload_registry();
}

// The reload thread: file reading and parsing stay off the I/O threads.
void App::reload_loop() {
  name_this_thread("silta-reload");
  std::unique_lock lock(reload_mu_);
  for (;;) {
    auto wake = [this] { return reload_requested_ || reload_stopping_; };
    if (config_.reload.interval.count() > 0) {
      reload_cv_.wait_for(lock, config_.reload.interval, wake);
    } else {
      reload_cv_.wait(lock, wake);
    }
    if (reload_stopping_) return;
    reload_requested_ = false;
    lock.unlock();
    try {
      reload();
    } catch (const std::exception& e) {  // e.g. out of memory or descriptors mid-load
      reload_failed("all", e.what());
    }
    lock.lock();
  }
}

void App::request_reload() {
  std::lock_guard lock(reload_mu_);
  reload_requested_ = true;
  reload_cv_.notify_one();
}

void App::stop_reloading() {
  {
    std::lock_guard lock(reload_mu_);
    reload_stopping_ = true;
    reload_cv_.notify_one();
  }
  if (reloader_.joinable()) reloader_.join();
}

App::~App() {
  stop_reloading();
  // The audit log signs a final checkpoint on a clean shutdown.
  if (audit_) {
    flush_auth_failures();
    if (auto s = audit_->close(); !s)
      logging::error("audit_close_failed", {{"error", s.error().message}});
  }
}

void App::handle_signals(boost::asio::signal_set& signals) {
  signals.async_wait([this, &signals](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      logging::info("signal_received", {{"signal", "SIGHUP"}, {"action", "reload"}});
      request_reload();
      handle_signals(signals);
      return;
    }
    logging::info("signal_received",
                  {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}, {"action", "shutdown"}});
    referral_worker_->stop();
    if (witnesses_) witnesses_->stop();
    server_->shutdown();
  });
}

void App::run(const std::function<void()>& ready) {
  boost::asio::signal_set signals(server_->io_context(), SIGINT, SIGTERM, SIGHUP);
  handle_signals(signals);
  if (ready) ready();
  logging::info("listening", {{"agency_port", server_->port()},
                              {"admin_port", server_->admin_port()},
                              {"agencies", config_.registry.agencies().size()},
                              {"referral_worker",
                               config_.referrals.worker ? referral_worker_->worker_id() : ""}});
  referral_worker_->start();
  reloader_ = std::thread([this] { reload_loop(); });
  boost::asio::co_spawn(server_->io_context(), summarise_auth_failures(), boost::asio::detached);
  if (witnesses_) witnesses_->start();
  server_->run();
  stop_reloading();
}

}  // namespace silta::gateway
