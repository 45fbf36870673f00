// The decision engine: may these data categories move from this holder to this recipient, for
// this purpose, about this person, given their consents? Decided per category, deny by default,
// citing the statute or the consent that allows it, or saying why not and what would make it
// lawful (docs/law.md; docs/catalog.md lists every reason code).
//
// The Engine compiles a catalog into an index at construction, so that a decision is a few
// lookups. It is immutable and may be shared between threads.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/time.h"
#include "policy/catalog.h"
#include "policy/consent.h"
#include "policy/decision.h"

namespace silta::policy {

namespace detail {
struct EngineIndex;
}

class Engine {
 public:
  explicit Engine(std::shared_ptr<const Catalog> catalog);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::shared_ptr<const Catalog>& catalog() const { return catalog_; }

  // Decides every requested category. `consents` are the subject's consents, permits and
  // prohibitions as stored (the engine checks subject, period, revocation, scope and who gave
  // them). Unknown ids (kinds, categories, purposes, referral kind, attestations, offence
  // classes) and malformed requests are errors listing every problem, not denials.
  Result<Decision> decide(const DecisionRequest& request, std::span<const ConsentRecord> consents,
                          SysTime now) const;

 private:
  std::shared_ptr<const Catalog> catalog_;
  std::unique_ptr<const detail::EngineIndex> index_;
};

// Shadow evaluation: the enforced engine decides, a candidate catalog decides beside it, and the
// differences are returned, so that a catalog update can be trialled before it is enforced.
struct ShadowDecision {
  Decision enforced;
  std::optional<Decision> shadow;  // absent when the shadow catalog could not decide
  std::string shadow_error;        // why not (e.g. an id it does not know)
  std::vector<CategoryChange> changes;
};
Result<ShadowDecision> decide_with_shadow(const Engine& enforced, const Engine& shadow,
                                          const DecisionRequest& request,
                                          std::span<const ConsentRecord> consents, SysTime now);

}  // namespace silta::policy
