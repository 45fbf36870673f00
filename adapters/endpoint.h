// One agency system reached over mutual TLS, as the http and fhir adapters use it: the
// connection pool, the circuit breaker, bounded retries with backoff and jitter, and a time
// budget per call. Reports failures and circuit changes as events.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/circuit_breaker.h"
#include "adapters/config.h"
#include "adapters/events.h"
#include "adapters/https_client.h"

namespace silta::adapters {

class Endpoint {
 public:
  Endpoint(std::string agency, const EndpointSettings& settings,
           boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
           EventSink events);

  // One logical call. Fails fast (kUnavailable) while the circuit is open. The deadline is
  // clamped to now + settings.timeout. Transport failures and 502/503/504 answers are retried
  // (idempotent calls only) with exponential backoff and jitter while the deadline allows;
  // timeouts are not, since the budget is spent. Any HTTP status is a reply; the circuit
  // counts transport failures, timeouts and 5xx answers as failures.
  boost::asio::awaitable<Result<HttpReply>> call(std::string_view operation, const HttpCall& call,
                                                 Deadline deadline);

  const std::string& agency() const { return agency_; }
  HttpsClient& client() { return client_; }
  const CircuitBreaker& breaker() const { return breaker_; }
  void emit(EventLevel level, std::string name, nlohmann::json fields) const;

 private:
  void on_transition(const std::optional<CircuitTransition>& t) const;

  std::string agency_;
  EndpointSettings settings_;
  HttpsClient client_;
  CircuitBreaker breaker_;
  EventSink events_;
};

}  // namespace silta::adapters
