#include "store/cipher.h"

#include <sodium.h>

#include <system_error>

#include "common/files.h"

namespace silta::store {

namespace fs = std::filesystem;

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

Status ensure_sodium() {
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to start");
  return {};
}

}  // namespace

FieldCipher::~FieldCipher() { sodium_memzero(key_.data(), key_.size()); }

Status FieldCipher::generate_key_file(const fs::path& key_file) {
  if (auto s = ensure_sodium(); !s) return s;
  std::error_code ec;
  if (fs::exists(key_file, ec)) {
    return make_error(ErrorCode::kAlreadyExists,
                      key_file.string() + " exists; a store key is never overwritten");
  }
  if (key_file.has_parent_path()) fs::create_directories(key_file.parent_path(), ec);
  std::array<std::uint8_t, 32> key;
  randombytes_buf(key.data(), key.size());
  std::string text = to_hex(key) + "\n";
  sodium_memzero(key.data(), key.size());
  auto s = write_secret_file(key_file, text);
  sodium_memzero(text.data(), text.size());
  return s;
}

Result<FieldCipher> FieldCipher::load(const fs::path& key_file, bool create_if_missing) {
  if (auto s = ensure_sodium(); !s) return s.error();
  std::error_code ec;
  if (create_if_missing && !fs::exists(key_file, ec)) {
    if (auto s = generate_key_file(key_file); !s) return s.error();
  }
  auto text = read_secret_file(key_file);
  if (!text) return text.error();
  std::string_view hex = *text;
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) {
    hex.remove_suffix(1);
  }
  auto key = from_hex(hex);
  if (!key || key->size() != 32) {
    return make_error(ErrorCode::kInvalidArgument,
                      key_file.string() + ": expected a store key of 64 hex digits");
  }
  FieldCipher c;
  std::copy(key->begin(), key->end(), c.key_.begin());
  sodium_memzero(key->data(), key->size());
  sodium_memzero(text->data(), text->size());
  return c;
}

Bytes FieldCipher::seal(std::string_view plaintext, std::string_view context) const {
  Bytes out(1 + kNonce + plaintext.size() + kTag);
  out[0] = kVersion;
  std::uint8_t* nonce = out.data() + 1;
  randombytes_buf(nonce, kNonce);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + 1 + kNonce, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(context.data()), context.size(),
      nullptr, nonce, key_.data());
  return out;
}

Result<std::string> FieldCipher::open(std::span<const std::uint8_t> sealed,
                                      std::string_view context) const {
  if (sealed.size() < 1 + kNonce + kTag || sealed[0] != kVersion) {
    return make_error(ErrorCode::kDataLoss, "an encrypted field is malformed");
  }
  std::string out(sealed.size() - 1 - kNonce - kTag, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, sealed.data() + 1 + kNonce,
          sealed.size() - 1 - kNonce, reinterpret_cast<const unsigned char*>(context.data()),
          context.size(), sealed.data() + 1, key_.data()) != 0) {
    return make_error(ErrorCode::kDataLoss,
                      "an encrypted field does not open with the store key (wrong key file, or "
                      "the data was altered)");
  }
  out.resize(len);
  return out;
}

}  // namespace silta::store
