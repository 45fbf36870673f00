// The decision as JSON and as plain-English explanations, and comparing two decisions. Every
// text is built from the decision's structure and the catalog only, so it is deterministic.
#include <algorithm>
#include <cctype>

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

// One phrase in the three languages; `pick` chooses.
struct Phrase {
  const char* fi;
  const char* sv;
  const char* en;
};

std::string_view pick(Lang lang, const Phrase& p) {
  return lang == Lang::kFi ? p.fi : lang == Lang::kSv ? p.sv : p.en;
}

// A template with {0}..{9} filled in: each language orders the parts its own way.
std::string fill(std::string_view tmpl, std::initializer_list<std::string_view> args) {
  std::string out;
  out.reserve(tmpl.size() + 64);
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{' && i + 2 < tmpl.size() && tmpl[i + 2] == '}' && tmpl[i + 1] >= '0' &&
        tmpl[i + 1] <= '9' && std::size_t(tmpl[i + 1] - '0') < args.size()) {
      out += *(args.begin() + (tmpl[i + 1] - '0'));
      i += 2;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

std::string fill(Lang lang, const Phrase& p, std::initializer_list<std::string_view> args) {
  return fill(pick(lang, p), args);
}

// A name from the catalog inside a sentence: quoted, as Finnish and Swedish write it (”…”) or
// English (“…”), so that it keeps its own capital letter.
std::string quoted(Lang lang, std::string_view name) {
  return lang == Lang::kEn ? "\u201c" + std::string(name) + "\u201d"
                           : "\u201d" + std::string(name) + "\u201d";
}

std::string quoted_list(Lang lang, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(quoted(lang, n));
  return join(out, ", ");
}

// Dates as the reader writes them: 1.3.2026 in Finnish and Swedish, 2026-03-01 in English.
std::string date_text(Lang lang, Date d) {
  if (lang == Lang::kEn) return format_date(d);
  return std::to_string(unsigned(d.day())) + "." + std::to_string(unsigned(d.month())) + "." +
         std::to_string(int(d.year()));
}

std::string time_text(Lang lang, SysTime t) { return date_text(lang, helsinki_date(t)); }

std::string without_period(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// "ATL 56 § – Sosiaalihuollon tiedot ilman lupaa …": the citation and the basis's title.
std::string basis_ref(Lang lang, const LegalBasis& b) {
  return b.citation.short_text() + " (" + b.title.in(lang) + ")";
}

std::string parties_text(Lang lang, Parties p) {
  switch (p) {
    case Parties::kSelf:
      return std::string(pick(lang, {"henkilö itse", "personen själv", "the person themself"}));
    case Parties::kGuardians:
      return std::string(pick(lang, {"huoltajat", "vårdnadshavarna", "the guardians"}));
    case Parties::kSelfAndGuardians:
      return std::string(
          pick(lang, {"henkilö itse ja huoltajat", "personen själv och vårdnadshavarna",
                      "the person and the guardians"}));
    case Parties::kLegalRepresentative:
      return std::string(pick(
          lang, {"laillinen edustaja", "den lagliga företrädaren", "the legal representative"}));
  }
  return "";
}

std::string capacity_text(Lang lang, Capacity c) {
  switch (c) {
    case Capacity::kSelf:
      return std::string(pick(lang, {"henkilö itse", "personen själv", "the person themself"}));
    case Capacity::kGuardian:
      return std::string(pick(lang, {"huoltaja", "en vårdnadshavare", "a guardian"}));
    case Capacity::kLegalRep:
      return std::string(pick(
          lang, {"laillinen edustaja", "den lagliga företrädaren", "the legal representative"}));
    case Capacity::kEdunvalvoja:
      return std::string(pick(lang, {"edunvalvoja", "intressebevakaren", "the guardian ad litem"}));
  }
  return "";
}

// The consent kinds a basis accepts: as the object of "needs" (`object`: Finnish partitive) or
// as a thing named (nominative).
std::string consent_kinds_text(Lang lang, const LegalBasis& b, bool object) {
  std::vector<std::string> kinds;
  for (auto k : b.requirements.consent_kinds) {
    bool permit = k == ConsentKind::kLuovutuslupa;
    Phrase p =
        permit
            ? (object ? Phrase{"luovutuslupaa", "ett utlämnandetillstånd", "a permit to disclose"}
                      : Phrase{"luovutuslupa", "ett utlämnandetillstånd", "a permit to disclose"})
            : (object ? Phrase{"suostumusta", "samtycke", "a consent"}
                      : Phrase{"suostumus", "samtycke", "a consent"});
    kinds.emplace_back(pick(lang, p));
  }
  return join(kinds, pick(lang, {" tai ", " eller ", " or "}));
}

std::string offence_text(Lang lang, const Catalog& catalog, const LegalBasis& b) {
  std::vector<std::string> alts;
  for (const auto& a : b.requirements.offence) {
    std::vector<std::string> classes;
    for (const auto& c : a.classes) {
      const auto* oc = catalog.find_offence_class(c);
      classes.push_back(oc != nullptr ? oc->name.in(lang) : c);
    }
    std::string t = join(classes, pick(lang, {" tai ", " eller ", " or "}));
    if (a.min_max_penalty_months) {
      std::string months = std::to_string(*a.min_max_penalty_months);
      t += classes.empty() ? fill(lang,
                                  {"rikos, jonka enimmäisrangaistus on vähintään {0} kuukautta",
                                   "ett brott med ett strängaste straff på minst {0} månader",
                                   "an offence with a maximum penalty of at least {0} months"},
                                  {months})
                           : fill(lang,
                                  {", jonka enimmäisrangaistus on vähintään {0} kuukautta",
                                   " med ett strängaste straff på minst {0} månader",
                                   " with a maximum penalty of at least {0} months"},
                                  {months});
    }
    alts.push_back(t);
  }
  return join(alts, pick(lang, {" tai ", " eller ", " or "}));
}

// "”Opettaja” tai ”Rehtori”": the roles a basis allows the acting official in the decision's
// direction, by their catalog names.
std::string roles_text(Lang lang, const Decision& d, const LegalBasis& b) {
  std::vector<std::string> names;
  for (const auto& id : b.requirements.roles(d.direction)) {
    const auto* r = d.catalog->find_role(id);
    names.push_back(quoted(lang, r != nullptr ? r->name.in(lang) : id));
  }
  return join(names, pick(lang, {" tai ", " eller ", " or "}));
}

std::string age_range(Lang lang, const Requirements& q) {
  if (q.subject_min_age && q.subject_max_age) {
    return fill(lang, {"{0}–{1} vuotta", "{0}–{1} år", "{0} to {1}"},
                {std::to_string(*q.subject_min_age), std::to_string(*q.subject_max_age)});
  }
  if (q.subject_max_age) {
    return fill(lang, {"enintään {0} vuotta", "högst {0} år", "at most {0}"},
                {std::to_string(*q.subject_max_age)});
  }
  return fill(lang, {"vähintään {0} vuotta", "minst {0} år", "at least {0}"},
              {std::to_string(q.subject_min_age.value_or(0))});
}

// "(”Perusopetus” → ”Poliisi”)": holder and recipient.
std::string flow(Lang lang, const Decision& d) {
  return "(" + quoted(lang, d.from->name.in(lang)) + " \u2192 " +
         quoted(lang, d.to->name.in(lang)) + ")";
}

std::string subject_context(Lang lang, const Decision& d) {
  if (!d.subject_age) return "";
  std::string age = std::to_string(*d.subject_age);
  if (!d.subject_capable) {
    return fill(lang, {" Henkilö on {0}-vuotias.", " Personen är {0} år.", " The person is {0}."},
                {age});
  }
  return *d.subject_capable
             ? fill(lang,
                    {" Henkilö on {0}-vuotias ja arvioitu kykeneväksi päättämään asiasta.",
                     " Personen är {0} år och har bedömts kunna bedöma saken.",
                     " The person is {0}, assessed capable."},
                    {age})
             : fill(lang,
                    {" Henkilö on {0}-vuotias, eikä häntä ole arvioitu kykeneväksi päättämään "
                     "asiasta.",
                     " Personen är {0} år och har bedömts inte kunna bedöma saken.",
                     " The person is {0}, assessed not capable."},
                    {age});
}

std::string need_text(Lang lang, const Decision& d, const LegalBasis& b, const Need& n) {
  const Catalog& catalog = *d.catalog;
  std::string min = std::to_string(catalog.justification_min_length);
  std::string bg_min = std::to_string(catalog.break_glass.justification_min_length);
  switch (n.kind) {
    case Need::Kind::kNone:
      return "";
    case Need::Kind::kJustification:
      return fill(lang,
                  {"kirjallinen perustelu välttämättömyydelle (vähintään {0} merkkiä)",
                   "en skriftlig motivering av nödvändigheten (minst {0} tecken)",
                   "a written justification of necessity (at least {0} characters)"},
                  {min});
    case Need::Kind::kCaseReference:
      return std::string(pick(lang, {"pyytäjän asianumero", "den begärandes ärendenummer",
                                     "the requester's case reference"}));
    case Need::Kind::kAttestation:
      return fill(lang, {"vakuutus: {0}", "en försäkran: {0}", "the attestation: {0}"},
                  {n.attestation ? quoted(lang, without_period(n.attestation->text.in(lang)))
                                 : std::string()});
    case Need::Kind::kOffence:
      return fill(lang, {"rikos: {0}", "ett brott: {0}", "the suspected offence: {0}"},
                  {offence_text(lang, catalog, b)});
    case Need::Kind::kBreakGlass:
      return fill(lang,
                  {"hätäkäyttö ja kirjallinen perustelu (vähintään {0} merkkiä)",
                   "nödåtkomst med en skriftlig motivering (minst {0} tecken)",
                   "an emergency declaration (break-glass) with a written justification of at "
                   "least {0} characters"},
                  {bg_min});
    case Need::Kind::kBreakGlassJustification:
      return fill(lang,
                  {"hätäkäytön perustelu (vähintään {0} merkkiä)",
                   "en motivering för nödåtkomst (minst {0} tecken)",
                   "a break-glass justification of at least {0} characters"},
                  {bg_min});
    case Need::Kind::kConsent:
      return fill(lang, {"{0} (antaja: {1})", "{0} (givet av: {1})", "{0} (given by {1})"},
                  {consent_kinds_text(lang, b, false), parties_text(lang, n.parties)});
    case Need::Kind::kBirthDate:
      return std::string(pick(lang, {"henkilön syntymäaika (henkilötunnuksesta)",
                                     "personens födelsedatum (från personbeteckningen)",
                                     "the person's birth date (from the identity code)"}));
    case Need::Kind::kActorRole:
      return fill(lang,
                  {"toimivan henkilön tehtävä: {0}", "den handlande personens roll: {0}",
                   "the acting official's role: {0}"},
                  {roles_text(lang, d, b)});
  }
  return "";
}

json basis_json(Lang lang, const LegalBasis& b) {
  return {{"id", b.id},
          {"citation", b.citation.text()},
          {"short", b.citation.short_text()},
          {"url", b.citation.law ? b.citation.law->url : ""},
          {"title", b.title.in(lang)}};
}

// "Kielto koskee: vastaanottajat ”Poliisi”; tiedot ”Sijoitus”." — the scope of a refusal or
// prohibition, in the catalog's names.
std::string scope_text(Lang lang, const Catalog& catalog, const DecisiveRecord& r,
                       const Phrase& subject) {
  std::vector<std::string> parts;
  auto names = [&](const std::vector<std::string>& ids, auto find) {
    std::vector<std::string> out;
    for (const auto& id : ids) {
      const auto* x = find(id);
      out.push_back(x != nullptr ? x->name.in(lang) : id);
    }
    return quoted_list(lang, out);
  };
  if (!r.to_kinds.empty()) {
    parts.push_back(fill(lang, {"vastaanottajat {0}", "mottagare {0}", "recipients {0}"},
                         {names(r.to_kinds, [&](auto& id) { return catalog.find_kind(id); })}));
  }
  if (!r.categories.empty()) {
    parts.push_back(
        fill(lang, {"tiedot {0}", "uppgifter {0}", "data {0}"},
             {names(r.categories, [&](auto& id) { return catalog.find_category(id); })}));
  }
  if (!r.purposes.empty()) {
    parts.push_back(fill(lang, {"käyttötarkoitukset {0}", "ändamål {0}", "purposes {0}"},
                         {names(r.purposes, [&](auto& id) { return catalog.find_purpose(id); })}));
  }
  std::string who(pick(lang, subject));
  if (parts.empty()) {
    return fill(lang,
                {" {0} koskee kaikkia luovutuksia.", " {0} gäller alla utlämnanden.",
                 " {0} covers every disclosure."},
                {who});
  }
  return fill(lang, {" {0} koskee: {1}.", " {0} gäller: {1}.", " {0} covers: {1}."},
              {who, join(parts, "; ")});
}

std::string refused_text(Lang lang, const Decision& d, const DecisiveRecord& r) {
  return fill(lang,
              {"Ei sallittu: {0} on kieltäytynyt luovutuksesta (kieltäytyminen {1}, annettu {2}).",
               "Inte tillåtet: {0} har vägrat utlämnandet (vägran {1}, given {2}).",
               "Denied: {0} refused this disclosure (refusal {1}, given {2})."},
              {capacity_text(lang, r.capacity), r.id, time_text(lang, r.given)}) +
         scope_text(lang, *d.catalog, r, {"Kieltäytyminen", "Vägran", "It"}) +
         std::string(pick(lang, {" Se on muiden antamaa suostumusta tai lupaa vahvempi.",
                                 " Den väger tyngre än samtycke eller tillstånd av andra.",
                                 " It outweighs any consent or permit given by others."}));
}

std::string prohibited_text(Lang lang, const Decision& d, const DecisiveRecord& r) {
  return fill(lang,
              {"Ei sallittu: {0} on kieltänyt luovutuksen (kielto {1}, ATL 59 §, annettu {2}).",
               "Inte tillåtet: {0} har förbjudit utlämnandet (förbud {1}, ATL 59 §, givet {2}).",
               "Denied: {0} prohibited this disclosure (kielto {1}, ATL 59 §, given {2})."},
              {capacity_text(lang, r.capacity), r.id, time_text(lang, r.given)}) +
         scope_text(lang, *d.catalog, r, {"Kielto", "Förbudet", "It"}) +
         std::string(pick(lang, {" Kielto on suostumusta ja lupaa vahvempi.",
                                 " Ett förbud går före samtycke och tillstånd.",
                                 " A prohibition beats any consent or permit."}));
}

// "ATL 6 § (…) edellyttää suostumusta (antaja: henkilö itse)": what a consent basis needs.
std::string needs_consent_text(Lang lang, const LegalBasis& b, Parties parties) {
  return fill(lang,
              {"Ei sallittu: {0} edellyttää {1} (antaja: {2}).",
               "Inte tillåtet: {0} förutsätter {1} (givet av: {2}).",
               "Denied: {0} needs {1} (given by {2})."},
              {basis_ref(lang, b), consent_kinds_text(lang, b, true), parties_text(lang, parties)});
}

std::string denied_fallback(Lang lang) {
  return std::string(pick(lang, {"Ei sallittu.", "Inte tillåtet.", "Denied."}));
}

// Denied because no basis lets this category flow between these parties.
std::string flow_denied_text(Lang lang, const Decision& d, const CategoryDecision& c) {
  const Catalog& catalog = *d.catalog;
  std::string ref = c.basis ? basis_ref(lang, *c.basis) : "";
  std::string cat = quoted(lang, c.category->name.in(lang));
  std::string purpose = quoted(lang, d.purpose->name.in(lang));
  switch (c.reason) {
    case DenyReason::kNoBasis: {
      std::string out = fill(
          lang,
          {"Ei sallittu: mikään luettelon oikeusperuste ei salli tiedon {0} luovutusta {1} "
           "{2} käyttötarkoitukseen {3}, eikä suostumus kata sitä.",
           "Inte tillåtet: ingen rättslig grund i katalogen tillåter utlämnande av {0} {1} {2} "
           "för ändamålet {3}, och inget samtycke täcker det.",
           "Denied: no legal basis in the catalog allows disclosing {0} {1} {2} for the purpose "
           "{3}, and no consent covers it."},
          {cat, flow(lang, d),
           d.direction == Direction::kPull
               ? pick(lang, {"vastaanottajan pyynnöstä", "på mottagarens begäran",
                             "at the recipient's request"})
               : pick(lang, {"luovuttajan aloitteesta", "på utlämnarens initiativ",
                             "on the holder's initiative"}),
           purpose});
      if (c.category->secret) {
        out += fill(lang,
                    {" Tieto on salassa pidettävä ({0}).",
                     " Uppgifterna är sekretessbelagda ({0}).", " The data is secret ({0})."},
                    {c.category->secrecy_citation});
      }
      return out;
    }
    case DenyReason::kNotHeld: {
      std::vector<std::string> holders;
      for (const auto& k : c.category->held_by) {
        const auto* kind = catalog.find_kind(k);
        holders.push_back(kind != nullptr ? kind->name.in(lang) : k);
      }
      return fill(lang,
                  {"Ei sallittu: tietoa {0} ei ole tahon {1} rekistereissä (sitä on: {2}).",
                   "Inte tillåtet: {0} finns inte i registren hos {1} (de finns hos: {2}).",
                   "Denied: {1} does not hold {0} (it is held by {2})."},
                  {cat, quoted(lang, d.from->name.in(lang)), quoted_list(lang, holders)});
    }
    case DenyReason::kReferralNotAllowed:
      return fill(
          lang,
          {"Ei sallittu: ilmoitus {0} ei voi sisältää tietoa {1} {2}.",
           "Inte tillåtet: {0} kan inte innehålla {1} {2}.", "Denied: a {0} cannot carry {1} {2}."},
          {quoted(lang, d.referral->name.in(lang)), cat, flow(lang, d)});
    case DenyReason::kBasisNotInForce:
      return fill(
          lang,
          {"Ei sallittu: {0} ei ole voimassa {1}.", "Inte tillåtet: {0} är inte i kraft den {1}.",
           "Denied: {0} is not in force on {1}."},
          {ref, date_text(lang, d.decided_on)});
    case DenyReason::kRecipientNotAuthority:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää, että vastaanottaja on viranomainen, eikä {1} ole.",
                   "Inte tillåtet: {0} förutsätter att mottagaren är en myndighet, och {1} är det "
                   "inte.",
                   "Denied: {0} requires the recipient to be an authority, and {1} is not one."},
                  {ref, quoted(lang, d.to->name.in(lang))});
    default:
      break;
  }
  return denied_fallback(lang);
}

// Denied because a condition of the basis is unmet: age, offence, attestation, case reference
// or justification.
std::string condition_denied_text(Lang lang, const Decision& d, const CategoryDecision& c) {
  const Catalog& catalog = *d.catalog;
  const LegalBasis* b = c.basis;
  std::string ref = b ? basis_ref(lang, *b) : "";
  std::string min = std::to_string(catalog.justification_min_length);
  switch (c.reason) {
    case DenyReason::kActorRoleMissing:
    case DenyReason::kActorRoleNotAllowed:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää, että toimivan henkilön tehtävä on {1}.",
                   "Inte tillåtet: {0} förutsätter att den handlande personens roll är {1}.",
                   "Denied: {0} applies only when the acting official's role is {1}."},
                  {ref, roles_text(lang, d, *b)}) +
             (c.reason == DenyReason::kActorRoleMissing || d.actor_role == nullptr
                  ? std::string(
                        pick(lang, {" Pyynnössä ei kerrota tehtävää.", " Begäran anger ingen roll.",
                                    " The request states no role."}))
                  : fill(lang,
                         {" Toimivan henkilön tehtävä on {0}.", " Personens roll är {0}.",
                          " The official's role is {0}."},
                         {quoted(lang, d.actor_role->name.in(lang))}));
    case DenyReason::kSubjectAge:
      return fill(
          lang,
          {"Ei sallittu: {0} koskee vain henkilöä, jonka ikä on {1}. Henkilö on "
           "{2}-vuotias.",
           "Inte tillåtet: {0} gäller endast en person i åldern {1}. Personen är {2} år.",
           "Denied: {0} applies only to a person aged {1}. The person is {2}."},
          {ref, age_range(lang, b->requirements), std::to_string(d.subject_age.value_or(0))});
    case DenyReason::kSubjectAgeUnknown:
      return fill(lang,
                  {"Ei sallittu: henkilön syntymäaikaa ei tiedetä, ja {0} riippuu iästä.",
                   "Inte tillåtet: personens födelsedatum är okänt, och {0} beror på åldern.",
                   "Denied: the person's birth date is not known, and {0} depends on their age."},
                  {b ? fill(lang, {"peruste {0}", "grunden {0}", "{0}"}, {ref})
                     : std::string(pick(lang, {"suostumuksen antaja", "vem som ska samtycka",
                                               "who must consent"}))});
    case DenyReason::kOffenceMissing:
    case DenyReason::kOffenceNotCovered:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää rikosta: {1}.",
                   "Inte tillåtet: {0} förutsätter ett brott: {1}.",
                   "Denied: {0} applies only to an offence: {1}."},
                  {ref, offence_text(lang, catalog, *b)}) +
             std::string(
                 c.reason == DenyReason::kOffenceMissing
                     ? pick(lang, {" Pyynnössä ei nimetä rikosta.", " Begäran nämner inget brott.",
                                   " The request names none."})
                     : pick(lang, {" Nimetty rikos ei ole tällainen.",
                                   " Det nämnda brottet är inte ett sådant.",
                                   " The offence named is not one of these."}));
    case DenyReason::kAttestationMissing:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää, että pyytäjä vakuuttaa: {1}. Sitä ei vakuutettu.",
                   "Inte tillåtet: {0} förutsätter att den som begär försäkrar: {1}. Det "
                   "försäkrades inte.",
                   "Denied: {0} applies only when the requester attests: {1}. It was not "
                   "attested."},
                  {ref, c.unmet.attestation
                            ? quoted(lang, without_period(c.unmet.attestation->text.in(lang)))
                            : std::string()});
    case DenyReason::kCaseReferenceMissing:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää pyytäjän asianumeroa.",
                   "Inte tillåtet: {0} förutsätter den begärandes ärendenummer.",
                   "Denied: {0} needs the requester's case reference."},
                  {ref});
    case DenyReason::kJustificationMissing:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää kirjallista perustelua välttämättömyydelle "
                   "(vähintään {1} merkkiä).",
                   "Inte tillåtet: {0} förutsätter en skriftlig motivering av nödvändigheten "
                   "(minst {1} tecken).",
                   "Denied: {0} needs a written justification of necessity of at least {1} "
                   "characters."},
                  {ref, min});
    default:
      break;
  }
  return denied_fallback(lang);
}

// Denied because of how break-glass was, or was not, asked for.
std::string break_glass_denied_text(Lang lang, const Decision& d, const CategoryDecision& c) {
  std::string ref = c.basis ? basis_ref(lang, *c.basis) : "";
  std::string cat = quoted(lang, c.category->name.in(lang));
  std::string purpose = quoted(lang, d.purpose->name.in(lang));
  std::string bg_min = std::to_string(d.catalog->break_glass.justification_min_length);
  switch (c.reason) {
    case DenyReason::kBreakGlassRequired:
      return fill(
          lang,
          {"Ei sallittu: {0} on käytettävissä vain hätätilanteessa: hätäkäyttö ja kirjallinen "
           "perustelu (vähintään {1} merkkiä).",
           "Inte tillåtet: {0} kan användas endast i en nödsituation: nödåtkomst med en "
           "skriftlig motivering (minst {1} tecken).",
           "Denied: {0} applies only in an emergency: break-glass with a written "
           "justification of at least {1} characters."},
          {ref, bg_min});
    case DenyReason::kBreakGlassNotAllowed:
      return fill(lang,
                  {"Ei sallittu: hätäkäyttö ei ole tässä mahdollinen, sillä mikään hätäperuste ei "
                   "salli tiedon {0} luovutusta {1} käyttötarkoitukseen {2}.",
                   "Inte tillåtet: nödåtkomst är inte möjlig här, eftersom ingen nödgrund tillåter "
                   "utlämnande av {0} {1} för ändamålet {2}.",
                   "Denied: break-glass is not allowed here: no emergency basis allows disclosing "
                   "{0} {1} for the purpose {2}."},
                  {cat, flow(lang, d), purpose});
    case DenyReason::kBreakGlassJustificationShort:
      return fill(lang,
                  {"Ei sallittu: hätäkäyttö perusteella {0} edellyttää vähintään {1} merkin "
                   "kirjallista perustelua.",
                   "Inte tillåtet: nödåtkomst enligt {0} kräver en skriftlig motivering på minst "
                   "{1} tecken.",
                   "Denied: break-glass under {0} needs a written justification of at least {1} "
                   "characters."},
                  {ref, bg_min});
    default:
      break;
  }
  return denied_fallback(lang);
}

// Denied by the consent records: a refusal, a prohibition, or no consent that suffices.
std::string consent_denied_text(Lang lang, const Decision& d, const CategoryDecision& c) {
  const LegalBasis* b = c.basis;
  std::string ref = b ? basis_ref(lang, *b) : "";
  std::string cat = quoted(lang, c.category->name.in(lang));
  switch (c.reason) {
    case DenyReason::kRefused:
      return refused_text(lang, d, *c.record);
    case DenyReason::kProhibited:
      return prohibited_text(lang, d, *c.record);
    case DenyReason::kConsentExpired:
      return needs_consent_text(lang, *b, c.parties) +
             fill(
                 lang,
                 {" Suostumuksen {0} voimassaolo päättyi {1}.",
                  " Samtycket {0} upphörde att gälla den {1}.", " The consent {0} expired on {1}."},
                 {c.record->id, time_text(lang, *c.record->ended)});
    case DenyReason::kConsentRevoked:
      return needs_consent_text(lang, *b, c.parties) +
             fill(lang,
                  {" Suostumus {0} peruttiin {1}.", " Samtycket {0} återkallades den {1}.",
                   " The consent {0} was revoked on {1}."},
                  {c.record->id, time_text(lang, *c.record->ended)});
    case DenyReason::kConsentMissing:
      return needs_consent_text(lang, *b, c.parties) +
             fill(lang,
                  {" Voimassa olevaa, joka kattaisi tiedon {0} tähän käyttötarkoitukseen {1}, ei "
                   "ole.",
                   " Inget som gäller täcker {0} för detta ändamål {1}.",
                   " None in force covers {0} for this purpose {1}."},
                  {cat, flow(lang, d)}) +
             subject_context(lang, d);
    case DenyReason::kConsentParty:
      return needs_consent_text(lang, *b, c.parties) +
             std::string(pick(lang, {" Voimassa olevat suostumukset eivät ole heiltä.",
                                     " Samtyckena som gäller är inte givna av dem.",
                                     " The consents in force are not from them."})) +
             subject_context(lang, d);
    case DenyReason::kConsentForm:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää {1} muodossa, jonka suostumussäännöt hyväksyvät. "
                   "Voimassa oleva ei täytä vaatimusta.",
                   "Inte tillåtet: {0} förutsätter {1} i en form som samtyckesreglerna godkänner. "
                   "Det som gäller uppfyller inte kravet.",
                   "Denied: {0} needs {1} in a form the consent rules accept. The one in force is "
                   "not."},
                  {ref, consent_kinds_text(lang, *b, true)});
    case DenyReason::kConsentNotSpecific:
      return fill(lang,
                  {"Ei sallittu: {0} edellyttää {1}, jossa nimetään tiedot ja käyttötarkoitukset. "
                   "Voimassa olevassa niitä ei nimetä.",
                   "Inte tillåtet: {0} förutsätter {1} som anger uppgifterna och ändamålen. Det "
                   "som gäller gör det inte.",
                   "Denied: {0} needs {1} that names the data and the purposes. The one in force "
                   "does not."},
                  {ref, consent_kinds_text(lang, *b, true)});
    default:
      break;
  }
  return denied_fallback(lang);
}

// One text per deny reason, grouped by what stopped the disclosure.
std::string denied_text(Lang lang, const Decision& d, const CategoryDecision& c) {
  switch (c.reason) {
    case DenyReason::kNone:
      return "";
    case DenyReason::kNoBasis:
    case DenyReason::kNotHeld:
    case DenyReason::kReferralNotAllowed:
    case DenyReason::kBasisNotInForce:
    case DenyReason::kRecipientNotAuthority:
      return flow_denied_text(lang, d, c);
    case DenyReason::kSubjectAge:
    case DenyReason::kSubjectAgeUnknown:
    case DenyReason::kOffenceMissing:
    case DenyReason::kOffenceNotCovered:
    case DenyReason::kAttestationMissing:
    case DenyReason::kCaseReferenceMissing:
    case DenyReason::kJustificationMissing:
    case DenyReason::kActorRoleMissing:
    case DenyReason::kActorRoleNotAllowed:
      return condition_denied_text(lang, d, c);
    case DenyReason::kBreakGlassRequired:
    case DenyReason::kBreakGlassNotAllowed:
    case DenyReason::kBreakGlassJustificationShort:
      return break_glass_denied_text(lang, d, c);
    case DenyReason::kRefused:
    case DenyReason::kProhibited:
    case DenyReason::kConsentExpired:
    case DenyReason::kConsentRevoked:
    case DenyReason::kConsentMissing:
    case DenyReason::kConsentParty:
    case DenyReason::kConsentForm:
    case DenyReason::kConsentNotSpecific:
      return consent_denied_text(lang, d, c);
  }
  return denied_fallback(lang);
}

// A field that must not be released, by name: only the address has one today.
std::string field_text(Lang lang, const std::string& field) {
  if (field == "address") return std::string(pick(lang, {"Osoitetta", "Adressen", "The address"}));
  return quoted(lang, field);
}

}  // namespace

std::string explain_category(const Decision& d, const CategoryDecision& c, Lang lang) {
  if (c.outcome == Outcome::kDenied) return denied_text(lang, d, c);
  const LegalBasis& b = *c.basis;
  std::string out =
      fill(lang, {"Sallittu: {0}.", "Tillåtet: {0}.", "Granted under {0}."}, {basis_ref(lang, b)});
  if (!c.consent_ids.empty()) {
    out += fill(lang,
                {" Perusteena on {0} (antaja: {1}).", " Grunden är {0} (givet av: {1}).",
                 " It rests on {0} (given by {1})."},
                {join(c.consent_ids, ", "), parties_text(lang, c.parties)}) +
           subject_context(lang, d);
  }
  if (c.break_glass) {
    out += fill(lang,
                {" Hätäkäyttö: tietosuojavastaava tarkastaa sen viimeistään {0}.",
                 " Nödåtkomst: dataskyddsombudet granskar den senast {0}.",
                 " Emergency access (break-glass): the privacy officer reviews it by {0}."},
                {d.review_due ? date_text(lang, *d.review_due) : std::string("?")});
  }
  if (b.requirements.justification) {
    out += pick(lang, {" Pyytäjän perustelu välttämättömyydelle on kirjattu.",
                       " Den begärandes motivering av nödvändigheten är registrerad.",
                       " The requester's justification of necessity is recorded."});
  }
  if (c.data_recorded_from || c.data_recorded_until) {
    std::string period;
    if (c.data_recorded_from) {
      period += fill(lang, {" {0} alkaen", " från och med {0}", " from {0}"},
                     {time_text(lang, *c.data_recorded_from)});
    }
    if (c.data_recorded_until) {
      period += fill(lang, {" {0} asti", " till och med {0}", " until {0}"},
                     {time_text(lang, *c.data_recorded_until)});
    }
    out += fill(lang,
                {" Luovuttaa saa vain tietoja, jotka on kirjattu{0}.",
                 " Endast uppgifter som registrerats{0} får lämnas ut.",
                 " Only data recorded{0} may be released."},
                {period});
  }
  for (const auto* w : c.withheld) {
    out += fill(lang,
                {" {0} ei saa luovuttaa (turvakielto, {1}).",
                 " {0} får inte lämnas ut (spärrmarkering, {1}).",
                 " {0} must not be released (turvakielto, {1})."},
                {field_text(lang, w->field), w->citation});
  }
  return out;
}

std::string explain_alternative(const Decision& d, const Alternative& a, Lang lang) {
  std::vector<std::string> needs;
  for (const auto& n : a.needs) needs.push_back(need_text(lang, d, *a.basis, n));
  std::string out = basis_ref(lang, *a.basis);
  if (a.direction == Direction::kPush) {
    out += fill(lang, {", luovuttajan {0} aloitteesta", ", på initiativ av {0}", ", pushed by {0}"},
                {quoted(lang, d.from->name.in(lang))});
    if (a.referral) {
      out += fill(lang, {" (ilmoitus {0})", " ({0})", " (as a {0})"},
                  {quoted(lang, a.referral->name.in(lang))});
    }
  } else if (a.direction == Direction::kPull) {
    out += fill(lang, {", vastaanottajan {0} pyynnöstä", ", på begäran av {0}", ", pulled by {0}"},
                {quoted(lang, d.to->name.in(lang))});
  }
  if (!needs.empty()) {
    out +=
        fill(lang, {", edellyttää: {0}", ", förutsätter: {0}", ", with {0}"}, {join(needs, "; ")});
  }
  return out + ".";
}

std::vector<std::string> text_problems(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) out.push_back("empty text");
  for (std::string_view bad : {"..", ".;", ";.", ",.", ".,", " .", " ,", " ;", "  ", "()", ":."}) {
    if (text.find(bad) != std::string_view::npos) {
      out.push_back("\"" + std::string(bad) + "\" in \"" + std::string(text) + "\"");
    }
  }
  // Words: runs of letters, digits, '_' and '.' between letters.
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                               text[j] == '_' || text[j] == '.')) {
      ++j;
    }
    std::string_view word = text.substr(i, j - i);
    bool id = word.find('_') != std::string_view::npos ||
              (word.size() > 3 && word.starts_with("fi.") &&
               std::isalpha(static_cast<unsigned char>(word[3])));
    if (id) out.push_back("an id \"" + std::string(word) + "\" in \"" + std::string(text) + "\"");
    i = j == i ? i + 1 : j;
  }
  return out;
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

json alternative_json(const Decision& d, const Alternative& a, Lang lang) {
  json out = {{"basis", basis_json(lang, *a.basis)}, {"text", explain_alternative(d, a, lang)}};
  if (a.direction) out["direction"] = direction_name(*a.direction);
  if (a.referral) out["referral_kind"] = a.referral->id;
  json needs = json::array();
  for (const auto& n : a.needs) needs.push_back(need_json(n, *a.basis));
  out["needs"] = std::move(needs);
  return out;
}

json category_json(const Decision& d, const CategoryDecision& c, Lang lang) {
  json out = {{"category", c.category->id},
              {"outcome", kOutcomeNames.name(c.outcome)},
              {"explanation", explain_category(d, c, lang)}};
  if (c.outcome == Outcome::kGranted) {
    out["basis"] = basis_json(lang, *c.basis);
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
  if (c.basis != nullptr) out["basis"] = basis_json(lang, *c.basis);
  if (c.record) out["consents"] = c.consent_ids;
  json alts = json::array();
  for (const auto& a : c.alternatives) alts.push_back(alternative_json(d, a, lang));
  out["alternatives"] = std::move(alts);
  return out;
}

}  // namespace

json decision_to_json(const Decision& d, Lang lang) {
  const Catalog& catalog = *d.catalog;
  json categories = json::array();
  for (const auto& c : d.categories) categories.push_back(category_json(d, c, lang));
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
  if (d.actor_role) {
    out["actor_role"] = {{"id", d.actor_role->id}, {"name", d.actor_role->name.in(lang)}};
  }
  if (d.review_due) out["review_due"] = format_date(*d.review_due);
  return out;
}

std::string explain(const Decision& d, Lang lang) {
  std::string out =
      fill(lang,
           d.direction == Direction::kPull
               ? Phrase{"Tietopyyntö: {0} \u2192 {1}, käyttötarkoitus {2}",
                        "Begäran: {0} \u2192 {1}, ändamål {2}", "Pull: {0} \u2192 {1}, purpose {2}"}
               : Phrase{"Luovutus omasta aloitteesta: {0} \u2192 {1}, käyttötarkoitus {2}",
                        "Utlämnande på eget initiativ: {0} \u2192 {1}, ändamål {2}",
                        "Push: {0} \u2192 {1}, purpose {2}"},
           {quoted(lang, d.from->name.in(lang)), quoted(lang, d.to->name.in(lang)),
            quoted(lang, d.purpose->name.in(lang))});
  if (d.referral) {
    out += fill(lang, {", ilmoitus {0}", ", anmälan {0}", ", referral {0}"},
                {quoted(lang, d.referral->name.in(lang))});
  }
  out +=
      "\n" +
      fill(lang,
           {"Luettelo {0} {1} (sha256 {2}), päätetty {3}",
            "Katalog {0} {1} (sha256 {2}), beslutat {3}",
            "Catalog {0} {1} (sha256 {2}), decided on {3}"},
           {d.catalog->id, d.catalog->version, d.catalog->sha256, date_text(lang, d.decided_on)}) +
      "\n";
  for (const auto& c : d.categories) {
    out += "\n" + c.category->id + ": " + summary(c) + "\n  " + explain_category(d, c, lang) + "\n";
    for (const auto& a : c.alternatives) {
      out += fill(lang,
                  {"  - Sallittu olisi: {0}\n", "  - Tillåtet vore: {0}\n",
                   "  - Would be lawful under {0}\n"},
                  {explain_alternative(d, a, lang)});
    }
  }
  if (d.break_glass) {
    out += fill(lang,
                {"\nHätäkäyttö: tarkastus viimeistään {0}\n",
                 "\nNödåtkomst: granskning senast {0}\n", "\nBreak-glass used: review due {0}\n"},
                {date_text(lang, *d.review_due)});
  }
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
