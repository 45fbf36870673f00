#include "tests/fuzz/request_fuzz_support.h"

#include <cstdlib>

#include "common/identity_scan.h"
#include "common/json_parse.h"

namespace silta::fuzz {

const RequestWorld& RequestWorld::get() {
  static const RequestWorld world = [] {
    RequestWorld w;
    auto loaded = policy::load_catalog(SILTA_FUZZ_CATALOG_DIR);
    if (!loaded.catalog) std::abort();
    w.catalog = loaded.catalog;
    w.engine = std::make_unique<policy::Engine>(w.catalog);
    std::vector<gateway::Agency> agencies;
    for (const auto& kind : w.catalog->kinds) {
      gateway::Agency a;
      a.id = "a-" + kind.id;
      a.name = kind.id;
      a.kind = kind.id;
      a.authority = agencies.size() % 2 == 0;
      a.roles = {gateway::Role::kAgency};
      a.spki_sha256 = {"pin-" + kind.id};
      agencies.push_back(std::move(a));
    }
    w.registry = gateway::Registry(std::move(agencies));
    w.now = *parse_rfc3339("2026-03-02T10:00:00Z");
    return w;
  }();
  return world;
}

const gateway::Agency& RequestWorld::caller(std::uint8_t pick) const {
  const auto& all = registry.agencies();
  return all[pick % all.size()];
}

std::optional<FuzzBody> read_body(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return std::nullopt;
  json_check::Issues issues;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto body = json_check::parse_json(text, issues);
  check_issues(issues);
  if (!body) {
    if (issues.list().size() != 1) std::abort();  // exactly one reason to refuse
    return std::nullopt;
  }
  if (!issues.empty()) std::abort();
  return FuzzBody{data[0], std::move(*body)};
}

void check_issues(const json_check::Issues& issues, bool for_client) {
  for (const auto& i : issues.list()) {
    bool pointer = i.path.empty() || i.path[0] == '/' || i.path[0] == '?';
    // A client's mistake is explained in Finnish, Swedish and English.
    bool explained = for_client ? !i.message.incomplete() : !i.message.en.empty();
    if (!pointer || !explained || contains_identity_code(i.path)) std::abort();
    for (Lang lang : kLangs) {
      if (contains_identity_code(i.message.in(lang))) std::abort();
    }
  }
}

void check_auditable(const audit::AuditEvent& event) {
  if (!audit::validate_event(event)) std::abort();
}

}  // namespace silta::fuzz
