#include <catch2/catch.hpp>

#include "gateway/http/admission.h"

using namespace silta::gateway;

TEST_CASE("admission caps unauthenticated connections per address", "[admission]") {
  Admission a({100, 10, 2});
  CHECK(a.admit("10.0.0.1").admitted);
  auto second = a.admit("10.0.0.1");
  CHECK(second.admitted);
  auto third = a.admit("10.0.0.1");
  CHECK_FALSE(third.admitted);
  CHECK(third.refusal == "per_address");
  CHECK(a.admit("10.0.0.2").admitted);  // another address is not affected
  // An authenticated connection no longer counts against its address.
  a.authenticated(second.id);
  CHECK(a.admit("10.0.0.1").admitted);
  CHECK(a.open() == 4);
  CHECK(a.unauthenticated() == 3);
}

TEST_CASE("unauthenticated connections never take the reserve, the oldest makes room",
          "[admission]") {
  Admission a({10, 4, 100});
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 6; ++i) {
    auto d = a.admit("10.0.0." + std::to_string(i));
    REQUIRE(d.admitted);
    CHECK_FALSE(d.evict);
    ids.push_back(d.id);
  }
  // The unauthenticated share (10 - 4) is full: the oldest is evicted for the newcomer.
  auto d = a.admit("10.0.1.1");
  REQUIRE(d.admitted);
  REQUIRE(d.evict);
  CHECK(*d.evict == ids[0]);
  CHECK(a.unauthenticated() == 6);
  a.release(ids[0]);  // the evicted connection's session ends later: nothing changes
  CHECK(a.open() == 6);

  // Agencies authenticate and use every slot, the reserve included.
  for (std::size_t i = 1; i < ids.size(); ++i) a.authenticated(ids[i]);
  a.authenticated(d.id);
  std::vector<std::uint64_t> agencies;
  for (int i = 0; i < 4; ++i) {
    auto n = a.admit("10.0.2.1");
    REQUIRE(n.admitted);
    a.authenticated(n.id);
    agencies.push_back(n.id);
  }
  CHECK(a.open() == 10);
  // Every slot is held by an agency: a newcomer is refused, nobody is evicted.
  auto full = a.admit("10.0.3.1");
  CHECK_FALSE(full.admitted);
  CHECK(full.refusal == "limit");
  a.release(agencies[0]);
  CHECK(a.admit("10.0.3.1").admitted);
}
