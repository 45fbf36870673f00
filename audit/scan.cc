#include "audit/scan.h"

#include <algorithm>

#include "audit/event.h"
#include "audit/segment.h"

namespace silta::audit {

namespace {

Error damage(const std::string& where, const std::string& what) {
  return make_error(ErrorCode::kDataLoss, where + ": " + what);
}

}  // namespace

std::string LogLocation::describe(Kind kind) const {
  std::string s = "segment " + segment + ", offset " + std::to_string(offset) + ", ";
  switch (kind) {
    case Kind::kRecord:
      return s + "record " + std::to_string(seq);
    case Kind::kCheckpoint:
      return s + "checkpoint after " + std::to_string(seq) + " records";
    case Kind::kUnknown:
      break;
  }
  return s + "frame before record " + std::to_string(seq);
}

std::optional<std::string_view> note_text(std::string_view note) {
  std::size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return std::nullopt;
  return note.substr(0, split + 1);
}

Result<ScanResult> scan_log(const ScanOptions& options, ScanVisitor* visitor) {
  FileSystem& fs = *options.fs;
  ScanResult result;
  auto names = fs.list(options.dir);
  if (!names) return names.error();
  std::vector<std::pair<std::uint64_t, std::string>> segments;
  for (const auto& name : *names) {
    if (auto first = parse_segment_file_name(name)) {
      segments.emplace_back(*first, name);
    } else if (name.size() > 4 && name.ends_with(".tmp")) {
      result.stray_files.push_back(name);
    }
  }
  std::sort(segments.begin(), segments.end());

  std::vector<Hash> completed;
  for (std::size_t si = 0; si < segments.size(); ++si) {
    const auto& [named_first, name] = segments[si];
    bool last = si + 1 == segments.size();
    std::string where = "segment " + name;
    std::uint64_t expected = result.tree.size();
    if (named_first != expected) {
      return damage(where, "starts at record " + std::to_string(named_first) + " but record " +
                               std::to_string(expected) +
                               " comes next (a missing or extra segment)");
    }
    auto file = fs.open_read(options.dir / name);
    if (!file) return file.error();
    SegmentReader reader(**file);
    SegmentHeader header;
    auto step = reader.read_header(header);
    if (step == SegmentReader::Step::kTorn && last) {
      auto size = (*file)->size();
      result.torn_tail = TornTail{name, 0, size ? *size : 0, true};
      break;
    }
    if (step != SegmentReader::Step::kFrame) {
      return damage(where + ", offset 0", step == SegmentReader::Step::kTorn
                                              ? "incomplete segment header"
                                              : reader.problem());
    }
    if (header.first_seq != named_first) {
      return damage(where + ", offset 0", "the header says the segment starts at record " +
                                              std::to_string(header.first_seq));
    }
    if (!valid_key_name(header.origin)) return damage(where + ", offset 0", "bad origin");
    if (result.origin.empty()) result.origin = header.origin;
    if (header.origin != result.origin) {
      return damage(where + ", offset 0", "origin \"" + header.origin +
                                              "\" differs from the earlier segments' \"" +
                                              result.origin + "\"");
    }
    if (!options.expected_origin.empty() && header.origin != options.expected_origin) {
      return damage(where + ", offset 0", "origin \"" + header.origin + "\" but \"" +
                                              options.expected_origin + "\" was expected");
    }
    SegmentSummary summary{name, named_first, 0, reader.offset()};
    LogLocation at{si, name, 0, 0};
    SegmentReader::Frame frame;
    for (;;) {
      at.offset = reader.offset();
      at.seq = result.tree.size();
      step = reader.next(frame);
      if (step == SegmentReader::Step::kEnd) break;
      if (step == SegmentReader::Step::kTorn) {
        if (!last) {
          return damage(at.describe(),
                        "incomplete frame at the end of a segment that is not the last");
        }
        auto size = (*file)->size();
        result.torn_tail = TornTail{name, at.offset, size ? *size - at.offset : 0, false};
        break;
      }
      if (step == SegmentReader::Step::kDamaged) {
        auto type = reader.damaged_type();
        auto kind = !type                             ? LogLocation::Kind::kUnknown
                    : *type == FrameType::kCheckpoint ? LogLocation::Kind::kCheckpoint
                                                      : LogLocation::Kind::kRecord;
        return damage(at.describe(kind), reader.problem());
      }
      if (frame.type == FrameType::kRecord) {
        auto h = scan_record_header(frame.payload);
        if (!h) return damage(at.describe(), h.error().message);
        if (h->seq != at.seq) {
          return damage(at.describe(), "sequence number " + std::to_string(h->seq) + " where " +
                                           std::to_string(at.seq) +
                                           " was expected (a missing, repeated or moved record)");
        }
        if (h->time < result.last_time) {
          return damage(at.describe(), "time " + std::string(h->time) +
                                           " is before the previous "
                                           "record's " +
                                           result.last_time);
        }
        result.last_time.assign(h->time);
        completed.clear();
        result.tree.append(leaf_hash(frame.payload), &completed);
        ++summary.records;
        if (visitor) {
          if (auto s = visitor->on_record(at.seq, frame.payload, at, completed); !s) {
            return s.error();
          }
        }
      } else {
        std::string note(frame.payload);
        Result<Checkpoint> cp = make_error(ErrorCode::kInternal, "");
        if (options.verifier) {
          cp = options.verifier->open_checkpoint(note);
        } else if (auto text = note_text(note)) {
          cp = Checkpoint::parse_body(*text);
        } else {
          cp = make_error(ErrorCode::kInvalidArgument, "not a signed note");
        }
        if (!cp) return damage(at.describe(LogLocation::Kind::kCheckpoint), cp.error().message);
        auto text = note_text(note);
        if (!text || cp->body() != *text) {
          return damage(at.describe(LogLocation::Kind::kCheckpoint),
                        "the checkpoint text is not in the form this log writes");
        }
        if (cp->origin != result.origin) {
          return damage(at.describe(LogLocation::Kind::kCheckpoint),
                        "checkpoint of another log (origin \"" + cp->origin + "\")");
        }
        if (cp->size != result.tree.size()) {
          return damage(at.describe(LogLocation::Kind::kCheckpoint),
                        "checkpoint for " + std::to_string(cp->size) +
                            " records where the log has " + std::to_string(result.tree.size()));
        }
        if (cp->root != result.tree.root()) {
          return damage(at.describe(LogLocation::Kind::kCheckpoint),
                        "the signed root does not match the records (a record before it was "
                        "altered)");
        }
        SignedCheckpoint signed_cp{*cp, std::move(note)};
        if (visitor) {
          if (auto s = visitor->on_checkpoint(signed_cp, at); !s) return s.error();
        }
        ++result.checkpoints;
        result.latest_checkpoint = std::move(signed_cp);
      }
    }
    summary.valid_bytes = reader.offset();
    result.segments.push_back(std::move(summary));
  }
  return result;
}

}  // namespace silta::audit
