// Signed notes and checkpoints: the Go golang.org/x/mod/sumdb/note vectors byte for byte, and our
// signatures checked by an independent implementation (OpenSSL's Ed25519, not libsodium).
#include <openssl/evp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "audit/checkpoint.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::audit;

namespace {

// From golang.org/x/mod/sumdb/note (note.go documentation and note_test.go).
constexpr const char* kGoVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr const char* kGoSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr const char* kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr const char* kGoNote =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

// An independent reading of a checkpoint note, from the C2SP specs, verified with OpenSSL.
bool openssl_verify_note(const std::string& note, const std::string& vkey) {
  auto plus1 = vkey.find('+');
  auto plus2 = vkey.find('+', plus1 + 1);
  std::string name = vkey.substr(0, plus1);
  auto key = from_base64(vkey.substr(plus2 + 1));
  if (!key || key->size() != 33 || (*key)[0] != 0x01) return false;
  // Key id: SHA-256(name || 0x0A || 0x01 || public key), first four bytes.
  std::string id_input = name + "\n" + std::string(key->begin(), key->end());
  auto id = sha256(id_input);
  if (to_hex(std::span(id.data(), 4)) != vkey.substr(plus1 + 1, plus2 - plus1 - 1)) return false;

  auto split = note.rfind("\n\n");
  std::string text = note.substr(0, split + 1);
  std::string sig_line = note.substr(split + 2);
  std::string prefix = "\xE2\x80\x94 " + name + " ";
  if (sig_line.rfind(prefix, 0) != 0 || sig_line.back() != '\n') return false;
  auto blob = from_base64(sig_line.substr(prefix.size(), sig_line.size() - prefix.size() - 1));
  if (!blob || blob->size() != 68 || !std::equal(blob->begin(), blob->begin() + 4, id.begin())) {
    return false;
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key->data() + 1, 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = pkey && ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, blob->data() + 4, 64,
                             reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

Hash some_root(std::uint8_t seed) {
  Hash h{};
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(seed + i);
  return h;
}

}  // namespace

TEST_CASE("the Go note vectors: same key id, same signature, and the note opens", "[checkpoint]") {
  auto skey = SigningKey::parse(kGoSkey);
  REQUIRE(skey);
  CHECK(skey->verifier().to_string() == kGoVkey);
  CHECK(skey->to_secret_string() == std::string(kGoSkey) + "\n");
  // Ed25519 is deterministic: signing the same text gives Go's exact note.
  CHECK(skey->sign_note(kGoText) == kGoNote);

  auto vkey = VerifierKey::parse(kGoVkey);
  REQUIRE(vkey);
  CHECK(vkey->key_id() == 0xc74f20a3u);
  auto text = vkey->open_note(kGoNote);
  REQUIRE(text);
  CHECK(*text == kGoText);
  CHECK(openssl_verify_note(kGoNote, kGoVkey));

  std::string tampered = kGoNote;
  tampered.replace(tampered.find("cryptography"), 12, "cryptographY");
  CHECK_FALSE(vkey->open_note(tampered));
  CHECK_FALSE(openssl_verify_note(tampered, kGoVkey));
}

TEST_CASE("checkpoints are C2SP tlog-checkpoint notes that OpenSSL verifies", "[checkpoint]") {
  SigningKey key = SigningKey::generate("silta.example/soite-gw-1");
  Checkpoint cp{"silta.example/soite-gw-1", 1234, some_root(7)};
  CHECK(cp.body() == "silta.example/soite-gw-1\n1234\n" + to_base64(cp.root) + "\n");
  SignedCheckpoint signed_cp = key.sign(cp);
  CHECK(signed_cp.note.rfind(cp.body() + "\n\xE2\x80\x94 silta.example/soite-gw-1 ", 0) == 0);

  std::string vkey = key.verifier().to_string();
  CHECK(openssl_verify_note(signed_cp.note, vkey));
  auto opened = VerifierKey::parse(vkey)->open_checkpoint(signed_cp.note);
  REQUIRE(opened);
  CHECK(*opened == cp);

  // Another key with the same name does not verify it, and its signature is not ours.
  SigningKey other = SigningKey::generate("silta.example/soite-gw-1");
  CHECK_FALSE(other.verifier().open_checkpoint(signed_cp.note));
  CHECK_FALSE(openssl_verify_note(signed_cp.note, other.verifier().to_string()));
  // A co-signature by someone else is ignored; ours still verifies.
  std::string cosigned = signed_cp.note + other.sign_note(cp.body()).substr(cp.body().size() + 1);
  CHECK(key.verifier().open_checkpoint(cosigned));
  // A changed size or root breaks the signature.
  std::string changed = signed_cp.note;
  changed.replace(changed.find("1234"), 4, "1235");
  CHECK_FALSE(key.verifier().open_checkpoint(changed));
  CHECK_FALSE(openssl_verify_note(changed, vkey));
}

TEST_CASE("checkpoint bodies are parsed strictly", "[checkpoint]") {
  std::string root = to_base64(some_root(1));
  CHECK(Checkpoint::parse_body("o\n0\n" + root + "\n"));
  CHECK(Checkpoint::parse_body("o\n5\n" + root + "\nextension line\n"));
  for (std::string bad :
       {"o\n5\n" + root, "\n5\n" + root + "\n", "o\n05\n" + root + "\n", "o\n-5\n" + root + "\n",
        "o\n5 \n" + root + "\n", std::string("o\n5\nAAAA\n"), "o\n5\n" + root + "\n\n",
        std::string("o\n5\n"), "o\n18446744073709551616\n" + root + "\n"}) {
    INFO(bad);
    CHECK_FALSE(Checkpoint::parse_body(bad));
  }
}

TEST_CASE("keys: bad forms are refused without echoing the secret", "[checkpoint]") {
  for (std::string bad :
       {"", "PRIVATE+KEY+", "PRIVATE+KEY+name+c74f20a3",
        "PRIVATE+KEY+name+zzzzzzzz+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AgEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"}) {
    INFO(bad);
    auto k = SigningKey::parse(bad);
    REQUIRE_FALSE(k);
    CHECK(k.error().message.find("AYEKFALV") == std::string::npos);
  }
  for (std::string bad : {"", "PeterNeumann", "PeterNeumann+c74f20a3",
                          "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "Peter+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"}) {
    INFO(bad);
    CHECK_FALSE(VerifierKey::parse(bad));
  }
  CHECK_FALSE(valid_key_name(""));
  CHECK_FALSE(valid_key_name("a b"));
  CHECK_FALSE(valid_key_name("a+b"));
  CHECK_FALSE(valid_key_name("a\nb"));
  CHECK(valid_key_name("silta.example/gw-1"));
}

TEST_CASE("malformed signed notes are refused", "[checkpoint]") {
  auto vkey = *VerifierKey::parse(kGoVkey);
  std::string note = kGoNote;
  for (std::string bad : {std::string(kGoText), note.substr(0, note.size() - 1),
                          std::string(kGoText) + "\n- PeterNeumann x08go/ZJ\n",
                          std::string(kGoText) + "\n\xE2\x80\x94 PeterNeumann\n",
                          std::string(kGoText) + "\n\xE2\x80\x94 Other AAAAAAAA\n",
                          "bad\x01text\n" + note.substr(note.find("\n\n") + 1)}) {
    INFO(bad);
    CHECK_FALSE(vkey.open_note(bad));
  }
}

TEST_CASE("a signing key file must be 0600", "[checkpoint]") {
  test::TempDir dir;
  SigningKey key = SigningKey::generate("gw");
  auto path = dir / "k";
  REQUIRE(write_secret_file(path, key.to_secret_string()));
  auto loaded = SigningKey::load(path);
  REQUIRE(loaded);
  CHECK(loaded->verifier().to_string() == key.verifier().to_string());
  ::chmod(path.c_str(), 0640);
  auto refused = SigningKey::load(path);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kPermissionDenied);
}

namespace {

// cosignature/v1 (C2SP tlog-cosignature), computed independently (Python's `cryptography`
// package) for the Ed25519 seed 00 01 02 .. 1f, the name witness.example/w1, the time 1679315147
// and the checkpoint of the C2SP examples.
constexpr const char* kWitnessVkey =
    "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
constexpr const char* kWitnessSkey =
    "PRIVATE+KEY+witness.example/w1+e75f6532+BAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
constexpr const char* kCosignedText =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
constexpr const char* kCosignatureLine =
    "\xE2\x80\x94 witness.example/w1 "
    "519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/"
    "l73euDMQ9k+bBQ==\n";
constexpr std::uint64_t kCosignedAt = 1679315147;

}  // namespace

TEST_CASE("cosignature/v1: the independent vector byte for byte", "[checkpoint][witness]") {
  auto skey = SigningKey::parse(kWitnessSkey);
  REQUIRE(skey);
  CHECK(skey->verifier().type() == KeyType::kCosignatureV1);
  CHECK(skey->verifier().to_string() == kWitnessVkey);
  CHECK(skey->to_secret_string() == std::string(kWitnessSkey) + "\n");
  CHECK(skey->signature_line(kCosignedText, kCosignedAt) == kCosignatureLine);

  auto vkey = VerifierKey::parse(kWitnessVkey);
  REQUIRE(vkey);
  CHECK(vkey->key_id() == 0xe75f6532u);
  // The log's own signature (another key) is ignored; the cosignature verifies, with its time.
  SigningKey log = SigningKey::generate("example.com/behind-the-sofa");
  std::string note = log.sign_note(kCosignedText) + kCosignatureLine;
  std::vector<VerifierKey> keys{log.verifier(), *vkey};
  auto verified = verify_note(note, keys, kCosignedAt);
  REQUIRE(verified);
  CHECK(verified->text == kCosignedText);
  REQUIRE(verified->signatures.size() == 2);
  CHECK(verified->signatures[1].key == 1);
  CHECK(verified->signatures[1].time == kCosignedAt);
  CHECK(verified->signatures[1].line == kCosignatureLine);
  CHECK(vkey->open_note(note));

  // The same public key as a note key (type 0x01) has another key id: a cosignature never passes
  // for a log's signature, nor the other way round.
  const auto& pub = vkey->public_key();
  auto id = sha256("witness.example/w1\n\x01" +
                   std::string(reinterpret_cast<const char*>(pub.data()), pub.size()));
  Bytes typed{0x01};
  typed.insert(typed.end(), pub.begin(), pub.end());
  auto note_key = VerifierKey::parse("witness.example/w1+" + to_hex(std::span(id.data(), 4)) + "+" +
                                     to_base64(typed));
  REQUIRE(note_key);
  CHECK(note_key->type() == KeyType::kEd25519);
  CHECK(note_key->key_id() != vkey->key_id());
  CHECK_FALSE(note_key->open_note(std::string(kCosignedText) + "\n" + kCosignatureLine));
}

TEST_CASE("cosignature/v1 verifies with OpenSSL over the documented message",
          "[checkpoint][witness]") {
  SigningKey witness =
      SigningKey::generate("witness.tietosuoja.example/w1", KeyType::kCosignatureV1);
  std::string text = "silta.example/gw-1\n42\n" + to_base64(some_root(3)) + "\n";
  std::string line = witness.signature_line(text, 1800000000);
  auto prefix = std::string("\xE2\x80\x94 witness.tietosuoja.example/w1 ");
  REQUIRE(line.rfind(prefix, 0) == 0);
  auto blob = from_base64(line.substr(prefix.size(), line.size() - prefix.size() - 1));
  REQUIRE(blob);
  REQUIRE(blob->size() == 4 + 8 + 64);
  std::uint64_t t = 0;
  for (int i = 4; i < 12; ++i) t = t << 8 | (*blob)[static_cast<std::size_t>(i)];
  CHECK(t == 1800000000u);
  std::string message = "cosignature/v1\ntime 1800000000\n" + text;
  const auto& pub = witness.verifier().public_key();
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      pkey && ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx, blob->data() + 12, 64,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  CHECK(ok);
  // Key id: SHA-256(name || 0x0A || 0x04 || public key), first four bytes.
  std::string id_input = "witness.tietosuoja.example/w1\n\x04" +
                         std::string(reinterpret_cast<const char*>(pub.data()), 32);
  auto id = sha256(id_input);
  CHECK(to_hex(std::span(id.data(), 4)) == witness.verifier().to_string().substr(30, 8));
}

TEST_CASE("a note with several signatures: the C2SP signed-note rules", "[checkpoint][witness]") {
  SigningKey log = SigningKey::generate("silta.example/gw-1");
  SigningKey w1 = SigningKey::generate("w1.example", KeyType::kCosignatureV1);
  SigningKey w2 = SigningKey::generate("w2.example", KeyType::kCosignatureV1);
  std::string text = "silta.example/gw-1\n7\n" + to_base64(some_root(9)) + "\n";
  std::string signed_note = log.sign_note(text);
  std::vector<VerifierKey> keys{log.verifier(), w1.verifier(), w2.verifier()};
  const std::uint64_t now = 1800000000;

  SECTION("every known key counts once; unknown keys are ignored") {
    SigningKey stranger = SigningKey::generate("w3.example", KeyType::kCosignatureV1);
    std::string note = signed_note + w1.signature_line(text, now) +
                       stranger.signature_line(text, now) + w2.signature_line(text, now - 5) +
                       w1.signature_line(text, now + 1);
    auto v = verify_note(note, keys, now);
    REQUIRE(v);
    REQUIRE(v->signatures.size() == 3);
    CHECK(v->signatures[0].key == 0);
    CHECK(v->signatures[1].key == 1);
    CHECK(v->signatures[1].time == now);  // the first of w1's two
    CHECK(v->signatures[2].key == 2);
  }
  SECTION("a known key's bad signature refuses the whole note") {
    std::string tampered =
        w1.signature_line("silta.example/gw-1\n8\n" + to_base64(some_root(9)) + "\n", now);
    auto v = verify_note(signed_note + tampered, keys, now);
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find("invalid signature by w1.example+") != std::string::npos);
    // The same name with another key id is someone else: ignored.
    SigningKey same_name = SigningKey::generate("w1.example", KeyType::kCosignatureV1);
    CHECK(verify_note(signed_note + same_name.signature_line(text, now), keys, now));
  }
  SECTION("a cosignature dated more than a day ahead, or on a text that is no checkpoint") {
    CHECK_FALSE(verify_note(signed_note + w1.signature_line(text, now + 2 * 86400), keys, now));
    CHECK(verify_note(signed_note + w1.signature_line(text, now + 3600), keys, now));
    std::string prose = "not a checkpoint\n";
    CHECK_FALSE(verify_note(log.sign_note(prose) + w1.signature_line(prose, now), keys, now));
  }
  SECTION("no known signature at all") {
    std::vector<VerifierKey> only_witnesses{w1.verifier(), w2.verifier()};
    auto v = verify_note(signed_note, only_witnesses, now);
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find("no signature by any of the 2 trusted keys") != std::string::npos);
  }
}

TEST_CASE("key names: no Unicode space either", "[checkpoint]") {
  CHECK_FALSE(
      valid_key_name("a\xC2\xA0"
                     "b"));  // NO-BREAK SPACE
  CHECK_FALSE(
      valid_key_name("a\xE2\x80\x83"
                     "b"));  // EM SPACE
  CHECK_FALSE(
      valid_key_name("a\xE3\x80\x80"
                     "b"));  // IDEOGRAPHIC SPACE
  CHECK(valid_key_name("tietosuojavaltuutettu.fi/todistaja-1"));
  CHECK(valid_key_name("\xC3\xA5\xC3\xA4\xC3\xB6.example"));  // åäö
}
