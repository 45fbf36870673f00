#include <catch2/catch.hpp>

#include "common/codec.h"
#include "common/time.h"

using namespace silta;

TEST_CASE("hex round-trips and rejects bad input", "[codec]") {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  CHECK(to_hex(b) == "0001abff");
  CHECK(from_hex("0001ABff") == b);
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("zz").has_value());
}

TEST_CASE("base64 round-trips with padding", "[codec]") {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto enc = to_base64(as_bytes(s));
    auto dec = from_base64(enc);
    REQUIRE(dec.has_value());
    CHECK(std::string(dec->begin(), dec->end()) == s);
  }
  CHECK(to_base64(as_bytes("foobar")) == "Zm9vYmFy");
  CHECK(to_base64(as_bytes("fo")) == "Zm8=");
  CHECK_FALSE(from_base64("Zm8").has_value());
  CHECK_FALSE(from_base64("Zm8*").has_value());
}

TEST_CASE("sha256 of the empty string", "[codec]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("canonical JSON sorts keys, has no whitespace and keeps UTF-8", "[codec]") {
  nlohmann::json j = {{"b", 1}, {"a", {{"d", "ä"}, {"c", nullptr}}}, {"A", true}};
  CHECK(canonical_json(j) == "{\"A\":true,\"a\":{\"c\":null,\"d\":\"ä\"},\"b\":1}");
  CHECK_THROWS_AS(canonical_json(nlohmann::json{{"x", 1.5}}), std::invalid_argument);
  CHECK_THROWS(canonical_json(nlohmann::json(std::string("\xff\xfe"))));
}

TEST_CASE("RFC 3339 times format with microseconds and parse back", "[time]") {
  auto t = parse_rfc3339("2026-11-23T10:15:30.123456Z");
  REQUIRE(t.has_value());
  CHECK(format_rfc3339(*t) == "2026-11-23T10:15:30.123456Z");
  auto offset = parse_rfc3339("2026-11-23T12:15:30+02:00");
  REQUIRE(offset.has_value());
  CHECK(format_rfc3339(*offset) == "2026-11-23T10:15:30.000000Z");
  CHECK_FALSE(parse_rfc3339("2026-02-30T00:00:00Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-11-23 10:15:30Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-11-23T10:15:30").has_value());
  CHECK_FALSE(parse_rfc3339("2026-11-23T10:15:30Zjunk").has_value());
}
