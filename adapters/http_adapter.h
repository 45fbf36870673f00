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
  // `headers` go with every call: the catalog in force (protocol::catalog_headers).
  HttpAdapter(std::shared_ptr<Endpoint> endpoint,
              std::vector<std::pair<std::string, std::string>> headers = {});

  boost::asio::awaitable<Result<FetchResult>> fetch(const FetchRequest& request,
                                                    Deadline deadline) override;
  boost::asio::awaitable<Result<DeliveryReceipt>> deliver(const Referral& referral,
                                                          Deadline deadline) override;
  boost::asio::awaitable<Result<HealthReport>> health(Deadline deadline) override;
  std::optional<bool> circuit_open() const override;

  Endpoint& endpoint() { return *endpoint_; }

 private:
  Error out_of_contract(std::string_view operation, const std::string& what) const;
  Error rejected(std::string_view operation, const HttpReply& reply) const;

  std::shared_ptr<Endpoint> endpoint_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace silta::adapters
