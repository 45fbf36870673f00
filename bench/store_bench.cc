// Store benchmark: SQLite and PostgreSQL side by side, in one run, durable settings as shipped
// (SQLite WAL + synchronous=FULL; PostgreSQL with fsync on, started here like the tests do).
//   consent lookup by subject (list active consents, decrypting identities): p50, p99
//   referral enqueue (durable commit): latency p50/p99 and throughput, 1 and 4 threads
//   outbox: claim (batches of 10) + mark delivered, items per second with 1 and 4 workers
// usage: store_bench [--subjects N] [--lookups N] [--enqueues N] [--deliveries N]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/cipher.h"
#include "store/store.h"
#include "tests/support/postgres_server.h"

using namespace silta;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

struct Options {
  int subjects = 2000;
  int lookups = 5000;
  int enqueues = 1000;
  int deliveries = 2000;
};

struct Figures {
  double lookup_p50_us = 0, lookup_p99_us = 0;
  double enqueue_p50_us = 0, enqueue_p99_us = 0, enqueue_per_s_1 = 0, enqueue_per_s_4 = 0;
  double deliver_per_s_1 = 0, deliver_per_s_4 = 0;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "store_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename R>
void check(const R& r, const char* what) {
  if (!r.ok()) die(std::string(what) + ": " + r.error().message);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * (v.size() - 1))];
}

std::string pseudonym(int i) { return "p-" + std::to_string(i); }

store::StoredConsent consent(int subject, int n) {
  store::StoredConsent c;
  auto& r = c.record;
  r.id = "c-" + std::to_string(subject) + "-" + std::to_string(n);
  r.subject_pseudonym = pseudonym(subject);
  policy::ConsentGrantor g;
  g.person_pseudonym = r.subject_pseudonym;
  r.granted_by = {g};
  r.from_kinds = {"mental_health"};
  r.to_kinds = {"school"};
  r.categories = {"mh_diagnosis", "mh_treatment_contacts"};
  r.purposes = {"teaching_arrangement"};
  r.valid_from = now_utc() - hours(1);
  r.recorded_at = r.valid_from;
  c.subject_identity_code = "150317A901J";
  c.grantor_identity_codes = {"150317A901J"};
  c.receipt = std::string(300, 'r');
  return c;
}

store::NewReferral referral(const std::string& id) {
  store::NewReferral n;
  n.id = id;
  n.kind = "fi.lsl.25.child_welfare_report";
  n.sender_agency = "oulu-poliisi";
  n.recipient_agency = "soite-lastensuojelu";
  n.subject_pseudonym = "p-1";
  n.payload = R"({"subject":"150317A901J","concern":")" + std::string(800, 'x') + "\"}";
  n.idempotency_key = "k-" + id;
  n.request_hash = std::string(64, 'a');
  n.deadlines = {{"urgency_assessment", now_utc(), std::nullopt}};
  n.received_at = now_utc();
  return n;
}

// Runs `count` calls of `one(i)` on `threads` threads; returns the per-call latencies (µs) and
// the wall time.
template <typename F>
std::pair<std::vector<double>, double> timed(int count, int threads, F one) {
  std::vector<std::vector<double>> lat(threads);
  std::atomic<int> next{0};
  auto start = steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i; (i = next++) < count;) {
        auto t0 = steady_clock::now();
        one(i);
        lat[t].push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
      }
    });
  }
  for (auto& th : pool) th.join();
  double wall = duration<double>(steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {all, wall};
}

double deliver_rate(store::Store& s, int items, int workers, const std::string& tag) {
  for (int i = 0; i < items; ++i)
    check(s.enqueue_referral(referral(tag + std::to_string(i))), "enqueue");
  std::atomic<int> done{0};
  auto start = steady_clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      std::string name = tag + "worker-" + std::to_string(w);
      for (;;) {
        auto batch = s.claim_deliveries(name, now_utc(), seconds(60), 10);
        check(batch, "claim");
        if (batch->empty()) return;
        for (const auto& r : *batch) {
          check(s.mark_delivered(r.id, name, now_utc()), "deliver");
          ++done;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  double wall = duration<double>(steady_clock::now() - start).count();
  if (done != items)
    die("delivered " + std::to_string(done.load()) + " of " + std::to_string(items));
  return items / wall;
}

// The disk's fdatasync latency right now (p50 of 50 × 8 KiB in `dir`, µs). On a shared VM it
// swings by an order of magnitude with the neighbours' load, and every durable commit pays it,
// so it is printed beside the figures it explains.
double fsync_probe(const fs::path& dir) {
  auto path = dir / "fsync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die("fsync probe");
  std::string block(8192, 'x');
  std::vector<double> lat;
  for (int i = 0; i < 50; ++i) {
    auto t0 = steady_clock::now();
    if (::pwrite(fd, block.data(), block.size(), 0) < 0 || ::fdatasync(fd) != 0) die("fsync");
    lat.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
  }
  ::close(fd);
  fs::remove(path);
  return percentile(lat, 0.5);
}

struct Backend {
  const char* name;
  std::unique_ptr<store::Store> store;
  Figures f;
};

void populate(store::Store& s, const Options& o) {
  check(s.migrate(), "migrate");
  for (int i = 0; i < o.subjects; ++i) {
    check(s.create_consent(consent(i, 0)), "consent");
    check(s.create_consent(consent(i, 1)), "consent");
  }
}

void lookups(Backend& b, const Options& o) {
  std::mt19937 rng(7);
  std::vector<int> subjects(o.lookups);
  for (auto& x : subjects) x = std::uniform_int_distribution<int>(0, o.subjects - 1)(rng);
  SysTime at = now_utc();
  auto [lat, wall] = timed(o.lookups, 1, [&](int i) {
    auto r = b.store->list_consents({pseudonym(subjects[i]), at});
    check(r, "lookup");
    if (r->size() != 2) die("lookup found " + std::to_string(r->size()));
  });
  b.f.lookup_p50_us = percentile(lat, 0.50);
  b.f.lookup_p99_us = percentile(lat, 0.99);
}

void enqueues(Backend& b, const Options& o, int threads, const std::string& tag) {
  auto [lat, wall] = timed(o.enqueues, threads, [&](int i) {
    check(b.store->enqueue_referral(referral(tag + std::to_string(i))), "enqueue");
  });
  if (threads == 1) {
    b.f.enqueue_p50_us = percentile(lat, 0.50);
    b.f.enqueue_p99_us = percentile(lat, 0.99);
    b.f.enqueue_per_s_1 = o.enqueues / wall;
  } else {
    b.f.enqueue_per_s_4 = o.enqueues / wall;
  }
}

// Empties the outbox of the enqueue runs, so each delivery run measures its own items.
void drain(store::Store& s) {
  for (;;) {
    auto batch = s.claim_deliveries("drain", now_utc(), seconds(60), 100);
    check(batch, "claim");
    if (batch->empty()) return;
    for (const auto& r : *batch) check(s.mark_delivered(r.id, "drain", now_utc()), "deliver");
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--subjects")
      o.subjects = v;
    else if (k == "--lookups")
      o.lookups = v;
    else if (k == "--enqueues")
      o.enqueues = v;
    else if (k == "--deliveries")
      o.deliveries = v;
    else
      die("unknown option " + k);
  }
  char tmpl[] = "/tmp/silta-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) die("mkdtemp");
  fs::path dir = tmpl;

  store::StoreConfig sqlite;
  sqlite.url = "sqlite:" + (dir / "silta.db").string();
  sqlite.key_file = dir / "store.key";
  sqlite.pool_size = 4;
  std::string why_not;
  auto server = test::PostgresServer::start(why_not);
  if (!server) die(why_not);
  store::StoreConfig pg;
  pg.url = server->conninfo(server->create_database());
  pg.key_file = dir / "pg.key";
  pg.pool_size = 4;
  check(store::FieldCipher::generate_key_file(pg.key_file), "keygen");

  std::vector<Backend> backends(2);
  backends[0].name = "sqlite";
  backends[1].name = "postgresql";
  for (auto* b : {&backends[0], &backends[1]}) {
    auto opened = store::open_store(b == &backends[0] ? sqlite : pg);
    check(opened, "open");
    b->store = std::move(*opened);
    std::fprintf(stderr, "%s: populating\n", b->name);
    populate(*b->store, o);
  }
  // Each measure runs on both backends back to back, so both meet the same disk weather.
  std::vector<double> probes;
  for (auto& b : backends) lookups(b, o);
  probes.push_back(fsync_probe(dir));
  for (auto& b : backends) enqueues(b, o, 1, "a");
  probes.push_back(fsync_probe(dir));
  for (auto& b : backends) enqueues(b, o, 4, "b");
  for (auto& b : backends) drain(*b.store);
  probes.push_back(fsync_probe(dir));
  for (auto& b : backends) b.f.deliver_per_s_1 = deliver_rate(*b.store, o.deliveries, 1, "d1-");
  probes.push_back(fsync_probe(dir));
  for (auto& b : backends) b.f.deliver_per_s_4 = deliver_rate(*b.store, o.deliveries, 4, "d4-");
  probes.push_back(fsync_probe(dir));
  Figures a = backends[0].f, b = backends[1].f;
  backends.clear();
  server.reset();
  fs::remove_all(dir);

  std::printf("store_bench: %d subjects x 2 consents, %d lookups, %d enqueues, %d deliveries\n\n",
              o.subjects, o.lookups, o.enqueues, o.deliveries);
  std::printf("| measure | SQLite | PostgreSQL |\n|---|---:|---:|\n");
  auto row = [](const char* name, double x, double y, const char* fmt) {
    char bx[32], by[32];
    std::snprintf(bx, sizeof bx, fmt, x);
    std::snprintf(by, sizeof by, fmt, y);
    std::printf("| %s | %s | %s |\n", name, bx, by);
  };
  row("consent lookup by subject p50 (µs)", a.lookup_p50_us, b.lookup_p50_us, "%.0f");
  row("consent lookup by subject p99 (µs)", a.lookup_p99_us, b.lookup_p99_us, "%.0f");
  row("referral enqueue p50, 1 thread (µs)", a.enqueue_p50_us, b.enqueue_p50_us, "%.0f");
  row("referral enqueue p99, 1 thread (µs)", a.enqueue_p99_us, b.enqueue_p99_us, "%.0f");
  row("referral enqueue/s, 1 thread", a.enqueue_per_s_1, b.enqueue_per_s_1, "%.0f");
  row("referral enqueue/s, 4 threads", a.enqueue_per_s_4, b.enqueue_per_s_4, "%.0f");
  row("outbox claim+deliver/s, 1 worker", a.deliver_per_s_1, b.deliver_per_s_1, "%.0f");
  row("outbox claim+deliver/s, 4 workers", a.deliver_per_s_4, b.deliver_per_s_4, "%.0f");
  std::printf("\ndisk fdatasync of 8 KiB, p50 before each durable measure (µs):");
  for (double p : probes) std::printf(" %.0f", p);
  std::printf("\n");
  return 0;
}
