// Signed checkpoints in the C2SP formats, so that existing transparency-log tooling reads them:
// the tlog-checkpoint body (origin, tree size, base64 root), wrapped in a signed note whose
// Ed25519 signature line is "— <key name> <base64(4-byte key id || 64-byte signature)>".
// Keys use the note key formats: the verifier key "<name>+<hex key id>+<base64(0x01 || public
// key)>" and the signing key "PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>" (as Go's
// golang.org/x/mod/sumdb/note writes them).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "audit/merkle.h"
#include "common/result.h"

namespace silta::audit {

struct Checkpoint {
  std::string origin;  // the log's identity, e.g. "silta.example/soite-gw-1"
  std::uint64_t size = 0;
  Hash root{};

  // "<origin>\n<size>\n<base64 root>\n": the text that is signed.
  std::string body() const;
  // Parses a checkpoint body; extension lines after the root are allowed and ignored.
  static Result<Checkpoint> parse_body(std::string_view body);

  bool operator==(const Checkpoint&) const = default;
};

struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string note;  // the body, a blank line and the signature line
};

// A valid key name (and log origin): non-empty UTF-8 without spaces, control characters or '+'.
bool valid_key_name(std::string_view name);

class VerifierKey {
 public:
  static Result<VerifierKey> parse(std::string_view vkey);
  // Reads a file holding the vkey line.
  static Result<VerifierKey> load(const std::filesystem::path& file);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  const std::array<std::uint8_t, 32>& public_key() const { return public_key_; }
  std::string to_string() const;

  // Checks a signed note: it must carry a valid signature by this key (other signatures are
  // ignored). Returns the signed text.
  Result<std::string> open_note(std::string_view note) const;
  // open_note, then parses the text as a checkpoint.
  Result<Checkpoint> open_checkpoint(std::string_view note) const;

 private:
  friend class SigningKey;
  std::string name_;
  std::uint32_t key_id_ = 0;
  std::array<std::uint8_t, 32> public_key_{};
};

class SigningKey {
 public:
  static SigningKey generate(std::string name);
  static Result<SigningKey> parse(std::string_view skey);
  // Reads a secret file (refused unless mode 0600) holding the skey line.
  static Result<SigningKey> load(const std::filesystem::path& file);
  ~SigningKey();
  SigningKey(const SigningKey&);
  SigningKey& operator=(const SigningKey&);

  const std::string& name() const { return verifier_.name(); }
  const VerifierKey& verifier() const { return verifier_; }
  // The secret skey line: goes to a 0600 file, nowhere else.
  std::string to_secret_string() const;

  // text + "\n" + one signature line; text must end with a newline.
  std::string sign_note(std::string_view text) const;
  SignedCheckpoint sign(const Checkpoint& checkpoint) const;

 private:
  SigningKey() = default;
  VerifierKey verifier_;
  std::array<std::uint8_t, 64> secret_{};  // libsodium's form: seed || public key
};

}  // namespace silta::audit
