#include "policy/consent_json.h"

#include "common/time.h"
#include "policy/catalog.h"

namespace silta::policy {

using json_check::child_pointer;
using json_check::Need;
using json_check::Object;
using nlohmann::json;

const char* consent_kind_name(ConsentKind kind) { return kConsentKindNames.name(kind); }
const char* capacity_name(Capacity capacity) { return kCapacityNames.name(capacity); }
const char* consent_form_name(ConsentForm form) { return kConsentFormNames.name(form); }

std::optional<ConsentKind> consent_kind_from(std::string_view name) {
  return kConsentKindNames.find(name);
}
std::optional<Capacity> capacity_from(std::string_view name) { return kCapacityNames.find(name); }
std::optional<ConsentForm> consent_form_from(std::string_view name) {
  return kConsentFormNames.find(name);
}

json consent_to_json(const ConsentRecord& c) {
  json granted = json::array();
  for (const auto& g : c.granted_by) {
    json jg = {{"capacity", capacity_name(g.capacity)},
               {"person_pseudonym", g.person_pseudonym},
               {"minor_capable", g.minor_capable}};
    if (!g.assessed_by.empty()) jg["assessed_by"] = g.assessed_by;
    if (g.assessed_at) jg["assessed_at"] = format_rfc3339(*g.assessed_at);
    granted.push_back(std::move(jg));
  }
  json out = {{"id", c.id},
              {"subject_pseudonym", c.subject_pseudonym},
              {"kind", consent_kind_name(c.kind)},
              {"granted_by", granted},
              {"from_kinds", c.from_kinds},
              {"from_agencies", c.from_agencies},
              {"to_kinds", c.to_kinds},
              {"to_agencies", c.to_agencies},
              {"categories", c.categories},
              {"purposes", c.purposes},
              {"valid_from", format_rfc3339(c.valid_from)},
              {"form", consent_form_name(c.form)},
              {"informed_text_hash", c.informed_text_hash},
              {"recorded_by_agency", c.recorded_by_agency},
              {"recorded_by_actor", c.recorded_by_actor},
              {"recorded_at", format_rfc3339(c.recorded_at)}};
  if (c.data_recorded_from) out["data_recorded_from"] = format_rfc3339(*c.data_recorded_from);
  if (c.data_recorded_until) out["data_recorded_until"] = format_rfc3339(*c.data_recorded_until);
  if (c.valid_until) out["valid_until"] = format_rfc3339(*c.valid_until);
  if (c.revoked) {
    out["revoked"] = {
        {"at", format_rfc3339(c.revoked->at)}, {"by_agency", c.revoked->by_agency},
        {"by_actor", c.revoked->by_actor},     {"capacity", capacity_name(c.revoked->capacity)},
        {"channel", c.revoked->channel},       {"reason", c.revoked->reason}};
  }
  return out;
}

namespace {

std::vector<std::string> ids(Object& o, std::string_view key, const Catalog* catalog,
                             const void* (*find)(const Catalog&, std::string_view),
                             const char* what) {
  auto list = o.strings(key).value_or(std::vector<std::string>{});
  if (catalog == nullptr) return list;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (find(*catalog, list[i]) == nullptr) {
      o.issues().add(child_pointer(o.path_of(key), i),
                     std::string("unknown ") + what + " \"" + list[i] + "\"");
    }
  }
  return list;
}

const void* find_kind(const Catalog& c, std::string_view id) { return c.find_kind(id); }
const void* find_category(const Catalog& c, std::string_view id) { return c.find_category(id); }
const void* find_purpose(const Catalog& c, std::string_view id) { return c.find_purpose(id); }

}  // namespace

namespace {

std::vector<ConsentGrantor> parse_grantors(Object& o) {
  std::vector<ConsentGrantor> out;
  const auto* list = o.array("granted_by", Need::kRequired);
  if (list == nullptr) return out;
  if (list->empty()) o.issues().add(o.path_of("granted_by"), "expected at least one person");
  for (std::size_t i = 0; i < list->size(); ++i) {
    Object g(o.issues(), (*list)[i], child_pointer(o.path_of("granted_by"), i));
    if (!g.valid()) continue;
    ConsentGrantor grantor;
    if (auto v = read_term(g, "capacity", kCapacityNames)) grantor.capacity = *v;
    grantor.person_pseudonym = g.string("person_pseudonym", Need::kRequired).value_or("");
    grantor.minor_capable = g.boolean_or("minor_capable", false);
    grantor.assessed_by = g.string_or("assessed_by", "");
    grantor.assessed_at = g.time("assessed_at", Need::kOptional);
    g.no_other_keys();
    out.push_back(std::move(grantor));
  }
  return out;
}

ConsentRevocation parse_revocation(Object& r) {
  ConsentRevocation rev;
  rev.at = r.time("at", Need::kRequired).value_or(SysTime{});
  rev.by_agency = r.string_or("by_agency", "");
  rev.by_actor = r.string_or("by_actor", "");
  if (auto v = read_term(r, "capacity", kCapacityNames, Need::kOptional)) rev.capacity = *v;
  rev.channel = r.string_or("channel", "");
  rev.reason = r.string_or("reason", "");
  r.no_other_keys();
  return rev;
}

}  // namespace

ConsentRecord parse_consent(const json& doc, json_check::Issues& issues, const std::string& path,
                            const std::string& subject_pseudonym, const Catalog* catalog) {
  ConsentRecord c;
  Object o(issues, doc, path);
  if (!o.valid()) return c;
  c.id = o.string("id", Need::kRequired).value_or("");
  c.subject_pseudonym = o.string_or("subject_pseudonym", subject_pseudonym);
  if (auto k = read_term(o, "kind", kConsentKindNames)) c.kind = *k;
  c.granted_by = parse_grantors(o);
  c.from_kinds = ids(o, "from_kinds", catalog, find_kind, "agency kind");
  c.from_agencies = o.strings("from_agencies").value_or(std::vector<std::string>{});
  c.to_kinds = ids(o, "to_kinds", catalog, find_kind, "agency kind");
  c.to_agencies = o.strings("to_agencies").value_or(std::vector<std::string>{});
  c.categories = ids(o, "categories", catalog, find_category, "data category");
  c.purposes = ids(o, "purposes", catalog, find_purpose, "purpose");
  c.data_recorded_from = o.time("data_recorded_from", Need::kOptional);
  c.data_recorded_until = o.time("data_recorded_until", Need::kOptional);
  c.valid_from = o.time("valid_from", Need::kRequired).value_or(SysTime{});
  c.valid_until = o.time("valid_until", Need::kOptional);
  if (auto f = read_term(o, "form", kConsentFormNames, Need::kOptional)) c.form = *f;
  c.informed_text_hash = o.string_or("informed_text_hash", "");
  c.recorded_by_agency = o.string_or("recorded_by_agency", "");
  c.recorded_by_actor = o.string_or("recorded_by_actor", "");
  c.recorded_at = o.time("recorded_at", Need::kOptional).value_or(c.valid_from);
  if (auto r = o.object("revoked")) c.revoked = parse_revocation(*r);
  o.no_other_keys();
  return c;
}

}  // namespace silta::policy
