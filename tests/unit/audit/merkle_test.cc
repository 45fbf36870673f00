// The RFC 6962 tree: published vectors, and every proof against a brute-force reference written
// straight from the RFC's recursive definitions.
#include <catch2/catch.hpp>
#include <random>

#include "audit/merkle.h"

using namespace silta;
using namespace silta::audit;

namespace {

Hash h(std::string_view hex) {
  auto b = from_hex(hex);
  REQUIRE(b);
  REQUIRE(b->size() == 32);
  Hash out;
  std::copy(b->begin(), b->end(), out.begin());
  return out;
}

// The eight leaves of the RFC 6962 test data (certificate-transparency, Trillian).
std::vector<Bytes> rfc_leaves() {
  std::vector<Bytes> leaves;
  for (const char* hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                          "606162636465666768696a6b6c6d6e6f"}) {
    leaves.push_back(*from_hex(hex));
  }
  return leaves;
}

const char* kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// --- the reference: RFC 6962 section 2.1, recursively, over leaf hashes -----------------------
using Leaves = std::vector<Hash>;

std::uint64_t k_of(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash ref_mth(const Leaves& d, std::uint64_t lo, std::uint64_t hi) {
  if (hi - lo == 0) return empty_root();
  if (hi - lo == 1) return d[lo];
  std::uint64_t k = k_of(hi - lo);
  return node_hash(ref_mth(d, lo, lo + k), ref_mth(d, lo + k, hi));
}

std::vector<Hash> ref_path(std::uint64_t m, const Leaves& d, std::uint64_t lo, std::uint64_t hi) {
  if (hi - lo <= 1) return {};
  std::uint64_t k = k_of(hi - lo);
  std::vector<Hash> p;
  if (m < k) {
    p = ref_path(m, d, lo, lo + k);
    p.push_back(ref_mth(d, lo + k, hi));
  } else {
    p = ref_path(m - k, d, lo + k, hi);
    p.push_back(ref_mth(d, lo, lo + k));
  }
  return p;
}

std::vector<Hash> ref_subproof(std::uint64_t m, const Leaves& d, std::uint64_t lo, std::uint64_t hi,
                               bool b) {
  std::uint64_t n = hi - lo;
  if (m == n) {
    if (b) return {};
    return {ref_mth(d, lo, hi)};
  }
  std::uint64_t k = k_of(n);
  std::vector<Hash> p;
  if (m <= k) {
    p = ref_subproof(m, d, lo, lo + k, b);
    p.push_back(ref_mth(d, lo + k, hi));
  } else {
    p = ref_subproof(m - k, d, lo + k, hi, false);
    p.push_back(ref_mth(d, lo, lo + k));
  }
  return p;
}

std::vector<Hash> ref_consistency(std::uint64_t m, const Leaves& d, std::uint64_t n) {
  if (m == 0 || m == n) return {};
  return ref_subproof(m, d, 0, n, true);
}

// Perfect subtree hashes from the full leaf list: the simplest possible source.
SubtreeSource memory_source(const Leaves& d) {
  return [&d](int level, std::uint64_t index) -> Result<Hash> {
    std::uint64_t lo = index << level, hi = (index + 1) << level;
    return ref_mth(d, lo, hi);
  };
}

Leaves leaf_hashes(const std::vector<Bytes>& leaves) {
  Leaves d;
  for (const auto& l : leaves) d.push_back(leaf_hash(l));
  return d;
}

Leaves random_leaves(std::size_t n, std::mt19937_64& rng) {
  Leaves d(n);
  for (auto& x : d) {
    for (auto& b : x) b = static_cast<std::uint8_t>(rng());
  }
  return d;
}

}  // namespace

TEST_CASE("RFC 6962 vectors: the roots of the eight standard leaves for sizes 0-8", "[merkle]") {
  Leaves d = leaf_hashes(rfc_leaves());
  CompactRange range;
  CHECK(range.root() == h(kRoots[0]));
  for (std::size_t n = 1; n <= 8; ++n) {
    range.append(d[n - 1]);
    INFO("size " << n);
    CHECK(range.root() == h(kRoots[n]));
    CHECK(ref_mth(d, 0, n) == h(kRoots[n]));
    CHECK(*tree_root(n, memory_source(d)) == h(kRoots[n]));
  }
  CHECK(to_hex(range.root()) == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
}

TEST_CASE("RFC 6962 vectors: published inclusion and consistency proofs", "[merkle]") {
  Leaves d = leaf_hashes(rfc_leaves());
  std::vector<Hash> incl = {h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  CHECK(*inclusion_path(5, 8, memory_source(d)) == incl);
  CHECK(verify_inclusion(d[5], 5, 8, incl, h(kRoots[8])));
  CHECK_FALSE(verify_inclusion(d[5], 4, 8, incl, h(kRoots[8])));
  CHECK(verify_inclusion(d[2], 2, 3, std::vector<Hash>{h(kRoots[2])}, h(kRoots[3])));

  std::vector<Hash> c68 = {h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                           h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                           h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  CHECK(*consistency_path(6, 8, memory_source(d)) == c68);
  CHECK(verify_consistency(6, 8, c68, h(kRoots[6]), h(kRoots[8])));
  CHECK_FALSE(verify_consistency(6, 8, c68, h(kRoots[5]), h(kRoots[8])));
  std::vector<Hash> c25 = {h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                           h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")};
  CHECK(*consistency_path(2, 5, memory_source(d)) == c25);
  CHECK(verify_consistency(2, 5, c25, h(kRoots[2]), h(kRoots[5])));
}

TEST_CASE("every inclusion and consistency proof up to 8 leaves matches the reference",
          "[merkle]") {
  Leaves d = leaf_hashes(rfc_leaves());
  auto src = memory_source(d);
  for (std::uint64_t n = 1; n <= 8; ++n) {
    Hash root = ref_mth(d, 0, n);
    for (std::uint64_t m = 0; m < n; ++m) {
      INFO("inclusion " << m << " of " << n);
      auto path = inclusion_path(m, n, src);
      REQUIRE(path);
      CHECK(*path == ref_path(m, d, 0, n));
      CHECK(verify_inclusion(d[m], m, n, *path, root));
      // Wrong leaf, index or root, or a truncated or extended path: refused. (The size is bound
      // by the signed checkpoint that carries the root, not by the path.)
      CHECK_FALSE(verify_inclusion(d[(m + 1) % 8], m, n, *path, root));
      if (n > 1) CHECK_FALSE(verify_inclusion(d[m], (m + 1) % n, n, *path, root));
      CHECK_FALSE(verify_inclusion(d[m], m, n, *path, ref_mth(d, 0, n == 8 ? 7 : n + 1)));
      if (!path->empty()) {
        CHECK_FALSE(verify_inclusion(d[m], m, n, std::span(path->data(), path->size() - 1), root));
      }
      auto longer = *path;
      longer.push_back(root);
      CHECK_FALSE(verify_inclusion(d[m], m, n, longer, root));
    }
    for (std::uint64_t m = 0; m <= n; ++m) {
      INFO("consistency " << m << " -> " << n);
      auto path = consistency_path(m, n, src);
      REQUIRE(path);
      CHECK(*path == ref_consistency(m, d, n));
      Hash old_root = ref_mth(d, 0, m);
      CHECK(verify_consistency(m, n, *path, old_root, root));
      if (m > 0 && m < n) {
        CHECK_FALSE(verify_consistency(m, n, *path, ref_mth(d, 0, m - 1), root));
        CHECK_FALSE(verify_consistency(m, n, *path, old_root, ref_mth(d, 0, n - 1)));
        CHECK_FALSE(verify_consistency(m - 1, n, *path, old_root, root));
        CHECK_FALSE(verify_consistency(m, n, {}, old_root, root));
      }
    }
  }
  CHECK_FALSE(inclusion_path(8, 8, src));
  CHECK_FALSE(consistency_path(5, 4, src));
  CHECK_FALSE(verify_consistency(5, 4, {}, d[0], d[0]));
}

TEST_CASE("random trees up to thousands of leaves: proofs match the reference", "[merkle]") {
  std::mt19937_64 rng(6962);
  for (std::size_t n : {9u, 13u, 31u, 32u, 33u, 100u, 255u, 1000u, 1025u, 4097u}) {
    Leaves d = random_leaves(n, rng);
    auto src = memory_source(d);
    CompactRange range;
    for (const auto& leaf : d) range.append(leaf);
    Hash root = ref_mth(d, 0, n);
    CHECK(range.root() == root);
    for (int trial = 0; trial < 20; ++trial) {
      std::uint64_t m = rng() % n;
      auto path = inclusion_path(m, n, src);
      REQUIRE(path);
      CHECK(*path == ref_path(m, d, 0, n));
      CHECK(verify_inclusion(d[m], m, n, *path, root));
      std::uint64_t old = rng() % (n + 1);
      auto cpath = consistency_path(old, n, src);
      REQUIRE(cpath);
      CHECK(*cpath == ref_consistency(old, d, n));
      CHECK(verify_consistency(old, n, *cpath, ref_mth(d, 0, old), root));
    }
  }
}

TEST_CASE("the compact range stores each subtree hash where stored_hash_index says", "[merkle]") {
  std::mt19937_64 rng(1);
  Leaves d = random_leaves(1000, rng);
  CompactRange range;
  std::vector<Hash> stored;
  for (std::uint64_t n = 0; n < d.size(); ++n) {
    range.append(d[n], &stored);
    CHECK(stored.size() == stored_hash_count(n + 1));
  }
  for (int level = 0; level < 10; ++level) {
    for (std::uint64_t index = 0; ((index + 1) << level) <= d.size(); ++index) {
      INFO("level " << level << " index " << index);
      REQUIRE(stored_hash_index(level, index) < stored.size());
      CHECK(stored[stored_hash_index(level, index)] ==
            ref_mth(d, index << level, (index + 1) << level));
    }
  }
  CHECK(stored_hash_count(0) == 0);
  CHECK(stored_hash_count(1) == 1);
  CHECK(stored_hash_count(2) == 3);
  CHECK(stored_hash_count(4) == 7);
}

TEST_CASE("proofs report errors from the subtree source", "[merkle]") {
  SubtreeSource broken = [](int, std::uint64_t) -> Result<Hash> {
    return make_error(ErrorCode::kUnavailable, "disk gone");
  };
  auto p = inclusion_path(3, 10, broken);
  REQUIRE_FALSE(p);
  CHECK(p.error().message == "disk gone");
  CHECK_FALSE(consistency_path(3, 10, broken));
  CHECK_FALSE(tree_root(10, broken));
}

TEST_CASE("many hashes at once equal one at a time, at every length", "[merkle]") {
  // The scan's batch functions against one at a time and against common/codec's SHA-256 (EVP):
  // messages of different block counts, the padding at every length, long messages.
  std::mt19937_64 rng(3);
  std::vector<std::string> texts;
  for (std::size_t n = 0; n < 300; ++n) texts.push_back(std::string(n, 'x'));
  for (std::size_t n : {447, 448, 511, 512, 4095, 4096, 4097, 10000}) {
    texts.push_back(std::string(n, 'y'));
  }
  for (int i = 0; i < 200; ++i) texts.push_back(std::string(rng() % 700, 'z'));
  for (auto& t : texts) {
    for (auto& c : t) c = static_cast<char>(rng());
  }
  std::shuffle(texts.begin(), texts.end(), rng);
  std::vector<std::string_view> leaves(texts.begin(), texts.end());
  std::vector<Hash> out(leaves.size());
  leaf_hashes(leaves, out);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    INFO("length " << leaves[i].size());
    REQUIRE(out[i] == leaf_hash(leaves[i]));
    REQUIRE(out[i] == sha256(std::string(1, '\0') + texts[i]));
  }
  // An odd count of children: the last one is left over.
  std::vector<Hash> nodes((out.size() - 1) / 2);
  node_hashes(std::span<const Hash>(out).first(2 * nodes.size()), nodes);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    REQUIRE(nodes[i] == node_hash(out[2 * i], out[2 * i + 1]));
  }
  // The RFC 6962 tree of one empty leaf, twice.
  std::vector<std::string_view> empty(2);
  std::vector<Hash> roots(2);
  leaf_hashes(empty, roots);
  CHECK(roots[0] == h(kRoots[1]));
  CHECK(roots[1] == h(kRoots[1]));
}

TEST_CASE("append_precomputed builds the same tree as append", "[merkle]") {
  std::mt19937_64 rng(4);
  Leaves d = random_leaves(600, rng);
  CompactRange plain, precomputed;
  std::vector<Hash> plain_completed, precomputed_completed;
  for (std::uint64_t n = 0; n < d.size(); ++n) {
    plain_completed.clear();
    plain.append(d[n], &plain_completed);
    // Hand over any number of the lowest hashes, as a scan does for a chunk starting anywhere.
    std::size_t given = 1 + rng() % plain_completed.size();
    precomputed_completed.clear();
    precomputed.append_precomputed(std::span<const Hash>(plain_completed).first(given),
                                   &precomputed_completed);
    REQUIRE(precomputed_completed == plain_completed);
    REQUIRE(precomputed.root() == plain.root());
  }
}
