// The http adapter: the gateway side of the adapter protocol (docs/adapter-protocol.md). The
// agency runs an adapter service in any language; the gateway calls it over mutual TLS.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/endpoint.h"
#include "adapters/protocol.h"

namespace silta::adapters {

// The catalog in force as header fields (protocol::catalog_headers), shared by the http adapters
// of a gateway: a catalog reload replaces it, and each call sends the fields in force when it
// starts.
class CatalogHeaders {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  explicit CatalogHeaders(const protocol::CatalogStamp& stamp = {});
  void replace(const protocol::CatalogStamp& stamp);
  Fields fields() const;

 private:
  mutable std::mutex mu_;
  Fields fields_;
};

class HttpAdapter final : public Adapter {
 public:
  // `catalog`'s fields go with every call; none when it is null.
  explicit HttpAdapter(std::shared_ptr<Endpoint> endpoint,
                       std::shared_ptr<const CatalogHeaders> catalog = nullptr);

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

  CatalogHeaders::Fields catalog_fields() const;

  std::shared_ptr<Endpoint> endpoint_;
  std::shared_ptr<const CatalogHeaders> catalog_;
};

}  // namespace silta::adapters
