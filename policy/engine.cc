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

Engine::Engine(std::shared_ptr<const Catalog> catalog) : catalog_(std::move(catalog)) {
  auto ix = std::make_unique<detail::EngineIndex>();
  const Catalog& c = *catalog_;
  for (std::size_t i = 0; i < c.kinds.size(); ++i) {
    ix->kinds.emplace(c.kinds[i].id, int(i));
    ix->kind_authority.push_back(c.kinds[i].authority);
  }
  for (std::size_t i = 0; i < c.purposes.size(); ++i)
    ix->purposes.emplace(c.purposes[i].id, int(i));
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    ix->categories.emplace(c.categories[i].id, int(i));
    detail::EngineIndex::Category info;
    info.category = &c.categories[i];
    info.held = ix->kind_mask(c.categories[i].held_by);
    info.rule = c.find_consent_rule(c.categories[i].consent_regime);
    ix->category_info.push_back(std::move(info));
  }
  for (const auto& r : c.break_glass.rules) {
    detail::EngineIndex::BreakGlass bg;
    if (!r.from_kinds.empty()) bg.from = ix->kind_mask(r.from_kinds);
    if (!r.to_kinds.empty()) bg.to = ix->kind_mask(r.to_kinds);
    if (!r.purposes.empty()) bg.purposes = ix->purpose_mask(r.purposes);
    bg.categories = r.categories;
    ix->rules.push_back(std::move(bg));
  }
  for (std::size_t i = 0; i < c.bases.size(); ++i) {
    const auto& b = c.bases[i];
    detail::EngineIndex::Basis info;
    info.basis = &b;
    info.from = ix->kind_mask(b.from_kinds);
    info.to = ix->kind_mask(b.to_kinds);
    info.purposes = ix->purpose_mask(b.purposes);
    info.pull = b.initiative != Initiative::kPush;
    info.push = b.initiative != Initiative::kPull;
    for (std::size_t r = 0; r < c.break_glass.rules.size(); ++r) {
      if (c.break_glass.rules[r].basis == b.id) info.break_glass_rules.push_back(int(r));
    }
    ix->bases.push_back(std::move(info));
    for (const auto& cat : b.categories) {
      ix->category_info[std::size_t(lookup(ix->categories, cat))].bases.push_back(int(i));
    }
  }
  for (auto& info : ix->category_info) {
    std::stable_sort(info.bases.begin(), info.bases.end(), [&](int a, int b) {
      const auto& x = c.bases[std::size_t(a)];
      const auto& y = c.bases[std::size_t(b)];
      return std::pair(x.needs_consent(), x.any_purpose) <
             std::pair(y.needs_consent(), y.any_purpose);
    });
  }
  for (const auto& k : c.referral_kinds) {
    detail::EngineIndex::Referral r;
    r.kind = &k;
    r.from = ix->kind_mask(k.from_kinds);
    r.to = ix->kind_mask(k.to_kinds);
    for (const auto& id : k.bases) {
      for (std::size_t i = 0; i < c.bases.size(); ++i) {
        if (c.bases[i].id == id) r.bases.push_back(int(i));
      }
    }
    ix->referrals.emplace(k.id, std::move(r));
  }
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
  const detail::EngineIndex* ix = nullptr;
  Date today{};
  std::optional<int> age;
  bool recipient_authority = false;
  int from = 0, to = 0, purpose = 0;
  std::uint64_t from_bit = 0, to_bit = 0, purpose_bit = 0;
  std::size_t justification_length = 0;
  const detail::EngineIndex::Referral* referral = nullptr;
  std::vector<const ConsentRecord*> consents;  // the subject's, in force, in scope
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
  return k == ConsentKind::kKielto || k == ConsentKind::kMinorProhibition;
}

// Who must consent for data under `rule`, given the subject's age and capability.
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

void consent_path(const Context& ctx, const LegalBasis& basis,
                  const detail::EngineIndex::Category& cat, Eval& e) {
  const ConsentRule& rule = *cat.rule;
  if (!ctx.age) {
    e.reason = DenyReason::kSubjectAgeUnknown;
    e.need = {Need::Kind::kBirthDate};
    return;
  }
  const std::string& category = cat.category->id;
  Parties parties = who_decides(ctx, rule);
  e.parties = parties;
  bool minor = *ctx.age < rule.adult_age;
  bool guardians_decide = parties == Parties::kGuardians || parties == Parties::kSelfAndGuardians;
  bool representative_decides = guardians_decide || parties == Parties::kLegalRepresentative;

  // A prohibition beats every consent and permit (ATL 59 §): the subject's always counts (a
  // refusal wins), a guardian's or representative's when they are the ones who decide.
  bool minor_prohibition = false;
  for (const auto* c : ctx.consents) {
    if (!is_prohibition(c->kind) || !covers(*c, category)) continue;
    for (const auto& g : c->granted_by) {
      bool standing =
          g.capacity == Capacity::kSelf ||
          (g.capacity == Capacity::kGuardian ? guardians_decide : representative_decides);
      if (c->kind == ConsentKind::kKielto && standing) {
        e.reason = DenyReason::kProhibited;
        e.achievable = false;
        e.consent_ids = {c->id};
        return;
      }
      // ATL 51 §: a capable minor keeps the data from the guardians, so their consent cannot
      // release it either.
      if (c->kind == ConsentKind::kMinorProhibition && minor && g.capacity == Capacity::kSelf &&
          g.minor_capable) {
        minor_prohibition = true;
      }
    }
  }

  bool any = false, form_bad = false, unspecific = false;
  std::vector<std::string_view> guardians;
  std::vector<const ConsentRecord*> by_self, by_guardians, by_representatives;
  for (const auto* c : ctx.consents) {
    if (is_prohibition(c->kind) || !covers(*c, category)) continue;
    const auto& kinds = basis.requirements.consent_kinds;
    if (std::find(kinds.begin(), kinds.end(), c->kind) == kinds.end()) continue;
    any = true;
    if (std::find(rule.forms.begin(), rule.forms.end(), c->form) == rule.forms.end()) {
      form_bad = true;
      continue;
    }
    if (rule.specific && (c->categories.empty() || c->purposes.empty())) {
      unspecific = true;
      continue;
    }
    for (const auto& g : c->granted_by) {
      if (g.capacity == Capacity::kSelf) {
        by_self.push_back(c);
      } else if (minor_prohibition) {
        continue;
      } else if (g.capacity == Capacity::kGuardian) {
        if (std::find(guardians.begin(), guardians.end(), g.person_pseudonym) == guardians.end()) {
          guardians.push_back(g.person_pseudonym);
        }
        by_guardians.push_back(c);
      } else {
        by_representatives.push_back(c);  // a legal representative or an edunvalvoja acts alone
      }
    }
  }
  bool self_ok = !by_self.empty(), rep_ok = !by_representatives.empty();
  int needed = ctx.req.subject.guardians.value_or(rule.guardians_when_unknown);
  bool guardians_ok = rep_ok || (needed > 0 && int(guardians.size()) >= needed);
  bool ok = false;
  switch (parties) {
    case Parties::kSelf:
      ok = self_ok;
      break;
    case Parties::kGuardians:
      ok = guardians_ok;
      break;
    case Parties::kSelfAndGuardians:
      ok = self_ok && guardians_ok;
      break;
    case Parties::kLegalRepresentative:
      ok = rep_ok;
      break;
  }
  if (!ok) {
    e.reason = !any                                        ? DenyReason::kConsentMissing
               : (self_ok || !guardians.empty() || rep_ok) ? DenyReason::kConsentParty
               : form_bad                                  ? DenyReason::kConsentForm
               : unspecific                                ? DenyReason::kConsentNotSpecific
                                                           : DenyReason::kConsentParty;
    e.need = {Need::Kind::kConsent, nullptr, parties};
    return;
  }
  std::vector<const ConsentRecord*> used;
  if (parties == Parties::kSelf || parties == Parties::kSelfAndGuardians) used = by_self;
  if (guardians_decide) used.insert(used.end(), by_guardians.begin(), by_guardians.end());
  if (representative_decides) {
    used.insert(used.end(), by_representatives.begin(), by_representatives.end());
  }
  for (const auto* c : used) {
    if (contains(e.consent_ids, c->id)) continue;
    e.consent_ids.push_back(c->id);
    if (c->data_recorded_from && (!e.data_from || *e.data_from < *c->data_recorded_from)) {
      e.data_from = c->data_recorded_from;
    }
    if (c->data_recorded_until && (!e.data_until || *c->data_recorded_until < *e.data_until)) {
      e.data_until = c->data_recorded_until;
    }
  }
  e.ok = true;
}

bool break_glass_allowed(const Context& ctx, const detail::EngineIndex::Basis& b,
                         const std::string& category) {
  for (int r : b.break_glass_rules) {
    const auto& rule = ctx.ix->rules[std::size_t(r)];
    if ((rule.from & ctx.from_bit) && (rule.to & ctx.to_bit) && (rule.purposes & ctx.purpose_bit) &&
        (rule.categories.empty() || contains(rule.categories, category))) {
      return true;
    }
  }
  return false;
}

// Tries `b` for the category. With `all` given, keeps going after the first unmet requirement
// and lists every need (for the alternatives); `e.achievable` turns false when something the
// requester cannot change stands in the way.
Eval evaluate(const Context& ctx, const detail::EngineIndex::Basis& b,
              const detail::EngineIndex::Category& cat, std::vector<Need>* all) {
  Eval e;
  const LegalBasis& basis = *b.basis;
  const Requirements& q = basis.requirements;
  auto fail = [&](DenyReason reason, Need need, bool achievable) {
    if (e.reason == DenyReason::kNone) {
      e.reason = reason;
      e.need = need;
    }
    if (!achievable) e.achievable = false;
    if (all != nullptr && achievable && need.kind != Need::Kind::kNone) all->push_back(need);
    return all == nullptr || !achievable;  // stop here?
  };
  if (!basis.in_force_on(ctx.today) && fail(DenyReason::kBasisNotInForce, {}, false)) return e;
  if (basis.recipient_must_be_authority && !ctx.recipient_authority &&
      fail(DenyReason::kRecipientNotAuthority, {}, false)) {
    return e;
  }
  if (q.subject_min_age || q.subject_max_age) {
    if (!ctx.age) {
      if (fail(DenyReason::kSubjectAgeUnknown, {Need::Kind::kBirthDate}, true)) return e;
    } else if ((q.subject_min_age && *ctx.age < *q.subject_min_age) ||
               (q.subject_max_age && *ctx.age > *q.subject_max_age)) {
      if (fail(DenyReason::kSubjectAge, {}, false)) return e;
    }
  }
  if (!q.offence.empty()) {
    const auto& off = ctx.req.offence;
    if (!off) {
      if (fail(DenyReason::kOffenceMissing, {Need::Kind::kOffence}, true)) return e;
    } else {
      bool match =
          std::any_of(q.offence.begin(), q.offence.end(), [&](const OffenceAlternative& a) {
            return (a.classes.empty() || contains(a.classes, off->offence_class)) &&
                   (!a.min_max_penalty_months ||
                    off->max_penalty_months >= *a.min_max_penalty_months);
          });
      if (!match && fail(DenyReason::kOffenceNotCovered, {}, false)) return e;
    }
  }
  for (const auto& a : q.attestations) {
    if (!contains(ctx.req.attestations, a) &&
        fail(DenyReason::kAttestationMissing,
             {Need::Kind::kAttestation, ctx.catalog.find_attestation(a)}, true)) {
      return e;
    }
  }
  if (q.emergency) {
    if (!ctx.req.break_glass) {
      if (fail(DenyReason::kBreakGlassRequired, {Need::Kind::kBreakGlass}, true)) return e;
    } else if (!break_glass_allowed(ctx, b, cat.category->id)) {
      if (fail(DenyReason::kBreakGlassNotAllowed, {}, false)) return e;
    } else if (ctx.justification_length <
               std::size_t(ctx.catalog.break_glass.justification_min_length)) {
      if (fail(DenyReason::kBreakGlassJustificationShort, {Need::Kind::kBreakGlassJustification},
               true)) {
        return e;
      }
    }
  }
  if (basis.needs_consent()) {
    Eval c;
    consent_path(ctx, basis, cat, c);
    e.parties = c.parties;
    if (!c.ok) {
      if (c.reason == DenyReason::kProhibited && e.reason == DenyReason::kNone) {
        e.consent_ids = c.consent_ids;
      }
      if (fail(c.reason, c.need, c.achievable)) return e;
    } else {
      e.consent_ids = std::move(c.consent_ids);
      e.data_from = c.data_from;
      e.data_until = c.data_until;
    }
  }
  if (q.case_reference && ctx.req.case_reference.empty() &&
      fail(DenyReason::kCaseReferenceMissing, {Need::Kind::kCaseReference}, true)) {
    return e;
  }
  if (q.justification &&
      ctx.justification_length < std::size_t(ctx.catalog.justification_min_length) &&
      fail(DenyReason::kJustificationMissing, {Need::Kind::kJustification}, true)) {
    return e;
  }
  if (e.reason == DenyReason::kNone) {
    e.ok = true;
    e.break_glass = q.emergency;
  }
  return e;
}

bool direction_allowed(const detail::EngineIndex::Basis& b, Direction d) {
  return d == Direction::kPull ? b.pull : b.push;
}

constexpr std::size_t kMaxAlternatives = 8;

std::vector<Alternative> alternatives(const Context& ctx,
                                      const detail::EngineIndex::Category& cat) {
  std::vector<Alternative> out;
  const auto& purposes = ctx.catalog.purposes;
  auto add = [&](const detail::EngineIndex::Basis& b, const Purpose* purpose,
                 std::optional<Direction> direction, const ReferralKind* referral) {
    if (out.size() >= kMaxAlternatives) return;
    for (const auto& a : out) {
      if (a.basis == b.basis && a.direction == direction) return;
    }
    std::vector<Need> needs;
    Eval e = evaluate(ctx, b, cat, &needs);
    if (!e.achievable) return;
    if (needs.empty() && !purpose && !direction) return;  // nothing to change: not an alternative
    // A break-glass justification is the justification.
    if (std::any_of(needs.begin(), needs.end(), [](const Need& n) {
          return n.kind == Need::Kind::kBreakGlass ||
                 n.kind == Need::Kind::kBreakGlassJustification;
        })) {
      std::erase_if(needs, [](const Need& n) { return n.kind == Need::Kind::kJustification; });
    }
    out.push_back({b.basis, purpose, direction, referral, std::move(needs)});
  };
  auto first_purpose = [&](const detail::EngineIndex::Basis& b) -> const Purpose* {
    for (std::size_t i = 0; i < purposes.size(); ++i) {
      if (b.purposes & bit(int(i))) return &purposes[i];
    }
    return nullptr;
  };
  auto matches_kinds = [&](const detail::EngineIndex::Basis& b) {
    return (b.from & ctx.from_bit) && (b.to & ctx.to_bit);
  };
  // 1. The bases that were tried, with what they lack.
  for (int i : cat.bases) {
    const auto& b = ctx.ix->bases[std::size_t(i)];
    if (!matches_kinds(b) || !(b.purposes & ctx.purpose_bit) ||
        !direction_allowed(b, ctx.req.direction)) {
      continue;
    }
    if (ctx.referral && !contains_index(ctx.referral->bases, i)) continue;
    add(b, nullptr, std::nullopt, nullptr);
  }
  if (ctx.referral) return out;
  // 2. The same flow for another purpose.
  for (int i : cat.bases) {
    const auto& b = ctx.ix->bases[std::size_t(i)];
    if (!matches_kinds(b) || (b.purposes & ctx.purpose_bit) ||
        !direction_allowed(b, ctx.req.direction)) {
      continue;
    }
    add(b, first_purpose(b), std::nullopt, nullptr);
  }
  // 3. The other direction: e.g. the holder pushes it as a referral instead of the recipient
  // pulling it.
  Direction other = ctx.req.direction == Direction::kPull ? Direction::kPush : Direction::kPull;
  for (int i : cat.bases) {
    const auto& b = ctx.ix->bases[std::size_t(i)];
    if (!matches_kinds(b) || direction_allowed(b, ctx.req.direction) ||
        !direction_allowed(b, other)) {
      continue;
    }
    const ReferralKind* referral = nullptr;
    for (const auto& [id, r] : ctx.ix->referrals) {
      if (contains_index(r.bases, i) && (r.from & ctx.from_bit) && (r.to & ctx.to_bit) &&
          contains(r.kind->categories, cat.category->id) &&
          (referral == nullptr || r.kind->id < referral->id)) {
        referral = r.kind;
      }
    }
    add(b, (b.purposes & ctx.purpose_bit) ? nullptr : first_purpose(b), other, referral);
  }
  return out;
}

}  // namespace

Result<Decision> Engine::decide(const DecisionRequest& req, std::span<const ConsentRecord> consents,
                                SysTime now) const {
  const detail::EngineIndex& ix = *index_;
  const Catalog& catalog = *catalog_;
  std::string problems;
  auto problem = [&](const std::string& p) {
    if (!problems.empty()) problems += "; ";
    problems += p;
  };

  Context ctx(req, catalog);
  ctx.ix = &ix;
  ctx.today = helsinki_date(now);
  ctx.from = lookup(ix.kinds, req.from_kind);
  ctx.to = lookup(ix.kinds, req.to_kind);
  if (ctx.from < 0) problem("unknown agency kind \"" + req.from_kind + "\" (from)");
  if (ctx.to < 0) problem("unknown agency kind \"" + req.to_kind + "\" (to)");
  const ReferralKind* referral = nullptr;
  std::string_view purpose_id = req.purpose;
  if (!req.referral_kind.empty()) {
    auto it = ix.referrals.find(req.referral_kind);
    if (it == ix.referrals.end()) {
      problem("unknown referral kind \"" + req.referral_kind + "\"");
    } else {
      ctx.referral = &it->second;
      referral = it->second.kind;
      if (req.direction != Direction::kPush) problem("a referral is a push");
      if (purpose_id.empty()) {
        purpose_id = referral->purpose;
      } else if (purpose_id != referral->purpose) {
        problem("the purpose of the referral kind \"" + referral->id + "\" is \"" +
                referral->purpose + "\"");
      }
    }
  }
  ctx.purpose = lookup(ix.purposes, purpose_id);
  if (purpose_id.empty()) {
    problem("a purpose is required");
  } else if (ctx.purpose < 0) {
    problem("unknown purpose \"" + std::string(purpose_id) + "\"");
  }
  if (req.categories.empty()) problem("at least one data category is required");
  std::vector<int> cats;
  cats.reserve(req.categories.size());
  for (const auto& c : req.categories) {
    int id = lookup(ix.categories, c);
    if (id < 0) {
      problem("unknown data category \"" + c + "\"");
    } else if (std::find(cats.begin(), cats.end(), id) != cats.end()) {
      problem("data category \"" + c + "\" asked twice");
    }
    cats.push_back(id);
  }
  for (const auto& a : req.attestations) {
    if (catalog.find_attestation(a) == nullptr) problem("unknown attestation \"" + a + "\"");
  }
  if (req.offence) {
    if (catalog.find_offence_class(req.offence->offence_class) == nullptr) {
      problem("unknown offence class \"" + req.offence->offence_class + "\"");
    }
    if (req.offence->max_penalty_months < 0) problem("a maximum penalty cannot be negative");
  }
  if (req.subject.guardians && *req.subject.guardians < 0) {
    problem("the number of guardians cannot be negative");
  }
  if (!problems.empty()) return make_error(ErrorCode::kInvalidArgument, problems);

  ctx.from_bit = bit(ctx.from);
  ctx.to_bit = bit(ctx.to);
  ctx.purpose_bit = bit(ctx.purpose);
  ctx.recipient_authority =
      req.recipient_is_authority.value_or(ix.kind_authority[std::size_t(ctx.to)]);
  if (req.subject.birth_date) ctx.age = age_on(*req.subject.birth_date, ctx.today);
  ctx.justification_length = text_length(req.justification);
  ctx.recorded_capable = req.subject.capable;
  if (!req.subject.pseudonym.empty()) {
    ctx.consents.reserve(consents.size());
    for (const auto& c : consents) {
      if (c.subject_pseudonym != req.subject.pseudonym || now < c.valid_from ||
          (c.valid_until && now >= *c.valid_until) || (c.revoked && c.revoked->at <= now)) {
        continue;
      }
      if (!in_scope(c.from_kinds, c.from_agencies, req.from_kind, req.from_agency) ||
          !in_scope(c.to_kinds, c.to_agencies, req.to_kind, req.to_agency) ||
          (!c.purposes.empty() && !contains(c.purposes, purpose_id))) {
        continue;
      }
      if (!is_prohibition(c.kind) && !req.cited_consents.empty() &&
          !contains(req.cited_consents, c.id)) {
        continue;
      }
      ctx.consents.push_back(&c);
      if (!ctx.recorded_capable) {
        for (const auto& g : c.granted_by) {
          if (g.capacity == Capacity::kSelf && g.minor_capable && !g.assessed_by.empty()) {
            ctx.recorded_capable = true;
          }
        }
      }
    }
  }

  Decision d;
  d.catalog = catalog_;
  d.direction = req.direction;
  d.from = &catalog.kinds[std::size_t(ctx.from)];
  d.to = &catalog.kinds[std::size_t(ctx.to)];
  d.purpose = &catalog.purposes[std::size_t(ctx.purpose)];
  d.referral = referral;
  d.recipient_is_authority = ctx.recipient_authority;
  d.decided_at = now;
  d.decided_on = ctx.today;
  d.subject_age = ctx.age;
  d.subject_capable = ctx.recorded_capable;
  d.categories.reserve(cats.size());

  for (int c : cats) {
    const auto& cat = ix.category_info[std::size_t(c)];
    CategoryDecision& cd = d.categories.emplace_back();
    cd.category = cat.category;
    if (req.subject.turvakielto) {
      for (const auto& w : cat.category->never_forward) {
        if (w.when == "turvakielto") cd.withheld.push_back(&w);
      }
    }
    if (ctx.referral && (!(ctx.referral->from & ctx.from_bit) || !(ctx.referral->to & ctx.to_bit) ||
                         !contains(referral->categories, cat.category->id))) {
      cd.reason = DenyReason::kReferralNotAllowed;
      continue;
    }
    if (!(cat.held & ctx.from_bit)) {
      cd.reason = DenyReason::kNotHeld;
      continue;
    }
    bool tried = false, emergency_possible = false;
    for (int i : cat.bases) {
      const auto& b = ix.bases[std::size_t(i)];
      if (!(b.from & ctx.from_bit) || !(b.to & ctx.to_bit) || !(b.purposes & ctx.purpose_bit) ||
          !direction_allowed(b, req.direction)) {
        continue;
      }
      if (ctx.referral && !contains_index(ctx.referral->bases, i)) continue;
      if (b.basis->requirements.emergency && break_glass_allowed(ctx, b, cat.category->id)) {
        emergency_possible = true;
      }
      Eval e = evaluate(ctx, b, cat, nullptr);
      if (e.ok) {
        cd.outcome = Outcome::kGranted;
        cd.reason = DenyReason::kNone;
        cd.basis = b.basis;
        cd.consent_ids = std::move(e.consent_ids);
        cd.parties = e.parties;
        cd.break_glass = e.break_glass;
        cd.data_recorded_from = e.data_from;
        cd.data_recorded_until = e.data_until;
        cd.unmet = {};
        break;
      }
      if (!tried) {
        tried = true;
        cd.reason = e.reason;
        cd.basis = b.basis;
        cd.unmet = e.need;
        cd.parties = e.parties;
        if (e.reason == DenyReason::kProhibited) cd.consent_ids = std::move(e.consent_ids);
      }
    }
    if (cd.outcome == Outcome::kGranted) {
      d.break_glass = d.break_glass || cd.break_glass;
      continue;
    }
    if (req.break_glass && !emergency_possible) {
      // The requester asked for an emergency override that no basis offers here.
      cd.reason = DenyReason::kBreakGlassNotAllowed;
      cd.basis = nullptr;
      cd.unmet = {};
      cd.consent_ids.clear();
    }
    if (req.alternatives) cd.alternatives = alternatives(ctx, cat);
  }
  if (d.break_glass) {
    d.review_due = add_working_days(ctx.today, catalog.break_glass.review_due_working_days);
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
