#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "audit/pseudonym.h"
#include "common/codec.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::audit;

namespace {

// Keyed BLAKE2b-256 computed by OpenSSL's BLAKE2BMAC, independently of libsodium.
std::string openssl_blake2b_hex(const Bytes& key, std::string_view message) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "BLAKE2BMAC", nullptr);
  REQUIRE(mac);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t size = 32;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                         OSSL_PARAM_construct_end()};
  REQUIRE(EVP_MAC_init(ctx, key.data(), key.size(), params) == 1);
  REQUIRE(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) == 1);
  unsigned char out[32];
  size_t len = 0;
  REQUIRE(EVP_MAC_final(ctx, out, &len, sizeof out) == 1);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return to_hex(std::span(out, len));
}

Bytes key_bytes(const PseudonymKey& k) {
  // "PSEUDONYM+KEY+<8 hex>+<base64>\n"; base64 itself may contain '+'.
  std::string text = k.to_secret_string();
  constexpr std::size_t kStart = std::string_view("PSEUDONYM+KEY+01234567+").size();
  return *from_base64(text.substr(kStart, text.size() - kStart - 1));
}

}  // namespace

TEST_CASE("a pseudonym is keyed BLAKE2b-256 of the identity code, hex", "[pseudonym]") {
  PseudonymKey key = PseudonymKey::generate();
  Bytes raw = key_bytes(key);
  REQUIRE(raw.size() == 32);
  // Test identity codes from the temporary range (docs/law.md §7.2).
  for (const char* code : {"150317A901J", "010180+950R", "311299Y944N"}) {
    Pseudonym p = key.pseudonymise(code);
    CHECK(p.value.size() == 64);
    CHECK(p.value == openssl_blake2b_hex(raw, code));
    CHECK(p.key_id == key.key_id());
  }
  // The separator is part of the identity: different codes, different pseudonyms.
  CHECK(key.pseudonymise("010190-999K").value != key.pseudonymise("010190Y999K").value);
  // The key id is the keyed hash of a fixed label; it does not reveal the key.
  CHECK(key.key_id() == openssl_blake2b_hex(raw, "silta pseudonym key id").substr(0, 8));
  // Another key, other pseudonyms.
  PseudonymKey other = PseudonymKey::generate();
  CHECK(other.pseudonymise("150317A901J").value != key.pseudonymise("150317A901J").value);
  CHECK(other.key_id() != key.key_id());
}

TEST_CASE("the keyring searches every key version", "[pseudonym]") {
  PseudonymKey old_key = PseudonymKey::generate();
  PseudonymKey new_key = PseudonymKey::generate();
  PseudonymKeyring ring(new_key, {old_key});
  CHECK(ring.pseudonymise("150317A901J") == new_key.pseudonymise("150317A901J"));
  auto all = ring.all_pseudonyms("150317A901J");
  REQUIRE(all.size() == 2);
  CHECK(all[0] == new_key.pseudonymise("150317A901J"));
  CHECK(all[1] == old_key.pseudonymise("150317A901J"));
}

TEST_CASE("pseudonym key files: round trip, mode 0600, key id checked", "[pseudonym]") {
  test::TempDir dir;
  PseudonymKey key = PseudonymKey::generate();
  auto path = dir / "pseudonym.key";
  REQUIRE(write_secret_file(path, key.to_secret_string()));
  auto loaded = PseudonymKey::load(path);
  REQUIRE(loaded);
  CHECK(loaded->key_id() == key.key_id());
  CHECK(loaded->pseudonymise("150317A901J") == key.pseudonymise("150317A901J"));
  ::chmod(path.c_str(), 0644);
  CHECK(PseudonymKey::load(path).error().code == ErrorCode::kPermissionDenied);

  std::string text = key.to_secret_string();
  std::string wrong_id = text;
  wrong_id[14] = wrong_id[14] == '0' ? '1' : '0';
  CHECK_FALSE(PseudonymKey::parse(wrong_id));
  CHECK_FALSE(PseudonymKey::parse("PSEUDONYM+KEY+12345678+AAAA"));
  CHECK_FALSE(PseudonymKey::parse(""));
}
