// Audit log benchmarks (issue [audit]): durable append throughput and latency with 1 to 4096
// concurrent appenders, measured next to this machine's own fdatasync latency in the same run;
// offline verification speed; proof generation on a 10-million-record log.
//
//   build/release/bench/audit_bench [--benchmark_filter=...]
//
// SILTA_BENCH_DIR (default ./audit-bench-data) holds the logs; it must be on the disk under test
// (not tmpfs). The 10-million-record log is built once (a few minutes) and reused.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "audit/log.h"
#include "audit/offline.h"
#include "common/files.h"

using namespace silta;
using namespace silta::audit;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

fs::path bench_dir() {
  const char* env = std::getenv("SILTA_BENCH_DIR");
  fs::path p = env ? env : "audit-bench-data";
  fs::create_directories(p);
  return fs::absolute(p);
}

// Kept beside the logs, so that a log built by an earlier run still verifies.
const SigningKey& bench_key() {
  static SigningKey key = [] {
    fs::path file = bench_dir() / "bench-signing.key";
    if (auto k = SigningKey::load(file)) return *k;
    SigningKey k = SigningKey::generate("silta.bench/audit");
    if (auto s = write_secret_file(file, k.to_secret_string()); !s) {
      throw std::runtime_error(s.error().message);
    }
    return k;
  }();
  return key;
}

// A disclosure of the size the issue names (~300 bytes encoded).
AuditEvent event(std::uint64_t n) {
  AuditEvent e;
  e.type = EventType::kDisclosure;
  e.agency = "soite-lsu";
  e.actor = "u" + std::to_string(n % 97);
  e.subject = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4b6d8f0a2c4e6b8d0f";
  e.subject_key = "0a1b2c3d";
  e.target = "kokkola-po";
  e.purpose = "cw_assessment";
  e.categories_granted = {"school_attendance"};
  e.citations = {"fi.atl.64.1"};
  e.outcome = "ok";
  return e;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

// The real file system, timing every fdatasync the log makes.
class TimedFileSystem final : public FileSystem {
 public:
  std::vector<double> take_sync_micros() {
    std::lock_guard lk(mu_);
    return std::exchange(syncs_, {});
  }
  Result<std::unique_ptr<AppendFile>> create(const fs::path& p, unsigned mode) override {
    return wrap(real().create(p, mode));
  }
  Result<std::unique_ptr<AppendFile>> open_append(const fs::path& p) override {
    return wrap(real().open_append(p));
  }
  Result<std::unique_ptr<ReadFile>> open_read(const fs::path& p) override {
    return real().open_read(p);
  }
  Result<std::vector<std::string>> list(const fs::path& d) override { return real().list(d); }
  Status create_dir(const fs::path& d) override { return real().create_dir(d); }
  Status sync_dir(const fs::path& d) override { return real().sync_dir(d); }
  Status rename(const fs::path& a, const fs::path& b) override { return real().rename(a, b); }
  Status remove(const fs::path& p) override { return real().remove(p); }
  Status truncate(const fs::path& p, std::uint64_t s) override { return real().truncate(p, s); }
  Result<std::unique_ptr<DirectoryLock>> lock(const fs::path& p) override { return real().lock(p); }

 private:
  class File final : public AppendFile {
   public:
    File(TimedFileSystem& fs, std::unique_ptr<AppendFile> f) : fs_(fs), f_(std::move(f)) {}
    Status append(std::span<const std::uint8_t> d) override { return f_->append(d); }
    Status sync() override {
      auto start = Clock::now();
      auto s = f_->sync();
      double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      std::lock_guard lk(fs_.mu_);
      fs_.syncs_.push_back(us);
      return s;
    }

   private:
    TimedFileSystem& fs_;
    std::unique_ptr<AppendFile> f_;
  };
  static FileSystem& real() { return posix_file_system(); }
  Result<std::unique_ptr<AppendFile>> wrap(Result<std::unique_ptr<AppendFile>> f) {
    if (!f) return f;
    return std::unique_ptr<AppendFile>(new File(*this, std::move(*f)));
  }
  std::mutex mu_;
  std::vector<double> syncs_;
};

// The machine's own fdatasync: append ~300 bytes to a file and fdatasync it, on the same disk.
void BM_Fdatasync(benchmark::State& state) {
  fs::path file = bench_dir() / "fdatasync.probe";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  std::string record(300, 'x');
  std::vector<double> micros;
  for (auto _ : state) {
    auto start = Clock::now();
    if (::write(fd, record.data(), record.size()) < 0 || ::fdatasync(fd) != 0) {
      state.SkipWithError("write/fdatasync failed");
    }
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  ::close(fd);
  fs::remove(file);
  state.counters["p50_us"] = percentile(micros, 0.50);
  state.counters["p99_us"] = percentile(micros, 0.99);
}
BENCHMARK(BM_Fdatasync)->Iterations(1000)->Unit(benchmark::kMicrosecond);

// This disk's fdatasync latency changes by an order of magnitude from one minute to the next, so
// every load run measures it right before, on the same disk: `probe_*` next to each result.
std::vector<double> probe_fdatasync(const fs::path& dir, int count) {
  fs::path file = dir / "fdatasync.probe";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  std::string record(342, 'x');
  std::vector<double> micros;
  for (int i = 0; i < count; ++i) {
    auto start = Clock::now();
    if (::write(fd, record.data(), record.size()) < 0 || ::fdatasync(fd) != 0) break;
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  ::close(fd);
  fs::remove(file);
  return micros;
}

// Durable appends from N concurrent appenders, each with one append in flight (closed loop),
// their continuations running on a 2-thread pool like the gateway's I/O threads. For 2 s.
// `syncs`: AuditLogOptions::max_syncs_in_flight (1 = classic group commit).
void BM_DurableAppend(benchmark::State& state) {
  const auto syncs = static_cast<unsigned>(state.range(0));
  const auto appenders = static_cast<std::size_t>(state.range(1));
  fs::path dir = bench_dir() / ("append-" + std::to_string(appenders));
  fs::remove_all(dir);
  TimedFileSystem files;
  AuditLogOptions options;
  options.dir = dir;
  options.file_system = &files;
  options.max_syncs_in_flight = syncs;
  auto log = AuditLog::open(options, bench_key());
  if (!log) {
    state.SkipWithError(log.error().message.c_str());
    return;
  }
  AuditLog& audit_log = **log;
  for (auto _ : state) {
    boost::asio::thread_pool pool(2);
    std::vector<std::vector<double>> latencies(appenders);
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> running{appenders};
    std::atomic<std::uint64_t> counter{0};
    std::function<void(std::size_t)> issue = [&](std::size_t a) {
      auto start = Clock::now();
      auto s = audit_log.append(event(counter++), [&, a, start](Result<std::uint64_t> seq) {
        latencies[a].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        if (!seq || stop) {
          --running;
          return;
        }
        boost::asio::post(pool, [&, a] { issue(a); });
      });
      if (!s) --running;
    };
    auto probe = probe_fdatasync(dir, 100);
    files.take_sync_micros();
    auto begin = Clock::now();
    for (std::size_t a = 0; a < appenders; ++a) boost::asio::post(pool, [&, a] { issue(a); });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    stop = true;
    while (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    pool.join();
    state.SetIterationTime(seconds);

    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    auto sync_micros = files.take_sync_micros();
    state.counters["records_per_s"] = static_cast<double>(all.size()) / seconds;
    state.counters["p50_us"] = percentile(all, 0.50);
    state.counters["p99_us"] = percentile(all, 0.99);
    state.counters["records_per_sync"] =
        sync_micros.empty()
            ? 0
            : static_cast<double>(all.size()) / static_cast<double>(sync_micros.size());
    state.counters["sync_p50_us"] = percentile(sync_micros, 0.50);
    // What this disk allows: every appender waits at least one fdatasync of this batch size, so
    // N closed-loop appenders cannot exceed N / (that round trip); `of_disk_bound` is the share
    // reached ([performance] goal at 64 appenders: >= 0.9).
    const double bound = percentile(sync_micros, 0.50) > 0
                             ? static_cast<double>(appenders) * 1e6 / percentile(sync_micros, 0.50)
                             : 0;
    state.counters["disk_bound_per_s"] = bound;
    state.counters["of_disk_bound"] =
        bound > 0 ? static_cast<double>(all.size()) / seconds / bound : 0;
    state.counters["sync_p99_us"] = percentile(sync_micros, 0.99);
    state.counters["probe_p50_us"] = percentile(probe, 0.50);
    state.counters["probe_p99_us"] = percentile(probe, 0.99);
  }
  auto head = audit_log.tree_head();
  state.counters["record_bytes"] =
      static_cast<double>(encode_record({0, now_utc(), event(0)})->size());
  (void)head;
  (void)audit_log.close();
  log->reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_DurableAppend)
    ->ArgNames({"syncs", "appenders"})
    ->ArgsProduct({{1, 2, 4, 8}, {1, 8, 64, 256, 1024, 4096}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Builds (once) a log of `records` records with many appends in flight, and returns its dir.
fs::path built_log(std::uint64_t records) {
  fs::path dir = bench_dir() / ("log-" + std::to_string(records));
  fs::path done = dir / "COMPLETE";
  if (fs::exists(done)) return dir;
  fs::remove_all(dir);
  AuditLogOptions options;
  options.dir = dir;
  options.checkpoint_every_records = 10000;
  auto log = AuditLog::open(options, bench_key());
  if (!log) throw std::runtime_error(log.error().message);
  std::atomic<std::uint64_t> acked{0}, issued{0};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        std::uint64_t n = issued++;
        if (n >= records) return;
        {
          std::unique_lock lk(mu);  // at most 64k in flight
          cv.wait(lk, [&] { return n < acked + 65536; });
        }
        auto s = (*log)->append(event(n), [&](Result<std::uint64_t>) {
          if (++acked % 1024 == 0) cv.notify_all();
        });
        if (!s) throw std::runtime_error(s.error().message);
      }
    });
  }
  for (auto& t : threads) t.join();
  if (auto s = (*log)->close(); !s) throw std::runtime_error(s.error().message);
  std::ofstream(done) << records << "\n";
  return dir;
}

// `silta audit verify`: everything recomputed from the files (warm page cache), public key only.
void BM_Verify(benchmark::State& state) {
  fs::path dir = built_log(static_cast<std::uint64_t>(state.range(0)));
  auto process_cpu = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  for (auto _ : state) {
    double cpu_start = process_cpu();
    auto report = verify_log(dir, bench_key().verifier());
    double cpu = process_cpu() - cpu_start;
    if (!report) {
      state.SkipWithError(report.error().message.c_str());
      return;
    }
    state.SetIterationTime(report->seconds);
    auto records = static_cast<double>(report->records);
    state.counters["records_per_s"] = records / report->seconds;
    // CPU of all threads (the scan and its workers): what an idle machine's cores must supply.
    state.counters["cpu_ns_per_record"] = cpu * 1e9 / records;
  }
}
BENCHMARK(BM_Verify)->ArgName("records")->Arg(1'000'000)->Iterations(3)->UseManualTime()->Unit(
    benchmark::kMillisecond);

// One record by its sequence number, as the audit API's lists and a subject report's entries
// read them (AuditLog::read of [seq, seq + 1), warm page cache, seq spread over the log).
void BM_ReadOneRecord(benchmark::State& state) {
  const auto records = static_cast<std::uint64_t>(state.range(0));
  AuditLogOptions options;
  options.dir = built_log(records);
  auto log = AuditLog::open(options, bench_key());
  if (!log) {
    state.SkipWithError(log.error().message.c_str());
    return;
  }
  std::uint64_t x = 12345;
  for (auto _ : state) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t seq = (x >> 33) % records;
    auto r = (*log)->read(seq, seq + 1);
    if (!r || r->size() != 1) {
      state.SkipWithError("read failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  (void)(*log)->close();
}
BENCHMARK(BM_ReadOneRecord)->ArgName("records")->Arg(100'000)->Unit(benchmark::kMicrosecond);

// Proofs on a 10-million-record log, opened by the gateway's code path.
struct BigLog {
  std::unique_ptr<AuditLog> log;
  double open_seconds = 0;
  static BigLog& get() {
    static BigLog big = [] {
      BigLog b;
      fs::path dir = built_log(10'000'000);
      AuditLogOptions options;
      options.dir = dir;
      auto start = Clock::now();
      auto log = AuditLog::open(options, bench_key());
      if (!log) throw std::runtime_error(log.error().message);
      b.open_seconds = std::chrono::duration<double>(Clock::now() - start).count();
      b.log = std::move(*log);
      return b;
    }();
    return big;
  }
};

void BM_InclusionProof10M(benchmark::State& state) {
  BigLog& big = BigLog::get();
  std::uint64_t size = big.log->tree_head().size;
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    auto proof = big.log->prove_inclusion(rng() % size, size);
    if (!proof) state.SkipWithError(proof.error().message.c_str());
    benchmark::DoNotOptimize(proof);
  }
  state.counters["log_records"] = static_cast<double>(size);
  state.counters["open_s"] = big.open_seconds;
}
BENCHMARK(BM_InclusionProof10M)->Unit(benchmark::kMicrosecond);

void BM_ConsistencyProof10M(benchmark::State& state) {
  BigLog& big = BigLog::get();
  std::uint64_t size = big.log->tree_head().size;
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    auto proof = big.log->prove_consistency(1 + rng() % (size - 1), size);
    if (!proof) state.SkipWithError(proof.error().message.c_str());
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_ConsistencyProof10M)->Unit(benchmark::kMicrosecond);

// CPU cost per record on the append path, without I/O.
void BM_EncodeAndHash(benchmark::State& state) {
  std::uint64_t n = 0;
  SysTime t = now_utc();
  for (auto _ : state) {
    auto prepared = PreparedEvent::prepare(event(n));
    std::string leaf = prepared->assemble(n++, t);
    benchmark::DoNotOptimize(leaf_hash(leaf));
  }
}
BENCHMARK(BM_EncodeAndHash);

}  // namespace

BENCHMARK_MAIN();
