// Which connections the agency listener takes (docs/threat-model.md, "Limits"):
// - at most `max_connections` open connections in all;
// - unauthenticated connections (the TLS handshake is not done, or the certificate is not a
//   registered, enabled agency's) never hold the last `reserved` slots: those are for registered
//   agencies' connections only;
// - at most `per_address` unauthenticated connections from one address.
// When the unauthenticated share is full, the oldest unauthenticated connection is evicted to
// make room, so that idle connections cannot keep a newcomer (an agency about to authenticate)
// out. Thread-safe; pure bookkeeping (the server closes what it is told to evict).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace silta::gateway {

class Admission {
 public:
  struct Limits {
    std::size_t max_connections = 10000;
    std::size_t reserved = 1000;
    std::size_t per_address = 64;
  };
  struct Decision {
    bool admitted = false;
    std::uint64_t id = 0;                // the new connection's id, when admitted
    std::optional<std::uint64_t> evict;  // a connection to close to make room for it
    std::string_view refusal;            // "per_address" or "limit", when not admitted
  };

  explicit Admission(Limits limits) : limits_(limits) {}

  Decision admit(const std::string& address);
  // The connection authenticated as a registered, enabled agency.
  void authenticated(std::uint64_t id);
  // The connection closed (an evicted one is already released).
  void release(std::uint64_t id);

  std::size_t open() const;
  std::size_t unauthenticated() const;

 private:
  void drop_unauthenticated(std::uint64_t id);

  Limits limits_;
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::string> connections_;  // id → address
  std::set<std::uint64_t> unauthenticated_;           // ordered: the oldest first
  std::unordered_map<std::string, std::size_t> unauthenticated_by_address_;
};

}  // namespace silta::gateway
