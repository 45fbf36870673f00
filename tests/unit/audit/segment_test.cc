// The byte layout of segments and frames, as docs/formats/audit-log.md gives it.
#include <catch2/catch.hpp>

#include "audit/crc32c.h"
#include "audit/segment.h"

using namespace silta;
using namespace silta::audit;

namespace {
std::uint64_t le(const Bytes& b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | b[at + static_cast<std::size_t>(i)];
  return v;
}
}  // namespace

TEST_CASE("CRC-32C check value and chaining", "[segment]") {
  CHECK(crc32c(as_bytes("123456789")) == 0xE3069283u);
  CHECK(crc32c(as_bytes("")) == 0u);
  CHECK(crc32c(as_bytes("6789"), crc32c(as_bytes("12345"))) == 0xE3069283u);
  // Long input (the hardware path's 8-byte steps) against byte-by-byte chaining.
  std::string s(1000, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
  std::uint32_t c = 0;
  for (char ch : s) c = crc32c(as_bytes(std::string_view(&ch, 1)), c);
  CHECK(crc32c(as_bytes(s)) == c);
}

TEST_CASE("segment header and frame bytes are as documented", "[segment]") {
  Bytes h = encode_segment_header({42, "silta.example/gw-1"});
  REQUIRE(h.size() == 26 + 18);
  CHECK(std::string(h.begin(), h.begin() + 8) == "SILTALOG");
  CHECK(le(h, 8, 4) == 1);
  CHECK(le(h, 12, 8) == 42);
  CHECK(le(h, 20, 2) == 18);
  CHECK(std::string(h.begin() + 22, h.begin() + 40) == "silta.example/gw-1");
  CHECK(le(h, 40, 4) == crc32c(std::span(h.data(), 40)));

  Bytes f;
  append_frame(f, FrameType::kCheckpoint, as_bytes("abc"));
  REQUIRE(f.size() == 16 + 3);
  CHECK(le(f, 0, 4) == 3);
  CHECK(f[4] == 2);
  CHECK((f[5] | f[6] | f[7]) == 0);
  CHECK(le(f, 8, 4) == crc32c(as_bytes("abc")));
  CHECK(le(f, 12, 4) == crc32c(std::span(f.data(), 12)));
  CHECK(std::string(f.begin() + 16, f.end()) == "abc");
}

TEST_CASE("segment file names", "[segment]") {
  CHECK(segment_file_name(0) == "00000000000000000000.seg");
  CHECK(segment_file_name(18446744073709551615ull) == "18446744073709551615.seg");
  CHECK(parse_segment_file_name("00000000000000000042.seg") == 42u);
  CHECK_FALSE(parse_segment_file_name("42.seg"));
  CHECK_FALSE(parse_segment_file_name("0000000000000000004x.seg"));
  CHECK_FALSE(parse_segment_file_name("00000000000000000042.seg.tmp"));
  CHECK_FALSE(parse_segment_file_name("99999999999999999999.seg"));
}
