// libFuzzer target: a segment file of the audit log, read front to back as opening or verifying
// a log does (audit/segment.h, docs/formats/audit-log.md): the header, every frame, and each
// record frame's leaf through the scanner and the parser. Nothing may crash or loop; every frame
// lies within the file and after the previous one; a damaged file says what is wrong.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "audit/event.h"
#include "audit/record_scan.h"
#include "audit/segment.h"

using namespace silta;
using namespace silta::audit;

namespace {

class MemoryFile : public ReadFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    if (offset >= size_) return std::size_t{0};
    std::size_t n = std::min<std::size_t>(out.size(), size_ - offset);
    std::memcpy(out.data(), data_ + offset, n);
    return n;
  }
  Result<std::uint64_t> size() const override { return std::uint64_t{size_}; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MemoryFile file(data, size);
  SegmentReader reader(file);
  SegmentHeader header;
  auto step = reader.read_header(header);
  if (step == SegmentReader::Step::kDamaged && reader.problem().empty()) std::abort();
  if (step != SegmentReader::Step::kFrame) return 0;
  if (header.origin.size() > kMaxOriginBytes) std::abort();
  std::uint64_t previous = 0;
  for (std::size_t frames = 0;; ++frames) {
    SegmentReader::Frame frame;
    step = reader.next(frame);
    if (step != SegmentReader::Step::kFrame) break;
    if (frames > size || frame.offset < previous || frame.offset + kFrameHeaderSize > size ||
        frame.offset + kFrameHeaderSize + frame.payload.size() > size ||
        frame.payload.size() > kMaxFramePayload) {
      std::abort();
    }
    previous = frame.offset + kFrameHeaderSize + frame.payload.size();
    if (frame.type == FrameType::kRecord) {
      auto scanned = scan_record_header(frame.payload);
      auto record = parse_record(frame.payload);
      if (record && (!scanned || scanned->seq != record->seq)) std::abort();
    }
  }
  if (step == SegmentReader::Step::kDamaged && reader.problem().empty()) std::abort();
  if (reader.offset() > size) std::abort();
  return 0;
}
