// A witness (C2SP tlog-witness): it cosigns a log's checkpoint (C2SP tlog-cosignature,
// cosignature/v1) only when the log proves the checkpoint consistent with the latest one the
// witness cosigned for that log, and it keeps that latest checkpoint durably before it answers.
// A log that rolls back, truncates or forks its history cannot get a cosignature for it, so a
// verifier that requires cosignatures from witnesses run by other organisations sees the same
// log as everyone else.
//
// This is the decision and the state, without HTTP: the server is gateway/witness/server.cc,
// the gateway's client gateway/witness/submitter.cc. The request and answer bodies are exactly
// the tlog-witness add-checkpoint ones.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/file_system.h"
#include "audit/merkle.h"
#include "common/result.h"
#include "common/time.h"

namespace silta::audit {

// The body of POST <prefix>/add-checkpoint: "old <size>\n", consistency proof lines (base64
// hashes, at most 63), an empty line, the signed checkpoint note.
struct AddCheckpointRequest {
  std::uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string note;
};
inline constexpr std::size_t kMaxProofLines = 63;
// The most a request body may hold: a checkpoint with a few hundred signature lines.
inline constexpr std::size_t kMaxAddCheckpointBytes = 64 * 1024;

std::string format_add_checkpoint(const AddCheckpointRequest& request);
Result<AddCheckpointRequest> parse_add_checkpoint(std::string_view body);

// The witness's answer, as the HTTP server sends it.
struct WitnessAnswer {
  unsigned status = 200;  // 200, or 400, 403, 404, 409, 422 (500: the state could not be kept)
  std::string content_type = "text/plain; charset=utf-8";
  // 200: the cosignature line(s); 409: the size the witness last cosigned, "<size>\n"
  // (text/x.tlog.size); otherwise what was wrong, in one line.
  std::string body;
};

// A log the witness watches: its origin and the keys its checkpoints may be signed with.
struct WitnessedLog {
  std::string origin;
  std::vector<VerifierKey> keys;  // note keys (type 0x01)
};

// What the witness last cosigned for one log.
struct WitnessedHead {
  std::uint64_t size = 0;
  Hash root = empty_root();
  std::uint64_t cosigned_at = 0;  // POSIX seconds; 0: never cosigned
};

struct WitnessOptions {
  std::filesystem::path state_dir;  // created 0700; holds the state file and its lock
  std::vector<WitnessedLog> logs;
  FileSystem* file_system = nullptr;     // null: posix_file_system()
  std::function<std::uint64_t()> clock;  // POSIX seconds; null: the system clock
};

class Witness {
 public:
  // `key` must be a cosignature/v1 key (KeyType::kCosignatureV1). Reads the state file; a
  // second witness on the same state directory is refused (a lock).
  static Result<std::unique_ptr<Witness>> open(WitnessOptions options, SigningKey key);

  // One add-checkpoint request, decided as C2SP tlog-witness says: 400 malformed (or an old size
  // above the checkpoint's), 404 unknown origin, 403 no trusted signature, 409 an old size that
  // is not the one last cosigned (the body says which) or the same size with another root, 422
  // a consistency proof that does not verify, 200 the cosignature line. The check of the old
  // size and the durable update of the state are one step (no two requests interleave), and the
  // state is durable before the cosignature is returned. Thread-safe.
  WitnessAnswer add_checkpoint(std::string_view body);

  const VerifierKey& verifier() const { return key_.verifier(); }
  // The latest cosigned head of every watched log (origin order); a log never cosigned has size 0.
  std::map<std::string, WitnessedHead> heads() const;

 private:
  Witness(WitnessOptions options, SigningKey key);
  Status load();
  Status save(const std::map<std::string, WitnessedHead>& heads);

  WitnessOptions options_;
  SigningKey key_;
  FileSystem& fs_;
  std::unique_ptr<DirectoryLock> lock_;
  mutable std::mutex mu_;
  std::map<std::string, WitnessedHead> heads_;  // by origin
};

}  // namespace silta::audit
