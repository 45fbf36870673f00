// SHA-256 of two messages side by side with the x86 SHA extensions (internal, for merkle.cc).
//
// One message at a time, SHA-256 is bound by the latency of the round instructions, each round
// waiting for the one before; a second, independent message fills the gaps, so two hashes take
// little more time than one. That is the cost of `silta audit verify` and of opening a log: a
// leaf hash for every record and a node hash for nearly every record.
#pragma once

#include <cstdint>
#include <span>

namespace silta::audit::sha256_x2 {

// Whether this CPU has the SHA extensions (and SSSE3 and SSE4.1, which the code also uses).
bool available();

// out_a = SHA-256(prefix || a), out_b = SHA-256(prefix || b). Only when available().
void hash(std::uint8_t prefix, std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
          std::uint8_t* out_a, std::uint8_t* out_b);

}  // namespace silta::audit::sha256_x2
