#include "gateway/logging.h"

#include <unistd.h>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <mutex>

#include "common/time.h"

namespace silta::logging {

namespace {

bool g_json = false;

// Lines are collected in memory and written to stderr when 64 KiB have gathered, every second,
// and at once for warnings and errors: one write(2) for many access-log lines instead of one
// per request (as nginx's `access_log ... buffer=`), and no thread hand-off per line.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ~BufferedStderrSink() override { flush_(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= 64 * 1024) flush_();
  }
  void flush_() override {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(STDERR_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (n <= 0) break;  // nowhere to write; logging must not stop the gateway
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

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
  auto logger = std::make_shared<spdlog::logger>("silta", std::make_shared<BufferedStderrSink>());
  if (json) {
    logger->set_pattern("%v");
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown() {
  spdlog::default_logger_raw()->flush();
  spdlog::shutdown();
}

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

void access(const AccessLine& a) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(spdlog::level::info)) return;
  // Every field is a token (registry ids, route patterns, methods, numbers): nothing to escape.
  if (g_json) {
    logger->info(
        R"({{"time":"{}","level":"info","event":"access","agency":"{}","method":"{}","route":"{}","status":{},"ms":{:.3f},"request_id":"{}"}})",
        format_rfc3339(now_utc()), a.agency, a.method, a.route, a.status, a.ms, a.request_id);
  } else {
    logger->info("access agency={} method={} route={} status={} ms={:.3f} request_id={}", a.agency,
                 a.method, a.route, a.status, a.ms, a.request_id);
  }
}

}  // namespace silta::logging
