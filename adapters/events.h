// What adapters report to the gateway's log and metrics: an event name and fields. The
// adapters library does not log by itself (logging lives in the gateway); the gateway passes
// a sink. Fields never hold an identity code or data.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace silta::adapters {

enum class EventLevel { kDebug, kInfo, kWarn, kError };

struct AdapterEvent {
  EventLevel level = EventLevel::kInfo;
  // adapter_call_failed, adapter_circuit_opened, adapter_circuit_half_open,
  // adapter_circuit_closed, adapter_extra_categories_dropped, adapter_protocol_violation
  std::string name;
  nlohmann::json fields = nlohmann::json::object();  // always has "agency"
};

using EventSink = std::function<void(const AdapterEvent&)>;

}  // namespace silta::adapters
