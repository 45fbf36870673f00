#include "gateway/http/admission.h"

namespace silta::gateway {

Admission::Decision Admission::admit(const std::string& address) {
  std::lock_guard lock(mu_);
  Decision d;
  auto per = unauthenticated_by_address_.find(address);
  if (per != unauthenticated_by_address_.end() && per->second >= limits_.per_address) {
    d.refusal = "per_address";
    return d;
  }
  const std::size_t unauthenticated_cap =
      limits_.max_connections > limits_.reserved ? limits_.max_connections - limits_.reserved : 1;
  if (connections_.size() >= limits_.max_connections ||
      unauthenticated_.size() >= unauthenticated_cap) {
    if (unauthenticated_.empty()) {
      d.refusal = "limit";
      return d;
    }
    d.evict = *unauthenticated_.begin();
    drop_unauthenticated(*d.evict);
    connections_.erase(*d.evict);
  }
  d.admitted = true;
  d.id = next_id_++;
  connections_.emplace(d.id, address);
  unauthenticated_.insert(d.id);
  ++unauthenticated_by_address_[address];
  return d;
}

void Admission::drop_unauthenticated(std::uint64_t id) {
  if (unauthenticated_.erase(id) == 0) return;
  auto conn = connections_.find(id);
  if (conn == connections_.end()) return;
  auto per = unauthenticated_by_address_.find(conn->second);
  if (per != unauthenticated_by_address_.end() && --per->second == 0) {
    unauthenticated_by_address_.erase(per);
  }
}

void Admission::authenticated(std::uint64_t id) {
  std::lock_guard lock(mu_);
  drop_unauthenticated(id);
}

void Admission::release(std::uint64_t id) {
  std::lock_guard lock(mu_);
  drop_unauthenticated(id);
  connections_.erase(id);
}

std::size_t Admission::open() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

std::size_t Admission::unauthenticated() const {
  std::lock_guard lock(mu_);
  return unauthenticated_.size();
}

}  // namespace silta::gateway
