// The decision as JSON and as plain-English explanations, and comparing two decisions. Every
// text is built from the decision's structure and the catalog only, so it is deterministic.
#include <algorithm>

#include "policy/consent_json.h"
#include "policy/decision.h"

namespace silta::policy {

using nlohmann::json;

namespace {

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string basis_ref(const LegalBasis& b) { return b.citation.short_text() + " (" + b.id + ")"; }

std::string parties_text(Parties p) {
  switch (p) {
    case Parties::kSelf:
      return "the subject themself";
    case Parties::kGuardians:
      return "the guardians";
    case Parties::kSelfAndGuardians:
      return "both the subject and the guardians";
    case Parties::kLegalRepresentative:
      return "the legal representative";
  }
  return "the subject themself";
}

std::string consent_kinds_text(const LegalBasis& b) {
  std::vector<std::string> kinds;
  for (auto k : b.requirements.consent_kinds) {
    kinds.push_back(k == ConsentKind::kLuovutuslupa ? "a luovutuslupa (permit to disclose)"
                                                    : "a suostumus (consent)");
  }
  return join(kinds, " or ");
}

std::string offence_text(const Catalog& catalog, const LegalBasis& b) {
  std::vector<std::string> alts;
  for (const auto& a : b.requirements.offence) {
    std::vector<std::string> classes;
    for (const auto& c : a.classes) {
      const auto* oc = catalog.find_offence_class(c);
      classes.push_back(oc != nullptr ? oc->name.en : c);
    }
    std::string t = classes.empty() ? "an offence" : join(classes, " or ");
    if (a.min_max_penalty_months) {
      t += " with a maximum penalty of at least " + std::to_string(*a.min_max_penalty_months) +
           " months";
    }
    alts.push_back(t);
  }
  return join(alts, "; or ");
}

std::string age_range(const Requirements& q) {
  if (q.subject_min_age && q.subject_max_age) {
    return std::to_string(*q.subject_min_age) + " to " + std::to_string(*q.subject_max_age);
  }
  if (q.subject_max_age) return "at most " + std::to_string(*q.subject_max_age);
  return "at least " + std::to_string(*q.subject_min_age);
}

std::string flow(const Decision& d, const CategoryDecision& c) {
  if (d.direction == Direction::kPull) {
    return d.to->id + " obtain " + c.category->id + " from " + d.from->id;
  }
  return d.from->id + " disclose " + c.category->id + " to " + d.to->id;
}

std::string subject_context(const Decision& d) {
  if (!d.subject_age) return "";
  std::string out = " (the subject is " + std::to_string(*d.subject_age);
  if (d.subject_capable)
    out += *d.subject_capable ? ", assessed capable" : ", assessed not capable";
  return out + ")";
}

std::string need_text(const Decision& d, const LegalBasis& b, const Need& n) {
  const Catalog& catalog = *d.catalog;
  switch (n.kind) {
    case Need::Kind::kNone:
      return "";
    case Need::Kind::kJustification:
      return "a written justification of necessity (at least " +
             std::to_string(catalog.justification_min_length) + " characters)";
    case Need::Kind::kCaseReference:
      return "the requester's case reference";
    case Need::Kind::kAttestation:
      return "the attestation " +
             (n.attestation ? "\"" + n.attestation->id + "\": " + n.attestation->text.en : "");
    case Need::Kind::kOffence:
      return "the suspected offence: " + offence_text(catalog, b);
    case Need::Kind::kBreakGlass:
      return "an emergency declaration (break-glass) with a written justification of at least " +
             std::to_string(catalog.break_glass.justification_min_length) + " characters";
    case Need::Kind::kBreakGlassJustification:
      return "a break-glass justification of at least " +
             std::to_string(catalog.break_glass.justification_min_length) + " characters";
    case Need::Kind::kConsent:
      return consent_kinds_text(b) + " from " + parties_text(n.parties);
    case Need::Kind::kBirthDate:
      return "the subject's birth date (from the identity code)";
  }
  return "";
}

json basis_json(const LegalBasis& b) {
  return {{"id", b.id},
          {"citation", b.citation.text()},
          {"short", b.citation.short_text()},
          {"url", b.citation.law ? b.citation.law->url : ""},
          {"title", b.title.en}};
}

std::string denied_text(const Decision& d, const CategoryDecision& c) {
  const Catalog& catalog = *d.catalog;
  const LegalBasis* b = c.basis;
  std::string ref = b ? basis_ref(*b) : "";
  switch (c.reason) {
    case DenyReason::kNone:
      return "";
    case DenyReason::kNoBasis:
      return "Denied: no legal basis in catalog " + catalog.id + " " + catalog.version + " lets " +
             flow(d, c) + " for the purpose " + d.purpose->id +
             (d.direction == Direction::kPull ? " (pull)" : " (push)") +
             ", and no consent path covers it" +
             (c.category->secret ? "; the data is secret (" + c.category->secrecy_citation + ")."
                                 : ".");
    case DenyReason::kNotHeld:
      return "Denied: " + d.from->id + " does not hold " + c.category->id + " (held by " +
             join(c.category->held_by, ", ") + ").";
    case DenyReason::kReferralNotAllowed:
      return "Denied: a " + d.referral->id + " referral (" + d.referral->name.en +
             ") cannot carry " + c.category->id + " from " + d.from->id + " to " + d.to->id + ".";
    case DenyReason::kBasisNotInForce:
      return "Denied: " + ref + " is not in force on " + format_date(d.decided_on) + ".";
    case DenyReason::kRecipientNotAuthority:
      return "Denied: " + ref + " requires the recipient to be an authority, and the recipient (" +
             d.to->id + ") is not one.";
    case DenyReason::kSubjectAge:
      return "Denied: " + ref + " applies only to a subject aged " + age_range(b->requirements) +
             "; the subject is " + std::to_string(d.subject_age.value_or(0)) + ".";
    case DenyReason::kSubjectAgeUnknown:
      return "Denied: " + std::string(b ? ref : "the consent rule") +
             " depends on the subject's age, and the birth date is not known.";
    case DenyReason::kOffenceMissing:
      return "Denied: " + ref + " applies only if the offence is: " + offence_text(catalog, *b) +
             ". The request names no offence.";
    case DenyReason::kOffenceNotCovered:
      return "Denied: " + ref + " applies only if the offence is: " + offence_text(catalog, *b) +
             ". The offence named is not.";
    case DenyReason::kAttestationMissing:
      return "Denied: " + ref + " applies only when the requester attests \"" +
             (c.unmet.attestation ? c.unmet.attestation->id + "\": " + c.unmet.attestation->text.en
                                  : std::string("\"")) +
             " It was not attested.";
    case DenyReason::kBreakGlassRequired:
      return "Denied: " + ref +
             " applies only in an emergency: break-glass with a written "
             "justification of at least " +
             std::to_string(catalog.break_glass.justification_min_length) + " characters.";
    case DenyReason::kBreakGlassNotAllowed:
      return "Denied: break-glass is not allowed here: no emergency basis of the catalog lets " +
             flow(d, c) + " for the purpose " + d.purpose->id + ".";
    case DenyReason::kBreakGlassJustificationShort:
      return "Denied: break-glass under " + ref + " needs a written justification of at least " +
             std::to_string(catalog.break_glass.justification_min_length) + " characters.";
    case DenyReason::kProhibited:
      return "Denied: the prohibition (kielto, ATL 59 §) " + join(c.consent_ids, ", ") +
             " forbids this disclosure; a prohibition beats any consent or permit.";
    case DenyReason::kConsentMissing:
      return "Denied: " + ref + " needs " + consent_kinds_text(*b) + " from " +
             parties_text(c.parties) + subject_context(d) + ", and none in force covers " +
             c.category->id + " for " + d.purpose->id + " from " + d.from->id + " to " + d.to->id +
             ".";
    case DenyReason::kConsentParty:
      return "Denied: " + ref + " needs " + consent_kinds_text(*b) + " from " +
             parties_text(c.parties) + subject_context(d) +
             "; the consents in force covering it are not from them.";
    case DenyReason::kConsentForm:
      return "Denied: " + ref + " needs " + consent_kinds_text(*b) + " in a form the " +
             consent_regime_name(c.category->consent_regime) +
             " consent rules accept; the one in force is not.";
    case DenyReason::kConsentNotSpecific:
      return "Denied: " + ref + " needs " + consent_kinds_text(*b) +
             " that names the data categories and the purposes; the one in force does not.";
    case DenyReason::kCaseReferenceMissing:
      return "Denied: " + ref + " needs the requester's case reference.";
    case DenyReason::kJustificationMissing:
      return "Denied: " + ref + " needs a written justification of necessity of at least " +
             std::to_string(catalog.justification_min_length) + " characters.";
  }
  return "Denied.";
}

}  // namespace

std::string explain_category(const Decision& d, const CategoryDecision& c) {
  if (c.outcome == Outcome::kDenied) return denied_text(d, c);
  const LegalBasis& b = *c.basis;
  std::string out = "Granted under " + basis_ref(b) + ": " + b.title.en + ".";
  if (!c.consent_ids.empty()) {
    out += " It rests on " + join(c.consent_ids, ", ") + " given by " + parties_text(c.parties) +
           subject_context(d) + ".";
  }
  if (c.break_glass) {
    out += " Emergency access (break-glass): the privacy officer reviews it by " +
           (d.review_due ? format_date(*d.review_due) : std::string("?")) + ".";
  }
  if (b.requirements.justification)
    out += " The requester's justification of necessity is recorded.";
  if (c.data_recorded_from || c.data_recorded_until) {
    out += " Only data recorded";
    if (c.data_recorded_from) out += " from " + format_rfc3339(*c.data_recorded_from);
    if (c.data_recorded_until) out += " until " + format_rfc3339(*c.data_recorded_until);
    out += " may be released.";
  }
  for (const auto* w : c.withheld) {
    out += " The field \"" + w->field + "\" must not be released (" + w->when + ", " + w->citation +
           ").";
  }
  return out;
}

std::string explain_alternative(const Decision& d, const Alternative& a) {
  std::vector<std::string> needs;
  for (const auto& n : a.needs) needs.push_back(need_text(d, *a.basis, n));
  std::string out = basis_ref(*a.basis);
  if (a.direction) {
    out += a.direction == Direction::kPush ? ", as a push by " + d.from->id
                                           : ", as a pull by " + d.to->id;
    if (a.referral) out += " (referral kind " + a.referral->id + ")";
  }
  if (a.purpose) out += ", for the purpose " + a.purpose->id;
  if (!needs.empty()) out += ", with " + join(needs, "; ");
  return out + ".";
}

std::string summary(const CategoryDecision& c) {
  if (c.outcome == Outcome::kGranted) {
    std::string out = "granted " + c.basis->id;
    if (!c.consent_ids.empty()) out += " consent " + join(c.consent_ids, ",");
    if (c.break_glass) out += " break-glass";
    return out;
  }
  std::string out = std::string("denied ") + deny_reason_name(c.reason);
  if (c.basis != nullptr) out += " (" + c.basis->id + ")";
  return out;
}

namespace {

json need_json(const Need& n, const LegalBasis& basis) {
  json out = {{"type", kNeedKindNames.name(n.kind)}};
  if (n.attestation) out["attestation"] = n.attestation->id;
  if (n.kind == Need::Kind::kConsent) {
    out["parties"] = parties_name(n.parties);
    json kinds = json::array();
    for (auto k : basis.requirements.consent_kinds) kinds.push_back(consent_kind_name(k));
    out["consent_kinds"] = kinds;
  }
  return out;
}

json alternative_json(const Decision& d, const Alternative& a) {
  json out = {{"basis", basis_json(*a.basis)}, {"text", explain_alternative(d, a)}};
  if (a.purpose) out["purpose"] = a.purpose->id;
  if (a.direction) out["direction"] = direction_name(*a.direction);
  if (a.referral) out["referral_kind"] = a.referral->id;
  json needs = json::array();
  for (const auto& n : a.needs) needs.push_back(need_json(n, *a.basis));
  out["needs"] = std::move(needs);
  return out;
}

json category_json(const Decision& d, const CategoryDecision& c) {
  json out = {{"category", c.category->id},
              {"outcome", kOutcomeNames.name(c.outcome)},
              {"explanation", explain_category(d, c)}};
  if (c.outcome == Outcome::kGranted) {
    out["basis"] = basis_json(*c.basis);
    out["break_glass"] = c.break_glass;
    if (!c.consent_ids.empty()) out["consents"] = c.consent_ids;
    if (c.data_recorded_from) out["data_recorded_from"] = format_rfc3339(*c.data_recorded_from);
    if (c.data_recorded_until) out["data_recorded_until"] = format_rfc3339(*c.data_recorded_until);
    json withheld = json::array();
    for (const auto* w : c.withheld) withheld.push_back(w->field);
    out["withheld_fields"] = withheld;
    return out;
  }
  out["reason"] = deny_reason_name(c.reason);
  if (c.basis != nullptr) out["basis"] = basis_json(*c.basis);
  if (c.reason == DenyReason::kProhibited) out["consents"] = c.consent_ids;
  json alts = json::array();
  for (const auto& a : c.alternatives) alts.push_back(alternative_json(d, a));
  out["alternatives"] = std::move(alts);
  return out;
}

}  // namespace

json decision_to_json(const Decision& d) {
  const Catalog& catalog = *d.catalog;
  json categories = json::array();
  for (const auto& c : d.categories) categories.push_back(category_json(d, c));
  json out = {
      {"outcome", overall_outcome(d)},
      {"direction", direction_name(d.direction)},
      {"from_kind", d.from->id},
      {"to_kind", d.to->id},
      {"recipient_is_authority", d.recipient_is_authority},
      {"purpose", d.purpose->id},
      {"decided_at", format_rfc3339(d.decided_at)},
      {"decided_on", format_date(d.decided_on)},
      {"catalog", {{"id", catalog.id}, {"version", catalog.version}, {"sha256", catalog.sha256}}},
      {"categories", std::move(categories)},
      {"break_glass", d.break_glass}};
  if (d.referral) out["referral_kind"] = d.referral->id;
  if (d.review_due) out["review_due"] = format_date(*d.review_due);
  return out;
}

std::string explain(const Decision& d) {
  std::string out = std::string(d.direction == Direction::kPull ? "Pull" : "Push") + ": " +
                    d.from->id + " -> " + d.to->id + ", purpose " + d.purpose->id;
  if (d.referral) out += ", referral kind " + d.referral->id;
  out += "\nCatalog " + d.catalog->id + " " + d.catalog->version + " (sha256 " + d.catalog->sha256 +
         "), decided on " + format_date(d.decided_on) + "\n";
  for (const auto& c : d.categories) {
    out += "\n" + c.category->id + ": " + summary(c) + "\n  " + explain_category(d, c) + "\n";
    for (const auto& a : c.alternatives)
      out += "  - would be lawful under " + explain_alternative(d, a) + "\n";
  }
  if (d.break_glass) out += "\nBreak-glass used: review due " + format_date(*d.review_due) + "\n";
  return out;
}

std::vector<CategoryChange> compare(const Decision& before, const Decision& after) {
  std::vector<CategoryChange> out;
  for (const auto& a : before.categories) {
    auto it =
        std::find_if(after.categories.begin(), after.categories.end(),
                     [&](const CategoryDecision& b) { return b.category->id == a.category->id; });
    std::string now = it == after.categories.end() ? "absent" : summary(*it);
    std::string was = summary(a);
    if (now != was) out.push_back({a.category->id, was, now});
  }
  return out;
}

bool Decision::all_granted() const {
  return std::all_of(categories.begin(), categories.end(),
                     [](const CategoryDecision& c) { return c.outcome == Outcome::kGranted; });
}

bool Decision::any_granted() const {
  return std::any_of(categories.begin(), categories.end(),
                     [](const CategoryDecision& c) { return c.outcome == Outcome::kGranted; });
}

const char* overall_outcome(const Decision& d) {
  return d.all_granted() ? "granted" : d.any_granted() ? "partial" : "denied";
}

const char* deny_reason_name(DenyReason reason) { return kDenyReasonNames.name(reason); }

}  // namespace silta::policy
