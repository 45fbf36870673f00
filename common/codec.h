// Byte encodings and digests used across modules: hex, base64 (RFC 4648, padded), SHA-256,
// and canonical JSON (the exact bytes that get hashed and signed).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace silta {

using Bytes = std::vector<std::uint8_t>;
using Sha256Digest = std::array<std::uint8_t, 32>;

std::string to_hex(std::span<const std::uint8_t> bytes);
std::optional<Bytes> from_hex(std::string_view hex);

std::string to_base64(std::span<const std::uint8_t> bytes);
std::optional<Bytes> from_base64(std::string_view text);

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Sha256Digest sha256(std::span<const std::uint8_t> data);
inline Sha256Digest sha256(std::string_view data) { return sha256(as_bytes(data)); }
std::string sha256_hex(std::string_view data);

// Canonical JSON: object keys sorted by their UTF-8 bytes, no insignificant whitespace, strings
// as UTF-8 (only '"', '\\' and control characters escaped). Throws nlohmann::json::type_error on
// invalid UTF-8 and std::invalid_argument on a floating-point number: canonical documents here
// carry integers only. See docs/formats/audit-log.md.
std::string canonical_json(const nlohmann::json& value);

}  // namespace silta
