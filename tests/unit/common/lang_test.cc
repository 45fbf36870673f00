#include <catch2/catch.hpp>

#include "common/lang.h"

using namespace silta;

TEST_CASE("language tags: the primary subtag, any case, other languages are not ours", "[lang]") {
  CHECK(parse_lang("fi") == Lang::kFi);
  CHECK(parse_lang("sv-FI") == Lang::kSv);
  CHECK(parse_lang("EN-gb") == Lang::kEn);
  CHECK_FALSE(parse_lang("de").has_value());
  CHECK_FALSE(parse_lang("").has_value());
  CHECK_FALSE(parse_lang("fin").has_value());
  CHECK_FALSE(parse_lang("fi_FI").has_value());
  CHECK_FALSE(parse_lang("sv-F I").has_value());
}

TEST_CASE("Accept-Language: the highest weight wins, ties go to the first listed", "[lang]") {
  CHECK(negotiate_lang("sv-FI, fi;q=0.8, en;q=0.5", Lang::kEn) == Lang::kSv);
  CHECK(negotiate_lang("en;q=0.5, fi;q=0.9", Lang::kSv) == Lang::kFi);
  CHECK(negotiate_lang("de, en;q=0.1", Lang::kFi) == Lang::kEn);
  CHECK(negotiate_lang("fi;q=0.5, sv;q=0.5", Lang::kEn) == Lang::kFi);
  CHECK(negotiate_lang("en-US,en;q=0.9", Lang::kFi) == Lang::kEn);
  CHECK(negotiate_lang("fi;q=1.000, sv;q=0.999", Lang::kEn) == Lang::kFi);
}

TEST_CASE("Accept-Language: q=0, '*', unknown and malformed members", "[lang]") {
  CHECK(negotiate_lang("fi;q=0, en;q=0.2", Lang::kFi) == Lang::kEn);
  CHECK(negotiate_lang("*", Lang::kSv) == Lang::kSv);
  CHECK(negotiate_lang("de, *;q=0.5", Lang::kFi) == Lang::kFi);
  CHECK(negotiate_lang("", Lang::kFi) == Lang::kFi);
  CHECK(negotiate_lang("de-DE, ja", Lang::kSv) == Lang::kSv);
  // Malformed members are skipped; the rest still count.
  CHECK(negotiate_lang("fi;q=2, sv;q=abc, en;q=0.3", Lang::kFi) == Lang::kEn);
  CHECK(negotiate_lang(";;;,,,", Lang::kEn) == Lang::kEn);
  CHECK(negotiate_lang("fi;q=0.1234", Lang::kEn) == Lang::kEn);
}

TEST_CASE("Accept-Language: hostile headers are read once and tolerated", "[lang]") {
  // As long as the HTTP parser lets a header be: every member is read, none is an error.
  std::string many;
  for (int i = 0; i < 8000; ++i) many += "x-" + std::to_string(i) + ";q=0.9,";
  CHECK(negotiate_lang(many + "sv;q=0.001", Lang::kFi) == Lang::kSv);
  CHECK(negotiate_lang(std::string(65536, ','), Lang::kEn) == Lang::kEn);
  CHECK(negotiate_lang(std::string(65536, ';'), Lang::kSv) == Lang::kSv);
  CHECK(negotiate_lang(std::string("sv\0fi", 5) + ", en;q=0.5", Lang::kFi) == Lang::kEn);
  CHECK(negotiate_lang("fi;q=0.5;q=1, sv;;q=0.4", Lang::kEn) == Lang::kEn);
  CHECK(negotiate_lang("\xff\xfe;q=1, sv-\xc3\xa4;q=1", Lang::kFi) == Lang::kFi);
}

TEST_CASE("a text in three languages", "[lang]") {
  Texts t{"kielto", "förbud", "prohibition"};
  CHECK(t.in(Lang::kFi) == "kielto");
  CHECK(t.in(Lang::kSv) == "förbud");
  CHECK(t.in(Lang::kEn) == "prohibition");
  CHECK_FALSE(t.incomplete());
  CHECK(Texts{"a", "", "c"}.incomplete());
}
