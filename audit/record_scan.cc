// The fast structural scan of a record's leaf: its seq and time without a full parse, for
// opening and verifying a whole log (a vector fast path where the CPU has it).
#include "audit/record_scan.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)  // x86-64 always
#include <immintrin.h>
#endif

#include "audit/utf8.h"

namespace silta::audit {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_hex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!(is_digit(c) || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Keys are short: a byte loop beats a call to memcmp here (this runs for every key of every
// record when a log is opened or verified).
bool less(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

bool time_shape(std::string_view t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (t.size() != kShape.size()) return false;
#if defined(__SSE2__)
  // Bytes 0-15 and 11-26 at once: a digit where the shape has 'd', else the shape's byte.
  auto part = [&](std::size_t at) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + at));
    __m128i shape = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kShape.data() + at));
    __m128i want_digit = _mm_cmpeq_epi8(shape, _mm_set1_epi8('d'));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i ok = _mm_or_si128(_mm_and_si128(want_digit, digit),
                              _mm_andnot_si128(want_digit, _mm_cmpeq_epi8(v, shape)));
    return _mm_movemask_epi8(ok) == 0xffff;
  };
  return part(0) && part(kShape.size() - 16);
#else
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (kShape[i] == 'd' ? !is_digit(t[i]) : t[i] != kShape[i]) return false;
  }
  return true;
#endif
}

// A JSON number as canonical_json writes an unsigned integer, at `pos`.
bool scan_unsigned(std::string_view s, std::size_t& pos, std::uint64_t& out) {
  std::size_t start = pos;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  std::size_t n = pos - start;
  if (n == 0 || (n > 1 && s[start] == '0')) return false;
  if (n < 20) {  // below 10^19: no overflow
    std::uint64_t v = 0;
    for (std::size_t i = start; i < pos; ++i) v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    out = v;
    return true;
  }
  auto [p, ec] = std::from_chars(s.data() + start, s.data() + pos, out);
  return ec == std::errc() && p == s.data() + pos;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  Result<RecordHeader> run() {
    RecordHeader h;
    bool have_seq = false, have_time = false;
    if (!eat('{')) return fail("expected '{'");
    std::string_view prev;
    bool first = true;
    for (;;) {
      std::string_view key;
      if (!key_token(key)) return fail("expected a key of a-z and _");
      if (!first && !less(prev, key)) return fail("keys not in strictly ascending order");
      first = false;
      prev = key;
      if (!eat(':')) return fail("expected ':'");
      if (key.size() == 3 && key[0] == 's' && key[1] == 'e' && key[2] == 'q') {
        if (!unsigned_integer(h.seq)) return fail("\"seq\" is not an unsigned integer");
        have_seq = true;
      } else if (key.size() == 4 && key[0] == 't' && key[1] == 'i' && key[2] == 'm' &&
                 key[3] == 'e') {
        std::size_t start = pos_ + 1;
        if (!string_token()) return fail("bad string");
        h.time = s_.substr(start, pos_ - 1 - start);
        if (!time_shape(h.time)) return fail("\"time\" is not YYYY-MM-DDTHH:MM:SS.ffffffZ");
        have_time = true;
      } else if (!value()) {
        return fail("bad value");
      }
      if (eat(',')) continue;
      if (eat('}')) break;
      return fail("expected ',' or '}'");
    }
    if (pos_ != s_.size()) return fail("bytes after the object");
    if (!have_seq || !have_time) return fail("no \"seq\" or no \"time\"");
    return h;
  }

 private:
  // Bytes copied as they are inside a canonical JSON string: printable ASCII but '"' and '\\'.
  static constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
  }();

  // Skips bytes copied as they are, eight at a time while none of them is special (SWAR: a
  // control character, '"', '\\' or a non-ASCII byte), then one at a time.
  void skip_plain() {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    while (pos_ + 8 <= s_.size()) {
      std::uint64_t v;
      std::memcpy(&v, s_.data() + pos_, 8);
      std::uint64_t special = ((v - kOnes * 0x20) & ~v & kHigh)  // a byte below 0x20
                              | has_zero(v ^ (kOnes * '"')) | has_zero(v ^ (kOnes * '\\')) |
                              (v & kHigh);
      if (special) break;
      pos_ += 8;
    }
    while (pos_ < s_.size() && kPlain[static_cast<unsigned char>(s_[pos_])]) ++pos_;
  }

  Error fail(const char* what) const {
    return make_error(ErrorCode::kDataLoss, std::string("record is not canonical JSON at byte ") +
                                                std::to_string(pos_) + ": " + what);
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool key_token(std::string_view& key) {
    if (!eat('"')) return false;
    std::size_t start = pos_;
    while (pos_ < s_.size() && ((s_[pos_] >= 'a' && s_[pos_] <= 'z') || s_[pos_] == '_')) ++pos_;
    key = s_.substr(start, pos_ - start);
    return !key.empty() && eat('"');
  }
  // A string as canonical_json writes it: escapes only where nlohmann writes them.
  bool string_token() {
    if (!eat('"')) return false;
    while (pos_ < s_.size()) {
      skip_plain();
      if (pos_ == s_.size()) return false;
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) return false;
        char e = s_[pos_ + 1];
        if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
          pos_ += 2;
        } else if (e == 'u') {
          // Only control characters other than the short forms are written as \u00XX.
          if (pos_ + 6 > s_.size() || s_.substr(pos_ + 2, 2) != "00") return false;
          auto hi = s_[pos_ + 4], lo = s_[pos_ + 5];
          if (!(hi == '0' || hi == '1') || !is_lower_hex(std::string_view(&lo, 1), 1)) {
            return false;
          }
          pos_ += 6;
        } else {
          return false;
        }
      } else if (c < 0x80) {
        ++pos_;
      } else {
        std::size_t n = utf8_sequence_length(s_, pos_);
        if (n == 0) return false;
        pos_ += n;
      }
    }
    return false;
  }
  bool unsigned_integer(std::uint64_t& out) { return scan_unsigned(s_, pos_, out); }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool value() {
    if (pos_ >= s_.size()) return false;
    char c = s_[pos_];
    if (c == '"') return string_token();
    if (is_digit(c)) {
      std::uint64_t ignored;
      return unsigned_integer(ignored);
    }
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == '[') {
      ++pos_;
      if (eat(']')) return true;
      for (;;) {
        if (!string_token()) return false;
        if (eat(',')) continue;
        return eat(']');
      }
    }
    return false;
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

// The walk's steps, inlined: as calls, the position they share would live in memory.
#define SILTA_INLINE __attribute__((always_inline))

#if defined(__x86_64__)
// PlainScanner::classify with AVX-512 (64 bytes and a mask register per step, and a masked load
// for the last, partial, step), where the CPU has it.
bool have_avx512bw() {
  static const bool has = __builtin_cpu_supports("avx512bw");
  return has;
}

__attribute__((target("avx512bw"))) bool classify_avx512(std::string_view s, std::uint64_t* quotes,
                                                         std::uint64_t* key_chars) {
  const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'),
                space = _mm512_set1_epi8(0x20), a = _mm512_set1_epi8('a'),
                z = _mm512_set1_epi8('z'), underscore = _mm512_set1_epi8('_');
  __mmask64 special = 0;
  for (std::size_t i = 0; i < s.size(); i += 64) {
    std::size_t left = s.size() - i;
    __mmask64 valid = left >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << left) - 1;
    __m512i v = _mm512_maskz_loadu_epi8(valid, s.data() + i);
    // Signed bytes: below 0x20 is a control character or (negative) a byte from 0x80 up.
    special |= (_mm512_cmplt_epi8_mask(v, space) | _mm512_cmpeq_epi8_mask(v, backslash)) & valid;
    quotes[i / 64] = _mm512_cmpeq_epi8_mask(v, quote);
    key_chars[i / 64] = (_mm512_cmpge_epu8_mask(v, a) & _mm512_cmple_epu8_mask(v, z)) |
                        _mm512_cmpeq_epi8_mask(v, underscore);
  }
  return special == 0;
}
#endif

// The common case at a fraction of Scanner's cost: a leaf without any control character, '\\' or
// non-ASCII byte, so that every string is the plain bytes up to the next '"' (nothing escaped,
// nothing to decode). One vector pass over the leaf marks its quotes and its key characters
// (a-z, _); the walk then goes from quote to quote instead of byte by byte. For such a leaf it
// accepts exactly what Scanner accepts; it never rejects: any other leaf, and any problem, goes to
// Scanner, which then also says what is wrong.
class PlainScanner {
 public:
  static std::optional<RecordHeader> scan(std::string_view s) {
    if (s.size() > kMaxBytes) return std::nullopt;
    PlainScanner p(s);
    if (!p.classify()) return std::nullopt;
    return p.walk();
  }

 private:
  static constexpr std::size_t kMaxBytes = 4096;  // records are ~300 bytes; longer ones: Scanner
  static constexpr std::size_t kWords = kMaxBytes / 64;

  explicit PlainScanner(std::string_view s) : s_(s), words_((s.size() + 63) / 64) {}

  // Fills the bit masks (bit i % 64 of word i / 64 for byte i); false when a byte is a control
  // character, '\\' or not ASCII.
  bool classify() {
#if defined(__x86_64__)
    if (have_avx512bw()) {
      quotes_[words_] = key_chars_[words_] = 0;
      return classify_avx512(s_, quotes_.data(), key_chars_.data());
    }
#endif
    const char* p = s_.data();
    std::size_t n = s_.size(), i = 0;
    std::uint64_t q = 0, k = 0;  // the word being filled
    auto scalar = [&](std::size_t end) {
      for (; i < end; ++i) {
        auto c = static_cast<unsigned char>(p[i]);
        if (c < 0x20 || c == '\\' || c >= 0x80) return false;
        std::uint64_t bit = std::uint64_t{1} << (i % 64);
        if (c == '"') q |= bit;
        if ((c >= 'a' && c <= 'z') || c == '_') k |= bit;
      }
      return true;
    };
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20), before_a = _mm_set1_epi8('a' - 1),
                  after_z = _mm_set1_epi8('z' + 1), underscore = _mm_set1_epi8('_');
    __m128i special = _mm_setzero_si128();
    auto block = [&](std::size_t at) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
      // Signed bytes: below 0x20 is a control character or (negative) a byte from 0x80 up.
      special = _mm_or_si128(special,
                             _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, backslash)));
      __m128i key =
          _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z)),
                       _mm_cmpeq_epi8(v, underscore));
      int shift = static_cast<int>(at % 64);
      q |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)))}
           << shift;
      k |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(key))} << shift;
    };
    for (; i + 64 <= n; i += 64) {
      q = k = 0;
      block(i);
      block(i + 16);
      block(i + 32);
      block(i + 48);
      quotes_[i / 64] = q;
      key_chars_[i / 64] = k;
    }
    q = k = 0;
    for (; i + 16 <= n; i += 16) block(i);
    if (_mm_movemask_epi8(special) != 0) return false;
#else
    for (; i + 64 <= n; i += 64) {
      q = k = 0;
      if (!scalar(i + 64)) return false;
      quotes_[i / 64] = q;
      key_chars_[i / 64] = k;
    }
    q = k = 0;
#endif
    if (!scalar(n)) return false;
    if (n % 64 != 0) {
      quotes_[n / 64] = q;
      key_chars_[n / 64] = k;
    }
    quotes_[words_] = key_chars_[words_] = 0;
    return true;
  }

  std::optional<RecordHeader> walk() const {
    const char* p = s_.data();
    const std::size_t n = s_.size();
    std::size_t pos = 0;
    // The quotes are taken in order: each is the start or the end of a string token.
    std::size_t word = 0;
    std::uint64_t bits = quotes_[0];
    auto next_quote = [&]() SILTA_INLINE -> std::size_t {
      while (bits == 0) {
        if (++word >= words_) return n;
        bits = quotes_[word];
      }
      std::size_t at = word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      return at;
    };
    auto eat = [&](char c) SILTA_INLINE {
      if (pos < n && p[pos] == c) {
        ++pos;
        return true;
      }
      return false;
    };
    // '"', plain bytes, '"': sets `text` to the bytes between the quotes.
    auto string_token = [&](std::string_view& text) SILTA_INLINE {
      if (pos >= n || p[pos] != '"') return false;
      std::size_t open = next_quote();  // pos: every quote before it has been taken
      std::size_t close = next_quote();
      if (open != pos || close >= n) return false;
      text = std::string_view(p + pos + 1, close - pos - 1);
      pos = close + 1;
      return true;
    };
    // 1 to 64 bytes, each a-z or _ (a longer key: Scanner).
    auto key_token = [&](std::string_view& key) SILTA_INLINE {
      if (!string_token(key) || key.empty() || key.size() > 64) return false;
      auto at = static_cast<std::size_t>(key.data() - p);
      std::size_t w = at / 64, shift = at % 64;
      // The 64 bits from `at` on (the second shift in two steps: by 64 - 0 would be undefined).
      std::uint64_t m = (key_chars_[w] >> shift) | ((key_chars_[w + 1] << 1) << (63 - shift));
      std::uint64_t want =
          key.size() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << key.size()) - 1;
      return (m & want) == want;
    };
    auto literal = [&](std::string_view word) SILTA_INLINE {
      if (n - pos < word.size() || std::memcmp(p + pos, word.data(), word.size()) != 0) {
        return false;
      }
      pos += word.size();
      return true;
    };
    auto value = [&]() SILTA_INLINE {
      if (pos >= n) return false;
      char c = p[pos];
      std::string_view text;
      if (c == '"') return string_token(text);
      if (is_digit(c)) {
        std::uint64_t ignored;
        return scan_unsigned(s_, pos, ignored);
      }
      if (c == 't') return literal("true");
      if (c == 'f') return literal("false");
      if (c == '[') {
        ++pos;
        if (eat(']')) return true;
        for (;;) {
          if (!string_token(text)) return false;
          if (eat(',')) continue;
          return eat(']');
        }
      }
      return false;
    };

    RecordHeader h;
    bool have_seq = false, have_time = false;
    if (!eat('{')) return std::nullopt;
    std::string_view prev;
    for (bool first = true;; first = false) {
      std::string_view key;
      if (!key_token(key)) return std::nullopt;
      if (!first && !less(prev, key)) return std::nullopt;
      prev = key;
      if (!eat(':')) return std::nullopt;
      if (key.size() == 3 && key[0] == 's' && key[1] == 'e' && key[2] == 'q') {
        if (!scan_unsigned(s_, pos, h.seq)) return std::nullopt;
        have_seq = true;
      } else if (key.size() == 4 && key[0] == 't' && key[1] == 'i' && key[2] == 'm' &&
                 key[3] == 'e') {
        if (!string_token(h.time) || !time_shape(h.time)) return std::nullopt;
        have_time = true;
      } else if (!value()) {
        return std::nullopt;
      }
      if (eat(',')) continue;
      if (eat('}')) break;
      return std::nullopt;
    }
    if (pos != n || !have_seq || !have_time) return std::nullopt;
    return h;
  }

  std::string_view s_;
  std::size_t words_;
  // One word more than needed, zero, so that a key's bits can be read across a word boundary.
  std::array<std::uint64_t, kWords + 1> quotes_, key_chars_;
};

#undef SILTA_INLINE

}  // namespace

Result<RecordHeader> scan_record_header(std::string_view leaf) {
  if (auto h = PlainScanner::scan(leaf)) return *h;
  return Scanner(leaf).run();
}

Result<RecordHeader> scan_record_header_reference(std::string_view leaf) {
  return Scanner(leaf).run();
}

}  // namespace silta::audit
