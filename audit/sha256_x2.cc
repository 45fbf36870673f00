#include "audit/sha256_x2.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace silta::audit::sha256_x2 {

#if defined(__x86_64__)

namespace {

// FIPS 180-4 4.2.2 and 5.3.3.
alignas(16) constexpr std::array<std::uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
alignas(16) constexpr std::array<std::uint32_t, 8> kInitial = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define SILTA_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// The state as the round instructions want it: ABEF and CDGH.
struct State {
  __m128i abef, cdgh;
};

SILTA_SHA_TARGET State initial_state() {
  __m128i dcba = _mm_shuffle_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(&kInitial[0])),
                                   0xB1);  // CDAB
  __m128i hgfe = _mm_shuffle_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(&kInitial[4])),
                                   0x1B);  // EFGH
  return {_mm_alignr_epi8(dcba, hgfe, 8), _mm_blend_epi16(hgfe, dcba, 0xF0)};
}

SILTA_SHA_TARGET void store_digest(const State& s, std::uint8_t* out) {
  __m128i feba = _mm_shuffle_epi32(s.abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xB1);
  __m128i abcd = _mm_blend_epi16(feba, dchg, 0xF0);
  __m128i efgh = _mm_alignr_epi8(dchg, feba, 8);
  // The digest is the state words big-endian.
  const __m128i swap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(abcd, swap));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_shuffle_epi8(efgh, swap));
}

// One 64-byte block into each of N states, the N interleaved instruction by instruction. The
// message schedule keeps the last four groups of four words, w[i % 4] = W[4i .. 4i+3].
template <int N>
SILTA_SHA_TARGET inline void compress(State* state, const std::uint8_t* const* block) {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i w[N][4];
  State saved[N];
  for (int j = 0; j < N; ++j) saved[j] = state[j];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(&kRound[4 * i]));
#pragma GCC unroll 2
    for (int j = 0; j < N; ++j) {
      __m128i m;
      if (i < 4) {
        m = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block[j] + 16 * i)),
                             byte_swap);
      } else {
        // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16].
        __m128i t = _mm_sha256msg1_epu32(w[j][i % 4], w[j][(i + 1) % 4]);
        t = _mm_add_epi32(t, _mm_alignr_epi8(w[j][(i + 3) % 4], w[j][(i + 2) % 4], 4));
        m = _mm_sha256msg2_epu32(t, w[j][(i + 3) % 4]);
      }
      w[j][i % 4] = m;
      __m128i wk = _mm_add_epi32(m, k);
      state[j].cdgh = _mm_sha256rnds2_epu32(state[j].cdgh, state[j].abef, wk);
      state[j].abef =
          _mm_sha256rnds2_epu32(state[j].abef, state[j].cdgh, _mm_shuffle_epi32(wk, 0x0E));
    }
  }
  for (int j = 0; j < N; ++j) {
    state[j].abef = _mm_add_epi32(state[j].abef, saved[j].abef);
    state[j].cdgh = _mm_add_epi32(state[j].cdgh, saved[j].cdgh);
  }
}

// The blocks of prefix || message || 0x80 || zeros || bit length (64 bits, big-endian): the
// first and the last one or two are copied, the ones between are read in place.
class Blocks {
 public:
  Blocks(std::uint8_t prefix, std::span<const std::uint8_t> message) : message_(message.data()) {
    std::size_t total = message.size() + 1;
    full_ = total / 64;
    std::size_t rest = total % 64;
    std::size_t tail_blocks = rest + 9 <= 64 ? 1 : 2;
    count_ = full_ + tail_blocks;
    if (full_ > 0) {
      first_[0] = prefix;
      std::memcpy(first_ + 1, message.data(), 63);
      std::memcpy(tail_, message.data() + full_ * 64 - 1, rest);
    } else {
      tail_[0] = prefix;
      if (!message.empty()) std::memcpy(tail_ + 1, message.data(), message.size());
    }
    std::memset(tail_ + rest, 0, tail_blocks * 64 - rest);
    tail_[rest] = 0x80;
    std::uint64_t bits = static_cast<std::uint64_t>(total) * 8;
    for (std::size_t i = 0; i < 8; ++i) {
      tail_[tail_blocks * 64 - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
    }
  }
  std::size_t count() const { return count_; }
  const std::uint8_t* operator[](std::size_t k) const {
    if (k >= full_) return tail_ + 64 * (k - full_);
    return k == 0 ? first_ : message_ + 64 * k - 1;
  }

 private:
  const std::uint8_t* message_;
  std::size_t full_ = 0, count_ = 0;
  alignas(16) std::uint8_t first_[64];
  alignas(16) std::uint8_t tail_[128];
};

}  // namespace

bool available() {
  static const bool has = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    bool ssse3 = (c & bit_SSSE3) != 0, sse41 = (c & bit_SSE4_1) != 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return ssse3 && sse41 && (b & bit_SHA) != 0;
  }();
  return has;
}

SILTA_SHA_TARGET void hash(std::uint8_t prefix, std::span<const std::uint8_t> a,
                           std::span<const std::uint8_t> b, std::uint8_t* out_a,
                           std::uint8_t* out_b) {
  Blocks blocks_a(prefix, a), blocks_b(prefix, b);
  State state[2] = {initial_state(), initial_state()};
  std::size_t both = std::min(blocks_a.count(), blocks_b.count()), k = 0;
  for (; k < both; ++k) {
    const std::uint8_t* blocks[2] = {blocks_a[k], blocks_b[k]};
    compress<2>(state, blocks);
  }
  for (std::size_t i = k; i < blocks_a.count(); ++i) {
    const std::uint8_t* block = blocks_a[i];
    compress<1>(&state[0], &block);
  }
  for (std::size_t i = k; i < blocks_b.count(); ++i) {
    const std::uint8_t* block = blocks_b[i];
    compress<1>(&state[1], &block);
  }
  store_digest(state[0], out_a);
  store_digest(state[1], out_b);
}

#undef SILTA_SHA_TARGET

#else  // not x86-64

bool available() { return false; }

void hash(std::uint8_t, std::span<const std::uint8_t>, std::span<const std::uint8_t>, std::uint8_t*,
          std::uint8_t*) {}

#endif

}  // namespace silta::audit::sha256_x2
