// The audit section of the gateway configuration, and the key files it names.
//
//   "audit": {
//     "dir": "audit",                           the log directory (created 0700)
//     "signing_key": "keys/audit-signing.key",  Ed25519 note signing key, mode 0600
//     "pseudonym_key": "keys/pseudonym.key",    current pseudonym key, mode 0600
//     "retired_pseudonym_keys": [],             older pseudonym keys, still searched
//     "origin": "silta.example/gw-1",           default: the signing key's name
//     "checkpoint_every_records": 1000,
//     "checkpoint_every_ms": 1000,
//     "segment_bytes": 67108864,
//     "syncs_in_flight": 4,
//     "archive_dir": "audit-archive",           sealed segments `silta audit archive` moved
//     "index_retention_days": 0                 the store's index keeps this long; 0: forever
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/log.h"
#include "audit/pseudonym.h"
#include "common/json_check.h"
#include "common/result.h"

namespace silta::audit {

struct AuditConfig {
  std::filesystem::path dir;
  std::filesystem::path signing_key;
  std::filesystem::path pseudonym_key;
  std::vector<std::filesystem::path> retired_pseudonym_keys;
  std::string origin;
  std::uint64_t checkpoint_every_records = 1000;
  std::chrono::milliseconds checkpoint_every{1000};
  std::uint64_t segment_bytes = 64ull << 20;
  unsigned syncs_in_flight = 4;
  std::filesystem::path archive_dir;  // empty: no archive
  // Index rows older than this many days are dropped from the store (the records stay in the log
  // and its archive: `silta audit search`); 0 keeps them forever.
  unsigned index_retention_days = 0;

  // Options for AuditLog::open (the caller adds on_failure).
  AuditLogOptions log_options() const;
};

// Reads the "audit" object; relative paths are resolved against base_dir. Every problem is added
// to o.issues() with its JSON path, including key files that are missing, unreadable, readable
// by group or others, or malformed.
AuditConfig parse_audit_config(json_check::Object& o, const std::filesystem::path& base_dir);

// The pseudonym keys named by the config.
Result<PseudonymKeyring> load_pseudonym_keyring(const AuditConfig& config);

struct GeneratedKeys {
  std::filesystem::path signing_key;    // <dir>/audit-signing.key, 0600
  std::filesystem::path pseudonym_key;  // <dir>/pseudonym.key, 0600
  std::filesystem::path verifier_key;   // <dir>/audit.vkey, 0644: publish this
  std::string vkey;                     // its content
  std::string pseudonym_key_id;
};

// `silta keygen`: new keys in `dir` (created 0700). Refuses (kAlreadyExists) if any of the three
// files exists; never overwrites a key.
Result<GeneratedKeys> generate_key_files(const std::filesystem::path& dir, const std::string& name);

struct GeneratedWitnessKey {
  std::filesystem::path signing_key;   // <dir>/witness.key, 0600: the witness's cosigning key
  std::filesystem::path verifier_key;  // <dir>/witness.vkey, 0644: give it to the verifiers
  std::string vkey;                    // its content
};

// `silta keygen --witness`: a witness's cosignature/v1 key (type 0x04) in `dir`, named `name`
// (the witness's name in its cosignature lines). Never overwrites.
Result<GeneratedWitnessKey> generate_witness_key_files(const std::filesystem::path& dir,
                                                       const std::string& name);

}  // namespace silta::audit
