// Crash: a child process enqueues referrals and reports each committed id; it is SIGKILLed at a
// random moment; after a restart every reported id is there, intact.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/support/process.h"
#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;

namespace {

// The ids on complete lines of the helper's output (a line cut by the kill is not a report).
std::vector<std::string> reported_ids(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<std::string> ids;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = text.substr(start, nl - start);
    if (line.rfind("crash", 0) == 0) ids.push_back(line);
  }
  return ids;
}

}  // namespace

TEMPLATE_TEST_CASE("crash: every referral reported as committed survives a SIGKILL",
                   "[store][crash]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  f.open();  // make the schema and, for SQLite, the key
  std::mt19937 rng(std::random_device{}());
  std::vector<std::string> all_reported;
  for (int round = 0; round < 4; ++round) {
    auto log = f.dir / ("helper-" + std::to_string(round) + ".log");
    std::string prefix = "crash" + std::to_string(round);
    Process helper({SILTA_STORE_CRASH_HELPER, f.config.url, f.config.key_file.string(), prefix},
                   log);
    // Kill it once it has committed a random number of referrals: somewhere inside a later
    // transaction, at a moment the test does not choose.
    std::size_t threshold = std::uniform_int_distribution<std::size_t>(5, 80)(rng);
    bool reached =
        eventually([&] { return reported_ids(log).size() >= threshold; }, std::chrono::seconds(60));
    INFO(helper.log());
    REQUIRE(reached);
    helper.signal(SIGKILL);
    REQUIRE(helper.wait(std::chrono::seconds(30)) == 128 + SIGKILL);
    auto ids = reported_ids(log);
    all_reported.insert(all_reported.end(), ids.begin(), ids.end());
  }
  // Restart: a fresh store on the same database (SQLite recovers from its WAL here).
  auto s = f.open();
  for (const auto& id : all_reported) {
    auto r = s->get_referral(id);
    INFO(id);
    REQUIRE(r);
    auto n = id.substr(id.rfind('-') + 1);
    CHECK(r->payload == R"({"n":)" + n + "}");
    CHECK(r->state == store::ReferralState::kReceived);
  }
  // Nothing half-written: every stored referral reads back, and each round's ids are a prefix
  // run (at most one more than reported: committed, then killed before the report).
  store::ReferralQuery q;
  q.limit = 1000;
  std::size_t stored = 0;
  for (;;) {
    auto page = s->list_referrals(q);
    REQUIRE(page);
    stored += page->items.size();
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  CHECK(stored >= all_reported.size());
  CHECK(stored <= all_reported.size() + 4);
}
