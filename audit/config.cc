#include "audit/config.h"

#include <tuple>

#include "audit/checkpoint.h"

namespace silta::audit {

namespace fs = std::filesystem;
using json_check::Need;

namespace {

fs::path resolve(const fs::path& base, const std::string& p) {
  fs::path path(p);
  return path.is_absolute() ? path : base / path;
}

Status write_new_file(FileSystem& files, const fs::path& path, std::string_view content,
                      unsigned mode) {
  auto file = files.create(path, mode);
  if (!file) return file.error();
  if (auto s = (*file)->append(as_bytes(content)); !s) return s;
  return (*file)->sync();
}

}  // namespace

AuditLogOptions AuditConfig::log_options() const {
  AuditLogOptions o;
  o.dir = dir;
  o.archive_dir = archive_dir;
  o.origin = origin;
  o.checkpoint_every_records = checkpoint_every_records;
  o.checkpoint_every = checkpoint_every;
  o.segment_bytes = segment_bytes;
  o.max_syncs_in_flight = syncs_in_flight;
  return o;
}

AuditConfig parse_audit_config(json_check::Object& o, const fs::path& base_dir) {
  AuditConfig c;
  if (auto d = o.string("dir", Need::kRequired)) c.dir = resolve(base_dir, *d);
  if (auto p = o.string("signing_key", Need::kRequired)) {
    c.signing_key = resolve(base_dir, *p);
    auto key = SigningKey::load(c.signing_key);
    if (!key) o.issues().add(o.path_of("signing_key"), key.error().message);
  }
  std::vector<std::string> key_ids;
  auto check_pseudonym_key = [&](const fs::path& path, const std::string& json_path) {
    auto key = PseudonymKey::load(path);
    if (!key) {
      o.issues().add(json_path, key.error().message);
      return;
    }
    for (const auto& id : key_ids) {
      if (id == key->key_id()) o.issues().add(json_path, "the same key id " + id + " twice");
    }
    key_ids.push_back(key->key_id());
  };
  if (auto p = o.string("pseudonym_key", Need::kRequired)) {
    c.pseudonym_key = resolve(base_dir, *p);
    check_pseudonym_key(c.pseudonym_key, o.path_of("pseudonym_key"));
  }
  if (auto list = o.strings("retired_pseudonym_keys")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      c.retired_pseudonym_keys.push_back(resolve(base_dir, (*list)[i]));
      check_pseudonym_key(c.retired_pseudonym_keys.back(),
                          json_check::child_pointer(o.path_of("retired_pseudonym_keys"), i));
    }
  }
  c.origin = o.string_or("origin", "");
  if (o.has("origin") && !valid_key_name(c.origin)) {
    o.issues().add(
        o.path_of("origin"),
        "expected a log origin: no spaces, control characters or '+', at most 256 bytes");
  }
  c.checkpoint_every_records =
      static_cast<std::uint64_t>(o.integer_or("checkpoint_every_records", 1000, 1, 10'000'000));
  c.checkpoint_every =
      std::chrono::milliseconds(o.integer_or("checkpoint_every_ms", 1000, 1, 3'600'000));
  c.segment_bytes =
      static_cast<std::uint64_t>(o.integer_or("segment_bytes", 64ll << 20, 4096, 16ll << 30));
  c.syncs_in_flight = static_cast<unsigned>(o.integer_or("syncs_in_flight", 4, 1, 64));
  if (auto d = o.string("archive_dir")) {
    c.archive_dir = resolve(base_dir, *d);
    if ((c.archive_dir / "").lexically_normal() == (c.dir / "").lexically_normal()) {
      o.issues().add(o.path_of("archive_dir"), "must be a directory other than audit.dir");
    }
  }
  // Up to 100 years: longer than any retention period the law sets (docs/operations.md).
  c.index_retention_days =
      static_cast<unsigned>(o.integer_or("index_retention_days", 0, 0, 36'500));
  o.no_other_keys();
  return c;
}

Result<PseudonymKeyring> load_pseudonym_keyring(const AuditConfig& config) {
  auto current = PseudonymKey::load(config.pseudonym_key);
  if (!current) return current.error();
  std::vector<PseudonymKey> retired;
  for (const auto& path : config.retired_pseudonym_keys) {
    auto key = PseudonymKey::load(path);
    if (!key) return key.error();
    retired.push_back(std::move(*key));
  }
  return PseudonymKeyring(std::move(*current), std::move(retired));
}

namespace {

// Writes new key files in `dir` (created 0700): all of them, or none when any exists already.
Status write_key_files(const fs::path& dir,
                       const std::vector<std::tuple<fs::path, std::string, unsigned>>& files) {
  FileSystem& files_system = posix_file_system();
  if (auto s = files_system.create_dir(dir); !s) return s;
  for (const auto& [path, content, mode] : files) {
    std::error_code ec;
    if (fs::exists(path, ec)) {
      return make_error(ErrorCode::kAlreadyExists,
                        path.string() + " exists; keys are never overwritten (move it away first)");
    }
  }
  for (const auto& [path, content, mode] : files) {
    if (auto s = write_new_file(files_system, path, content, mode); !s) return s;
  }
  return files_system.sync_dir(dir);
}

Status check_key_name(const std::string& name) {
  if (valid_key_name(name)) return {};
  return make_error(ErrorCode::kInvalidArgument,
                    "key name \"" + name + "\": no spaces, control characters or '+'");
}

}  // namespace

Result<GeneratedKeys> generate_key_files(const fs::path& dir, const std::string& name) {
  if (auto s = check_key_name(name); !s) return s.error();
  GeneratedKeys g{dir / "audit-signing.key", dir / "pseudonym.key", dir / "audit.vkey", "", ""};
  SigningKey signing = SigningKey::generate(name);
  PseudonymKey pseudonym = PseudonymKey::generate();
  g.vkey = signing.verifier().to_string();
  g.pseudonym_key_id = pseudonym.key_id();
  if (auto s = write_key_files(dir, {{g.signing_key, signing.to_secret_string(), 0600},
                                     {g.pseudonym_key, pseudonym.to_secret_string(), 0600},
                                     {g.verifier_key, g.vkey + "\n", 0644}});
      !s) {
    return s.error();
  }
  return g;
}

Result<GeneratedWitnessKey> generate_witness_key_files(const fs::path& dir,
                                                       const std::string& name) {
  if (auto s = check_key_name(name); !s) return s.error();
  GeneratedWitnessKey g{dir / "witness.key", dir / "witness.vkey", ""};
  SigningKey key = SigningKey::generate(name, KeyType::kCosignatureV1);
  g.vkey = key.verifier().to_string();
  if (auto s = write_key_files(dir, {{g.signing_key, key.to_secret_string(), 0600},
                                     {g.verifier_key, g.vkey + "\n", 0644}});
      !s) {
    return s.error();
  }
  return g;
}

}  // namespace silta::audit
