// Refused connections in the audit log without letting them fill it: every failed TLS handshake
// and every certificate that is not a registered, enabled agency's is counted here, grouped by
// (reason, issuer, peer address, key pin), and each interval's groups become ONE auth-failure
// record. Its size is bounded (the justification field, 4000 bytes), so whatever the rate of
// refusals, unauthenticated clients write at most one record of ~4.3 KB per interval
// (docs/threat-model.md). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "audit/event.h"
#include "common/time.h"
#include "gateway/http/server.h"

namespace silta::gateway {

class AuthFailureSummary {
 public:
  // A record's justification holds at most this many bytes (audit/event.h's limit).
  static constexpr std::size_t kMaxText = 4000;
  // Groups kept per interval; further ones are counted together.
  static constexpr std::size_t kMaxGroups = 64;

  void add(const AuthFailure& failure, SysTime now);
  // The auth-failure event for everything added since the last call, or nullopt if nothing was.
  std::optional<audit::AuditEvent> take();

 private:
  struct Group {
    std::uint64_t count = 0;
    SysTime first, last;
  };
  using Key = std::tuple<std::string, std::string, std::string, std::string>;  // reason, issuer,
                                                                               // address, pin
  std::mutex mu_;
  std::map<Key, Group> groups_;
  Group other_;  // failures beyond kMaxGroups groups
  std::uint64_t total_ = 0;
  SysTime since_{};
};

}  // namespace silta::gateway
