// CRC-32C (Castagnoli), the checksum of segment headers and frames. Hardware (SSE4.2) when the
// CPU has it, a table otherwise; both give the same values.
#pragma once

#include <cstdint>
#include <span>

namespace silta::audit {

std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0);

}  // namespace silta::audit
