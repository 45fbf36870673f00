#include "adapters/circuit_breaker.h"

namespace silta::adapters {

const char* circuit_state_name(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::Permit CircuitBreaker::acquire(Clock::time_point now) {
  std::lock_guard lock(mu_);
  Permit p;
  if (state_ == CircuitState::kOpen) {
    auto reopen = opened_at_ + settings_.open_for;
    if (now < reopen) {
      p.retry_in = std::chrono::ceil<Millis>(reopen - now);
      return p;
    }
    state_ = CircuitState::kHalfOpen;
    probe_in_flight_ = false;
    p.transition = CircuitTransition{CircuitState::kOpen, CircuitState::kHalfOpen};
  }
  if (state_ == CircuitState::kHalfOpen) {
    if (probe_in_flight_) return p;  // one probe at a time; the others still fail fast
    probe_in_flight_ = true;
    p.allowed = true;
    p.probe = true;
    return p;
  }
  p.allowed = true;
  return p;
}

std::optional<CircuitTransition> CircuitBreaker::record(bool success, const Permit& permit,
                                                        Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (permit.probe) probe_in_flight_ = false;
  const CircuitState before = state_;
  if (success) {
    failures_ = 0;
    // Only the probe closes a half-open circuit; a straggler from before it opened does not.
    if (state_ == CircuitState::kHalfOpen && permit.probe) state_ = CircuitState::kClosed;
  } else {
    ++failures_;
    if ((state_ == CircuitState::kHalfOpen && permit.probe) ||
        (state_ == CircuitState::kClosed && failures_ >= settings_.failure_threshold)) {
      state_ = CircuitState::kOpen;
      opened_at_ = now;
    }
  }
  if (state_ == before) return std::nullopt;
  return CircuitTransition{before, state_};
}

CircuitState CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

}  // namespace silta::adapters
