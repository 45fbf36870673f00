// A circuit breaker per agency system: after `failure_threshold` consecutive failed calls the
// circuit opens and calls fail fast (no connection attempt) for `open_for`; then one probe call
// is let through (half-open): success closes the circuit, failure opens it again. So a dead
// agency system costs callers nothing but a clear 502, instead of hanging requests.
// Thread-safe; time is passed in, so tests need no clock.
#pragma once

#include <mutex>
#include <optional>

#include "adapters/adapter.h"
#include "adapters/config.h"

namespace silta::adapters {

enum class CircuitState { kClosed, kOpen, kHalfOpen };
const char* circuit_state_name(CircuitState s);

struct CircuitTransition {
  CircuitState from;
  CircuitState to;
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(CircuitBreakerSettings settings) : settings_(settings) {}

  struct Permit {
    bool allowed = false;
    bool probe = false;                           // this call is the half-open probe
    Millis retry_in{0};                           // when refused: until the next probe may go
    std::optional<CircuitTransition> transition;  // open → half-open, when it happened now
  };
  Permit acquire(Clock::time_point now);
  // The outcome of a permitted call; returns the transition it caused, if any.
  std::optional<CircuitTransition> record(bool success, const Permit& permit,
                                          Clock::time_point now);

  CircuitState state() const;
  int consecutive_failures() const;

 private:
  const CircuitBreakerSettings settings_;
  mutable std::mutex mu_;
  CircuitState state_ = CircuitState::kClosed;
  int failures_ = 0;
  Clock::time_point opened_at_{};
  bool probe_in_flight_ = false;
};

}  // namespace silta::adapters
