#include "adapters/adapter_set.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "adapters/categories.h"
#include "adapters/fhir_adapter.h"
#include "adapters/http_adapter.h"
#include "adapters/https_client.h"

namespace silta::adapters {

namespace asio = boost::asio;
namespace fs = std::filesystem;

std::vector<std::string> filter_to_granted(FetchResult& result,
                                           const std::vector<std::string>& granted) {
  std::vector<std::string> dropped;
  for (auto it = result.categories.begin(); it != result.categories.end();) {
    if (std::find(granted.begin(), granted.end(), it->first) == granted.end()) {
      dropped.push_back(it->first);
      it = result.categories.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

AdapterSet AdapterSet::build(const AdaptersConfig& config, const BuildOptions& options) {
  AdapterSet set;
  set.events_ = options.events;
  set.catalog_ = std::make_shared<CatalogHeaders>(options.catalog);
  // One TLS context per distinct set of files, shared by the adapters that use it.
  std::map<std::tuple<fs::path, fs::path, fs::path>, std::shared_ptr<asio::ssl::context>> contexts;
  auto endpoint = [&](const std::string& agency, const EndpointSettings& e) {
    std::tuple<fs::path, fs::path, fs::path> files{e.tls.ca.value_or(options.ca),
                                                   e.tls.certificate.value_or(options.certificate),
                                                   e.tls.private_key.value_or(options.private_key)};
    auto& ctx = contexts[files];
    if (!ctx) {
      auto made =
          make_client_tls_context(std::get<0>(files), std::get<1>(files), std::get<2>(files));
      if (!made) {
        throw std::runtime_error("adapter for " + agency + ": " + made.error().message);
      }
      ctx = *made;
    }
    return std::make_shared<Endpoint>(agency, e, options.executor, ctx, options.events);
  };
  for (const auto& [agency, a] : config.by_agency) {
    switch (a.type) {
      case AdapterType::kDemo:
        if (!set.demo_) set.demo_ = options.demo ? options.demo : DemoAdapter::builtin();
        set.add(agency, set.demo_);
        break;
      case AdapterType::kHttp: {
        const auto& h = std::get<HttpSettings>(a.settings);
        set.add(agency, std::make_shared<HttpAdapter>(endpoint(agency, h.endpoint), set.catalog_));
        break;
      }
      case AdapterType::kFhir: {
        const auto& f = std::get<FhirSettings>(a.settings);
        set.add(agency, std::make_shared<FhirAdapter>(endpoint(agency, f.endpoint), f));
        break;
      }
    }
  }
  return set;
}

void AdapterSet::set_catalog(const protocol::CatalogStamp& catalog) {
  if (catalog_) catalog_->replace(catalog);
}

void AdapterSet::add(std::string agency, std::shared_ptr<Adapter> adapter) {
  by_agency_[std::move(agency)] = std::move(adapter);
}

std::vector<std::pair<std::string, bool>> AdapterSet::circuits() const {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& [agency, adapter] : by_agency_) {
    if (auto open = adapter->circuit_open()) out.emplace_back(agency, *open);
  }
  return out;
}

Adapter* AdapterSet::find(std::string_view agency) const {
  auto it = by_agency_.find(agency);
  return it == by_agency_.end() ? nullptr : it->second.get();
}

std::vector<std::string> AdapterSet::agencies() const {
  std::vector<std::string> out;
  for (const auto& [id, a] : by_agency_) out.push_back(id);
  return out;
}

namespace {

Error no_adapter(std::string_view agency) {
  return make_error(ErrorCode::kFailedPrecondition,
                    "no adapter is configured for agency " + std::string(agency));
}

}  // namespace

asio::awaitable<Result<FetchResult>> AdapterSet::fetch(const FetchRequest& request,
                                                       Deadline deadline) const {
  Adapter* adapter = find(request.holder_agency);
  if (adapter == nullptr) co_return no_adapter(request.holder_agency);
  auto result = co_await adapter->fetch(request, deadline);
  if (!result) co_return result;
  auto dropped = filter_to_granted(*result, request.categories);
  if (!dropped.empty() && events_) {
    // Only catalog ids are named: an adapter's key may be anything, an identity code included.
    nlohmann::json named = nlohmann::json::array();
    std::size_t other = 0;
    for (const auto& d : dropped) {
      if (is_catalog_category(d)) {
        named.push_back(d);
      } else {
        ++other;
      }
    }
    events_(AdapterEvent{EventLevel::kWarn,
                         "adapter_extra_categories_dropped",
                         {{"agency", request.holder_agency},
                          {"request_id", request.request_id},
                          {"categories", named},
                          {"other_keys", other}}});
  }
  co_return result;
}

asio::awaitable<Result<DeliveryReceipt>> AdapterSet::deliver(const Referral& referral,
                                                             Deadline deadline) const {
  Adapter* adapter = find(referral.recipient_agency);
  if (adapter == nullptr) co_return no_adapter(referral.recipient_agency);
  co_return co_await adapter->deliver(referral, deadline);
}

asio::awaitable<Result<HealthReport>> AdapterSet::health(std::string_view agency,
                                                         Deadline deadline) const {
  Adapter* adapter = find(agency);
  if (adapter == nullptr) co_return no_adapter(agency);
  co_return co_await adapter->health(deadline);
}

}  // namespace silta::adapters
