#include "audit/pseudonym.h"

#include <sodium.h>

#include <cstring>

#include "audit/sodium.h"
#include "common/codec.h"
#include "common/files.h"

namespace silta::audit {

namespace {
constexpr std::string_view kPrefix = "PSEUDONYM+KEY+";
// The key id is the keyed hash of this label: it names the key without revealing it.
constexpr std::string_view kKeyIdLabel = "silta pseudonym key id";

std::array<std::uint8_t, 32> keyed_hash(const std::array<std::uint8_t, 32>& key,
                                        std::string_view message) {
  std::array<std::uint8_t, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size(), key.data(), key.size());
  return out;
}
}  // namespace

PseudonymKey PseudonymKey::generate() {
  ensure_sodium();
  PseudonymKey k;
  randombytes_buf(k.key_.data(), k.key_.size());
  k.derive_id();
  return k;
}

void PseudonymKey::derive_id() {
  auto h = keyed_hash(key_, kKeyIdLabel);
  key_id_ = to_hex(std::span(h.data(), 4));
}

Result<PseudonymKey> PseudonymKey::parse(std::string_view text) {
  ensure_sodium();
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  auto bad = make_error(ErrorCode::kInvalidArgument,
                        "pseudonym key: expected PSEUDONYM+KEY+<key id>+<base64 of 32 bytes>");
  if (text.substr(0, kPrefix.size()) != kPrefix) return bad;
  text.remove_prefix(kPrefix.size());
  std::size_t plus = text.find('+');
  if (plus != 8) return bad;
  auto key = from_base64(text.substr(plus + 1));
  if (!key || key->size() != 32) return bad;
  PseudonymKey k;
  std::memcpy(k.key_.data(), key->data(), 32);
  sodium_memzero(key->data(), key->size());
  k.derive_id();
  if (k.key_id_ != text.substr(0, plus)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "pseudonym key: the key id does not match the key");
  }
  return k;
}

Result<PseudonymKey> PseudonymKey::load(const std::filesystem::path& file) {
  auto text = read_secret_file(file);
  if (!text) return text.error();
  auto k = parse(*text);
  sodium_memzero(text->data(), text->size());
  if (!k) return make_error(k.error().code, file.string() + ": " + k.error().message);
  return k;
}

PseudonymKey::~PseudonymKey() { sodium_memzero(key_.data(), key_.size()); }
PseudonymKey::PseudonymKey(const PseudonymKey&) = default;
PseudonymKey& PseudonymKey::operator=(const PseudonymKey&) = default;

std::string PseudonymKey::to_secret_string() const {
  return std::string(kPrefix) + key_id_ + "+" + to_base64(key_) + "\n";
}

Pseudonym PseudonymKey::pseudonymise(std::string_view normalised_code) const {
  auto h = keyed_hash(key_, normalised_code);
  return {key_id_, to_hex(h)};
}

PseudonymKeyring::PseudonymKeyring(PseudonymKey current, std::vector<PseudonymKey> retired)
    : current_(std::move(current)), retired_(std::move(retired)) {}

std::vector<Pseudonym> PseudonymKeyring::all_pseudonyms(std::string_view normalised_code) const {
  std::vector<Pseudonym> out{current_.pseudonymise(normalised_code)};
  for (const auto& k : retired_) out.push_back(k.pseudonymise(normalised_code));
  return out;
}

}  // namespace silta::audit
