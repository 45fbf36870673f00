// Signed checkpoints in the C2SP formats, so that existing transparency-log tooling reads them:
// the tlog-checkpoint body (origin, tree size, base64 root), wrapped in a signed note whose
// Ed25519 signature line is "— <key name> <base64(4-byte key id || 64-byte signature)>".
// Keys use the note key formats: the verifier key "<name>+<hex key id>+<base64(type || public
// key)>" and the signing key "PRIVATE+KEY+<name>+<hex key id>+<base64(type || seed)>" (as Go's
// golang.org/x/mod/sumdb/note writes them).
//
// Two key types (C2SP signed-note): 0x01, Ed25519 over the note text (the log's checkpoints,
// consent receipts), and 0x04, C2SP tlog-cosignature `cosignature/v1` (witnesses): Ed25519 over
// "cosignature/v1\ntime <T>\n" and the checkpoint text, the signature being the 8-byte
// big-endian POSIX time T followed by the Ed25519 signature. The key id hashes the type byte in,
// so one key pair can never be taken for the other kind.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

enum class KeyType : std::uint8_t {
  kEd25519 = 0x01,        // a note signature: the log, consent receipts
  kCosignatureV1 = 0x04,  // a witness's timestamped cosignature (C2SP tlog-cosignature)
};

class VerifierKey {
 public:
  static Result<VerifierKey> parse(std::string_view vkey);
  // Reads a file holding the vkey line.
  static Result<VerifierKey> load(const std::filesystem::path& file);

  const std::string& name() const { return name_; }
  KeyType type() const { return type_; }
  std::uint32_t key_id() const { return key_id_; }
  const std::array<std::uint8_t, 32>& public_key() const { return public_key_; }
  std::string to_string() const;
  // "<name>+<hex key id>", as notes name the key.
  std::string label() const;

  // Checks a signed note: it must carry a valid signature by this key (other signatures are
  // ignored). Returns the signed text.
  Result<std::string> open_note(std::string_view note) const;
  // open_note, then parses the text as a checkpoint.
  Result<Checkpoint> open_checkpoint(std::string_view note) const;

  bool operator==(const VerifierKey&) const = default;

 private:
  friend class SigningKey;
  std::string name_;
  KeyType type_ = KeyType::kEd25519;
  std::uint32_t key_id_ = 0;
  std::array<std::uint8_t, 32> public_key_{};
};

// A signature of a note by a known key that verified.
struct NoteSignature {
  std::size_t key = 0;     // index into the keys given to verify_note
  std::uint64_t time = 0;  // cosignature/v1: when the witness cosigned (POSIX seconds)
  std::string line;        // "— <name> <base64>\n", as in the note
};

struct VerifiedNote {
  std::string text;                       // the signed text, with its final newline
  std::vector<NoteSignature> signatures;  // at most one per key, in the note's order
};

// C2SP signed-note verification against several trusted keys (a log's key and witnesses' keys):
// signature lines of unknown keys are ignored (a key is known by name *and* key id); a known
// key's signature must verify, or the whole note is refused; a key's repeated signatures after
// its first are ignored; at least one known key must have signed. A cosignature/v1 key signs only
// checkpoints, and its time must not be more than a day ahead of `now` when `now` is given.
Result<VerifiedNote> verify_note(std::string_view note, std::span<const VerifierKey> keys,
                                 std::optional<std::uint64_t> now = std::nullopt);

class SigningKey {
 public:
  static SigningKey generate(std::string name, KeyType type = KeyType::kEd25519);
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

  // text + "\n" + one signature line; text must end with a newline. Ed25519 note keys only.
  std::string sign_note(std::string_view text) const;
  SignedCheckpoint sign(const Checkpoint& checkpoint) const;
  // One signature line "— <name> <base64>\n" over `text`; a cosignature/v1 key signs a
  // checkpoint's text with `time` (POSIX seconds) in it, a note key ignores `time`.
  std::string signature_line(std::string_view text, std::uint64_t time = 0) const;

 private:
  SigningKey() = default;
  VerifierKey verifier_;
  std::array<std::uint8_t, 64> secret_{};  // libsodium's form: seed || public key
};

}  // namespace silta::audit
