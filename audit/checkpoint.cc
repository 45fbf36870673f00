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

constexpr std::uint8_t kAlgEd25519 = 0x01;
constexpr std::string_view kSignatureDash = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";

// First four bytes of SHA-256(name || "\n" || 0x01 || public key), big-endian.
std::uint32_t key_id_of(std::string_view name, const std::array<std::uint8_t, 32>& pub) {
  std::string data(name);
  data += '\n';
  data += static_cast<char>(kAlgEd25519);
  data.append(reinterpret_cast<const char*>(pub.data()), pub.size());
  auto d = sha256(data);
  return std::uint32_t{d[0]} << 24 | std::uint32_t{d[1]} << 16 | std::uint32_t{d[2]} << 8 | d[3];
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
  return valid_utf8(name);
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
  if (!key || key->size() != 33 || (*key)[0] != kAlgEd25519) {
    return bad_key("verifier key: not an Ed25519 key (0x01 followed by 32 bytes, base64)");
  }
  std::memcpy(k.public_key_.data(), key->data() + 1, 32);
  k.key_id_ = key_id_of(k.name_, k.public_key_);
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
  Bytes key{kAlgEd25519};
  key.insert(key.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + hex32(key_id_) + "+" + to_base64(key);
}

Result<std::string> VerifierKey::open_note(std::string_view note) const {
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
  bool verified = false;
  int count = 0;
  for (std::size_t start = 0; start < sigs.size();) {
    std::size_t nl = sigs.find('\n', start);
    std::string_view line = sigs.substr(start, nl - start);
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
    if (name != name_ || id != key_id_) continue;  // someone else's signature
    if (blob->size() != 4 + crypto_sign_BYTES ||
        crypto_sign_verify_detached(blob->data() + 4,
                                    reinterpret_cast<const unsigned char*>(text.data()),
                                    text.size(), public_key_.data()) != 0) {
      return bad("invalid signature by " + name_);
    }
    verified = true;
  }
  if (!verified) return bad("no signature by " + name_ + "+" + hex32(key_id_));
  return std::string(text);
}

Result<Checkpoint> VerifierKey::open_checkpoint(std::string_view note) const {
  auto text = open_note(note);
  if (!text) return text.error();
  return Checkpoint::parse_body(*text);
}

SigningKey SigningKey::generate(std::string name) {
  ensure_sodium();
  if (!valid_key_name(name)) throw std::invalid_argument("invalid key name");
  SigningKey k;
  k.verifier_.name_ = std::move(name);
  crypto_sign_keypair(k.verifier_.public_key_.data(), k.secret_.data());
  k.verifier_.key_id_ = key_id_of(k.verifier_.name_, k.verifier_.public_key_);
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
  if (!seed || seed->size() != 33 || (*seed)[0] != kAlgEd25519) {
    return bad_key("signing key: not an Ed25519 key (0x01 followed by a 32-byte seed, base64)");
  }
  crypto_sign_seed_keypair(k.verifier_.public_key_.data(), k.secret_.data(), seed->data() + 1);
  sodium_memzero(seed->data(), seed->size());
  k.verifier_.key_id_ = key_id_of(k.verifier_.name_, k.verifier_.public_key_);
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
  Bytes seed{kAlgEd25519};
  seed.insert(seed.end(), secret_.begin(), secret_.begin() + 32);
  std::string out = std::string(kPrivatePrefix) + name() + "+" + hex32(verifier_.key_id()) + "+" +
                    to_base64(seed) + "\n";
  sodium_memzero(seed.data(), seed.size());
  return out;
}

std::string SigningKey::sign_note(std::string_view text) const {
  std::array<std::uint8_t, 4 + crypto_sign_BYTES> blob{};
  std::uint32_t id = verifier_.key_id();
  blob[0] = id >> 24;
  blob[1] = (id >> 16) & 0xff;
  blob[2] = (id >> 8) & 0xff;
  blob[3] = id & 0xff;
  crypto_sign_detached(blob.data() + 4, nullptr,
                       reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       secret_.data());
  std::string note(text);
  note += '\n';
  note += kSignatureDash;
  note += name();
  note += ' ';
  note += to_base64(blob);
  note += '\n';
  return note;
}

SignedCheckpoint SigningKey::sign(const Checkpoint& checkpoint) const {
  return {checkpoint, sign_note(checkpoint.body())};
}

}  // namespace silta::audit
