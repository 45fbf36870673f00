#include "audit/checkpoint.h"

#include <sodium.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "audit/sodium.h"
#include "audit/utf8.h"
#include "common/codec.h"
#include "common/files.h"

namespace silta::audit {

namespace {

constexpr std::string_view kSignatureDash = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";
constexpr std::size_t kCosignatureBytes = 8 + crypto_sign_BYTES;  // time || Ed25519 signature
// Verifiers may refuse cosignatures dated in the future (C2SP tlog-cosignature): a day's grace
// for clocks that disagree.
constexpr std::uint64_t kCosignatureFutureSeconds = 24 * 3600;

std::optional<KeyType> key_type(std::uint8_t byte) {
  switch (byte) {
    case static_cast<std::uint8_t>(KeyType::kEd25519):
      return KeyType::kEd25519;
    case static_cast<std::uint8_t>(KeyType::kCosignatureV1):
      return KeyType::kCosignatureV1;
    default:
      return std::nullopt;
  }
}

// First four bytes of SHA-256(name || "\n" || type || public key), big-endian.
std::uint32_t key_id_of(std::string_view name, KeyType type,
                        const std::array<std::uint8_t, 32>& pub) {
  std::string data(name);
  data += '\n';
  data += static_cast<char>(type);
  data.append(reinterpret_cast<const char*>(pub.data()), pub.size());
  auto d = sha256(data);
  return std::uint32_t{d[0]} << 24 | std::uint32_t{d[1]} << 16 | std::uint32_t{d[2]} << 8 | d[3];
}

// What a cosignature/v1 signs (C2SP tlog-cosignature).
std::string cosigned_message(std::string_view text, std::uint64_t time) {
  return "cosignature/v1\ntime " + std::to_string(time) + "\n" + std::string(text);
}

std::uint64_t get_be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::optional<std::uint32_t> parse_hex32(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  auto b = from_hex(s);
  if (!b) return std::nullopt;
  return std::uint32_t{(*b)[0]} << 24 | std::uint32_t{(*b)[1]} << 16 | std::uint32_t{(*b)[2]} << 8 |
         (*b)[3];
}

// Base64 that decodes and re-encodes to the same text (no stray padding or bits).
std::optional<Bytes> strict_base64(std::string_view s) {
  auto b = from_base64(s);
  if (!b || to_base64(*b) != s) return std::nullopt;
  return b;
}

std::string_view trim_newline(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

Error bad_key(const std::string& what) { return make_error(ErrorCode::kInvalidArgument, what); }

}  // namespace

void ensure_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  });
}

bool valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || ch == '+') return false;
  }
  if (!valid_utf8(name)) return false;
  // No Unicode space either (C2SP signed-note): NEL, NO-BREAK SPACE, OGHAM SPACE MARK, EN QUAD to
  // HAIR SPACE, LINE and PARAGRAPH SEPARATOR, NARROW NO-BREAK SPACE, MEDIUM MATHEMATICAL SPACE,
  // IDEOGRAPHIC SPACE.
  for (std::string_view space : {"\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\xA8",
                                 "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"}) {
    if (name.find(space) != std::string_view::npos) return false;
  }
  for (std::size_t i = 0; i + 2 < name.size(); ++i) {
    auto c2 = static_cast<unsigned char>(name[i + 2]);
    if (name[i] == '\xE2' && name[i + 1] == '\x80' && c2 >= 0x80 && c2 <= 0x8A) return false;
  }
  return true;
}

std::string Checkpoint::body() const {
  return origin + "\n" + std::to_string(size) + "\n" + to_base64(root) + "\n";
}

Result<Checkpoint> Checkpoint::parse_body(std::string_view body) {
  auto bad = [](const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, "checkpoint: " + what);
  };
  if (body.empty() || body.back() != '\n') return bad("text must end with a newline");
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < body.size();) {
    std::size_t nl = body.find('\n', start);
    lines.push_back(body.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() < 3) return bad("expected origin, size and root lines");
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return bad("empty origin");
  std::string_view size = lines[1];
  if (size.empty() || (size.size() > 1 && size[0] == '0')) return bad("bad tree size");
  auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size);
  if (ec != std::errc() || p != size.data() + size.size()) return bad("bad tree size");
  auto root = strict_base64(lines[2]);
  if (!root || root->size() != 32) return bad("root is not base64 of 32 bytes");
  std::memcpy(c.root.data(), root->data(), 32);
  for (std::size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return bad("empty extension line");
  }
  return c;
}

Result<VerifierKey> VerifierKey::parse(std::string_view vkey) {
  vkey = trim_newline(vkey);
  std::size_t p1 = vkey.find('+');
  std::size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return bad_key("verifier key: expected <name>+<hex key id>+<base64 key>");
  }
  VerifierKey k;
  k.name_ = std::string(vkey.substr(0, p1));
  if (!valid_key_name(k.name_)) return bad_key("verifier key: bad key name");
  auto id = parse_hex32(vkey.substr(p1 + 1, p2 - p1 - 1));
  auto key = strict_base64(vkey.substr(p2 + 1));
  if (!id) return bad_key("verifier key: key id is not 8 hex digits");
  auto type = key && !key->empty() ? key_type((*key)[0]) : std::nullopt;
  if (!type || key->size() != 33) {
    return bad_key(
        "verifier key: not an Ed25519 key (0x01 or, for a witness, 0x04, followed by 32 bytes, "
        "base64)");
  }
  k.type_ = *type;
  std::memcpy(k.public_key_.data(), key->data() + 1, 32);
  k.key_id_ = key_id_of(k.name_, k.type_, k.public_key_);
  if (k.key_id_ != *id) return bad_key("verifier key: key id does not match the key");
  return k;
}

Result<VerifierKey> VerifierKey::load(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return text.error();
  auto k = parse(*text);
  if (!k) return bad_key(file.string() + ": " + k.error().message);
  return k;
}

std::string VerifierKey::to_string() const {
  Bytes key{static_cast<std::uint8_t>(type_)};
  key.insert(key.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + hex32(key_id_) + "+" + to_base64(key);
}

std::string VerifierKey::label() const { return name_ + "+" + hex32(key_id_); }

Result<VerifiedNote> verify_note(std::string_view note, std::span<const VerifierKey> keys,
                                 std::optional<std::uint64_t> now) {
  ensure_sodium();
  auto bad = [](const std::string& what) {
    return make_error(ErrorCode::kPermissionDenied, "signed note: " + what);
  };
  if (note.empty() || note.back() != '\n') return bad("does not end with a newline");
  std::size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return bad("no blank line before the signatures");
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (!valid_utf8(text)) return bad("text is not UTF-8");
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && ch != '\n') || c == 0x7f) return bad("control character in the text");
  }
  VerifiedNote out;
  std::vector<bool> seen(keys.size(), false);
  int count = 0;
  for (std::size_t start = 0; start < sigs.size();) {
    std::size_t nl = sigs.find('\n', start);
    std::string_view line = sigs.substr(start, nl - start);
    std::string_view whole = sigs.substr(start, nl + 1 - start);
    start = nl + 1;
    if (++count > 100) return bad("too many signatures");
    if (line.substr(0, kSignatureDash.size()) != kSignatureDash)
      return bad("malformed signature line");
    line.remove_prefix(kSignatureDash.size());
    std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return bad("malformed signature line");
    std::string_view name = line.substr(0, space);
    auto blob = strict_base64(line.substr(space + 1));
    if (!valid_key_name(name) || !blob || blob->size() < 5) return bad("malformed signature line");
    std::uint32_t id = std::uint32_t{(*blob)[0]} << 24 | std::uint32_t{(*blob)[1]} << 16 |
                       std::uint32_t{(*blob)[2]} << 8 | (*blob)[3];
    std::size_t k = 0;
    while (k < keys.size() && (keys[k].name() != name || keys[k].key_id() != id)) ++k;
    if (k == keys.size()) continue;  // someone else's signature
    if (seen[k]) continue;           // a key's repeated signatures count once
    seen[k] = true;
    const VerifierKey& key = keys[k];
    const std::uint8_t* sig = blob->data() + 4;
    std::size_t sig_size = blob->size() - 4;
    NoteSignature verified{k, 0, std::string(whole)};
    bool ok = false;
    if (key.type() == KeyType::kEd25519) {
      ok = sig_size == crypto_sign_BYTES &&
           crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(text.data()),
                                       text.size(), key.public_key().data()) == 0;
    } else if (sig_size == kCosignatureBytes) {
      verified.time = get_be64(sig);
      if (verified.time > static_cast<std::uint64_t>(INT64_MAX)) {
        return bad("invalid signature by " + key.label());
      }
      if (!Checkpoint::parse_body(text)) {
        return bad("a cosignature by " + key.label() + " on a text that is not a checkpoint");
      }
      if (now && verified.time > *now + kCosignatureFutureSeconds) {
        return bad("the cosignature by " + key.label() + " is dated in the future (" +
                   std::to_string(verified.time) + ")");
      }
      std::string message = cosigned_message(text, verified.time);
      ok = crypto_sign_verify_detached(sig + 8,
                                       reinterpret_cast<const unsigned char*>(message.data()),
                                       message.size(), key.public_key().data()) == 0;
    }
    if (!ok) return bad("invalid signature by " + key.label());
    out.signatures.push_back(std::move(verified));
  }
  if (out.signatures.empty()) {
    return bad(keys.size() == 1
                   ? "no signature by " + keys.front().label()
                   : "no signature by any of the " + std::to_string(keys.size()) + " trusted keys");
  }
  out.text = std::string(text);
  return out;
}

Result<std::string> VerifierKey::open_note(std::string_view note) const {
  auto verified = verify_note(note, std::span(this, 1));
  if (!verified) return verified.error();
  return std::move(verified->text);
}

Result<Checkpoint> VerifierKey::open_checkpoint(std::string_view note) const {
  auto text = open_note(note);
  if (!text) return text.error();
  return Checkpoint::parse_body(*text);
}

SigningKey SigningKey::generate(std::string name, KeyType type) {
  ensure_sodium();
  if (!valid_key_name(name)) throw std::invalid_argument("invalid key name");
  SigningKey k;
  k.verifier_.name_ = std::move(name);
  k.verifier_.type_ = type;
  crypto_sign_keypair(k.verifier_.public_key_.data(), k.secret_.data());
  k.verifier_.key_id_ = key_id_of(k.verifier_.name_, type, k.verifier_.public_key_);
  return k;
}

Result<SigningKey> SigningKey::parse(std::string_view skey) {
  ensure_sodium();
  skey = trim_newline(skey);
  // Never echo the key text in an error.
  if (skey.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return bad_key("signing key: expected PRIVATE+KEY+<name>+<hex key id>+<base64 key>");
  }
  skey.remove_prefix(kPrivatePrefix.size());
  std::size_t p1 = skey.find('+');
  std::size_t p2 = p1 == std::string_view::npos ? p1 : skey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return bad_key("signing key: expected PRIVATE+KEY+<name>+<hex key id>+<base64 key>");
  }
  SigningKey k;
  k.verifier_.name_ = std::string(skey.substr(0, p1));
  if (!valid_key_name(k.verifier_.name_)) return bad_key("signing key: bad key name");
  auto id = parse_hex32(skey.substr(p1 + 1, p2 - p1 - 1));
  auto seed = strict_base64(skey.substr(p2 + 1));
  if (!id) return bad_key("signing key: key id is not 8 hex digits");
  auto type = seed && !seed->empty() ? key_type((*seed)[0]) : std::nullopt;
  if (!type || seed->size() != 33) {
    if (seed) sodium_memzero(seed->data(), seed->size());
    return bad_key(
        "signing key: not an Ed25519 key (0x01 or, for a witness, 0x04, followed by a 32-byte "
        "seed, base64)");
  }
  k.verifier_.type_ = *type;
  crypto_sign_seed_keypair(k.verifier_.public_key_.data(), k.secret_.data(), seed->data() + 1);
  sodium_memzero(seed->data(), seed->size());
  k.verifier_.key_id_ = key_id_of(k.verifier_.name_, k.verifier_.type_, k.verifier_.public_key_);
  if (k.verifier_.key_id_ != *id) return bad_key("signing key: key id does not match the key");
  return k;
}

Result<SigningKey> SigningKey::load(const std::filesystem::path& file) {
  auto text = read_secret_file(file);
  if (!text) return text.error();
  auto k = parse(*text);
  sodium_memzero(text->data(), text->size());
  if (!k) return bad_key(file.string() + ": " + k.error().message);
  return k;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }
SigningKey::SigningKey(const SigningKey&) = default;
SigningKey& SigningKey::operator=(const SigningKey&) = default;

std::string SigningKey::to_secret_string() const {
  Bytes seed{static_cast<std::uint8_t>(verifier_.type())};
  seed.insert(seed.end(), secret_.begin(), secret_.begin() + 32);
  std::string out = std::string(kPrivatePrefix) + name() + "+" + hex32(verifier_.key_id()) + "+" +
                    to_base64(seed) + "\n";
  sodium_memzero(seed.data(), seed.size());
  return out;
}

std::string SigningKey::signature_line(std::string_view text, std::uint64_t time) const {
  const bool cosignature = verifier_.type() == KeyType::kCosignatureV1;
  Bytes blob(4 + (cosignature ? kCosignatureBytes : crypto_sign_BYTES));
  std::uint32_t id = verifier_.key_id();
  blob[0] = id >> 24;
  blob[1] = (id >> 16) & 0xff;
  blob[2] = (id >> 8) & 0xff;
  blob[3] = id & 0xff;
  std::string message;
  std::uint8_t* sig = blob.data() + 4;
  if (cosignature) {
    for (int i = 0; i < 8; ++i) sig[i] = static_cast<std::uint8_t>(time >> (56 - 8 * i));
    message = cosigned_message(text, time);
    text = message;
    sig += 8;
  }
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), secret_.data());
  std::string line(kSignatureDash);
  line += name();
  line += ' ';
  line += to_base64(blob);
  line += '\n';
  return line;
}

std::string SigningKey::sign_note(std::string_view text) const {
  std::string note(text);
  note += '\n';
  note += signature_line(text);
  return note;
}

SignedCheckpoint SigningKey::sign(const Checkpoint& checkpoint) const {
  return {checkpoint, sign_note(checkpoint.body())};
}

}  // namespace silta::audit
