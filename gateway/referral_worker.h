// Delivers referrals from the store's outbox to the recipients' adapters, and keeps the referral
// gauges of /metrics current (overdue per recipient, referrals per state).
//
// Several gateway instances on one PostgreSQL database each run a worker: a worker claims due
// deliveries with a lease (FOR UPDATE SKIP LOCKED), so no two deliver the same referral at once;
// a claim whose worker died is taken over when its lease expires. Adapters deduplicate by
// referral id, so a delivery repeated after such a crash reaches the agency system once.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/services.h"

namespace silta::gateway {

class ReferralWorker {
 public:
  // `worker_id` names this instance in leases (unique per process).
  ReferralWorker(const Services& services, boost::asio::io_context& io, std::string worker_id);

  // Spawns the loop on the io_context.
  void start();
  // From any thread: look for due deliveries now (a referral was just accepted).
  void wake();
  // From any thread: claim nothing more; deliveries in flight finish or their leases expire.
  void stop();

  const std::string& worker_id() const { return worker_id_; }

  // The delay before retry `attempt` (1-based): initial·2^(attempt-1), at most `max`, jittered
  // to 50-100 % so that retries of many referrals to one agency spread out.
  static std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds initial,
                                           std::chrono::milliseconds max);

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<std::size_t> deliver_due();
  boost::asio::awaitable<void> deliver(store::Referral referral);
  boost::asio::awaitable<void> refresh_metrics();

  const Services& s_;
  boost::asio::io_context& io_;
  std::string worker_id_;
  boost::asio::steady_timer timer_;
  bool wake_pending_ = false;  // on io_ only
  std::atomic<bool> stopping_{false};
  void set_by_recipient(const char* family,
                        const std::vector<std::pair<std::string, std::int64_t>>& counts);
  std::set<std::string> recipients_seen_;  // gauges set so far, to reset them to 0
};

}  // namespace silta::gateway
