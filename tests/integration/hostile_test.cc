// Hostile input against a real `silta serve` over real TLS (docs/threat-model.md, "Limits"):
// each probe asserts the answer, that the process is alive and still serves a registered agency
// afterwards, and that its resident memory stayed within kRssBudget of what it was before the
// probe (the peak, VmHWM, reset before each probe). No sleeps: every wait is on a condition.
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"

using namespace silta::test;
using nlohmann::json;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Built with AddressSanitizer (the asan preset; the gateway under test is built the same way).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
// ASan's shadow memory and quarantine inflate every allocation: the budget holds in the release
// build; under ASan it only catches runaway growth.
constexpr long kRssBudgetKb = (kSanitized ? 8 : 1) * 32 * 1024;
// UBSan's vptr check asks whether a vtable is readable by writing it into a pipe(); with no
// descriptor free the pipe fails and every virtual call is reported as "invalid vptr", fatal
// under -fno-sanitize-recover. The probes that take every descriptor run in the release build.
constexpr const char* kNoDescriptorsUnderSanitizers =
    "skipped under the sanitizers: UBSan's vptr check needs a free descriptor (a pipe)";

long status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

// The gateway's memory around one probe: the resident size before it, and the peak during it.
class RssProbe {
 public:
  explicit RssProbe(GatewayProcess& gw) : pid_(gw.process().pid()) {
    std::ofstream("/proc/" + std::to_string(pid_) + "/clear_refs") << "5";  // resets VmHWM
    before_kb_ = status_kb(pid_, "VmRSS");
  }
  long growth_kb() const { return status_kb(pid_, "VmHWM") - before_kb_; }

 private:
  pid_t pid_;
  long before_kb_;
};

// After a probe: the process runs and a registered agency is served.
bool alive_and_serving(GatewayProcess& gw) {
  if (!gw.process().running()) return false;
  try {
    return gw.client("soite-lastensuojelu").get("/v1/whoami").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

// The figures go to stderr too, for the measurements in docs/threat-model.md.
#define CHECK_SURVIVED(gw, probe)                                               \
  do {                                                                          \
    CHECK(alive_and_serving(gw));                                               \
    const long growth_kb = (probe).growth_kb();                                 \
    std::cerr << "[hostile] " << Catch::getResultCapture().getCurrentTestName() \
              << ": peak RSS growth " << growth_kb << " kB\n";                  \
    INFO("RSS growth (kB): " << growth_kb);                                     \
    CHECK(growth_kb <= kRssBudgetKb);                                           \
  } while (0)

// CPU time (user + system) the process has used, in milliseconds.
double cpu_ms(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// How many descriptors the process has open.
std::size_t open_descriptors(pid_t pid) {
  std::size_t n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

double metric(const GatewayProcess& gw, const std::string& series) {
  std::istringstream in(gw.admin_get("/metrics").second);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

std::string chunked_post(const std::string& body_start) {
  return "POST /v1/whoami HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\n" +
         body_start;
}

// Sends `prefix`, then `filler` bytes of 'x' in 1 MiB writes until the gateway stops reading
// (the write fails) or all are sent; returns the bytes of filler sent.
std::size_t stream_filler(TlsClient& client, const std::string& prefix, std::size_t filler) {
  client.send(prefix);
  const std::string mib(1 << 20, 'x');
  std::size_t sent = 0;
  try {
    while (sent < filler) {
      client.send(mib);
      sent += mib.size();
    }
  } catch (const std::runtime_error&) {
  }
  return sent;
}

// `n` plain TCP connections to the gateway that never start TLS, the i-th from `from(i)`.
std::vector<tcp::socket> idle_connections(asio::io_context& ioc, const GatewayProcess& gw, int n,
                                          const std::function<std::string(int)>& from) {
  std::vector<tcp::socket> out;
  for (int i = 0; i < n; ++i) {
    out.emplace_back(ioc);
    boost::system::error_code ec;
    out.back().open(tcp::v4(), ec);
    out.back().bind({asio::ip::make_address(from(i)), 0}, ec);
    out.back().connect({asio::ip::make_address("127.0.0.1"), gw.port()}, ec);
  }
  return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("hostile: a trailer field over 64 KiB from an unregistered client", "[hostile][limits]") {
  for (int header_limit : {8192, 65535}) {
    INFO("max_header_bytes " << header_limit);
    GatewayProcess gw(json{{"limits", {{"max_header_bytes", header_limit}}}});
    RssProbe probe(gw);
    auto client = gw.client("unregistered-client");
    auto r = client.raw(chunked_post("0\r\nX-A: " + std::string(65536, 'a') + "\r\n\r\n"));
    CHECK(r.status == 400);
    CHECK(r.json()["type"] == "urn:silta:problem:bad-framing");
    CHECK_SURVIVED(gw, probe);
  }
}

TEST_CASE("hostile: a header field as large as the largest header limit allows",
          "[hostile][limits]") {
  GatewayProcess gw(json{{"limits", {{"max_header_bytes", 65535}}}});
  RssProbe probe(gw);
  {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw("GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(65000, 'a') +
                        "\r\n\r\n");
    CHECK(r.status == 200);
  }
  {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw("GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'a') +
                        "\r\n\r\n");
    CHECK(r.status == 431);
  }
  CHECK_SURVIVED(gw, probe);
}

TEST_CASE("hostile: chunk extensions of 48 MiB on three connections", "[hostile][limits]") {
  GatewayProcess gw;
  RssProbe probe(gw);
  std::vector<std::thread> senders;
  std::atomic<std::size_t> most_sent{0};
  for (int i = 0; i < 3; ++i) {
    senders.emplace_back([&] {
      auto client = gw.client("soite-lastensuojelu");
      auto sent = stream_filler(client, chunked_post("1;a="), 48u << 20);
      std::size_t prev = most_sent.load();
      while (sent > prev && !most_sent.compare_exchange_weak(prev, sent)) {
      }
    });
  }
  for (auto& t : senders) t.join();
  // The gateway refused each after a buffer's worth and closed (after a lingering close that
  // discards at most 8 MiB): no sender got all of its 48 MiB through.
  CHECK(most_sent.load() < (48u << 20));
  CHECK_SURVIVED(gw, probe);
}

TEST_CASE("hostile: a declared body over the limit, and one that keeps coming",
          "[hostile][limits]") {
  GatewayProcess gw;
  RssProbe probe(gw);
  {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw(
        "POST /v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000000000\r\n\r\n");
    CHECK(r.status == 413);
  }
  {
    auto client = gw.client("soite-lastensuojelu");
    auto sent = stream_filler(client, chunked_post("100000\r\n"), 48u << 20);
    CHECK(sent < (48u << 20));
  }
  CHECK_SURVIVED(gw, probe);
}

TEST_CASE("hostile: slow clients are cut off by the read timeout", "[hostile][timeouts]") {
  GatewayProcess gw(json{{"timeouts", {{"read_ms", 300}, {"handshake_ms", 300}}}});
  RssProbe probe(gw);
  std::vector<std::unique_ptr<TlsClient>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<TlsClient>(gw.client("soite-lastensuojelu")));
    slow.back()->send("GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // never finished
  }
  for (auto& c : slow) CHECK(c->closed_by_peer(std::chrono::seconds(15)));
  // A TCP connection that never starts TLS is closed after the handshake timeout.
  asio::io_context ioc;
  tcp::socket idle(ioc);
  idle.connect({asio::ip::make_address("127.0.0.1"), gw.port()});
  char byte;
  boost::system::error_code ec;
  idle.read_some(asio::buffer(&byte, 1), ec);  // returns when the gateway closes
  CHECK(ec);
  CHECK_SURVIVED(gw, probe);
}

TEST_CASE("hostile: failed handshakes are summarised in the audit log, counted per handshake",
          "[hostile][audit]") {
  GatewayProcess gw(json{{"auth_failures", {{"summary_interval_ms", 1000}}}});
  RssProbe probe(gw);
  const auto start = std::chrono::steady_clock::now();
  constexpr int kEach = 100;
  auto refused_once = [](TlsClient client) {
    if (!client.connect().empty()) return;
    try {
      client.get("/v1/whoami");
    } catch (const std::runtime_error&) {
    }
  };
  for (int i = 0; i < kEach; ++i) {
    refused_once(TlsClient("127.0.0.1", gw.port(), std::nullopt));
    refused_once(gw.client("foreign-client"));
  }
  // Every handshake is counted...
  CHECK(eventually([&] {
    return metric(gw, "silta_tls_handshakes_total{result=\"no_client_certificate\"}") == kEach &&
           metric(gw, "silta_tls_handshakes_total{result=\"unknown_ca\"}") == kEach;
  }));
  // ...and the audit log gets one summary record per interval, not one record each.
  auto officer = gw.client("soite-tietosuoja");
  json summaries;
  long counted = 0;
  std::string last;
  eventually([&] {
    summaries = json::array();
    counted = 0;
    auto r = officer.get("/v1/audit/records?actor=po-1&event_type=auth-failure&limit=1000");
    last = r.body;
    const json body = r.json();
    for (const auto& rec : body.value("records", json::array())) {
      if (rec["outcome"] != "refused_connections") continue;
      summaries.push_back(rec);
      counted += std::stol(rec["justification"].get<std::string>());
    }
    return counted == 2 * kEach;
  });
  INFO(last);
  CHECK(counted == 2 * kEach);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(summaries.size() <= static_cast<std::size_t>(seconds) + 2);
  for (const auto& rec : summaries) {
    CHECK(rec.dump().size() <= 4500);
    const std::string text = rec["justification"];
    CHECK((text.find("reason=no_client_certificate peer=127.0.0.1") != std::string::npos ||
           text.find("reason=unknown_ca peer=127.0.0.1 issuer=\"/C=FI/O=Somebody else/CN=Foreign "
                     "CA\"") != std::string::npos));
  }
  // The log lines are limited too.
  CHECK(count_of(gw.process().log(), "tls_handshake_failed") <= 40);
  CHECK_SURVIVED(gw, probe);
}

TEST_CASE("hostile: idle connections from one address cannot take the slots",
          "[hostile][admission]") {
  GatewayProcess gw(json{{"limits",
                          {{"max_connections", 200},
                           {"reserved_connections", 50},
                           {"max_connections_per_address", 20}}},
                         {"timeouts", {{"handshake_ms", 60000}}}});
  // An agency connected before the flood keeps its connection.
  auto before = gw.client("kokkola-perusopetus");
  REQUIRE(before.get("/v1/whoami").status == 200);
  RssProbe probe(gw);
  asio::io_context ioc;
  auto flood = idle_connections(ioc, gw, 1000, [](int) { return "127.0.0.1"; });
  CHECK(eventually([&] {
    return metric(gw, "silta_connections_refused_total{reason=\"per_address\"}") >= 980;
  }));
  CHECK(metric(gw, "silta_unauthenticated_connections") <= 20);
  CHECK(before.get("/v1/whoami").status == 200);
  // An agency from another address gets in.
  auto other = gw.client("soite-lastensuojelu");
  other.bind_local("127.0.0.2");
  CHECK(other.get("/v1/whoami").status == 200);
  // Once the flood goes, 127.0.0.1 may connect again.
  flood.clear();
  CHECK(eventually([&] { return metric(gw, "silta_unauthenticated_connections") == 0; }));
  CHECK_SURVIVED(gw, probe);
}

TEST_CASE("hostile: idle connections from many addresses leave the reserve to agencies",
          "[hostile][admission]") {
  GatewayProcess gw(json{{"limits",
                          {{"max_connections", 60},
                           {"reserved_connections", 20},
                           {"max_connections_per_address", 1000}}},
                         {"timeouts", {{"handshake_ms", 60000}}}});
  std::vector<std::unique_ptr<TlsClient>> agencies;
  for (int i = 0; i < 10; ++i) {
    agencies.push_back(std::make_unique<TlsClient>(gw.client("kokkola-perusopetus")));
    REQUIRE(agencies.back()->get("/v1/whoami").status == 200);
  }
  RssProbe probe(gw);
  asio::io_context ioc;
  auto flood = idle_connections(ioc, gw, 300,
                                [](int i) { return "127.0.1." + std::to_string(1 + i % 200); });
  // The flood holds at most the unauthenticated share; the oldest ones were evicted.
  CHECK(eventually([&] { return metric(gw, "silta_connections_evicted_total") >= 300 - 40; }));
  CHECK(metric(gw, "silta_unauthenticated_connections") <= 40);
  for (auto& a : agencies) CHECK(a->get("/v1/whoami").status == 200);
  // A new agency connection evicts an idle one and authenticates.
  auto late = gw.client("soite-lastensuojelu");
  CHECK(late.get("/v1/whoami").status == 200);
  CHECK_SURVIVED(gw, probe);
}

TEST_CASE("hostile: out of file descriptors, the accept loop backs off instead of spinning",
          "[hostile][emfile]") {
  if (kSanitized) {
    WARN(kNoDescriptorsUnderSanitizers);
    return;
  }
  GatewayProcess gw(json{{"limits", {{"max_connections", 100}}}});
  const pid_t pid = gw.process().pid();
  rlimit original{};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, nullptr, &original) == 0);
  RssProbe probe(gw);
  // No descriptor left: every accept fails with EMFILE while clients wait in the backlog.
  const std::size_t open_fds = open_descriptors(pid);
  rlimit lowered = original;
  lowered.rlim_cur = open_fds;
  const double cpu_before = cpu_ms(pid);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &lowered, nullptr) == 0);
  asio::io_context ioc;
  std::vector<tcp::socket> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.emplace_back(ioc);
    waiting.back().connect({asio::ip::make_address("127.0.0.1"), gw.port()});
  }
  const bool accept_failed =
      eventually([&] { return gw.process().log().find("accept_failed") != std::string::npos; });
  // The gateway's own account, when it did not behave (a rare failure under load is diagnosed
  // from it).
  if (!accept_failed) UNSCOPED_INFO("gateway log:\n" << gw.process().log());
  CHECK(accept_failed);
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &original, nullptr) == 0);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "[hostile] EMFILE: " << cpu_ms(pid) - cpu_before << " ms of CPU in " << ms
            << " ms out of descriptors\n";
  // Accepting again: an agency is served, and the failed accepts were at most one per 10 ms
  // of back-off (a spin makes thousands a millisecond), logged once.
  CHECK_SURVIVED(gw, probe);
  const double errors = metric(gw, "silta_accept_errors_total{error=\"Too many open files\"}");
  INFO("accept errors " << errors << " in " << ms << " ms");
  CHECK(errors >= 1);
  CHECK(errors <= ms / 10 + 2);
  CHECK(count_of(gw.process().log(), "accept_failed") == 1);
}

// Out of descriptors, the connections already open keep working: every request gets an answer
// (a 503 where a file or socket was needed), the background threads (reload, audit, store) meet
// the same failures, and nothing takes the process down.
TEST_CASE("hostile: out of file descriptors, open connections are answered and nothing dies",
          "[hostile][emfile]") {
  if (kSanitized) {
    WARN(kNoDescriptorsUnderSanitizers);
    return;
  }
  GatewayProcess gw(json{{"reload", {{"interval_ms", 20}}}});
  const pid_t pid = gw.process().pid();
  auto welfare = gw.client("soite-lastensuojelu");
  auto school = gw.client("kokkola-perusopetus");
  REQUIRE(welfare.get("/v1/whoami").status == 200);
  REQUIRE(school.get("/v1/whoami").status == 200);
  rlimit original{};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, nullptr, &original) == 0);
  const std::size_t open_fds = open_descriptors(pid);
  rlimit lowered = original;
  lowered.rlim_cur = open_fds;
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &lowered, nullptr) == 0);
  std::map<unsigned, int> statuses;
  auto answer = [&](TlsClient& client, const std::string& method, const std::string& target,
                    const json& body) {
    try {
      auto r = client.request(method, target, body.is_null() ? "" : body.dump(),
                              {{"Content-Type", "application/json"}});
      ++statuses[r.status];
    } catch (const std::exception&) {
      ++statuses[0];  // no answer: the connection broke
    }
  };
  for (int i = 0; i < 20; ++i) {
    answer(welfare, "POST", "/v1/exchanges", attendance_request());
    answer(welfare, "POST", "/v1/decisions", attendance_request());
    answer(school, "POST", "/v1/consents", ella_self_consent("teacher-anna"));
    answer(welfare, "GET", "/v1/whoami", json());
  }
  // Long enough for the reload thread to have met the limit several times.
  CHECK(eventually([&] {
    return gw.process().log().find("reload_failed") != std::string::npos || !gw.process().running();
  }));
  std::string seen;
  for (const auto& [status, n] : statuses)
    seen += std::to_string(status) + ":" + std::to_string(n) + " ";
  INFO("answers by status: " << seen);
  std::cerr << "[hostile] out of descriptors, answers by status: " << seen << "\n";
  INFO("gateway log:\n" << gw.process().log());
  REQUIRE(gw.process().running());
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &original, nullptr) == 0);
  CHECK(statuses.count(0) == 0);
  CHECK(statuses.count(500) == 0);
  CHECK(alive_and_serving(gw));
  CHECK(welfare.post_json("/v1/exchanges", attendance_request()).status == 200);
}

TEST_CASE("hostile: the file-descriptor limit is raised at start, or start is refused",
          "[hostile][emfile]") {
  TempDir dir("silta-rlimit");
  auto config = gateway_test_config(dir.path());
  config["limits"] = {{"max_connections", 500}};
  const auto file = dir / "gateway.json";
  std::ofstream(file) << config.dump();
  const auto ready = dir / "ready.json";
  SECTION("a low soft limit is raised") {
    Process p({"/bin/sh", "-c", "ulimit -Sn 64; exec \"$0\" \"$@\"", silta_binary().string(),
               "serve", "--config", file.string(), "--ready-file", ready.string()},
              dir / "log");
    REQUIRE(eventually([&] { return std::filesystem::exists(ready) || !p.running(); }));
    REQUIRE(p.running());
    rlimit lim{};
    REQUIRE(::prlimit(p.pid(), RLIMIT_NOFILE, nullptr, &lim) == 0);
    CHECK(lim.rlim_cur >= 500 + 256);
    p.signal(SIGTERM);
    CHECK(p.wait(std::chrono::seconds(30)) == 0);
  }
  SECTION("a hard limit below what max_connections needs refuses to start") {
    auto r = run_command({"/bin/sh", "-c", "ulimit -n 300; exec \"$0\" \"$@\"",
                          silta_binary().string(), "serve", "--config", file.string()});
    CHECK(r.status != 0);
    CHECK(r.output.find("limits.max_connections 500 needs 756 open files, but the hard limit "
                        "(RLIMIT_NOFILE) is 300") != std::string::npos);
  }
}
