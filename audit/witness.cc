#include "audit/witness.h"

#include <charconv>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/codec.h"

namespace silta::audit {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStateFile = "witness-state.json";
constexpr const char* kLockFile = "LOCK";

std::optional<std::uint64_t> parse_size(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<Hash> parse_hash(std::string_view b64) {
  auto bytes = from_base64(b64);
  if (!bytes || bytes->size() != 32 || to_base64(*bytes) != b64) return std::nullopt;
  Hash h;
  std::memcpy(h.data(), bytes->data(), 32);
  return h;
}

WitnessAnswer answer(unsigned status, std::string message) {
  return {status, "text/plain; charset=utf-8", std::move(message) + "\n"};
}

WitnessAnswer conflict(std::uint64_t known) {
  return {409, "text/x.tlog.size", std::to_string(known) + "\n"};
}

std::uint64_t system_seconds() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

std::string format_add_checkpoint(const AddCheckpointRequest& request) {
  std::string body = "old " + std::to_string(request.old_size) + "\n";
  for (const auto& h : request.proof) body += to_base64(h) + "\n";
  body += "\n";
  body += request.note;
  return body;
}

Result<AddCheckpointRequest> parse_add_checkpoint(std::string_view body) {
  auto bad = [](const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, "add-checkpoint: " + what);
  };
  if (body.size() > kMaxAddCheckpointBytes) return bad("the request is too large");
  std::size_t split = body.find("\n\n");
  if (split == std::string_view::npos) return bad("no empty line before the checkpoint");
  std::string_view head = body.substr(0, split + 1);
  AddCheckpointRequest r;
  r.note = std::string(body.substr(split + 2));
  if (r.note.empty()) return bad("no checkpoint");
  bool first = true;
  for (std::size_t start = 0; start < head.size();) {
    std::size_t nl = head.find('\n', start);
    std::string_view line = head.substr(start, nl - start);
    start = nl + 1;
    if (first) {
      first = false;
      if (line.substr(0, 4) != "old ") return bad("the first line is not \"old <size>\"");
      auto size = parse_size(line.substr(4));
      if (!size) return bad("the old size is not a decimal number without leading zeros");
      r.old_size = *size;
      continue;
    }
    if (r.proof.size() == kMaxProofLines) {
      return bad("more than " + std::to_string(kMaxProofLines) + " consistency proof lines");
    }
    auto hash = parse_hash(line);
    if (!hash) return bad("a consistency proof line is not the base64 of 32 bytes");
    r.proof.push_back(*hash);
  }
  return r;
}

Witness::Witness(WitnessOptions options, SigningKey key)
    : options_(std::move(options)),
      key_(std::move(key)),
      fs_(options_.file_system ? *options_.file_system : posix_file_system()) {
  if (!options_.clock) options_.clock = system_seconds;
}

Result<std::unique_ptr<Witness>> Witness::open(WitnessOptions options, SigningKey key) {
  if (key.verifier().type() != KeyType::kCosignatureV1) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a witness signs with a cosignature/v1 key (type 0x04; `silta keygen "
                      "--witness` writes one), not with " +
                          key.verifier().label());
  }
  for (const auto& log : options.logs) {
    if (!valid_key_name(log.origin) || log.keys.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "witnessed log \"" + log.origin + "\": needs a valid origin and a key");
    }
    for (const auto& k : log.keys) {
      if (k.type() != KeyType::kEd25519) {
        return make_error(ErrorCode::kInvalidArgument, "witnessed log \"" + log.origin +
                                                           "\": " + k.label() +
                                                           " is not a log's note key (type 0x01)");
      }
    }
  }
  std::unique_ptr<Witness> w(new Witness(std::move(options), std::move(key)));
  if (auto s = w->fs_.create_dir(w->options_.state_dir); !s) return s.error();
  auto lock = w->fs_.lock(w->options_.state_dir / kLockFile);
  if (!lock) return lock.error();
  w->lock_ = std::move(*lock);
  if (auto s = w->load(); !s) return s.error();
  return w;
}

Status Witness::load() {
  fs::path path = options_.state_dir / kStateFile;
  auto file = fs_.open_read(path);
  if (!file) {
    if (file.error().code == ErrorCode::kNotFound) return {};  // a new witness
    return file.error();
  }
  auto size = (*file)->size();
  if (!size) return size.error();
  std::string text(static_cast<std::size_t>(*size), '\0');
  auto n =
      (*file)->read_at(0, std::span(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
  if (!n) return n.error();
  auto damaged = [&](const std::string& what) {
    return make_error(ErrorCode::kDataLoss, "the witness state " + path.string() + " is damaged (" +
                                                what +
                                                "); restore it from a backup: a witness that "
                                                "forgets what it cosigned can be rolled back");
  };
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("version", 0) != 1 ||
      !doc.contains("logs") || !doc["logs"].is_array()) {
    return damaged("not a version 1 state file");
  }
  for (const auto& entry : doc["logs"]) {
    if (!entry.is_object() || !entry.contains("origin") || !entry["origin"].is_string() ||
        !entry.contains("size") || !entry["size"].is_number_unsigned() || !entry.contains("root") ||
        !entry["root"].is_string()) {
      return damaged("a log entry without origin, size or root");
    }
    auto root = parse_hash(entry["root"].get<std::string>());
    if (!root) return damaged("a root that is not the base64 of 32 bytes");
    heads_[entry["origin"].get<std::string>()] = WitnessedHead{
        entry["size"].get<std::uint64_t>(), *root, entry.value("cosigned_at", std::uint64_t{0})};
  }
  return {};
}

Status Witness::save(const std::map<std::string, WitnessedHead>& heads) {
  nlohmann::json logs = nlohmann::json::array();
  for (const auto& [origin, head] : heads) {
    logs.push_back({{"origin", origin},
                    {"size", head.size},
                    {"root", to_base64(head.root)},
                    {"cosigned_at", head.cosigned_at}});
  }
  std::string text = nlohmann::json{{"version", 1}, {"logs", logs}}.dump(1) + "\n";
  // A new file, made durable, then renamed over the old one: a crash leaves the old state or the
  // new one, never half of one.
  fs::path path = options_.state_dir / kStateFile;
  fs::path tmp = options_.state_dir / (std::string(kStateFile) + ".tmp");
  if (auto s = fs_.remove(tmp); !s && s.error().code != ErrorCode::kNotFound) return s;
  auto file = fs_.create(tmp, 0600);
  if (!file) return file.error();
  if (auto s = (*file)->append(as_bytes(text)); !s) return s;
  if (auto s = (*file)->sync(); !s) return s;
  file->reset();
  if (auto s = fs_.rename(tmp, path); !s) return s;
  return fs_.sync_dir(options_.state_dir);
}

WitnessAnswer Witness::add_checkpoint(std::string_view body) {
  auto request = parse_add_checkpoint(body);
  if (!request) return answer(400, request.error().message);
  std::string_view note = request->note;
  std::string origin(note.substr(0, note.find('\n')));
  const WitnessedLog* log = nullptr;
  for (const auto& l : options_.logs) {
    if (l.origin == origin) log = &l;
  }
  if (log == nullptr) return answer(404, "unknown log origin \"" + origin + "\"");
  auto verified = verify_note(note, log->keys);
  if (!verified) return answer(403, verified.error().message);
  auto checkpoint = Checkpoint::parse_body(verified->text);
  if (!checkpoint) return answer(400, checkpoint.error().message);
  if (request->old_size > checkpoint->size) {
    return answer(400, "the old size " + std::to_string(request->old_size) +
                           " is above the checkpoint's " + std::to_string(checkpoint->size));
  }
  std::lock_guard lock(mu_);
  auto known = heads_.count(origin) ? heads_.at(origin) : WitnessedHead{};
  if (request->old_size != known.size) return conflict(known.size);
  if (request->old_size == checkpoint->size) {
    // The same tree again (a fresh cosignature): the root must be the one cosigned.
    if (checkpoint->root != known.root) return conflict(known.size);
  } else if (request->old_size == 0) {
    if (!request->proof.empty()) {
      return answer(422, "a consistency proof from size 0 must be empty");
    }
  } else if (!verify_consistency(request->old_size, checkpoint->size, request->proof, known.root,
                                 checkpoint->root)) {
    return answer(422, "the consistency proof from size " + std::to_string(request->old_size) +
                           " to " + std::to_string(checkpoint->size) + " does not verify");
  }
  const std::uint64_t now = options_.clock();
  auto heads = heads_;
  heads[origin] = WitnessedHead{checkpoint->size, checkpoint->root, now};
  if (auto s = save(heads); !s) {
    return answer(500, "the witness could not keep its state: " + s.error().message);
  }
  heads_ = std::move(heads);
  return {200, "text/plain; charset=utf-8", key_.signature_line(verified->text, now)};
}

std::map<std::string, WitnessedHead> Witness::heads() const {
  std::lock_guard lock(mu_);
  auto out = heads_;
  for (const auto& l : options_.logs) out.try_emplace(l.origin);
  return out;
}

}  // namespace silta::audit
