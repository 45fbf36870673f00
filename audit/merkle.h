// The RFC 6962 / RFC 9162 Merkle tree over the audit records: leaf and node hashes, the
// incremental tree (compact range), inclusion and consistency proofs and their verification.
//
// A perfect subtree is named by (level, index): it covers the leaves
// [index << level, (index + 1) << level). Proof generation only needs the hashes of perfect
// subtrees; where they come from (a file, memory, a streaming pass) is the caller's business.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/codec.h"
#include "common/result.h"

namespace silta::audit {

using Hash = Sha256Digest;

// SHA-256(0x00 || leaf).
Hash leaf_hash(std::span<const std::uint8_t> leaf);
inline Hash leaf_hash(std::string_view leaf) { return leaf_hash(as_bytes(leaf)); }
// SHA-256(0x01 || left || right).
Hash node_hash(const Hash& left, const Hash& right);
// Many at once (a chunk of a scan): out[i] = leaf_hash(leaves[i]), and
// out[i] = node_hash(children[2i], children[2i + 1]).
void leaf_hashes(std::span<const std::string_view> leaves, std::span<Hash> out);
void node_hashes(std::span<const Hash> children, std::span<Hash> out);
// The root of the empty tree: SHA-256 of nothing.
Hash empty_root();

// The tree kept incrementally: the roots of the perfect subtrees that make up [0, size), one per
// set bit of size. Appending costs one leaf hash plus one node hash per subtree it completes.
class CompactRange {
 public:
  // Appends a leaf hash. When `completed` is given, the leaf hash and then the hash of every
  // perfect subtree the leaf completes (lowest level first) are appended to it: the order in
  // which HashFile stores them.
  void append(const Hash& leaf, std::vector<Hash>* completed = nullptr);
  // The same, with some of the work done elsewhere (by the threads of a scan): `hashes` is the
  // leaf hash, then the hashes of the lowest hashes.size() - 1 perfect subtrees it completes
  // (not more than it completes); the subtrees above those are computed here.
  void append_precomputed(std::span<const Hash> hashes, std::vector<Hash>* completed = nullptr);
  std::uint64_t size() const { return size_; }
  Hash root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> peaks_;  // highest (leftmost) subtree first
};

// The hash of the perfect subtree (level, index), or an error from the store behind it.
using SubtreeSource = std::function<Result<Hash>(int level, std::uint64_t index)>;

// MTH(D[0:size]).
Result<Hash> tree_root(std::uint64_t size, const SubtreeSource& source);
// RFC 9162 PATH(index, D[0:size]), for index < size.
Result<std::vector<Hash>> inclusion_path(std::uint64_t index, std::uint64_t size,
                                         const SubtreeSource& source);
// RFC 9162 PROOF(from, D[0:to]), for from <= to; empty when from is 0 or equals to.
Result<std::vector<Hash>> consistency_path(std::uint64_t from, std::uint64_t to,
                                           const SubtreeSource& source);

// RFC 9162 2.1.3.2: does `path` prove that `leaf` is leaf `index` of the tree of `size` with
// `root`?
bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      std::span<const Hash> path, const Hash& root);
// RFC 9162 2.1.4.2: does `path` prove that the tree of size `from` with `from_root` is a prefix of
// the tree of size `to` with `to_root`? (Every tree is consistent with the empty tree.)
bool verify_consistency(std::uint64_t from, std::uint64_t to, std::span<const Hash> path,
                        const Hash& from_root, const Hash& to_root);

// A proof as served (API, CLI): everything a verifier needs besides the leaf bytes.
struct InclusionProof {
  std::uint64_t index = 0;
  std::uint64_t size = 0;
  Hash leaf_hash{};
  Hash root{};  // of the tree of `size`
  std::vector<Hash> path;
  bool verify() const { return verify_inclusion(leaf_hash, index, size, path, root); }
};

struct ConsistencyProof {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  Hash from_root{};
  Hash to_root{};
  std::vector<Hash> path;
  bool verify() const { return verify_consistency(from, to, path, from_root, to_root); }
};

// JSON with hashes in base64, as in checkpoints:
// {"index","size","leaf_hash","root","path":[...]} and {"from","to","from_root","to_root","path"}.
nlohmann::json to_json(const InclusionProof& proof);
nlohmann::json to_json(const ConsistencyProof& proof);

// Where HashFile keeps the hash of perfect subtree (level, index): hashes are stored in the order
// CompactRange::append completes them (the layout of Go's golang.org/x/mod/sumdb/tlog).
std::uint64_t stored_hash_index(int level, std::uint64_t index);
// How many hashes are stored for a tree of `size` leaves.
std::uint64_t stored_hash_count(std::uint64_t size);

}  // namespace silta::audit
