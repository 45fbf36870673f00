// The store after its PostgreSQL server restarts: broken connections are replaced, not kept.
#include <catch2/catch.hpp>

#include "tests/support/process.h"
#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;

TEST_CASE("postgresql: the store reconnects after the server restarts", "[store][postgres]") {
  StoreFixture f(store::Backend::kPostgres);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  REQUIRE(s->create_consent(make_consent("c-1", "p-child")));
  f.server->restart();
  // Each pooled connection finds out on its next use: that call fails as kUnavailable (the
  // caller answers 503 and may retry), and the connection is made anew for the next one.
  std::vector<ErrorCode> failures;
  bool back = eventually([&] {
    auto r = s->get_consent("c-1");
    if (!r) failures.push_back(r.error().code);
    return r.ok();
  });
  REQUIRE(back);
  CHECK_FALSE(failures.empty());  // the restart did cut the connections
  CHECK(failures.size() <= f.config.pool_size);
  for (auto code : failures) CHECK(code == ErrorCode::kUnavailable);
  for (unsigned i = 0; i < 2 * f.config.pool_size; ++i) {
    auto r = s->get_consent("c-1");
    INFO((r ? std::string() : r.error().message));
    CHECK(r);
  }
  REQUIRE(s->create_consent(make_consent("c-2", "p-child")));
}
