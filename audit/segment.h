// Segment files and frames (internal; docs/formats/audit-log.md is the reference).
//
// A segment is a header followed by frames. The header names the format version, the log origin
// and the sequence number of the segment's first record; each frame carries one record (its leaf
// bytes) or one signed checkpoint, with a checksummed header of its own so that a damaged length
// is told from a torn tail.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/file_system.h"
#include "common/codec.h"
#include "common/result.h"

namespace silta::audit {

inline constexpr std::string_view kSegmentMagic = "SILTALOG";
inline constexpr std::uint32_t kSegmentVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 16;
inline constexpr std::uint32_t kMaxFramePayload = 1 << 20;
inline constexpr std::size_t kMaxOriginBytes = 256;

enum class FrameType : std::uint8_t { kRecord = 1, kCheckpoint = 2 };

// "00000000000000000042.seg": the first sequence number, 20 digits.
std::string segment_file_name(std::uint64_t first_seq);
std::optional<std::uint64_t> parse_segment_file_name(std::string_view name);

struct SegmentHeader {
  std::uint64_t first_seq = 0;
  std::string origin;
};

Bytes encode_segment_header(const SegmentHeader& header);
void append_frame(Bytes& out, FrameType type, std::span<const std::uint8_t> payload);

// Reads one segment front to back.
class SegmentReader {
 public:
  enum class Step {
    kFrame,    // a valid frame
    kEnd,      // clean end of the file
    kTorn,     // an incomplete final frame (or a zero-filled tail): a crash while writing
    kDamaged,  // anything else: problem() says what
  };
  struct Frame {
    FrameType type = FrameType::kRecord;
    std::uint64_t offset = 0;  // of the frame header in the file
    std::string_view payload;  // valid until the next call
  };

  explicit SegmentReader(const ReadFile& file) : file_(file) {}
  // Reads and checks the header. kTorn when the file is shorter than a header.
  Step read_header(SegmentHeader& header);
  Step next(Frame& frame);
  // Continues at a known frame boundary and reads no further than `end` (a live segment: the
  // part that is durable).
  void start_at(std::uint64_t offset, std::uint64_t end);
  // Where the next frame would start: after a kTorn, the length of the valid part.
  std::uint64_t offset() const { return offset_; }
  const std::string& problem() const { return problem_; }
  // After kDamaged: the frame's type when its header was intact (the payload was damaged).
  std::optional<FrameType> damaged_type() const { return damaged_type_; }

 private:
  // Makes [offset_, offset_ + n) available in the buffer; false when the file is shorter.
  Result<bool> fill(std::size_t n);
  bool rest_is_zero();

  const ReadFile& file_;
  Bytes buffer_;  // the first buffer_size_ bytes hold file data
  std::size_t buffer_size_ = 0;
  std::uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  // How much the next read asks for: 64 KiB first (a few records are what a single read needs),
  // doubling to 1 MiB as a scan goes on.
  std::size_t chunk_ = std::size_t{64} << 10;
  std::uint64_t offset_ = 0;
  std::uint64_t file_size_ = 0;
  std::string problem_;
  std::optional<FrameType> damaged_type_;
};

}  // namespace silta::audit
