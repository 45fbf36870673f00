// The decision engine. At construction the catalog is compiled into small integer ids and 64-bit
// sets, and for every category the list of bases that name it, in the order they are tried:
// statutory bases before consent paths, bases for named purposes before those for any purpose,
// then file order. A decision then tests a handful of bits per candidate basis.
#include "policy/engine.h"

#include <algorithm>
#include <unordered_map>

#include "policy/identity_code.h"

namespace silta::policy {

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using IdMap = std::unordered_map<std::string, int, StringHash, std::equal_to<>>;

int lookup(const IdMap& map, std::string_view id) {
  auto it = map.find(id);
  return it == map.end() ? -1 : it->second;
}

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::uint64_t bit(int i) { return std::uint64_t{1} << i; }

bool contains_index(const std::vector<int>& list, int i) {
  return std::find(list.begin(), list.end(), i) != list.end();
}

// Code points of the text without surrounding white space: what a reader would count.
std::size_t text_length(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
    s.remove_suffix(1);
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

namespace detail {

struct EngineIndex {
  IdMap kinds, categories, purposes;

  struct Basis {
    const LegalBasis* basis = nullptr;
    std::uint64_t from = 0, to = 0, purposes = 0;
    bool pull = false, push = false;
    std::vector<int> break_glass_rules;  // indices into rules
  };
  struct BreakGlass {
    std::uint64_t from = ~std::uint64_t{0}, to = ~std::uint64_t{0}, purposes = ~std::uint64_t{0};
    std::vector<std::string> categories;  // empty = as the basis
  };
  struct Category {
    const DataCategory* category = nullptr;
    std::uint64_t held = 0;
    const ConsentRule* rule = nullptr;
    std::vector<int> bases;  // in the order they are tried
  };
  struct Referral {
    const ReferralKind* kind = nullptr;
    std::uint64_t from = 0, to = 0;
    std::vector<int> bases;
  };

  std::vector<Basis> bases;
  std::vector<BreakGlass> rules;
  std::vector<Category> category_info;
  std::vector<bool> kind_authority;
  std::unordered_map<std::string, Referral, StringHash, std::equal_to<>> referrals;

  std::uint64_t kind_mask(const std::vector<std::string>& ids) const {
    std::uint64_t m = 0;
    for (const auto& id : ids) m |= bit(lookup(kinds, id));
    return m;
  }
  std::uint64_t purpose_mask(const std::vector<std::string>& ids) const {
    std::uint64_t m = 0;
    for (const auto& id : ids) m |= bit(lookup(purposes, id));
    return m;
  }
};

}  // namespace detail

namespace {

using Index = detail::EngineIndex;

void index_kinds_and_purposes(const Catalog& c, Index& ix) {
  for (std::size_t i = 0; i < c.kinds.size(); ++i) {
    ix.kinds.emplace(c.kinds[i].id, int(i));
    ix.kind_authority.push_back(c.kinds[i].authority);
  }
  for (std::size_t i = 0; i < c.purposes.size(); ++i) ix.purposes.emplace(c.purposes[i].id, int(i));
}

void index_categories(const Catalog& c, Index& ix) {
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    ix.categories.emplace(c.categories[i].id, int(i));
    Index::Category info;
    info.category = &c.categories[i];
    info.held = ix.kind_mask(c.categories[i].held_by);
    info.rule = c.find_consent_rule(c.categories[i].consent_regime);
    ix.category_info.push_back(std::move(info));
  }
}

// An empty list in a break-glass rule means "as the basis": every bit set.
void index_break_glass_rules(const Catalog& c, Index& ix) {
  for (const auto& r : c.break_glass.rules) {
    Index::BreakGlass bg;
    if (!r.from_kinds.empty()) bg.from = ix.kind_mask(r.from_kinds);
    if (!r.to_kinds.empty()) bg.to = ix.kind_mask(r.to_kinds);
    if (!r.purposes.empty()) bg.purposes = ix.purpose_mask(r.purposes);
    bg.categories = r.categories;
    ix.rules.push_back(std::move(bg));
  }
}

// Each basis as bit sets, and under every category it names (in file order; ordered later).
void index_bases(const Catalog& c, Index& ix) {
  for (std::size_t i = 0; i < c.bases.size(); ++i) {
    const auto& b = c.bases[i];
    Index::Basis info;
    info.basis = &b;
    info.from = ix.kind_mask(b.from_kinds);
    info.to = ix.kind_mask(b.to_kinds);
    info.purposes = ix.purpose_mask(b.purposes);
    info.pull = b.initiative != Initiative::kPush;
    info.push = b.initiative != Initiative::kPull;
    for (std::size_t r = 0; r < c.break_glass.rules.size(); ++r) {
      if (c.break_glass.rules[r].basis == b.id) info.break_glass_rules.push_back(int(r));
    }
    ix.bases.push_back(std::move(info));
    for (const auto& cat : b.categories) {
      ix.category_info[std::size_t(lookup(ix.categories, cat))].bases.push_back(int(i));
    }
  }
}

// The order in which a category's bases are tried: statutory bases before consent paths, bases
// for named purposes before those for any purpose, then file order (docs/catalog.md).
void order_bases_as_tried(const Catalog& c, Index& ix) {
  for (auto& info : ix.category_info) {
    std::stable_sort(info.bases.begin(), info.bases.end(), [&](int a, int b) {
      const auto& x = c.bases[std::size_t(a)];
      const auto& y = c.bases[std::size_t(b)];
      return std::pair(x.needs_consent(), x.any_purpose) <
             std::pair(y.needs_consent(), y.any_purpose);
    });
  }
}

void index_referral_kinds(const Catalog& c, Index& ix) {
  for (const auto& k : c.referral_kinds) {
    Index::Referral r;
    r.kind = &k;
    r.from = ix.kind_mask(k.from_kinds);
    r.to = ix.kind_mask(k.to_kinds);
    for (const auto& id : k.bases) {
      for (std::size_t i = 0; i < c.bases.size(); ++i) {
        if (c.bases[i].id == id) r.bases.push_back(int(i));
      }
    }
    ix.referrals.emplace(k.id, std::move(r));
  }
}

}  // namespace

Engine::Engine(std::shared_ptr<const Catalog> catalog) : catalog_(std::move(catalog)) {
  auto ix = std::make_unique<Index>();
  const Catalog& c = *catalog_;
  index_kinds_and_purposes(c, *ix);
  index_categories(c, *ix);
  index_break_glass_rules(c, *ix);
  index_bases(c, *ix);
  order_bases_as_tried(c, *ix);
  index_referral_kinds(c, *ix);
  index_ = std::move(ix);
}

Engine::~Engine() = default;

namespace {

// The outcome of trying one basis for one category.
struct Eval {
  bool ok = false;
  bool achievable = true;  // whether the requester could still make it apply
  DenyReason reason = DenyReason::kNone;
  Need need;
  Parties parties = Parties::kSelf;
  bool break_glass = false;
  std::vector<std::string> consent_ids;
  std::optional<SysTime> data_from, data_until;
};

// Everything about one request that does not depend on the category.
struct Context {
  Context(const DecisionRequest& r, const Catalog& c) : req(r), catalog(c) {}

  const DecisionRequest& req;
  const Catalog& catalog;
  const Index* ix = nullptr;
  Date today{};
  std::optional<int> age;
  bool recipient_authority = false;
  int from = 0, to = 0, purpose = 0;
  std::string_view purpose_id;  // the request's, or else its referral kind's
  std::uint64_t from_bit = 0, to_bit = 0, purpose_bit = 0;
  std::size_t justification_length = 0;
  const Index::Referral* referral = nullptr;
  std::vector<const ConsentRecord*> consents;  // the subject's, in force, in scope
  std::vector<const ConsentRecord*> lapsed;    // the subject's, in scope, expired or revoked
  std::optional<bool> recorded_capable;        // from the request or a consent's assessment
};

bool in_scope(const std::vector<std::string>& kinds, const std::vector<std::string>& agencies,
              std::string_view kind, std::string_view agency) {
  if (kinds.empty() && agencies.empty()) return true;
  return contains(kinds, kind) || (!agency.empty() && contains(agencies, agency));
}

bool covers(const ConsentRecord& c, std::string_view category) {
  return c.categories.empty() || contains(c.categories, category);
}

bool is_prohibition(ConsentKind k) {
  return k == ConsentKind::kKielto || k == ConsentKind::kMinorProhibition ||
         k == ConsentKind::kRefusal;
}

// --- the consent path -------------------------------------------------------------------------

// Who must consent for data under a consent rule, given the subject's age and capability, and
// whose word therefore counts.
struct Deciders {
  Parties parties = Parties::kSelf;
  bool minor = false;
  bool guardians = false;       // the guardians decide (alone or with the subject)
  bool representative = false;  // the guardians or a legal representative decide
};

Parties who_decides(const Context& ctx, const ConsentRule& rule) {
  int age = *ctx.age;
  if (age >= rule.adult_age) {
    return ctx.req.subject.capable == false ? rule.incapable_adult : Parties::kSelf;
  }
  std::optional<bool> capable = ctx.recorded_capable;
  if (!capable && age < rule.presumed_incapable_below) capable = false;
  if (!capable) return rule.unassessed_minor;
  return *capable ? rule.capable_minor : rule.incapable_minor;
}

Deciders deciders(const Context& ctx, const ConsentRule& rule) {
  Deciders d;
  d.parties = who_decides(ctx, rule);
  d.minor = *ctx.age < rule.adult_age;
  d.guardians = d.parties == Parties::kGuardians || d.parties == Parties::kSelfAndGuardians;
  d.representative = d.guardians || d.parties == Parties::kLegalRepresentative;
  return d;
}

struct Prohibitions {
  const ConsentRecord* refusal = nullptr;  // the subject's own refusal, where their word counts
  const ConsentRecord* kielto = nullptr;   // a prohibition that forbids the disclosure outright
  bool minor_prohibition = false;          // a capable minor keeps the data from the guardians
  // The one that decides: a refusal before a prohibition (docs/catalog.md, "The decisive reason").
  const ConsentRecord* decisive() const { return refusal != nullptr ? refusal : kielto; }
};

bool subject_decides(const Deciders& who) {
  return who.parties == Parties::kSelf || who.parties == Parties::kSelfAndGuardians;
}

// A refusal or a prohibition beats every consent and permit (ATL 59 §). The subject's refusal
// counts where their own word does (an adult; a minor assessed capable, who then outweighs the
// guardians' permit; an unassessed minor from 12, who decides with them); a kielto counts when
// the subject gave it, or a guardian or representative when they are the ones who decide.
Prohibitions find_prohibitions(const Context& ctx, std::string_view category, const Deciders& who) {
  Prohibitions out;
  for (const auto* c : ctx.consents) {
    if (!is_prohibition(c->kind) || !covers(*c, category)) continue;
    for (const auto& g : c->granted_by) {
      bool self = g.capacity == Capacity::kSelf;
      bool standing =
          self || (g.capacity == Capacity::kGuardian ? who.guardians : who.representative);
      if (c->kind == ConsentKind::kRefusal && self && subject_decides(who) && !out.refusal) {
        out.refusal = c;
      } else if (c->kind == ConsentKind::kKielto && standing && !out.kielto) {
        out.kielto = c;
      } else if (c->kind == ConsentKind::kMinorProhibition && who.minor && self &&
                 g.minor_capable) {
        // ATL 51 §: a capable minor keeps the data from the guardians, so their consent cannot
        // release it either.
        out.minor_prohibition = true;
      }
    }
  }
  return out;
}

// The consents in force that could carry the basis for the category, by who gave them, and why
// the others could not.
struct ConsentsGiven {
  bool any = false, form_bad = false, unspecific = false;
  std::vector<std::string_view> guardians;  // distinct guardians who consented
  std::vector<const ConsentRecord*> by_self, by_guardians, by_representatives;
};

ConsentsGiven consents_given(const Context& ctx, const LegalBasis& basis, const ConsentRule& rule,
                             std::string_view category, bool minor_prohibition) {
  ConsentsGiven out;
  const auto& kinds = basis.requirements.consent_kinds;
  for (const auto* c : ctx.consents) {
    if (is_prohibition(c->kind) || !covers(*c, category)) continue;
    if (std::find(kinds.begin(), kinds.end(), c->kind) == kinds.end()) continue;
    out.any = true;
    if (std::find(rule.forms.begin(), rule.forms.end(), c->form) == rule.forms.end()) {
      out.form_bad = true;
      continue;
    }
    if (rule.specific && (c->categories.empty() || c->purposes.empty())) {
      out.unspecific = true;
      continue;
    }
    for (const auto& g : c->granted_by) {
      if (g.capacity == Capacity::kSelf) {
        out.by_self.push_back(c);
      } else if (minor_prohibition) {
        continue;
      } else if (g.capacity == Capacity::kGuardian) {
        if (std::find(out.guardians.begin(), out.guardians.end(), g.person_pseudonym) ==
            out.guardians.end()) {
          out.guardians.push_back(g.person_pseudonym);
        }
        out.by_guardians.push_back(c);
      } else {
        out.by_representatives.push_back(c);  // a legal representative or an edunvalvoja acts alone
      }
    }
  }
  return out;
}

// Whether the consents given come from everyone who must consent.
bool consented_by_deciders(const Context& ctx, const ConsentRule& rule, const Deciders& who,
                           const ConsentsGiven& given) {
  bool self_ok = !given.by_self.empty(), rep_ok = !given.by_representatives.empty();
  int needed = ctx.req.subject.guardians.value_or(rule.guardians_when_unknown);
  bool guardians_ok = rep_ok || (needed > 0 && int(given.guardians.size()) >= needed);
  switch (who.parties) {
    case Parties::kSelf:
      return self_ok;
    case Parties::kGuardians:
      return guardians_ok;
    case Parties::kSelfAndGuardians:
      return self_ok && guardians_ok;
    case Parties::kLegalRepresentative:
      return rep_ok;
  }
  return false;
}

DenyReason why_not_consented(const ConsentsGiven& given) {
  bool someone =
      !given.by_self.empty() || !given.guardians.empty() || !given.by_representatives.empty();
  return !given.any         ? DenyReason::kConsentMissing
         : someone          ? DenyReason::kConsentParty
         : given.form_bad   ? DenyReason::kConsentForm
         : given.unspecific ? DenyReason::kConsentNotSpecific
                            : DenyReason::kConsentParty;
}

// Cites the consents of those who decide (the subject's, then the guardians', then the
// representatives'), and narrows the data to the periods they cover.
void rely_on_consents(const Deciders& who, const ConsentsGiven& given, Eval& e) {
  auto cite = [&](const std::vector<const ConsentRecord*>& consents) {
    for (const auto* c : consents) {
      if (contains(e.consent_ids, c->id)) continue;
      e.consent_ids.push_back(c->id);
      if (c->data_recorded_from && (!e.data_from || *e.data_from < *c->data_recorded_from)) {
        e.data_from = c->data_recorded_from;
      }
      if (c->data_recorded_until && (!e.data_until || *c->data_recorded_until < *e.data_until)) {
        e.data_until = c->data_recorded_until;
      }
    }
  };
  if (who.parties == Parties::kSelf || who.parties == Parties::kSelfAndGuardians) {
    cite(given.by_self);
  }
  if (who.guardians) cite(given.by_guardians);
  if (who.representative) cite(given.by_representatives);
}

// What the consents on record say for one basis and category.
struct ConsentOutcome {
  bool ok = false;
  bool achievable = true;
  DenyReason reason = DenyReason::kNone;
  Need need;
  Parties parties = Parties::kSelf;
  const ConsentRecord* prohibition = nullptr;  // the refusal or kielto that forbids it
};

// Whether the consents on record let `basis` carry the category: a prohibition first, then
// consents of the kinds the basis names, in the forms the rule accepts, from those who decide.
// When they do, the consents relied on are cited in `e`.
ConsentOutcome consent_path(const Context& ctx, const LegalBasis& basis, const Index::Category& cat,
                            Eval& e) {
  ConsentOutcome out;
  const ConsentRule& rule = *cat.rule;
  if (!ctx.age) {
    out.reason = DenyReason::kSubjectAgeUnknown;
    out.need = {Need::Kind::kBirthDate};
    return out;
  }
  const std::string& category = cat.category->id;
  Deciders who = deciders(ctx, rule);
  out.parties = who.parties;
  Prohibitions prohibited = find_prohibitions(ctx, category, who);
  if (const auto* p = prohibited.decisive()) {
    out.reason = p == prohibited.refusal ? DenyReason::kRefused : DenyReason::kProhibited;
    out.achievable = false;
    out.prohibition = p;
    return out;
  }
  ConsentsGiven given = consents_given(ctx, basis, rule, category, prohibited.minor_prohibition);
  if (!consented_by_deciders(ctx, rule, who, given)) {
    out.reason = why_not_consented(given);
    out.need = {Need::Kind::kConsent, nullptr, who.parties};
    return out;
  }
  rely_on_consents(who, given, e);
  out.ok = true;
  return out;
}

// --- trying one basis -------------------------------------------------------------------------

bool break_glass_allowed(const Context& ctx, const Index::Basis& b, const std::string& category) {
  for (int r : b.break_glass_rules) {
    const auto& rule = ctx.ix->rules[std::size_t(r)];
    if ((rule.from & ctx.from_bit) && (rule.to & ctx.to_bit) && (rule.purposes & ctx.purpose_bit) &&
        (rule.categories.empty() || contains(rule.categories, category))) {
      return true;
    }
  }
  return false;
}

// One basis tried for one category, requirement by requirement. Each check returns whether to go
// on: with `all` given it keeps going after the first unmet requirement and lists every need (for
// the alternatives); `e.achievable` turns false when something the requester cannot change stands
// in the way, and that ends the trial.
class BasisTrial {
 public:
  // The outcome goes to `e`, which the caller owns (no copy on the hot path).
  BasisTrial(const Context& ctx, const Index::Basis& b, const Index::Category& cat,
             std::vector<Need>* all, Eval& e)
      : ctx_(ctx), b_(b), cat_(cat), all_(all), e_(e) {}

  void run() {
    if (in_force() && recipient_is_authority() && actor_role() && subject_age() && offence() &&
        attestations() && emergency() && consent() && case_reference() && justification() &&
        e_.reason == DenyReason::kNone) {
      e_.ok = true;
      e_.break_glass = requirements().emergency;
    }
  }

 private:
  const LegalBasis& basis() const { return *b_.basis; }
  const Requirements& requirements() const { return b_.basis->requirements; }

  // Records an unmet requirement (the first one is the reason); returns whether to go on.
  bool unmet(DenyReason reason, const Need& need, bool achievable) {
    if (e_.reason == DenyReason::kNone) {
      e_.reason = reason;
      e_.need = need;
    }
    if (!achievable) e_.achievable = false;
    if (all_ != nullptr && achievable && need.kind != Need::Kind::kNone) all_->push_back(need);
    return all_ != nullptr && achievable;
  }

  bool in_force() {
    return basis().in_force_on(ctx_.today) || unmet(DenyReason::kBasisNotInForce, {}, false);
  }

  bool recipient_is_authority() {
    return !basis().recipient_must_be_authority || ctx_.recipient_authority ||
           unmet(DenyReason::kRecipientNotAuthority, {}, false);
  }

  // The requester's official acts: a missing role can still be stated, a wrong one cannot change.
  bool actor_role() {
    const auto& roles = requirements().roles(ctx_.req.direction);
    if (roles.empty()) return true;
    if (ctx_.req.actor_role.empty()) {
      return unmet(DenyReason::kActorRoleMissing, {Need::Kind::kActorRole}, true);
    }
    return contains(roles, ctx_.req.actor_role) ||
           unmet(DenyReason::kActorRoleNotAllowed, {}, false);
  }

  bool subject_age() {
    const auto& min = requirements().subject_min_age;
    const auto& max = requirements().subject_max_age;
    if (!min && !max) return true;
    if (!ctx_.age) return unmet(DenyReason::kSubjectAgeUnknown, {Need::Kind::kBirthDate}, true);
    if ((min && *ctx_.age < *min) || (max && *ctx_.age > *max)) {
      return unmet(DenyReason::kSubjectAge, {}, false);
    }
    return true;
  }

  bool offence() {
    const auto& alternatives = requirements().offence;
    if (alternatives.empty()) return true;
    const auto& off = ctx_.req.offence;
    if (!off) return unmet(DenyReason::kOffenceMissing, {Need::Kind::kOffence}, true);
    bool covered =
        std::any_of(alternatives.begin(), alternatives.end(), [&](const OffenceAlternative& a) {
          return (a.classes.empty() || contains(a.classes, off->offence_class)) &&
                 (!a.min_max_penalty_months ||
                  off->max_penalty_months >= *a.min_max_penalty_months);
        });
    return covered || unmet(DenyReason::kOffenceNotCovered, {}, false);
  }

  bool attestations() {
    for (const auto& a : requirements().attestations) {
      if (!contains(ctx_.req.attestations, a) &&
          !unmet(DenyReason::kAttestationMissing,
                 {Need::Kind::kAttestation, ctx_.catalog.find_attestation(a)}, true)) {
        return false;
      }
    }
    return true;
  }

  bool emergency() {
    if (!requirements().emergency) return true;
    if (!ctx_.req.break_glass) {
      return unmet(DenyReason::kBreakGlassRequired, {Need::Kind::kBreakGlass}, true);
    }
    if (!break_glass_allowed(ctx_, b_, cat_.category->id)) {
      return unmet(DenyReason::kBreakGlassNotAllowed, {}, false);
    }
    if (ctx_.justification_length <
        std::size_t(ctx_.catalog.break_glass.justification_min_length)) {
      return unmet(DenyReason::kBreakGlassJustificationShort,
                   {Need::Kind::kBreakGlassJustification}, true);
    }
    return true;
  }

  bool consent() {
    if (!basis().needs_consent()) return true;
    ConsentOutcome c = consent_path(ctx_, basis(), cat_, e_);
    e_.parties = c.parties;
    if (c.ok) return true;
    // A refusal or prohibition is named only when it is the reason.
    if (c.prohibition != nullptr && e_.reason == DenyReason::kNone) {
      e_.consent_ids = {c.prohibition->id};
    }
    return unmet(c.reason, c.need, c.achievable);
  }

  bool case_reference() {
    return !requirements().case_reference || !ctx_.req.case_reference.empty() ||
           unmet(DenyReason::kCaseReferenceMissing, {Need::Kind::kCaseReference}, true);
  }

  bool justification() {
    return !requirements().justification ||
           ctx_.justification_length >= std::size_t(ctx_.catalog.justification_min_length) ||
           unmet(DenyReason::kJustificationMissing, {Need::Kind::kJustification}, true);
  }

  const Context& ctx_;
  const Index::Basis& b_;
  const Index::Category& cat_;
  std::vector<Need>* all_;
  Eval& e_;
};

// Tries `b` for the category (see BasisTrial for `all`). Kept out of line: its two callers stay
// small and the trial's steps, each called once, are inlined into it (measured: policy_bench).
[[gnu::noinline]] Eval evaluate(const Context& ctx, const Index::Basis& b,
                                const Index::Category& cat, std::vector<Need>* all) {
  Eval e;
  BasisTrial(ctx, b, cat, all, e).run();
  return e;
}

bool direction_allowed(const Index::Basis& b, Direction d) {
  return d == Direction::kPull ? b.pull : b.push;
}

bool matches_kinds(const Context& ctx, const Index::Basis& b) {
  return (b.from & ctx.from_bit) && (b.to & ctx.to_bit);
}

bool among_referral_bases(const Context& ctx, int i) {
  return contains_index(ctx.referral->bases, i);
}

// Whether basis `i` is one the request is decided on: it names the kinds, the purpose and the
// direction, and for a referral it is one of the referral kind's bases. Tested for every basis
// of every category asked, so kept small enough to inline.
inline bool is_candidate(const Context& ctx, const Index::Basis& b, int i) {
  return matches_kinds(ctx, b) && (b.purposes & ctx.purpose_bit) &&
         direction_allowed(b, ctx.req.direction) && (!ctx.referral || among_referral_bases(ctx, i));
}

// --- alternatives -----------------------------------------------------------------------------

constexpr std::size_t kMaxAlternatives = 8;

// The ways a denied category could lawfully move, each with what it lacks; at most
// kMaxAlternatives, one per basis and direction.
class Alternatives {
 public:
  Alternatives(const Context& ctx, const Index::Category& cat) : ctx_(ctx), cat_(cat) {}

  // 1. The bases that were tried, with what they lack.
  void add_bases_tried() {
    for (int i : cat_.bases) {
      const auto& b = ctx_.ix->bases[std::size_t(i)];
      if (is_candidate(ctx_, b, i)) add(b, std::nullopt, nullptr);
    }
  }

  // 2. The other direction, for the same purpose: e.g. the holder pushes it as a referral
  // instead of the recipient pulling it. A basis for another purpose is never offered: the
  // requester cannot lawfully relabel its purpose (docs/catalog.md, "Alternatives").
  void add_other_direction() {
    Direction other = ctx_.req.direction == Direction::kPull ? Direction::kPush : Direction::kPull;
    for (int i : cat_.bases) {
      const auto& b = ctx_.ix->bases[std::size_t(i)];
      if (!matches_kinds(ctx_, b) || !(b.purposes & ctx_.purpose_bit) ||
          direction_allowed(b, ctx_.req.direction) || !direction_allowed(b, other)) {
        continue;
      }
      add(b, other, referral_kind_carrying(i));
    }
  }

  std::vector<Alternative> take() { return std::move(out_); }

 private:
  void add(const Index::Basis& b, std::optional<Direction> direction,
           const ReferralKind* referral) {
    if (out_.size() >= kMaxAlternatives) return;
    for (const auto& a : out_) {
      if (a.basis == b.basis && a.direction == direction) return;
    }
    std::vector<Need> needs;
    Eval e = evaluate(ctx_, b, cat_, &needs);
    if (!e.achievable) return;
    if (needs.empty() && !direction) return;  // nothing to change: not an alternative
    // A break-glass justification is the justification.
    if (std::any_of(needs.begin(), needs.end(), [](const Need& n) {
          return n.kind == Need::Kind::kBreakGlass ||
                 n.kind == Need::Kind::kBreakGlassJustification;
        })) {
      std::erase_if(needs, [](const Need& n) { return n.kind == Need::Kind::kJustification; });
    }
    out_.push_back({b.basis, direction, referral, std::move(needs)});
  }

  // The referral kind (first by id) that carries the category between these kinds on basis `i`.
  const ReferralKind* referral_kind_carrying(int i) const {
    const ReferralKind* referral = nullptr;
    for (const auto& [id, r] : ctx_.ix->referrals) {
      if (contains_index(r.bases, i) && (r.from & ctx_.from_bit) && (r.to & ctx_.to_bit) &&
          contains(r.kind->categories, cat_.category->id) &&
          (referral == nullptr || r.kind->id < referral->id)) {
        referral = r.kind;
      }
    }
    return referral;
  }

  const Context& ctx_;
  const Index::Category& cat_;
  std::vector<Alternative> out_;
};

std::vector<Alternative> alternatives(const Context& ctx, const Index::Category& cat) {
  Alternatives out(ctx, cat);
  out.add_bases_tried();
  if (!ctx.referral) out.add_other_direction();  // a referral is decided on its own bases only
  return out.take();
}

// --- checking and resolving the request -------------------------------------------------------

// Every problem of a request, in one message.
class Problems {
 public:
  void add(const std::string& p) {
    if (!text_.empty()) text_ += "; ";
    text_ += p;
  }
  bool empty() const { return text_.empty(); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

void resolve_kinds(Context& ctx, Problems& problems) {
  ctx.from = lookup(ctx.ix->kinds, ctx.req.from_kind);
  ctx.to = lookup(ctx.ix->kinds, ctx.req.to_kind);
  if (ctx.from < 0) problems.add("unknown agency kind \"" + ctx.req.from_kind + "\" (from)");
  if (ctx.to < 0) problems.add("unknown agency kind \"" + ctx.req.to_kind + "\" (to)");
}

// A referral is a push on its kind's purpose; the request may leave the purpose out.
void resolve_referral_and_purpose(Context& ctx, Problems& problems) {
  const DecisionRequest& req = ctx.req;
  ctx.purpose_id = req.purpose;
  if (!req.referral_kind.empty()) {
    auto it = ctx.ix->referrals.find(req.referral_kind);
    if (it == ctx.ix->referrals.end()) {
      problems.add("unknown referral kind \"" + req.referral_kind + "\"");
    } else {
      ctx.referral = &it->second;
      const ReferralKind& kind = *it->second.kind;
      if (req.direction != Direction::kPush) problems.add("a referral is a push");
      if (ctx.purpose_id.empty()) {
        ctx.purpose_id = kind.purpose;
      } else if (ctx.purpose_id != kind.purpose) {
        problems.add("the purpose of the referral kind \"" + kind.id + "\" is \"" + kind.purpose +
                     "\"");
      }
    }
  }
  ctx.purpose = lookup(ctx.ix->purposes, ctx.purpose_id);
  if (ctx.purpose_id.empty()) {
    problems.add("a purpose is required");
  } else if (ctx.purpose < 0) {
    problems.add("unknown purpose \"" + std::string(ctx.purpose_id) + "\"");
  }
}

// The requested categories as indices, in the order asked.
std::vector<int> resolve_categories(const Context& ctx, Problems& problems) {
  const auto& asked = ctx.req.categories;
  if (asked.empty()) problems.add("at least one data category is required");
  std::vector<int> cats;
  cats.reserve(asked.size());
  for (const auto& c : asked) {
    int id = lookup(ctx.ix->categories, c);
    if (id < 0) {
      problems.add("unknown data category \"" + c + "\"");
    } else if (std::find(cats.begin(), cats.end(), id) != cats.end()) {
      problems.add("data category \"" + c + "\" asked twice");
    }
    cats.push_back(id);
  }
  return cats;
}

void check_stated_facts(const Context& ctx, Problems& problems) {
  const DecisionRequest& req = ctx.req;
  for (const auto& a : req.attestations) {
    if (ctx.catalog.find_attestation(a) == nullptr) {
      problems.add("unknown attestation \"" + a + "\"");
    }
  }
  if (req.offence) {
    if (ctx.catalog.find_offence_class(req.offence->offence_class) == nullptr) {
      problems.add("unknown offence class \"" + req.offence->offence_class + "\"");
    }
    if (req.offence->max_penalty_months < 0) problems.add("a maximum penalty cannot be negative");
  }
  if (!req.actor_role.empty() && ctx.catalog.find_role(req.actor_role) == nullptr) {
    problems.add("unknown role \"" + req.actor_role + "\"");
  }
  if (req.subject.guardians && *req.subject.guardians < 0) {
    problems.add("the number of guardians cannot be negative");
  }
}

// What the category checks read: bit sets, whether the recipient is an authority, the subject's
// age and recorded capability, the justification's length.
void derive_request_facts(Context& ctx) {
  const DecisionRequest& req = ctx.req;
  ctx.from_bit = bit(ctx.from);
  ctx.to_bit = bit(ctx.to);
  ctx.purpose_bit = bit(ctx.purpose);
  ctx.recipient_authority =
      req.recipient_is_authority.value_or(ctx.ix->kind_authority[std::size_t(ctx.to)]);
  if (req.subject.birth_date) ctx.age = age_on(*req.subject.birth_date, ctx.today);
  ctx.justification_length = text_length(req.justification);
  ctx.recorded_capable = req.subject.capable;
}

bool in_force_at(const ConsentRecord& c, SysTime now) {
  return now >= c.valid_from && (!c.valid_until || now < *c.valid_until) &&
         (!c.revoked || c.revoked->at > now);
}

// Whether the consent concerns this request's subject, holder, recipient and purpose; a request
// that cites consents may rest only on those (every prohibition counts all the same).
bool concerns_request(const Context& ctx, const ConsentRecord& c) {
  const DecisionRequest& req = ctx.req;
  if (c.subject_pseudonym != req.subject.pseudonym) return false;
  if (!in_scope(c.from_kinds, c.from_agencies, req.from_kind, req.from_agency) ||
      !in_scope(c.to_kinds, c.to_agencies, req.to_kind, req.to_agency) ||
      (!c.purposes.empty() && !contains(c.purposes, ctx.purpose_id))) {
    return false;
  }
  return is_prohibition(c.kind) || req.cited_consents.empty() || contains(req.cited_consents, c.id);
}

// A professional's assessment that the minor subject is capable (ATL 34 §), recorded with the
// consent.
bool records_capability(const ConsentRecord& c) {
  return std::any_of(c.granted_by.begin(), c.granted_by.end(), [](const ConsentGrantor& g) {
    return g.capacity == Capacity::kSelf && g.minor_capable && !g.assessed_by.empty();
  });
}

void select_consents(Context& ctx, std::span<const ConsentRecord> consents, SysTime now) {
  if (ctx.req.subject.pseudonym.empty()) return;  // no subject: no consent can be theirs
  ctx.consents.reserve(consents.size());
  for (const auto& c : consents) {
    if (!concerns_request(ctx, c)) continue;
    if (!in_force_at(c, now)) {
      // Kept to name it when it is what decides (an expired or revoked consent).
      if (c.valid_from <= now && !is_prohibition(c.kind)) ctx.lapsed.push_back(&c);
      continue;
    }
    ctx.consents.push_back(&c);
    if (!ctx.recorded_capable && records_capability(c)) ctx.recorded_capable = true;
  }
}

// --- deciding -----------------------------------------------------------------------------------

Decision new_decision(const Context& ctx, std::shared_ptr<const Catalog> catalog, SysTime now) {
  Decision d;
  d.catalog = std::move(catalog);
  d.direction = ctx.req.direction;
  d.from = &ctx.catalog.kinds[std::size_t(ctx.from)];
  d.to = &ctx.catalog.kinds[std::size_t(ctx.to)];
  d.purpose = &ctx.catalog.purposes[std::size_t(ctx.purpose)];
  d.referral = ctx.referral ? ctx.referral->kind : nullptr;
  d.actor_role = ctx.req.actor_role.empty() ? nullptr : ctx.catalog.find_role(ctx.req.actor_role);
  d.recipient_is_authority = ctx.recipient_authority;
  d.decided_at = now;
  d.decided_on = ctx.today;
  d.subject_age = ctx.age;
  d.subject_capable = ctx.recorded_capable;
  return d;
}

// A referral kind carries only its own categories between its own kinds.
bool referral_carries(const Context& ctx, const Index::Category& cat) {
  const auto* r = ctx.referral;
  return !r || ((r->from & ctx.from_bit) && (r->to & ctx.to_bit) &&
                contains(r->kind->categories, cat.category->id));
}

void withhold_protected_fields(const DataCategory& category, CategoryDecision& cd) {
  for (const auto& w : category.never_forward) {
    if (w.when == "turvakielto") cd.withheld.push_back(&w);
  }
}

void grant(const Index::Basis& b, Eval&& e, CategoryDecision& cd) {
  cd.outcome = Outcome::kGranted;
  cd.reason = DenyReason::kNone;
  cd.basis = b.basis;
  cd.consent_ids = std::move(e.consent_ids);
  cd.parties = e.parties;
  cd.break_glass = e.break_glass;
  cd.data_recorded_from = e.data_from;
  cd.data_recorded_until = e.data_until;
  cd.unmet = {};
}

// A denial starts from the reason of the first basis tried; state_decisive_reason may replace it.
void deny_as_first_tried(const Index::Basis& b, Eval&& e, CategoryDecision& cd) {
  cd.reason = e.reason;
  cd.basis = b.basis;
  cd.unmet = e.need;
  cd.parties = e.parties;
  if (e.reason == DenyReason::kProhibited || e.reason == DenyReason::kRefused) {
    cd.consent_ids = std::move(e.consent_ids);
  }
}

// --- the decisive reason ------------------------------------------------------------------------

// The first candidate basis that needs a consent: the one a refusal, a prohibition or a lapsed
// consent stands in the way of.
const Index::Basis* first_consent_candidate(const Context& ctx, const Index::Category& cat) {
  for (int i : cat.bases) {
    const auto& b = ctx.ix->bases[std::size_t(i)];
    if (b.basis->needs_consent() && is_candidate(ctx, b, i)) return &b;
  }
  return nullptr;
}

bool of_kinds(const ConsentRecord& c, const LegalBasis& basis) {
  const auto& kinds = basis.requirements.consent_kinds;
  return std::find(kinds.begin(), kinds.end(), c.kind) != kinds.end();
}

// When a lapsed consent ended, and whether by revocation.
std::pair<SysTime, bool> lapse_of(const ConsentRecord& c) {
  if (c.revoked && (!c.valid_until || c.revoked->at < *c.valid_until)) return {c.revoked->at, true};
  return {*c.valid_until, false};
}

// The consent of the basis's kinds covering the category that lapsed last, when none in force
// covers it.
const ConsentRecord* lapsed_consent(const Context& ctx, const LegalBasis& basis,
                                    std::string_view category) {
  for (const auto* c : ctx.consents) {
    if (of_kinds(*c, basis) && covers(*c, category)) return nullptr;
  }
  const ConsentRecord* last = nullptr;
  for (const auto* c : ctx.lapsed) {
    if (!of_kinds(*c, basis) || !covers(*c, category)) continue;
    if (last == nullptr || lapse_of(*last).first < lapse_of(*c).first) last = c;
  }
  return last;
}

void deny_on_record(const Index::Basis& b, DenyReason reason, const ConsentRecord& c,
                    std::optional<SysTime> ended, CategoryDecision& cd) {
  cd.reason = reason;
  cd.basis = b.basis;
  cd.consent_ids = {c.id};
  cd.record = DecisiveRecord{c.id,
                             c.kind,
                             c.granted_by.empty() ? Capacity::kSelf : c.granted_by.front().capacity,
                             c.valid_from,
                             ended,
                             c.to_kinds,
                             c.categories,
                             c.purposes};
}

// When nothing grants, the reason given is the one that decides, in this order: the subject's
// refusal, a prohibition (kielto), a consent that expired or was revoked, and only then what the
// first candidate lacks (docs/catalog.md, "The decisive reason"). Runs on denials only.
void state_decisive_reason(const Context& ctx, const Index::Category& cat, CategoryDecision& cd) {
  const Index::Basis* b = first_consent_candidate(ctx, cat);
  if (b == nullptr) return;
  if (ctx.age) {
    Deciders who = deciders(ctx, *cat.rule);
    Prohibitions p = find_prohibitions(ctx, cat.category->id, who);
    if (const auto* r = p.decisive()) {
      deny_on_record(*b, r == p.refusal ? DenyReason::kRefused : DenyReason::kProhibited, *r,
                     std::nullopt, cd);
      cd.unmet = {};
      cd.parties = who.parties;
      return;
    }
  }
  if (const auto* c = lapsed_consent(ctx, *b->basis, cat.category->id)) {
    auto [ended, revoked] = lapse_of(*c);
    deny_on_record(*b, revoked ? DenyReason::kConsentRevoked : DenyReason::kConsentExpired, *c,
                   ended, cd);
    Parties parties = ctx.age ? deciders(ctx, *cat.rule).parties : cd.parties;
    cd.parties = parties;
    cd.unmet = {Need::Kind::kConsent, nullptr, parties};
  }
}

// Tries the candidate bases in order until one grants; returns whether any of them offers
// break-glass for this request.
bool try_candidate_bases(const Context& ctx, const Index::Category& cat, CategoryDecision& cd) {
  bool tried = false, emergency_possible = false;
  for (int i : cat.bases) {
    const auto& b = ctx.ix->bases[std::size_t(i)];
    if (!is_candidate(ctx, b, i)) continue;
    if (b.basis->requirements.emergency && break_glass_allowed(ctx, b, cat.category->id)) {
      emergency_possible = true;
    }
    Eval e = evaluate(ctx, b, cat, nullptr);
    if (e.ok) {
      grant(b, std::move(e), cd);
      break;
    }
    if (!tried) {
      tried = true;
      deny_as_first_tried(b, std::move(e), cd);
    }
  }
  return emergency_possible;
}

void decide_category(const Context& ctx, const Index::Category& cat, CategoryDecision& cd) {
  cd.category = cat.category;
  if (ctx.req.subject.turvakielto) withhold_protected_fields(*cat.category, cd);
  if (!referral_carries(ctx, cat)) {
    cd.reason = DenyReason::kReferralNotAllowed;
    return;
  }
  if (!(cat.held & ctx.from_bit)) {
    cd.reason = DenyReason::kNotHeld;
    return;
  }
  bool emergency_possible = try_candidate_bases(ctx, cat, cd);
  if (cd.outcome == Outcome::kGranted) return;
  state_decisive_reason(ctx, cat, cd);
  if (ctx.req.break_glass && !emergency_possible) {
    // The requester asked for an emergency override that no basis offers here.
    cd.reason = DenyReason::kBreakGlassNotAllowed;
    cd.basis = nullptr;
    cd.unmet = {};
    cd.consent_ids.clear();
    cd.record.reset();
  }
  if (ctx.req.alternatives) cd.alternatives = alternatives(ctx, cat);
}

}  // namespace

Result<Decision> Engine::decide(const DecisionRequest& req, std::span<const ConsentRecord> consents,
                                SysTime now) const {
  Context ctx(req, *catalog_);
  ctx.ix = index_.get();
  ctx.today = helsinki_date(now);
  Problems problems;
  resolve_kinds(ctx, problems);
  resolve_referral_and_purpose(ctx, problems);
  std::vector<int> cats = resolve_categories(ctx, problems);
  check_stated_facts(ctx, problems);
  if (!problems.empty()) return make_error(ErrorCode::kInvalidArgument, problems.text());

  derive_request_facts(ctx);
  select_consents(ctx, consents, now);
  Decision d = new_decision(ctx, catalog_, now);
  d.categories.reserve(cats.size());
  for (int c : cats) {
    CategoryDecision& cd = d.categories.emplace_back();
    decide_category(ctx, index_->category_info[std::size_t(c)], cd);
    d.break_glass = d.break_glass || cd.break_glass;
  }
  if (d.break_glass) {
    d.review_due = add_working_days(ctx.today, catalog_->break_glass.review_due_working_days);
  }
  return d;
}

Result<ShadowDecision> decide_with_shadow(const Engine& enforced, const Engine& shadow,
                                          const DecisionRequest& request,
                                          std::span<const ConsentRecord> consents, SysTime now) {
  auto d = enforced.decide(request, consents, now);
  if (!d) return d.error();
  ShadowDecision out{std::move(*d), std::nullopt, "", {}};
  auto s = shadow.decide(request, consents, now);
  if (!s) {
    out.shadow_error = s.error().message;
    for (const auto& c : out.enforced.categories) {
      out.changes.push_back({c.category->id, summary(c), "error: " + s.error().message});
    }
    return out;
  }
  out.changes = compare(out.enforced, *s);
  out.shadow = std::move(*s);
  return out;
}

}  // namespace silta::policy
