#include "gateway/logging.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/time.h"

namespace silta::logging {

namespace {
bool g_json = false;

std::string text_value(const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    bool plain = !s.empty() && s.find_first_of(" \"=\n") == std::string::npos;
    return plain ? s : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

void setup(bool json, std::string_view level) {
  g_json = json;
  spdlog::init_thread_pool(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  // Blocking when the queue is full keeps every line; the queue is large enough that the
  // request path does not notice in practice.
  auto logger = std::make_shared<spdlog::async_logger>("silta", sink, spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  if (json) {
    logger->set_pattern("%v");
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

void shutdown() { spdlog::shutdown(); }

void event(spdlog::level::level_enum level, std::string_view name, const nlohmann::json& fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (g_json) {
    nlohmann::json line = fields.is_object() ? fields : nlohmann::json::object();
    line["time"] = format_rfc3339(now_utc());
    line["level"] = std::string(spdlog::level::to_string_view(level).data());
    line["event"] = std::string(name);
    logger->log(level, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  std::string text(name);
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      text += " " + it.key() + "=" + text_value(it.value());
    }
  }
  logger->log(level, text);
}

}  // namespace silta::logging
