// The service side of the adapter protocol: turns protocol requests into calls on an Adapter
// and its results into protocol answers. `silta adapter serve-demo` serves the demo adapter
// with it; an integrator writing a C++ adapter service can do the same.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "adapters/adapter.h"

namespace silta::adapters {

struct ServiceReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class ProtocolService {
 public:
  explicit ProtocolService(std::shared_ptr<Adapter> adapter, Millis call_timeout = Millis(10'000));

  // GET /silta-adapter/versions
  ServiceReply versions() const;
  // GET /silta-adapter/v1/health
  boost::asio::awaitable<ServiceReply> health();
  // POST /silta-adapter/v1/fetch. `catalog_categories`: the Silta-Catalog-Categories header's
  // ids when the caller sent it (the gateway does); else the built-in list (categories.h).
  boost::asio::awaitable<ServiceReply> fetch(
      const nlohmann::json& body,
      std::optional<std::vector<std::string>> catalog_categories = std::nullopt);
  // PUT /silta-adapter/v1/referrals/{id}
  boost::asio::awaitable<ServiceReply> deliver(std::string_view referral_id,
                                               const nlohmann::json& body);

 private:
  Deadline deadline() const { return Clock::now() + call_timeout_; }

  std::shared_ptr<Adapter> adapter_;
  Millis call_timeout_;
};

}  // namespace silta::adapters
