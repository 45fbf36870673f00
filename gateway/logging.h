// Structured logging over spdlog: an event name plus fields, rendered as "event k=v ..." in the
// human format or as one JSON object per line. Never pass a body or an identity code here.
#pragma once

#include <string_view>

#include <spdlog/common.h>
#include <nlohmann/json.hpp>

namespace silta::logging {

void setup(bool json, std::string_view level);
// Writes out every queued line; call before the process exits.
void shutdown();

void event(spdlog::level::level_enum level, std::string_view name,
           const nlohmann::json& fields = nlohmann::json::object());

// One access-log line (the hot path: formatted without building a JSON object).
struct AccessLine {
  std::string_view agency, method, route;
  unsigned status;
  double ms;
  std::string_view request_id;
};
void access(const AccessLine& line);

inline void info(std::string_view name, const nlohmann::json& fields = nlohmann::json::object()) {
  event(spdlog::level::info, name, fields);
}
inline void warn(std::string_view name, const nlohmann::json& fields = nlohmann::json::object()) {
  event(spdlog::level::warn, name, fields);
}
inline void error(std::string_view name, const nlohmann::json& fields = nlohmann::json::object()) {
  event(spdlog::level::err, name, fields);
}

}  // namespace silta::logging
