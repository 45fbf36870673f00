// Adapter benchmarks: what one call to an agency system costs the gateway. Makes a demo PKI,
// starts `silta adapter serve-demo` (the demo agencies over the adapter protocol, mutual
// TLS), and measures the http adapter's fetch with the keep-alive pool (one and eight at a
// time), with a new connection per call, a fast failure with the circuit open, and the
// in-process parts (demo lookup, protocol encode + decode).
//
//   build/release/bench/adapters_bench [--requests N]
//
// Prints a Markdown table: req/s, p50, p99, and CPU per request of this process (the
// gateway's side) and of the adapter service.
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/demo_adapter.h"
#include "adapters/http_adapter.h"
#include "adapters/protocol.h"

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace silta;
using namespace silta::adapters;

struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int st;
      ::waitpid(pid, &st, 0);
    }
  }
};

pid_t spawn(std::vector<std::string> argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + argv[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

double cpu_seconds_self() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double cpu_seconds_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto after = text.substr(text.rfind(')') + 2);  // fields from 3 on
  std::istringstream fields(after);
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Figures {
  std::string name;
  int requests = 0;
  int concurrency = 1;
  double seconds = 0;
  std::vector<double> latencies_us;
  double client_cpu = 0;
  double server_cpu = 0;
  int failures = 0;
};

void print(const Figures& f) {
  auto lat = f.latencies_us;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0
                       : lat[static_cast<std::size_t>(p * static_cast<double>(lat.size() - 1))];
  };
  std::printf("| %-44s | %6d | %3d | %9.0f | %8.1f | %8.1f | %9.1f | %9.1f |%s\n", f.name.c_str(),
              f.requests, f.concurrency, f.requests / f.seconds, pct(0.5), pct(0.99),
              f.client_cpu * 1e6 / f.requests, f.server_cpu * 1e6 / f.requests,
              f.failures ? (" " + std::to_string(f.failures) + " failed").c_str() : "");
  std::fflush(stdout);
}

FetchRequest veeti() {
  FetchRequest r;
  r.request_id = "bench";
  r.holder_agency = "kokkola-perusopetus";
  r.requester_agency = "soite-lastensuojelu";
  r.requester_kind = "child_welfare";
  r.subject = "110213A913H";
  r.purpose = "cw_assessment";
  r.categories = {"identity_contact", "school_attendance", "grades", "learning_support"};
  for (const auto& c : r.categories) r.bases[c] = "fi.atl.64.1";
  return r;
}

// Runs `requests` calls of `call` with `concurrency` coroutines on one I/O thread.
Figures load(const std::string& name, int requests, int concurrency, pid_t server,
             asio::io_context& ioc, const std::function<asio::awaitable<bool>()>& call) {
  Figures f;
  f.name = name;
  f.requests = requests;
  f.concurrency = concurrency;
  f.latencies_us.reserve(static_cast<std::size_t>(requests));
  int next = 0;
  auto worker = [&]() -> asio::awaitable<void> {
    while (next < requests) {
      ++next;
      auto start = std::chrono::steady_clock::now();
      bool ok = co_await call();
      f.latencies_us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count());
      if (!ok) ++f.failures;
    }
  };
  const double c0 = cpu_seconds_self(), s0 = server > 0 ? cpu_seconds_of(server) : 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < concurrency; ++i) asio::co_spawn(ioc, worker(), asio::detached);
  ioc.restart();
  ioc.run();
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.client_cpu = cpu_seconds_self() - c0;
  f.server_cpu = server > 0 ? cpu_seconds_of(server) - s0 : 0;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--requests") requests = std::atoi(argv[i + 1]);
  }
  char tmpl[] = "/tmp/silta-adapters-bench-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  fs::path pki = dir / "pki";
  Child certs{spawn({SILTA_SOURCE_DIR "/certs-example/make-certs", pki.string()}, dir / "pki.log")};
  int st = 0;
  ::waitpid(certs.pid, &st, 0);
  certs.pid = -1;
  if (st != 0) {
    std::cerr << "make-certs failed, see " << (dir / "pki.log") << "\n";
    return 1;
  }
  fs::path ready = dir / "ready.json";
  Child service{spawn({SILTA_BINARY, "adapter", "serve-demo", "--port", "0", "--cert",
                       (pki / "adapter.pem").string(), "--key", (pki / "adapter.key").string(),
                       "--ca", (pki / "root-ca.pem").string(), "--client-cert",
                       (pki / "gateway.pem").string(), "--ready-file", ready.string()},
                      dir / "adapter.log")};
  for (int i = 0; i < 3000 && !fs::exists(ready); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!fs::exists(ready)) {
    std::cerr << "serve-demo did not start, see " << (dir / "adapter.log") << "\n";
    return 1;
  }
  auto port = nlohmann::json::parse(std::ifstream(ready)).at("port").get<int>();
  auto url = *parse_https_url("https://127.0.0.1:" + std::to_string(port), false);
  auto tls = make_client_tls_context(pki / "root-ca.pem", pki / "gateway.pem", pki / "gateway.key");
  if (!tls) {
    std::cerr << tls.error().message << "\n";
    return 1;
  }

  asio::io_context ioc;
  auto endpoint = [&](EndpointSettings s) {
    s.url = url;
    return std::make_shared<HttpAdapter>(
        std::make_shared<Endpoint>("kokkola-perusopetus", s, ioc.get_executor(), *tls, nullptr));
  };
  const auto request = veeti();
  {
    auto sample = DemoAdapter::builtin()->fetch_now(request);
    std::printf("fetch answer: %zu bytes of JSON (4 categories about one pupil)\n\n",
                protocol::to_json(*sample).dump().size());
  }
  std::printf(
      "| scenario | calls | conc. | req/s | p50 µs | p99 µs | CPU µs/call (gateway side) | "
      "CPU µs/call (adapter service) |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");

  auto fetch_with = [&](std::shared_ptr<HttpAdapter> a) {
    return [a, &request]() -> asio::awaitable<bool> {
      auto r = co_await a->fetch(request, Clock::now() + Millis(10'000));
      co_return r.ok();
    };
  };
  auto pooled = endpoint({});
  load("warm-up", 500, 1, service.pid, ioc, fetch_with(pooled));
  print(load("http adapter, keep-alive pool", requests, 1, service.pid, ioc, fetch_with(pooled)));
  EndpointSettings eight;
  eight.max_idle_connections = 8;
  print(load("http adapter, keep-alive pool", requests, 8, service.pid, ioc,
             fetch_with(endpoint(eight))));
  EndpointSettings fresh;
  fresh.max_idle_connections = 0;  // every call: TCP + TLS 1.3 handshake with client certificate
  print(load("http adapter, new connection per call", requests / 10, 1, service.pid, ioc,
             fetch_with(endpoint(fresh))));

  // A dead agency system with the circuit open: what a caller waits for.
  EndpointSettings dead;
  dead.url = url;
  dead.url.port = 1;  // nothing listens there
  dead.retry.max_attempts = 1;
  dead.circuit = {1, Millis(3'600'000)};
  auto open = std::make_shared<HttpAdapter>(
      std::make_shared<Endpoint>("dead", dead, ioc.get_executor(), *tls, nullptr));
  load("open the circuit", 1, 1, -1, ioc, fetch_with(open));
  auto open_result = [&]() -> asio::awaitable<bool> {
    auto r = co_await open->fetch(request, Clock::now() + Millis(10'000));
    co_return !r.ok();  // failing fast is the success here
  };
  print(load("circuit open: fail fast (no I/O)", requests, 1, -1, ioc, open_result));

  auto demo = DemoAdapter::builtin();
  print(load("in process: demo adapter lookup", requests, 1, -1, ioc,
             [&]() -> asio::awaitable<bool> { co_return demo->fetch_now(request).ok(); }));
  const std::string body = protocol::to_json(*demo->fetch_now(request)).dump();
  print(load("in process: parse + check a fetch answer", requests, 1, -1, ioc,
             [&]() -> asio::awaitable<bool> {
               json_check::Issues issues;
               auto doc = nlohmann::json::parse(body);
               co_return protocol::fetch_result_from_json(doc, issues).has_value();
             }));
  fs::remove_all(dir);
  return 0;
}
