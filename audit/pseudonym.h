// Subject pseudonyms: keyed BLAKE2b-256 (libsodium crypto_generichash) of the normalised identity
// code, as lower-case hex. The log and the store keep only these; a privacy officer searches by
// identity code through the gateway, which computes the pseudonym.
//
// Keys rotate: each key has a key id (8 hex, derived from the key) that is recorded next to every
// pseudonym (AuditEvent::subject_key). Retired keys stay in the keyring so that a search covers
// all 12 years of retained logs (docs/law.md §9.3): search for the pseudonym under every key.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace silta::audit {

struct Pseudonym {
  std::string key_id;  // 8 hex: which key made it
  std::string value;   // 64 hex
  bool operator==(const Pseudonym&) const = default;
};

class PseudonymKey {
 public:
  static PseudonymKey generate();
  // "PSEUDONYM+KEY+<key id>+<base64 of 32 bytes>", one line.
  static Result<PseudonymKey> parse(std::string_view text);
  // Reads a secret file (refused unless mode 0600).
  static Result<PseudonymKey> load(const std::filesystem::path& file);
  ~PseudonymKey();
  PseudonymKey(const PseudonymKey&);
  PseudonymKey& operator=(const PseudonymKey&);

  const std::string& key_id() const { return key_id_; }
  std::string to_secret_string() const;
  // The caller normalises the identity code first (upper case, separator kept: policy/).
  Pseudonym pseudonymise(std::string_view normalised_code) const;

 private:
  PseudonymKey() = default;
  void derive_id();
  std::array<std::uint8_t, 32> key_{};
  std::string key_id_;
};

// The current key (used for new records) and the retired ones (searched).
class PseudonymKeyring {
 public:
  PseudonymKeyring(PseudonymKey current, std::vector<PseudonymKey> retired = {});
  Pseudonym pseudonymise(std::string_view normalised_code) const {
    return current_.pseudonymise(normalised_code);
  }
  // The code's pseudonym under every key, current first: what a search must look for.
  std::vector<Pseudonym> all_pseudonyms(std::string_view normalised_code) const;
  const PseudonymKey& current() const { return current_; }

 private:
  PseudonymKey current_;
  std::vector<PseudonymKey> retired_;
};

}  // namespace silta::audit
