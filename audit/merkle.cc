#include "audit/merkle.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <bit>
#include <stdexcept>

namespace silta::audit {

namespace {

// SHA-256 of the small inputs hashed here (a ~300-byte leaf, a 65-byte node) through OpenSSL's
// low-level SHA256_* functions: the same SHA-NI / AVX2 block code as EVP, without EVP's
// per-message cost (in OpenSSL 3.0 every EVP_DigestInit frees and allocates the provider's
// context), which was a third of the cost of a node hash. They are deprecated in 3.0 in favour
// of EVP, not removed; the EVP path stays for a build without them.
#if defined(OPENSSL_NO_DEPRECATED_3_0)
class Sha256 {
 public:
  Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (md_ == nullptr || ctx_ == nullptr) throw std::runtime_error("OpenSSL SHA-256 unavailable");
  }
  ~Sha256() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Hash digest(std::uint8_t prefix, std::span<const std::uint8_t> a,
              std::span<const std::uint8_t> b = {}) {
    Hash out;
    unsigned int len = 0;
    EVP_DigestInit_ex2(ctx_, md_, nullptr);
    EVP_DigestUpdate(ctx_, &prefix, 1);
    EVP_DigestUpdate(ctx_, a.data(), a.size());
    if (!b.empty()) EVP_DigestUpdate(ctx_, b.data(), b.size());
    EVP_DigestFinal_ex(ctx_, out.data(), &len);
    return out;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

Sha256& hasher() {
  thread_local Sha256 h;
  return h;
}

Hash digest(std::uint8_t prefix, std::span<const std::uint8_t> a,
            std::span<const std::uint8_t> b = {}) {
  return hasher().digest(prefix, a, b);
}
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Hash digest(std::uint8_t prefix, std::span<const std::uint8_t> a,
            std::span<const std::uint8_t> b = {}) {
  Hash out;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, &prefix, 1);
  SHA256_Update(&ctx, a.data(), a.size());
  if (!b.empty()) SHA256_Update(&ctx, b.data(), b.size());
  SHA256_Final(out.data(), &ctx);
  return out;
}
#pragma GCC diagnostic pop
#endif

// The largest power of two strictly below n (n >= 2).
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

bool is_perfect(std::uint64_t begin, std::uint64_t end) {
  std::uint64_t n = end - begin;
  return std::has_single_bit(n) && begin % n == 0;
}

// MTH(D[begin:end]) for a node of the RFC 6962 tree: begin is aligned to the split point.
Result<Hash> subtree_root(std::uint64_t begin, std::uint64_t end, const SubtreeSource& source) {
  if (is_perfect(begin, end)) {
    int level = std::countr_zero(end - begin);
    return source(level, begin >> level);
  }
  std::uint64_t k = split_point(end - begin);
  auto left = subtree_root(begin, begin + k, source);
  if (!left) return left;
  auto right = subtree_root(begin + k, end, source);
  if (!right) return right;
  return node_hash(*left, *right);
}

}  // namespace

Hash leaf_hash(std::span<const std::uint8_t> leaf) { return digest(0x00, leaf); }

Hash node_hash(const Hash& left, const Hash& right) { return digest(0x01, left, right); }

void leaf_hashes(std::span<const std::string_view> leaves, std::span<Hash> out) {
  for (std::size_t i = 0; i < leaves.size(); ++i) out[i] = leaf_hash(leaves[i]);
}

void node_hashes(std::span<const Hash> children, std::span<Hash> out) {
  for (std::size_t i = 0; i < children.size() / 2; ++i) {
    out[i] = node_hash(children[2 * i], children[2 * i + 1]);
  }
}

Hash empty_root() { return sha256(std::string_view()); }

void CompactRange::append(const Hash& leaf, std::vector<Hash>* completed) {
  Hash h = leaf;
  if (completed) completed->push_back(h);
  // Each trailing one bit of the old size is a peak that the new leaf completes.
  for (std::uint64_t s = size_; s & 1; s >>= 1) {
    h = node_hash(peaks_.back(), h);
    peaks_.pop_back();
    if (completed) completed->push_back(h);
  }
  peaks_.push_back(h);
  ++size_;
}

void CompactRange::append_precomputed(std::span<const Hash> hashes, std::vector<Hash>* completed) {
  Hash h = hashes[0];
  if (completed) completed->push_back(h);
  std::size_t level = 1;
  for (std::uint64_t s = size_; s & 1; s >>= 1, ++level) {
    h = level < hashes.size() ? hashes[level] : node_hash(peaks_.back(), h);
    peaks_.pop_back();
    if (completed) completed->push_back(h);
  }
  peaks_.push_back(h);
  ++size_;
}

Hash CompactRange::root() const {
  if (peaks_.empty()) return empty_root();
  Hash h = peaks_.back();
  for (auto it = peaks_.rbegin() + 1; it != peaks_.rend(); ++it) h = node_hash(*it, h);
  return h;
}

Result<Hash> tree_root(std::uint64_t size, const SubtreeSource& source) {
  if (size == 0) return empty_root();
  return subtree_root(0, size, source);
}

Result<std::vector<Hash>> inclusion_path(std::uint64_t index, std::uint64_t size,
                                         const SubtreeSource& source) {
  if (index >= size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "inclusion proof: index " + std::to_string(index) + " is not below size " +
                          std::to_string(size));
  }
  // Walk down from the root; the siblings come out top first, the proof lists them bottom first.
  std::vector<Hash> path;
  std::uint64_t begin = 0, end = size;
  while (end - begin > 1) {
    std::uint64_t mid = begin + split_point(end - begin);
    Result<Hash> sibling =
        index < mid ? subtree_root(mid, end, source) : subtree_root(begin, mid, source);
    if (!sibling) return sibling.error();
    path.push_back(*sibling);
    if (index < mid) {
      end = mid;
    } else {
      begin = mid;
    }
  }
  return std::vector<Hash>(path.rbegin(), path.rend());
}

Result<std::vector<Hash>> consistency_path(std::uint64_t from, std::uint64_t to,
                                           const SubtreeSource& source) {
  if (from > to) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "consistency proof: from " + std::to_string(from) + " is above to " + std::to_string(to));
  }
  std::vector<Hash> path;
  if (from == 0 || from == to) return path;
  // SUBPROOF(m, D[begin:end], b), unrolled; siblings come out top first.
  std::uint64_t m = from, begin = 0, end = to;
  bool whole = true;  // b: the old tree is exactly the current subtree so far
  while (m != end - begin) {
    std::uint64_t k = split_point(end - begin);
    if (m <= k) {
      auto right = subtree_root(begin + k, end, source);
      if (!right) return right.error();
      path.push_back(*right);
      end = begin + k;
    } else {
      auto left = subtree_root(begin, begin + k, source);
      if (!left) return left.error();
      path.push_back(*left);
      begin += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) {
    auto node = subtree_root(begin, end, source);
    if (!node) return node.error();
    path.push_back(*node);
  }
  return std::vector<Hash>(path.rbegin(), path.rend());
}

bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      std::span<const Hash> path, const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node_hash(p, r);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t from, std::uint64_t to, std::span<const Hash> path,
                        const Hash& from_root, const Hash& to_root) {
  if (from > to) return false;
  if (from == to) return path.empty() && from_root == to_root;
  if (from == 0) return path.empty();
  if (path.empty()) return false;
  std::vector<Hash> p(path.begin(), path.end());
  if (std::has_single_bit(from)) p.insert(p.begin(), from_root);
  std::uint64_t fn = from - 1, sn = to - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0], sr = p[0];
  for (std::size_t i = 1; i < p.size(); ++i) {
    const Hash& c = p[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == from_root && sr == to_root && sn == 0;
}

namespace {
nlohmann::json hashes_json(const std::vector<Hash>& path) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : path) a.push_back(to_base64(h));
  return a;
}
}  // namespace

nlohmann::json to_json(const InclusionProof& p) {
  return {{"index", p.index},
          {"size", p.size},
          {"leaf_hash", to_base64(p.leaf_hash)},
          {"root", to_base64(p.root)},
          {"path", hashes_json(p.path)}};
}

nlohmann::json to_json(const ConsistencyProof& p) {
  return {{"from", p.from},
          {"to", p.to},
          {"from_root", to_base64(p.from_root)},
          {"to_root", to_base64(p.to_root)},
          {"path", hashes_json(p.path)}};
}

std::uint64_t stored_hash_index(int level, std::uint64_t index) {
  // The subtree is stored right after its rightmost leaf and the `level` subtrees below it
  // that the leaf completes; before that leaf come n + n/2 + n/4 + ... hashes.
  std::uint64_t n = ((index + 1) << level) - 1;
  std::uint64_t before = 0;
  for (; n > 0; n >>= 1) before += n;
  return before + static_cast<std::uint64_t>(level);
}

std::uint64_t stored_hash_count(std::uint64_t size) {
  if (size == 0) return 0;
  std::uint64_t count = stored_hash_index(0, size - 1) + 1;
  for (std::uint64_t i = size - 1; i & 1; i >>= 1) ++count;
  return count;
}

}  // namespace silta::audit
