// The Adapter interface: how the gateway reaches an agency's own system (case management,
// patient record, school or police system) to fetch data about a subject or to deliver a
// referral. Built in: demo (fixtures), http (the adapter protocol, docs/adapter-protocol.md)
// and fhir (FHIR R4). Adapters do network I/O inside the gateway process, so the interface
// is Asio C++20 awaitables with a deadline per call, and errors are values:
//   kDeadlineExceeded   the agency system did not answer in time (gateway: 504). Transient.
//   kUnavailable        it failed (no connection, 5xx), answered out of contract, or its
//                       circuit is open and calls fail fast (gateway: 502). Transient.
//   kFailedPrecondition the adapter refused the request (a 4xx other than 409), or there
//                       is no adapter for that agency (gateway: 502). Retrying the same
//                       call will not help: a delivery worker dead-letters at once.
//   kConflict           a referral id was delivered before with other content. Permanent.
// Error messages never contain an identity code or data.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/time.h"

namespace silta::adapters {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
using Millis = std::chrono::milliseconds;

// A request for data the decision engine has already granted.
struct FetchRequest {
  std::string request_id;        // the gateway's request id, for correlation in both logs
  std::string holder_agency;     // whose register is read: the target agency id
  std::string requester_agency;  // the agency that receives the data
  std::string requester_kind;    // its agency kind, e.g. "child_welfare"
  std::string subject;           // the subject's identity code (HETU), normalised. Never log it.
  std::string purpose;           // catalog purpose id, e.g. "cw_assessment"
  std::vector<std::string> categories;       // granted catalog category ids only
  std::map<std::string, std::string> bases;  // category → legal basis id or consent id, for
                                             // the holder's own disclosure log (ATL 10 §)
  std::optional<std::uint64_t> audit_seq;    // the decision's audit sequence number
};

// The holder's answer: per category, an array of records (JSON objects) in the shape the
// holder's system uses. An empty array means the holder has nothing in that category.
struct FetchResult {
  bool subject_known = true;  // false: the holder has no record of this person at all
  std::map<std::string, nlohmann::json> categories;
};

// A referral pushed to the recipient's system (e.g. lastensuojeluilmoitus, LSL 25 §).
struct Referral {
  std::string id;                // the referral id; delivery is idempotent by it
  std::string kind;              // catalog referral kind
  std::string recipient_agency;  // whose system receives it
  std::string sender_agency;
  std::string sender_kind;
  std::string subject;  // identity code. Never log it.
  std::string basis;    // legal basis id
  bool urgent = false;
  SysTime sent_at{};
  nlohmann::json content = nlohmann::json::object();  // the referral's fields
};

// The recipient system's acknowledgement of a delivered referral.
struct DeliveryReceipt {
  std::string referral_id;
  std::string reference;  // the recipient system's own reference (e.g. its case number)
  SysTime received_at{};
  bool duplicate = false;  // true: this id was delivered before; the first receipt is returned
};

// What an agency system serves.
struct HolderInfo {
  std::string agency;
  std::vector<std::string> categories;
};

struct HealthReport {
  bool ok = false;
  std::string system;  // a description of the system behind the adapter
  std::vector<HolderInfo> agencies;
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  virtual boost::asio::awaitable<Result<FetchResult>> fetch(const FetchRequest& request,
                                                            Deadline deadline) = 0;
  // Idempotent by referral.id: delivering the same referral again returns the first receipt
  // (duplicate = true); the same id with other content is kConflict.
  virtual boost::asio::awaitable<Result<DeliveryReceipt>> deliver(const Referral& referral,
                                                                  Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<HealthReport>> health(Deadline deadline) = 0;
  // Whether calls fail fast because the agency system's circuit is open (or half-open);
  // nullopt for an adapter without a circuit breaker (demo). For /ready and /metrics.
  virtual std::optional<bool> circuit_open() const { return std::nullopt; }
};

}  // namespace silta::adapters
