// The http adapter: the gateway side of the adapter protocol (docs/adapter-protocol.md). The
// agency runs an adapter service in any language; the gateway calls it over mutual TLS.
#pragma once

#include <memory>
#include <string>

#include "adapters/adapter.h"
#include "adapters/endpoint.h"

namespace silta::adapters {

class HttpAdapter final : public Adapter {
 public:
  explicit HttpAdapter(std::shared_ptr<Endpoint> endpoint);

  boost::asio::awaitable<Result<FetchResult>> fetch(const FetchRequest& request,
                                                    Deadline deadline) override;
  boost::asio::awaitable<Result<DeliveryReceipt>> deliver(const Referral& referral,
                                                          Deadline deadline) override;
  boost::asio::awaitable<Result<HealthReport>> health(Deadline deadline) override;

  Endpoint& endpoint() { return *endpoint_; }

 private:
  Error out_of_contract(std::string_view operation, const std::string& what) const;
  Error rejected(std::string_view operation, const HttpReply& reply) const;

  std::shared_ptr<Endpoint> endpoint_;
};

}  // namespace silta::adapters
