#include "gateway/witness/submitter.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <stdexcept>

#include "adapters/https_client.h"
#include "audit/witness.h"
#include "common/codec.h"
#include "gateway/logging.h"
#include "gateway/referral_worker.h"

namespace silta::gateway::witness {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kKeptCheckpoints = 16;  // recent checkpoints whose cosignatures are kept
constexpr int kConflictsInARow = 3;           // 409s answered at once before backing off

std::uint64_t posix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now_utc().time_since_epoch()).count());
}

SysTime from_posix(std::uint64_t seconds) { return SysTime(std::chrono::seconds(seconds)); }

nlohmann::json time_or_null(const std::optional<SysTime>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

struct Submitter::Witness {
  Witness(std::size_t i, const WitnessEndpoint& e, asio::any_io_executor executor,
          std::shared_ptr<asio::ssl::context> tls, adapters::HttpsUrl base)
      : index(i),
        endpoint(e),
        url(base),
        client(executor, std::move(tls), std::move(base),
               adapters::HttpsClient::Options{Millis(2'000), 2, Millis(30'000), 64 * 1024, true}),
        wake(executor) {}

  const std::size_t index;
  const WitnessEndpoint& endpoint;
  const adapters::HttpsUrl url;
  adapters::HttpsClient client;
  asio::steady_timer wake;  // waits for the next checkpoint, or out a backoff
  // On the executor only.
  bool idle = false;
  std::uint64_t known_size = 0;  // the size this witness last cosigned, as far as we know
  int failures = 0;              // in a row
  // Under Submitter::mu_: what the console shows.
  std::optional<std::uint64_t> cosigned_size;
  audit::Hash cosigned_root{};
  std::optional<SysTime> cosigned_at;
  std::string last_error;
  std::optional<SysTime> last_error_at;
  bool alarm = false;  // its last answer was a refusal
};

Submitter::Submitter(const WitnessesConfig& config, audit::AuditLog& log,
                     asio::any_io_executor executor, Metrics& metrics)
    : config_(config), log_(log), executor_(std::move(executor)), metrics_(metrics) {
  metrics_.describe("silta_witness_cosigned_size", "gauge",
                    "The audit log's tree size the witness last cosigned.");
  metrics_.describe("silta_witness_cosigned_timestamp_seconds", "gauge",
                    "When the witness last cosigned (its cosignature's time).");
  metrics_.describe("silta_witness_alarm", "gauge",
                    "1 while the witness refuses this log's checkpoints (it saw another history, "
                    "does not know the log or its key): look at it.");
  metrics_.describe("silta_witness_refusals_total", "counter",
                    "Checkpoints the witness refused, by HTTP status.");
  metrics_.describe("silta_witness_failures_total", "counter",
                    "Submissions that got no answer (unreachable, timeout, 5xx).");
  for (std::size_t i = 0; i < config_.list.size(); ++i) {
    const WitnessEndpoint& e = config_.list[i];
    auto tls = adapters::make_client_tls_context(e.ca, {}, {});
    if (!tls) {
      throw std::runtime_error("witness " + e.key.name() + ": " + tls.error().message);
    }
    auto url = adapters::parse_https_url(e.url, false);
    if (!url) throw std::runtime_error("witness " + e.key.name() + ": bad url " + e.url);
    witnesses_.push_back(std::make_unique<Witness>(i, e, executor_, std::move(*tls), *url));
    metrics_.set("silta_witness_alarm", {{"witness", e.key.name()}}, 0);
    metrics_.add("silta_witness_failures_total", {{"witness", e.key.name()}}, 0);
  }
}

Submitter::~Submitter() = default;

void Submitter::start() {
  for (auto& w : witnesses_) {
    asio::co_spawn(executor_, loop(*w), [name = w->endpoint.key.name()](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        logging::error("witness_loop_failed", {{"witness", name}, {"error", x.what()}});
      }
    });
  }
}

void Submitter::stop() {
  stopping_ = true;
  asio::post(executor_, [this] {
    for (auto& w : witnesses_) w->wake.cancel();
  });
}

void Submitter::checkpoint_signed() {
  asio::post(executor_, [this] {
    for (auto& w : witnesses_) {
      if (w->idle) w->wake.cancel();  // a witness backing off keeps backing off
    }
  });
}

asio::awaitable<void> Submitter::loop(Witness& w) {
  int conflicts = 0;
  while (!stopping_) {
    auto cp = log_.latest_checkpoint();
    bool done;
    {
      std::lock_guard lock(mu_);
      done = w.cosigned_size == cp.checkpoint.size && w.cosigned_root == cp.checkpoint.root;
    }
    if (done) {
      w.idle = true;
      w.wake.expires_at(asio::steady_timer::time_point::max());
      co_await w.wake.async_wait(kTuple);
      w.idle = false;
      continue;
    }
    Outcome outcome = co_await submit(w, cp);
    if (outcome == Outcome::kCosigned) {
      w.failures = 0;
      conflicts = 0;
      continue;
    }
    // A 409 tells the witness's size: send the proof from there at once, a few times.
    if (outcome == Outcome::kConflict && ++conflicts < kConflictsInARow) continue;
    conflicts = 0;
    ++w.failures;
    w.wake.expires_after(
        ReferralWorker::backoff(w.failures, config_.retry_initial, config_.retry_max));
    co_await w.wake.async_wait(kTuple);
  }
}

asio::awaitable<Submitter::Outcome> Submitter::submit(Witness& w,
                                                      const audit::SignedCheckpoint& cp) {
  const audit::Checkpoint& c = cp.checkpoint;
  const std::uint64_t old = w.known_size;
  if (old > c.size) {
    co_return refused(w, 409,
                      "the witness has cosigned " + std::to_string(old) +
                          " records of this log, more than the " + std::to_string(c.size) +
                          " it has now: was the log rolled back?");
  }
  audit::AddCheckpointRequest request{old, {}, cp.note};
  if (old > 0 && old < c.size) {
    auto proof = log_.prove_consistency(old, c.size);
    if (!proof) co_return failed(w, "no consistency proof: " + proof.error().message);
    request.proof = std::move(proof->path);
  }
  adapters::HttpCall call;
  call.method = http::verb::post;
  call.target = w.url.path + "/add-checkpoint";
  call.body = audit::format_add_checkpoint(request);
  call.content_type = "text/plain; charset=utf-8";
  call.accept = "text/plain, text/x.tlog.size";
  auto reply = co_await w.client.send(call, adapters::Clock::now() + config_.timeout);
  if (!reply) co_return failed(w, reply.error().message);
  const std::string& body = reply->body;
  switch (reply->status) {
    case 200: {
      auto verified =
          audit::verify_note(cp.note + body, std::span(&w.endpoint.key, 1), posix_now());
      if (!verified) {
        co_return refused(w, 200,
                          "the answer is not a valid cosignature: " + verified.error().message);
      }
      w.known_size = c.size;
      cosigned(w, cp, verified->signatures.front());
      co_return Outcome::kCosigned;
    }
    case 409: {
      std::uint64_t known = 0;
      std::string_view text(body);
      if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), known);
      if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
        co_return refused(w, 409, "409 without the witness's tree size");
      }
      w.known_size = known;
      if (known > c.size) {
        co_return refused(w, 409,
                          "the witness has cosigned " + std::to_string(known) +
                              " records of this log, more than the " + std::to_string(c.size) +
                              " it has now: was the log rolled back?");
      }
      if (known == old) {
        co_return refused(w, 409,
                          "the witness has cosigned another tree of " + std::to_string(known) +
                              " records for this log: a fork");
      }
      co_return Outcome::kConflict;
    }
    case 403:
      co_return refused(w, 403,
                        "the witness does not trust this log's key (is " +
                            log_.verifier().to_string() + " in its config?)");
    case 404:
      co_return refused(w, 404, "the witness does not know the origin " + c.origin);
    case 422:
      co_return refused(w, 422,
                        "the witness refuses the consistency proof from " + std::to_string(old) +
                            " to " + std::to_string(c.size) +
                            " records: it has cosigned another history of this log (a fork or "
                            "a rollback)");
    case 400:
      co_return refused(w, 400, "the witness calls the request malformed");
    default:
      co_return failed(w, "HTTP " + std::to_string(reply->status));
  }
}

void Submitter::cosigned(Witness& w, const audit::SignedCheckpoint& cp,
                         const audit::NoteSignature& sig) {
  const std::string& name = w.endpoint.key.name();
  bool recovered;
  {
    std::lock_guard lock(mu_);
    auto& entry = collected_[cp.checkpoint.size];
    if (entry.checkpoint.checkpoint != cp.checkpoint) entry = Collected{cp, {}};
    entry.lines[w.index] = sig.line;
    while (collected_.size() > kKeptCheckpoints) collected_.erase(collected_.begin());
    w.cosigned_size = cp.checkpoint.size;
    w.cosigned_root = cp.checkpoint.root;
    w.cosigned_at = from_posix(sig.time);
    recovered = !w.last_error.empty();
    w.last_error.clear();
    w.last_error_at.reset();
    w.alarm = false;
  }
  metrics_.set("silta_witness_cosigned_size", {{"witness", name}},
               static_cast<double>(cp.checkpoint.size));
  metrics_.set("silta_witness_cosigned_timestamp_seconds", {{"witness", name}},
               static_cast<double>(sig.time));
  metrics_.set("silta_witness_alarm", {{"witness", name}}, 0);
  if (recovered) {
    logging::info("witness_cosigned", {{"witness", name}, {"size", cp.checkpoint.size}});
  }
}

Submitter::Outcome Submitter::refused(Witness& w, unsigned status, const std::string& why) {
  const std::string& name = w.endpoint.key.name();
  {
    std::lock_guard lock(mu_);
    w.last_error = why;
    w.last_error_at = now_utc();
    w.alarm = true;
  }
  logging::error("witness_refused", {{"witness", name}, {"status", status}, {"detail", why}});
  metrics_.add("silta_witness_refusals_total",
               {{"witness", name}, {"status", std::to_string(status)}});
  metrics_.set("silta_witness_alarm", {{"witness", name}}, 1);
  return Outcome::kRefused;
}

Submitter::Outcome Submitter::failed(Witness& w, const std::string& why) {
  const std::string& name = w.endpoint.key.name();
  {
    std::lock_guard lock(mu_);
    w.last_error = why;
    w.last_error_at = now_utc();
  }
  logging::warn("witness_unavailable",
                {{"witness", name}, {"error", why}, {"failures_in_a_row", w.failures + 1}});
  metrics_.add("silta_witness_failures_total", {{"witness", name}});
  return Outcome::kFailed;
}

CosignedCheckpoint Submitter::served() const {
  auto latest = log_.latest_checkpoint();
  std::lock_guard lock(mu_);
  const Collected* best = nullptr;
  if (config_.quorum > 0) {
    for (auto it = collected_.rbegin(); it != collected_.rend() && !best; ++it) {
      if (it->second.lines.size() >= config_.quorum) best = &it->second;
    }
  }
  if (best == nullptr) {
    auto it = collected_.find(latest.checkpoint.size);
    if (it != collected_.end() && it->second.checkpoint.checkpoint == latest.checkpoint) {
      best = &it->second;
    }
  }
  if (best == nullptr) return {latest, latest.note, 0};
  CosignedCheckpoint out{best->checkpoint, best->checkpoint.note, best->lines.size()};
  for (const auto& [index, line] : best->lines) out.note += line;
  return out;
}

nlohmann::json Submitter::status() const {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard lock(mu_);
  for (const auto& w : witnesses_) {
    const char* state = w->alarm                 ? "refusing"
                        : !w->last_error.empty() ? "unavailable"
                        : w->cosigned_size       ? "ok"
                                                 : "pending";
    out.push_back({{"name", w->endpoint.key.name()},
                   {"key", w->endpoint.key.to_string()},
                   {"url", w->endpoint.url},
                   {"state", state},
                   {"cosigned_size",
                    w->cosigned_size ? nlohmann::json(*w->cosigned_size) : nlohmann::json(nullptr)},
                   {"cosigned_at", time_or_null(w->cosigned_at)},
                   {"last_error", w->last_error.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(w->last_error)},
                   {"last_error_at", time_or_null(w->last_error_at)}});
  }
  return out;
}

}  // namespace silta::gateway::witness
