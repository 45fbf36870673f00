// The adapters of the gateway, one per target agency, built from the validated config. This is
// what the gateway calls: fetch (the adapter's answer filtered again to the granted
// categories), deliver, health.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "adapters/adapter.h"
#include "adapters/config.h"
#include "adapters/demo_adapter.h"
#include "adapters/events.h"
#include "adapters/protocol.h"

namespace silta::adapters {

class CatalogHeaders;  // http_adapter.h

// Defence in depth: removes from `result` every category that was not granted, and returns
// the removed keys. The gateway never passes on more than the decision granted.
std::vector<std::string> filter_to_granted(FetchResult& result,
                                           const std::vector<std::string>& granted);

struct BuildOptions {
  boost::asio::any_io_executor executor;  // the gateway's I/O context
  // The gateway's own TLS files: adapters present its certificate and trust the federation
  // CA unless their config says otherwise.
  std::filesystem::path ca;
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  EventSink events;
  std::shared_ptr<DemoAdapter> demo;  // shared by every "demo" agency; built-in when unset
  protocol::CatalogStamp catalog;     // told to http adapter services on every call
};

class AdapterSet {
 public:
  AdapterSet() = default;
  // Throws std::runtime_error with a clear message when a TLS file cannot be loaded (start-up
  // only; the config parser has already checked that the files exist).
  static AdapterSet build(const AdaptersConfig& config, const BuildOptions& options);

  // Adds or replaces the adapter of one agency (tests, and the demo's wiring).
  void add(std::string agency, std::shared_ptr<Adapter> adapter);
  Adapter* find(std::string_view agency) const;
  std::vector<std::string> agencies() const;
  std::shared_ptr<DemoAdapter> demo() const { return demo_; }
  // The catalog the http adapters tell their services from now on (a catalog reload).
  void set_catalog(const protocol::CatalogStamp& catalog);
  // Per agency whose adapter has a circuit breaker: whether its circuit is open.
  std::vector<std::pair<std::string, bool>> circuits() const;

  // Calls the holder agency's adapter for the granted categories (request.categories) and
  // filters its answer to them; extra categories are dropped and reported as the event
  // adapter_extra_categories_dropped. kFailedPrecondition when the agency has no adapter.
  boost::asio::awaitable<Result<FetchResult>> fetch(const FetchRequest& request,
                                                    Deadline deadline) const;
  boost::asio::awaitable<Result<DeliveryReceipt>> deliver(const Referral& referral,
                                                          Deadline deadline) const;
  boost::asio::awaitable<Result<HealthReport>> health(std::string_view agency,
                                                      Deadline deadline) const;

 private:
  std::map<std::string, std::shared_ptr<Adapter>, std::less<>> by_agency_;
  std::shared_ptr<DemoAdapter> demo_;
  std::shared_ptr<CatalogHeaders> catalog_;  // null until build()
  EventSink events_;
};

}  // namespace silta::adapters
