#include "audit/segment.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "audit/crc32c.h"

namespace silta::audit {

namespace {

constexpr std::size_t kMaxReadChunk = 1 << 20;

void put_u16(Bytes& out, std::uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

std::string segment_file_name(std::uint64_t first_seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.seg", static_cast<unsigned long long>(first_seq));
  return buf;
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) {
  if (name.size() != 24 || name.substr(20) != ".seg") return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + 20, v);
  if (ec != std::errc() || p != name.data() + 20) return std::nullopt;
  if (segment_file_name(v) != name) return std::nullopt;
  return v;
}

Bytes encode_segment_header(const SegmentHeader& h) {
  Bytes out(kSegmentMagic.begin(), kSegmentMagic.end());
  put_u32(out, kSegmentVersion);
  put_u64(out, h.first_seq);
  put_u16(out, static_cast<std::uint16_t>(h.origin.size()));
  out.insert(out.end(), h.origin.begin(), h.origin.end());
  put_u32(out, crc32c(out));
  return out;
}

void append_frame(Bytes& out, FrameType type, std::span<const std::uint8_t> payload) {
  std::size_t start = out.size();
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.push_back(static_cast<std::uint8_t>(type));
  out.insert(out.end(), 3, 0);
  put_u32(out, crc32c(payload));
  put_u32(out, crc32c(std::span(out.data() + start, 12)));
  out.insert(out.end(), payload.begin(), payload.end());
}

Result<bool> SegmentReader::fill(std::size_t n) {
  std::uint64_t have_end = buffer_offset_ + buffer_size_;
  if (offset_ >= buffer_offset_ && offset_ + n <= have_end) return true;
  if (offset_ + n > file_size_) return false;
  // Keep the bytes from offset_ on, then read enough for n (at least a chunk). The buffer only
  // grows: its bytes past buffer_size_ are not needed, and resizing would zero them first.
  std::size_t have = 0;
  if (offset_ >= buffer_offset_ && offset_ < have_end) {
    have = static_cast<std::size_t>(have_end - offset_);
    std::memmove(buffer_.data(), buffer_.data() + (offset_ - buffer_offset_), have);
  }
  buffer_offset_ = offset_;
  buffer_size_ = have;
  std::size_t want = std::max(n, chunk_);
  chunk_ = std::min(chunk_ * 2, kMaxReadChunk);
  want = static_cast<std::size_t>(std::min<std::uint64_t>(want, file_size_ - offset_));
  if (buffer_.size() < want) buffer_.resize(want);
  auto got = file_.read_at(offset_ + have, std::span(buffer_.data() + have, want - have));
  if (!got) return got.error();
  buffer_size_ = have + *got;
  return buffer_size_ >= n;
}

bool SegmentReader::rest_is_zero() {
  std::uint64_t at = offset_;
  Bytes chunk(64 * 1024);
  while (at < file_size_) {
    auto n = file_.read_at(at, chunk);
    if (!n || *n == 0) return false;
    for (std::size_t i = 0; i < *n; ++i) {
      if (chunk[i] != 0) return false;
    }
    at += *n;
  }
  return true;
}

SegmentReader::Step SegmentReader::read_header(SegmentHeader& header) {
  auto size = file_.size();
  if (!size) {
    problem_ = size.error().message;
    return Step::kDamaged;
  }
  file_size_ = *size;
  offset_ = 0;
  constexpr std::size_t kFixed = 8 + 4 + 8 + 2;
  auto ok = fill(kFixed);
  if (!ok) {
    problem_ = ok.error().message;
    return Step::kDamaged;
  }
  if (!*ok) return Step::kTorn;
  const std::uint8_t* p = buffer_.data();
  if (std::memcmp(p, kSegmentMagic.data(), kSegmentMagic.size()) != 0) {
    problem_ = "not a segment file (bad magic)";
    return Step::kDamaged;
  }
  auto origin_len = static_cast<std::size_t>(get_le(p + 20, 2));
  // Checked before reading on, so that a damaged length is never mistaken for a short file.
  if (origin_len == 0 || origin_len > kMaxOriginBytes) {
    problem_ = "bad origin length in the segment header";
    return Step::kDamaged;
  }
  ok = fill(kFixed + origin_len + 4);
  if (!ok) {
    problem_ = ok.error().message;
    return Step::kDamaged;
  }
  if (!*ok) return Step::kTorn;
  p = buffer_.data();
  std::uint32_t stored = static_cast<std::uint32_t>(get_le(p + kFixed + origin_len, 4));
  if (crc32c(std::span(p, kFixed + origin_len)) != stored) {
    problem_ = "segment header checksum mismatch";
    return Step::kDamaged;
  }
  auto version = static_cast<std::uint32_t>(get_le(p + 8, 4));
  if (version != kSegmentVersion) {
    problem_ = "unsupported segment format version " + std::to_string(version);
    return Step::kDamaged;
  }
  header.first_seq = get_le(p + 12, 8);
  header.origin.assign(reinterpret_cast<const char*>(p + kFixed), origin_len);
  offset_ = kFixed + origin_len + 4;
  return Step::kFrame;
}

void SegmentReader::start_at(std::uint64_t offset, std::uint64_t end) {
  buffer_size_ = 0;
  buffer_offset_ = offset;
  offset_ = offset;
  file_size_ = end;
}

SegmentReader::Step SegmentReader::next(Frame& frame) {
  damaged_type_.reset();
  if (offset_ == file_size_) return Step::kEnd;
  auto ok = fill(kFrameHeaderSize);
  if (!ok) {
    problem_ = ok.error().message;
    return Step::kDamaged;
  }
  if (!*ok) return Step::kTorn;  // not even a whole frame header
  const std::uint8_t* h = buffer_.data() + (offset_ - buffer_offset_);
  auto header_crc = static_cast<std::uint32_t>(get_le(h + 12, 4));
  if (crc32c(std::span(h, 12)) != header_crc) {
    if (rest_is_zero()) return Step::kTorn;
    problem_ = "frame header checksum mismatch";
    return Step::kDamaged;
  }
  auto length = static_cast<std::uint32_t>(get_le(h, 4));
  std::uint8_t type = h[4];
  if ((type != static_cast<std::uint8_t>(FrameType::kRecord) &&
       type != static_cast<std::uint8_t>(FrameType::kCheckpoint)) ||
      h[5] != 0 || h[6] != 0 || h[7] != 0 || length == 0 || length > kMaxFramePayload) {
    problem_ = "bad frame header (type " + std::to_string(type) + ", length " +
               std::to_string(length) + ")";
    return Step::kDamaged;
  }
  auto payload_crc = static_cast<std::uint32_t>(get_le(h + 8, 4));
  ok = fill(kFrameHeaderSize + length);
  if (!ok) {
    problem_ = ok.error().message;
    return Step::kDamaged;
  }
  if (!*ok) return Step::kTorn;  // the header is intact but the payload was cut short
  const std::uint8_t* payload = buffer_.data() + (offset_ - buffer_offset_) + kFrameHeaderSize;
  if (crc32c(std::span(payload, length)) != payload_crc) {
    damaged_type_ = static_cast<FrameType>(type);
    problem_ = "frame checksum mismatch";
    return Step::kDamaged;
  }
  frame.type = static_cast<FrameType>(type);
  frame.offset = offset_;
  frame.payload = std::string_view(reinterpret_cast<const char*>(payload), length);
  offset_ += kFrameHeaderSize + length;
  return Step::kFrame;
}

}  // namespace silta::audit
