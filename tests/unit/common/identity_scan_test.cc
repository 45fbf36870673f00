#include <catch2/catch.hpp>
#include <string>

#include "common/codec.h"
#include "common/identity_scan.h"

using namespace silta;

namespace {

// A random lower-case UUID (version 4 form) from a counter, deterministic.
std::string uuid_like(std::uint64_t n) {
  std::string hex = sha256_hex(std::to_string(n));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-a" +
         hex.substr(17, 3) + "-" + hex.substr(20, 12);
}

}  // namespace

TEST_CASE("identity codes are found on their own, in text and glued to words", "[identity_scan]") {
  // Temporary-range test codes: every century sign family, lower case too.
  for (const std::string code : {"150317A901J", "010180+950R", "311299Y944N", "010594Y9021",
                                 "020504B904H", "150317a901j", "110213A913H", "190685-946J"}) {
    INFO(code);
    CHECK(find_identity_code(code) == 0u);
    CHECK(find_identity_code("lapsi " + code + ", koulu") == 6u);
    CHECK(contains_identity_code("(" + code + ")"));
    CHECK(contains_identity_code("hetu:" + code));
    CHECK(contains_identity_code("x_" + code + "_y"));
  }
  // Glued to a word, in upper case as codes are written.
  for (const std::string text :
       {"hetu110213A913H", "HETU110213A913H", "henkilötunnus110213A913H", "110213A913Hkissa",
        "lapsi110213A913Hx", "ssn311299Y944N", "110213A913H5"}) {
    INFO(text);
    CHECK(contains_identity_code(text));
  }
}

TEST_CASE("what only resembles an identity code is not one", "[identity_scan]") {
  for (const std::string text :
       {"150317A901K",   // wrong check character
        "350317A901J",   // no day 35
        "151317A901J",   // no month 13
        "150317Q901J",   // no century sign Q
        "010594Y90210",  // part of a longer number
        "150317a901j0",  // lower case glued to a digit
        "9150317A901J",  // part of a longer number
        "x150317a901j",  // lower case glued to a word: how hexadecimal looks
        "150317-901",    // too short
        "SOITE-LS-2026-0412", "2026-11-23T10:00:00Z", "+358 40 000 0000", "LSL 25 §(1)",
        "fi.atl.64.1", "5500/R/1234/26", ""}) {
    INFO(text);
    CHECK_FALSE(contains_identity_code(text));
  }
  // What the gateway writes itself: lower-case hex ids, digests, pseudonyms and UUIDs.
  for (std::uint64_t i = 0; i < 20000; ++i) {
    std::string digest = sha256_hex("v" + std::to_string(i));
    INFO(digest);
    CHECK_FALSE(contains_identity_code(digest));
    CHECK_FALSE(contains_identity_code("x-" + digest.substr(0, 24)));
    CHECK_FALSE(contains_identity_code(uuid_like(i)));
  }
}

TEST_CASE("redacting replaces every code and nothing else", "[identity_scan]") {
  CHECK(redact_identity_codes("unknown agency \"110213A913H\"") ==
        "unknown agency \"[identity code]\"");
  CHECK(redact_identity_codes("/110213A913H/x140311A9265") == "/[identity code]/x[identity code]");
  CHECK(redact_identity_codes("nothing here") == "nothing here");
  CHECK(redact_identity_codes("110213A913H110213A913H") == "[identity code][identity code]");
  // A lower-case code glued to an upper-case one stands on its own once that one is replaced,
  // whether it came after or before it.
  CHECK(redact_identity_codes("110213A913H150317a901j") == "[identity code][identity code]");
  CHECK(redact_identity_codes("150317a901j110213A913H") == "[identity code][identity code]");
  CHECK(redact_identity_codes("x150317a901j110213A913H") == "x150317a901j[identity code]");
}

TEST_CASE("century signs and check characters", "[identity_scan]") {
  CHECK(identity_code_century('+') == 1800);
  CHECK(identity_code_century('-') == 1900);
  CHECK(identity_code_century('U') == 1900);
  CHECK(identity_code_century('F') == 2000);
  CHECK(identity_code_century('G') == -1);
  CHECK(identity_code_century('a') == -1);
  CHECK(identity_code_check_character(150317901) == 'J');
  CHECK(identity_code_check_character(30) == 'Y');
  CHECK(is_identity_code_check_character('H'));
  CHECK_FALSE(is_identity_code_check_character('G'));
  CHECK_FALSE(is_identity_code_check_character('\0'));
}
