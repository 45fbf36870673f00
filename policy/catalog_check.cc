// The checks of a whole catalog, once every table has parsed and every reference resolved:
// bases, consent rules and referral kinds that could never apply are problems, reported at the
// place where they were defined.
#include "policy/catalog_check.h"

#include <algorithm>
#include <set>

namespace silta::policy::detail {

using json_check::child_pointer;

namespace {

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

struct Checker {
  Catalog* catalog;
  const CatalogSites& sites;
  std::vector<CatalogProblem>& problems;

  void problem(std::string file, std::string path, std::string message) {
    problems.push_back({std::move(file), std::move(path), std::move(message)});
  }

  void check_bases() {
    std::set<std::string> with_rule;
    for (const auto& r : catalog->break_glass.rules) with_rule.insert(r.basis);
    for (std::size_t i = 0; i < catalog->bases.size(); ++i) {
      const auto& b = catalog->bases[i];
      const auto& w = sites.basis[i];
      for (std::size_t j = 0; j < b.categories.size(); ++j) {
        const auto* c = catalog->find_category(b.categories[j]);
        bool held = std::any_of(b.from_kinds.begin(), b.from_kinds.end(),
                                [&](const std::string& k) { return contains(c->held_by, k); });
        if (!held) {
          problem(w.file, child_pointer(w.path + "/categories", j),
                  "no kind in from_kinds holds \"" + c->id + "\": this part can never apply");
        }
      }
      for (std::size_t j = 0; j < b.from_kinds.size(); ++j) {
        bool holds_any = std::any_of(b.categories.begin(), b.categories.end(), [&](const auto& c) {
          return contains(catalog->find_category(c)->held_by, b.from_kinds[j]);
        });
        if (!holds_any) {
          problem(w.file, child_pointer(w.path + "/from_kinds", j),
                  "\"" + b.from_kinds[j] +
                      "\" holds none of the basis's categories: this part can never apply");
        }
      }
      if (b.recipient_must_be_authority &&
          std::none_of(b.to_kinds.begin(), b.to_kinds.end(),
                       [&](const auto& k) { return catalog->find_kind(k)->authority; })) {
        problem(w.file, w.path + "/recipient_must_be_authority",
                "no kind in to_kinds is an authority: the basis can never apply");
      }
      if (b.requirements.emergency && with_rule.count(b.id) == 0) {
        problem(w.file, w.path + "/requires/emergency",
                "no break-glass rule names this basis: it can never apply");
      }
    }
  }

  void check_consent_rules() {
    for (const auto& c : catalog->categories) {
      if (catalog->find_consent_rule(c.consent_regime) == nullptr) {
        problem(kConsentRulesFile, "/rules",
                std::string("no rule for the regime \"") + consent_regime_name(c.consent_regime) +
                    "\" of category \"" + c.id + "\"");
      }
    }
  }

  void check_referrals() {
    for (std::size_t i = 0; i < catalog->referral_kinds.size(); ++i) {
      auto& k = catalog->referral_kinds[i];
      const auto& w = sites.referral[i];
      bool any_consent = false, all_consent = true;
      for (std::size_t j = 0; j < k.bases.size(); ++j) {
        const auto* b = catalog->find_basis(k.bases[j]);
        auto path = child_pointer(w.path + "/bases", j);
        if (b->initiative == Initiative::kPull) {
          problem(w.file, path, "\"" + b->id + "\" is a pull basis: a referral is pushed");
        }
        if (!contains(b->purposes, k.purpose)) {
          problem(w.file, path,
                  "\"" + b->id + "\" does not cover the purpose \"" + k.purpose + "\"");
        }
        any_consent = any_consent || b->needs_consent();
        all_consent = all_consent && b->needs_consent();
      }
      k.consent = all_consent   ? ReferralConsent::kRequired
                  : any_consent ? ReferralConsent::kRequiredUnlessConditions
                                : ReferralConsent::kNotRequired;
      // Every sender, recipient and category must be covered by some basis.
      auto covered = [&](auto pred) {
        return std::any_of(k.bases.begin(), k.bases.end(),
                           [&](const auto& id) { return pred(*catalog->find_basis(id)); });
      };
      for (std::size_t j = 0; j < k.from_kinds.size(); ++j) {
        if (!covered(
                [&](const LegalBasis& b) { return contains(b.from_kinds, k.from_kinds[j]); })) {
          problem(w.file, child_pointer(w.path + "/from_kinds", j),
                  "no basis of the referral kind lets \"" + k.from_kinds[j] + "\" send it");
        }
      }
      for (std::size_t j = 0; j < k.to_kinds.size(); ++j) {
        if (!covered([&](const LegalBasis& b) { return contains(b.to_kinds, k.to_kinds[j]); })) {
          problem(w.file, child_pointer(w.path + "/to_kinds", j),
                  "no basis of the referral kind lets \"" + k.to_kinds[j] + "\" receive it");
        }
      }
      for (std::size_t j = 0; j < k.categories.size(); ++j) {
        if (!covered(
                [&](const LegalBasis& b) { return contains(b.categories, k.categories[j]); })) {
          problem(w.file, child_pointer(w.path + "/categories", j),
                  "no basis of the referral kind covers \"" + k.categories[j] + "\"");
        }
      }
      if (!k.companion.empty()) {
        if (catalog->find_referral_kind(k.companion) == nullptr) {
          problem(w.file, sites.referral_companion_path[i],
                  "unknown referral kind \"" + k.companion + "\"");
        } else if (k.companion == k.id) {
          problem(w.file, sites.referral_companion_path[i],
                  "a referral kind cannot be its own companion");
        }
      }
    }
  }
};

}  // namespace

void check_catalog(Catalog& catalog, const CatalogSites& sites,
                   std::vector<CatalogProblem>& problems) {
  Checker c{&catalog, sites, problems};
  c.check_bases();
  c.check_consent_rules();
  c.check_referrals();
}

}  // namespace silta::policy::detail
