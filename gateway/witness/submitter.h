// The gateway's side of witnessing (C2SP tlog-witness): every new checkpoint of the audit log goes
// to each witness in the config with a consistency proof from the size that witness last
// cosigned; the cosignatures that come back are kept and served with the checkpoint
// (GET /v1/audit/checkpoint). A witness that refuses (it has seen another history of this log,
// does not know it, or does not trust its key) raises an alarm: an error log line and
// silta_witness_alarm{witness} = 1. The gateway keeps serving either way: witnessing shows
// the log's honesty to others; it never stops the log.
//
// Runs on one I/O context, off the audit writer thread: the log only tells it that a checkpoint
// is durable (AuditLogOptions::on_checkpoint).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "audit/log.h"
#include "gateway/config.h"
#include "gateway/metrics.h"

namespace silta::gateway::witness {

// A checkpoint with the cosignatures collected for it.
struct CosignedCheckpoint {
  audit::SignedCheckpoint checkpoint;
  std::string note;  // the log's note, then one cosignature line per witness that cosigned it
  std::size_t cosignatures = 0;
};

class Submitter {
 public:
  Submitter(const WitnessesConfig& config, audit::AuditLog& log,
            boost::asio::any_io_executor executor, Metrics& metrics);
  ~Submitter();
  Submitter(const Submitter&) = delete;
  Submitter& operator=(const Submitter&) = delete;

  // Starts one submission loop per witness; each submits the latest checkpoint at once.
  void start();
  // Thread-safe: the loops end at their next step.
  void stop();
  // Thread-safe and cheap (the audit log's sync thread calls it): a new checkpoint is durable.
  void checkpoint_signed();

  // The newest checkpoint cosigned by at least the quorum, or else the newest checkpoint with the
  // cosignatures it has so far.
  CosignedCheckpoint served() const;
  std::size_t quorum() const { return config_.quorum; }
  // Per witness: what it last cosigned and when, its last error, whether it refused.
  nlohmann::json status() const;

 private:
  struct Witness;
  enum class Outcome { kCosigned, kConflict, kFailed, kRefused };

  boost::asio::awaitable<void> loop(Witness& w);
  boost::asio::awaitable<Outcome> submit(Witness& w, const audit::SignedCheckpoint& cp);
  void cosigned(Witness& w, const audit::SignedCheckpoint& cp, const audit::NoteSignature& sig);
  Outcome refused(Witness& w, unsigned status, const std::string& why);
  Outcome failed(Witness& w, const std::string& why);

  const WitnessesConfig& config_;
  audit::AuditLog& log_;
  boost::asio::any_io_executor executor_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<Witness>> witnesses_;
  std::atomic<bool> stopping_{false};

  // Recent checkpoints by size, with the cosignature lines they got (by witness index).
  struct Collected {
    audit::SignedCheckpoint checkpoint;
    std::map<std::size_t, std::string> lines;
  };
  mutable std::mutex mu_;  // collected_ and every Witness's status fields
  std::map<std::uint64_t, Collected> collected_;
};

}  // namespace silta::gateway::witness
