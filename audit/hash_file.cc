#include "audit/hash_file.h"

#include <cstring>

namespace silta::audit {

namespace {
constexpr std::size_t kBatch = 4096;  // hashes compared or written at a time
std::span<const std::uint8_t> bytes_of(std::span<const Hash> hashes) {
  return {reinterpret_cast<const std::uint8_t*>(hashes.data()), hashes.size() * sizeof(Hash)};
}
}  // namespace

Result<std::unique_ptr<HashFile>> HashFile::open(FileSystem& fs,
                                                 const std::filesystem::path& path) {
  std::unique_ptr<HashFile> f(new HashFile(fs, path));
  auto reader = fs.open_read(path);
  if (!reader && reader.error().code == ErrorCode::kNotFound) {
    auto created = fs.create(path, 0600);
    if (!created) return created.error();
    reader = fs.open_read(path);
  }
  if (!reader) return reader.error();
  f->reader_ = std::move(*reader);
  auto size = f->reader_->size();
  if (!size) return size.error();
  f->file_hashes_ = *size / sizeof(Hash);
  return f;
}

Status HashFile::start_rewrite(std::uint64_t from) {
  if (auto s = fs_.truncate(path_, from * sizeof(Hash)); !s) return s;
  auto writer = fs_.open_append(path_);
  if (!writer) return writer.error();
  writer_ = std::move(*writer);
  rewriting_ = true;
  file_hashes_ = from;
  return {};
}

Status HashFile::flush_pending() {
  if (pending_.empty()) return {};
  if (!rewriting_) {
    std::size_t n = pending_.size();
    std::size_t same = 0;
    if (position_ < file_hashes_) {
      std::size_t available =
          static_cast<std::size_t>(std::min<std::uint64_t>(n, file_hashes_ - position_));
      std::vector<Hash> stored(available);
      auto got = reader_->read_at(
          position_ * sizeof(Hash),
          std::span(reinterpret_cast<std::uint8_t*>(stored.data()), available * sizeof(Hash)));
      if (!got) return got.error();
      std::size_t whole = *got / sizeof(Hash);
      while (same < whole && stored[same] == pending_[same]) ++same;
    }
    if (same == n) {
      position_ += n;
      pending_.clear();
      return {};
    }
    if (auto s = start_rewrite(position_ + same); !s) return s;
    position_ += same;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(same));
  }
  if (auto s = writer_->append(bytes_of(pending_)); !s) return s;
  position_ += pending_.size();
  pending_.clear();
  return {};
}

Status HashFile::reconcile(std::span<const Hash> hashes) {
  pending_.insert(pending_.end(), hashes.begin(), hashes.end());
  if (pending_.size() >= kBatch) return flush_pending();
  return {};
}

Status HashFile::finish_reconcile(std::uint64_t count) {
  if (auto s = flush_pending(); !s) return s;
  if (position_ != count) {
    return make_error(ErrorCode::kInternal, "hash file: reconciled " + std::to_string(position_) +
                                                " hashes, expected " + std::to_string(count));
  }
  // Cut what lies beyond: hashes of records that were never durable, or half a hash.
  auto size = reader_->size();
  if (!size) return size.error();
  if (*size != count * sizeof(Hash)) {
    if (auto s = fs_.truncate(path_, count * sizeof(Hash)); !s) return s;
  }
  if (!writer_) {
    auto writer = fs_.open_append(path_);
    if (!writer) return writer.error();
    writer_ = std::move(*writer);
  }
  rewriting_ = true;
  return {};
}

Status HashFile::append(std::span<const Hash> hashes) { return writer_->append(bytes_of(hashes)); }

Result<Hash> HashFile::read(std::uint64_t index) const {
  Hash h;
  auto got = reader_->read_at(index * sizeof(Hash), std::span(h.data(), h.size()));
  if (!got) return got.error();
  if (*got != sizeof(Hash)) {
    return make_error(ErrorCode::kInternal,
                      "hash file: hash " + std::to_string(index) + " missing");
  }
  return h;
}

}  // namespace silta::audit
