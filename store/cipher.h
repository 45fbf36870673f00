// Encryption at rest of the fields that identify a person beyond the pseudonym: identity
// codes, referral payloads, stored responses. XChaCha20-Poly1305 (libsodium) with a random
// nonce per value and the row it belongs to as associated data, so a sealed value copied into
// another row does not open.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "common/codec.h"
#include "common/result.h"

namespace silta::store {

class FieldCipher {
 public:
  // Reads the key file (64 hex digits, mode 0600). With create_if_missing, a missing file is
  // made with a fresh random key first.
  static Result<FieldCipher> load(const std::filesystem::path& key_file, bool create_if_missing);
  // Writes a fresh key; refuses to overwrite an existing file.
  static Status generate_key_file(const std::filesystem::path& key_file);

  // version byte (1) || 24-byte nonce || ciphertext || 16-byte tag
  Bytes seal(std::string_view plaintext, std::string_view context) const;
  // kDataLoss when the value was damaged, sealed under another key or for another context.
  Result<std::string> open(std::span<const std::uint8_t> sealed, std::string_view context) const;

  FieldCipher(const FieldCipher&) = default;
  FieldCipher& operator=(const FieldCipher&) = default;
  ~FieldCipher();

 private:
  FieldCipher() = default;
  std::array<std::uint8_t, 32> key_{};
};

}  // namespace silta::store
