// Runs a libFuzzer target without libFuzzer (GCC builds, CI): every seed once, then a bounded
// number of deterministic pseudo-random mutations of them. Not coverage-guided — the clang build
// with SILTA_FUZZ=ON makes real libFuzzer binaries — but it runs every target on every build.
//
// usage: <target>_driver [--iterations N] [--seed S] [--max-len L] [--named-seeds DIR]
//                        [--write-corpus DIR] [SEED_FILE_OR_DIR...]
//   --named-seeds DIR  each file F below DIR becomes the seed "<path of F in DIR>\n<content>"
//   --write-corpus DIR write the seeds as files (a libFuzzer corpus) and exit
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files_below(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// xorshift64*: small, fast and the same on every platform.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::size_t(next() % n); }
};

// Bytes and tokens that tend to matter to JSON and identity-code parsers.
const char* const kTokens[] = {
    "{",    "}",    "[",     "]",       ",",        ":",     "\"",  "\\",
    "null", "true", "false", "0",       "-1",       "1e999", "1.5", "99999999999999999999",
    "\"\"", "[]",   "{}",    "\\u0000", "\xc3\xa4", "\xff",  "*",   "A",
    "+",    "-",    "Y",     "9"};

void mutate(std::string& s, const std::vector<std::string>& seeds, Rng& rng, std::size_t max_len) {
  int ops = 1 + int(rng.below(4));
  for (int i = 0; i < ops; ++i) {
    std::size_t pos = rng.below(s.size() + 1);
    switch (rng.below(8)) {
      case 0:  // flip a bit
        if (!s.empty()) s[rng.below(s.size())] ^= char(1 << rng.below(8));
        break;
      case 1:  // any byte
        if (!s.empty()) s[rng.below(s.size())] = char(rng.below(256));
        break;
      case 2:  // insert a token
        s.insert(pos, kTokens[rng.below(std::size(kTokens))]);
        break;
      case 3:  // delete a range
        if (!s.empty()) s.erase(rng.below(s.size()), 1 + rng.below(16));
        break;
      case 4: {  // duplicate a range
        if (s.empty()) break;
        std::size_t from = rng.below(s.size());
        s.insert(pos, s.substr(from, 1 + rng.below(32)));
        break;
      }
      case 5: {  // splice in part of another seed
        const auto& other = seeds[rng.below(seeds.size())];
        if (other.empty()) break;
        std::size_t from = rng.below(other.size());
        s.insert(pos, other.substr(from, 1 + rng.below(64)));
        break;
      }
      case 6:  // truncate
        s.resize(rng.below(s.size() + 1));
        break;
      default: {  // replace a digit run with another number
        auto d = s.find_first_of("0123456789", rng.below(s.size() + 1));
        if (d != std::string::npos) s[d] = char('0' + rng.below(10));
        break;
      }
    }
  }
  if (s.size() > max_len) s.resize(max_len);
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 1000;
  std::uint64_t seed = 0x5117a;
  std::size_t max_len = 1 << 20;
  std::vector<std::string> seeds;
  std::string corpus_out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--iterations") {
      iterations = std::stol(value());
    } else if (a == "--seed") {
      seed = std::stoull(value());
    } else if (a == "--max-len") {
      max_len = std::stoul(value());
    } else if (a == "--write-corpus") {
      corpus_out = value();
    } else if (a == "--named-seeds") {
      fs::path dir = value();
      for (const auto& f : files_below(dir)) {
        seeds.push_back(f.lexically_relative(dir).generic_string() + "\n" + read(f));
      }
    } else if (fs::is_directory(a)) {
      for (const auto& f : files_below(a)) seeds.push_back(read(f));
    } else if (fs::is_regular_file(a)) {
      seeds.push_back(read(a));
    } else {
      std::cerr << "no such seed file or directory: " << a << "\n";
      return 2;
    }
  }
  if (seeds.empty()) {
    std::cerr << "no seeds\n";
    return 2;
  }
  if (!corpus_out.empty()) {
    fs::create_directories(corpus_out);
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream(fs::path(corpus_out) / ("seed-" + std::to_string(i)), std::ios::binary)
          << seeds[i];
    }
    std::cout << "wrote " << seeds.size() << " seeds to " << corpus_out << "\n";
    return 0;
  }
  auto run = [](const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  for (const auto& s : seeds) run(s);
  Rng rng{seed | 1};
  for (long i = 0; i < iterations; ++i) {
    std::string input = seeds[rng.below(seeds.size())];
    mutate(input, seeds, rng, max_len);
    run(input);
  }
  std::cout << seeds.size() << " seeds and " << iterations << " mutations: no crash\n";
  return 0;
}
