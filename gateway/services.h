// What the API's routes work with, built once at start (gateway/app.cc) and shared by every I/O
// thread: the decision engine, the audit log, pseudonyms, the store, the adapters, metrics.
// Store and audit calls go through the awaitables below, so an I/O thread never blocks on them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "adapters/adapter_set.h"
#include "audit/checkpoint.h"
#include "audit/log.h"
#include "audit/pseudonym.h"
#include "common/result.h"
#include "gateway/async.h"
#include "gateway/audit_indexer.h"
#include "gateway/config.h"
#include "gateway/metrics.h"
#include "policy/engine.h"
#include "store/executor.h"
#include "store/store.h"

namespace silta::gateway {

class ReferralWorker;
namespace witness {
class Submitter;
}

// The decision engine in force and its catalog rendered for GET /v1/catalog. A catalog reload
// (SIGHUP, docs/operations.md) replaces them for every copy; requests already running keep the
// engine they started with valid, since every version is kept (a catalog changes rarely).
class PolicyInForce {
 public:
  PolicyInForce() : shared_(std::make_shared<Shared>()) {}
  void replace(std::shared_ptr<const policy::Engine> engine);
  const policy::Engine* operator->() const { return current().engine.get(); }
  const policy::Engine& operator*() const { return *current().engine; }
  const std::string& catalog_json() const { return current().catalog_json; }

 private:
  struct Version {
    std::shared_ptr<const policy::Engine> engine;
    std::string catalog_json;
  };
  struct Shared {
    std::mutex mu;
    std::vector<std::unique_ptr<const Version>> kept;
    std::atomic<const Version*> current{nullptr};
  };
  const Version& current() const { return *shared_->current.load(std::memory_order_acquire); }
  std::shared_ptr<Shared> shared_;
};

struct Services {
  const Config* config = nullptr;
  PolicyInForce engine;
  audit::AuditLog* audit = nullptr;
  const audit::PseudonymKeyring* pseudonyms = nullptr;
  const audit::SigningKey* signer = nullptr;  // the gateway's key: checkpoints and receipts
  store::Store* store = nullptr;
  store::StoreExecutor* store_executor = nullptr;
  const adapters::AdapterSet* adapters = nullptr;
  Metrics* metrics = nullptr;
  AuditIndexer* indexer = nullptr;
  ReferralWorker* referral_worker = nullptr;  // woken when a referral is accepted
  // Told the outcome of the periodic store probe (the readiness of /ready), when set.
  std::function<void(bool ok, const std::string& error)> store_probed;
  witness::Submitter* witnesses = nullptr;  // null when no witness is configured

  const policy::Catalog& catalog() const { return *engine->catalog(); }
};

// Runs `work(store)` on the store executor and resumes the coroutine on its own executor.
template <typename Work>
auto on_store(const Services& s, Work work)
    -> boost::asio::awaitable<std::invoke_result_t<Work&, store::Store&>> {
  using R = std::invoke_result_t<Work&, store::Store&>;
  store::Store* st = s.store;
  store::StoreExecutor* ex = s.store_executor;
  // Named, not written inside the co_await: GCC 12 destroys the captures of a lambda written
  // inside a co_await expression twice (docs/architecture.md, "GCC 12 and coroutines").
  auto start = [st, ex, work = std::move(work)](std::function<void(R)> done) mutable {
    ex->run([st, work = std::move(work)]() mutable { return work(*st); }, std::move(done));
  };
  co_return co_await await_callback<R>(std::move(start));
}

// Runs a read `work(store)`: on the calling I/O thread when the store reads in process (SQLite:
// a read of local pages costs a few microseconds, less than the two thread hand-offs of the
// executor), on the store executor otherwise (PostgreSQL). Only for short reads: a page of
// consents or referrals; searches of the audit index stay on the
// executor (docs/architecture.md, "Short SQLite reads run on the I/O thread").
template <typename Work>
auto read_store(const Services& s, Work work)
    -> boost::asio::awaitable<std::invoke_result_t<Work&, store::Store&>> {
  if (s.store->reads_in_process()) co_return work(*s.store);
  co_return co_await on_store(s, std::move(work));
}

audit::DecisionSummary summary_of(const policy::Decision& d);
// Fills an audit event's decision fields: categories granted and denied, the bases cited, the
// consents relied on, the summary and whether break-glass was used.
void describe_decision(const policy::Decision& d, audit::AuditEvent& e);

// The subject's consents in force at `now`, recorded under any of the pseudonym keys (current or
// retired), each labelled with the current pseudonym `current`.
boost::asio::awaitable<Result<std::vector<policy::ConsentRecord>>> active_consents(
    const Services& s, const std::string& normalised_code, const audit::Pseudonym& current,
    SysTime now);

// Appends an event to the audit log and waits until it is durable. An error (kUnavailable)
// means nothing may be released: the caller answers 503.
boost::asio::awaitable<Result<std::uint64_t>> audit_durably(const Services& s,
                                                            audit::AuditEvent event);
// Appends without waiting (authentication failures); a failure is logged.
void audit_in_background(const Services& s, audit::AuditEvent event);

}  // namespace silta::gateway
