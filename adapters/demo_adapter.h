// The demo agency systems: fixture-backed child welfare, mental health and substance services,
// student welfare, school and police registers for the demo agencies of certs-example, with a
// handful of invented children and families (adapters/demo/fixtures.json, compiled in).
// Used by the demo, the tests and `silta adapter serve-demo`.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/adapter.h"
#include "common/json_check.h"

namespace silta::adapters {

class DemoAdapter final : public Adapter {
 public:
  // The built-in fixtures. Throws std::runtime_error if they do not load (a build defect).
  static std::shared_ptr<DemoAdapter> builtin();
  // Fixtures from a document; every problem goes to `issues` (then the result is nullptr).
  static std::shared_ptr<DemoAdapter> from_json(const nlohmann::json& doc,
                                                json_check::Issues& issues);

  boost::asio::awaitable<Result<FetchResult>> fetch(const FetchRequest& request,
                                                    Deadline deadline) override;
  boost::asio::awaitable<Result<DeliveryReceipt>> deliver(const Referral& referral,
                                                          Deadline deadline) override;
  boost::asio::awaitable<Result<HealthReport>> health(Deadline deadline) override;

  // The same, without a coroutine (the demo has no I/O).
  Result<FetchResult> fetch_now(const FetchRequest& request) const;
  Result<DeliveryReceipt> deliver_now(const Referral& referral);
  HealthReport health_now() const;

  // Referrals delivered to an agency, in arrival order (for the demo and tests).
  std::vector<Referral> delivered(std::string_view agency) const;

  struct Person {
    std::string key;
    std::string identity_code;
    nlohmann::json contact;  // the identity_contact record
  };
  struct Holder {
    std::string system;
    std::string referral_prefix;
    std::vector<std::string> categories;
    // person key → category → records
    std::unordered_map<std::string, std::unordered_map<std::string, nlohmann::json>> subjects;
  };

 private:
  DemoAdapter() = default;

  struct Delivery {
    Referral referral;
    std::string digest;  // of the referral as delivered, to tell a retry from a conflict
    DeliveryReceipt receipt;
  };

  std::unordered_map<std::string, Person> people_by_code_;
  std::map<std::string, Holder> holders_;  // agency id → register

  mutable std::mutex mu_;
  std::unordered_map<std::string, Delivery> deliveries_;  // referral id → first delivery
  std::vector<std::string> delivery_order_;
  unsigned next_reference_ = 9001;
};

}  // namespace silta::adapters
