#include "adapters/endpoint.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

namespace silta::adapters {

namespace asio = boost::asio;

namespace {

bool retryable_status(unsigned status) { return status == 502 || status == 503 || status == 504; }

Millis jittered(Millis base) {
  // Full range 50–150 %, so that many callers retrying one system do not move in step.
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_int_distribution<long> d(base.count() / 2, base.count() * 3 / 2);
  return Millis(d(rng));
}

}  // namespace

Endpoint::Endpoint(std::string agency, const EndpointSettings& settings,
                   asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                   EventSink events)
    : agency_(std::move(agency)),
      settings_(settings),
      client_(std::move(executor), std::move(tls), settings.url,
              HttpsClient::Options{settings.connect_timeout, settings.max_idle_connections,
                                   settings.idle_timeout, settings.max_response_bytes, true}),
      breaker_(settings.circuit),
      events_(std::move(events)) {}

void Endpoint::emit(EventLevel level, std::string name, nlohmann::json fields) const {
  if (!events_) return;
  fields["agency"] = agency_;
  events_(AdapterEvent{level, std::move(name), std::move(fields)});
}

void Endpoint::on_transition(const std::optional<CircuitTransition>& t) const {
  if (!t) return;
  switch (t->to) {
    case CircuitState::kOpen:
      emit(EventLevel::kWarn, "adapter_circuit_opened",
           {{"from", circuit_state_name(t->from)},
            {"consecutive_failures", breaker_.consecutive_failures()},
            {"open_ms", settings_.circuit.open_for.count()}});
      break;
    case CircuitState::kHalfOpen:
      emit(EventLevel::kInfo, "adapter_circuit_half_open", nlohmann::json::object());
      break;
    case CircuitState::kClosed:
      emit(EventLevel::kInfo, "adapter_circuit_closed", nlohmann::json::object());
      break;
  }
}

asio::awaitable<Result<HttpReply>> Endpoint::call(std::string_view operation, const HttpCall& call,
                                                  Deadline deadline) {
  const auto start = Clock::now();
  deadline = std::min(deadline, start + settings_.timeout);
  auto permit = breaker_.acquire(start);
  on_transition(permit.transition);
  if (!permit.allowed) {
    co_return make_error(ErrorCode::kUnavailable,
                         "the circuit to the system of " + agency_ +
                             " is open after repeated failures; failing fast for another " +
                             std::to_string(permit.retry_in.count()) + " ms");
  }

  const int max_attempts = call.idempotent ? settings_.retry.max_attempts : 1;
  Millis backoff = settings_.retry.backoff;
  Result<HttpReply> result = make_error(ErrorCode::kInternal, "no attempt made");
  int attempt = 0;
  for (;;) {
    ++attempt;
    result = co_await client_.send(call, deadline);
    const bool transport_retry = !result.ok() && result.error().code == ErrorCode::kUnavailable;
    const bool status_retry = result.ok() && retryable_status(result->status);
    if (attempt >= max_attempts || !(transport_retry || status_retry)) break;
    const Millis wait = jittered(backoff);
    if (Clock::now() + wait >= deadline) break;
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    backoff *= 2;
  }

  const bool failed = !result.ok() || result->status >= 500;
  on_transition(breaker_.record(!failed, permit, Clock::now()));
  if (failed) {
    const auto elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
    emit(EventLevel::kWarn, "adapter_call_failed",
         {{"operation", operation},
          {"attempts", attempt},
          {"ms", elapsed.count()},
          {"reason",
           result.ok() ? "HTTP " + std::to_string(result->status) : result.error().message},
          {"timeout", !result.ok() && result.error().code == ErrorCode::kDeadlineExceeded}});
  }
  co_return result;
}

}  // namespace silta::adapters
