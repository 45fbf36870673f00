#include "store/consent_json.h"

#include <array>
#include <utility>

namespace silta::store {

using nlohmann::json;
using policy::Capacity;
using policy::ConsentForm;
using policy::ConsentKind;

// A field added to these structs must be stored too: map it below, then update the sizes.
static_assert(sizeof(policy::ConsentRecord) == 560 && sizeof(policy::ConsentGrantor) == 96 &&
                  sizeof(policy::ConsentRevocation) == 144,
              "policy/consent.h changed: map the new field in consent_to_json and "
              "consent_from_json, then update these sizes");

namespace {

template <typename E, std::size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& names, E e) {
  for (const auto& [v, n] : names) {
    if (v == e) return n;
  }
  return "";
}
template <typename E, std::size_t N>
E enum_of(const std::array<std::pair<E, const char*>, N>& names, const std::string& s) {
  for (const auto& [v, n] : names) {
    if (s == n) return v;
  }
  throw std::invalid_argument("unknown value \"" + s + "\"");
}

constexpr std::array<std::pair<ConsentKind, const char*>, 4> kKinds = {{
    {ConsentKind::kSuostumus, "suostumus"},
    {ConsentKind::kLuovutuslupa, "luovutuslupa"},
    {ConsentKind::kKielto, "kielto"},
    {ConsentKind::kMinorProhibition, "minor_prohibition"},
}};
constexpr std::array<std::pair<Capacity, const char*>, 4> kCapacities = {{
    {Capacity::kSelf, "self"},
    {Capacity::kGuardian, "guardian"},
    {Capacity::kLegalRep, "legal_rep"},
    {Capacity::kEdunvalvoja, "edunvalvoja"},
}};
constexpr std::array<std::pair<ConsentForm, const char*>, 3> kForms = {{
    {ConsentForm::kWritten, "written"},
    {ConsentForm::kElectronic, "electronic"},
    {ConsentForm::kOralRecorded, "oral_recorded"},
}};

std::int64_t micros(SysTime t) { return t.time_since_epoch().count(); }
SysTime at(const json& j) { return SysTime(std::chrono::microseconds(j.get<std::int64_t>())); }

json opt_time(const std::optional<SysTime>& t) { return t ? json(micros(*t)) : json(nullptr); }
std::optional<SysTime> opt_time(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return at(*it);
}

template <typename T>
T get_or(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  return it == j.end() ? fallback : it->get<T>();
}

}  // namespace

json consent_to_json(const policy::ConsentRecord& c) {
  json grantors = json::array();
  for (const auto& g : c.granted_by) {
    grantors.push_back({{"capacity", name_of(kCapacities, g.capacity)},
                        {"person_pseudonym", g.person_pseudonym},
                        {"minor_capable", g.minor_capable},
                        {"assessed_by", g.assessed_by},
                        {"assessed_at", opt_time(g.assessed_at)}});
  }
  json j = {{"id", c.id},
            {"subject_pseudonym", c.subject_pseudonym},
            {"kind", name_of(kKinds, c.kind)},
            {"granted_by", grantors},
            {"from_kinds", c.from_kinds},
            {"from_agencies", c.from_agencies},
            {"to_kinds", c.to_kinds},
            {"to_agencies", c.to_agencies},
            {"categories", c.categories},
            {"purposes", c.purposes},
            {"data_recorded_from", opt_time(c.data_recorded_from)},
            {"data_recorded_until", opt_time(c.data_recorded_until)},
            {"valid_from", micros(c.valid_from)},
            {"valid_until", opt_time(c.valid_until)},
            {"form", name_of(kForms, c.form)},
            {"informed_text_hash", c.informed_text_hash},
            {"recorded_by_agency", c.recorded_by_agency},
            {"recorded_by_actor", c.recorded_by_actor},
            {"recorded_at", micros(c.recorded_at)},
            {"revoked", nullptr}};
  if (c.revoked) {
    const auto& r = *c.revoked;
    j["revoked"] = {{"at", micros(r.at)},     {"by_agency", r.by_agency},
                    {"by_actor", r.by_actor}, {"capacity", name_of(kCapacities, r.capacity)},
                    {"channel", r.channel},   {"reason", r.reason}};
  }
  return j;
}

Result<policy::ConsentRecord> consent_from_json(const json& j) {
  try {
    policy::ConsentRecord c;
    c.id = j.at("id").get<std::string>();
    c.subject_pseudonym = j.at("subject_pseudonym").get<std::string>();
    c.kind = enum_of(kKinds, j.at("kind").get<std::string>());
    for (const auto& g : j.at("granted_by")) {
      policy::ConsentGrantor out;
      out.capacity = enum_of(kCapacities, g.at("capacity").get<std::string>());
      out.person_pseudonym = get_or<std::string>(g, "person_pseudonym", "");
      out.minor_capable = get_or<bool>(g, "minor_capable", false);
      out.assessed_by = get_or<std::string>(g, "assessed_by", "");
      out.assessed_at = opt_time(g, "assessed_at");
      c.granted_by.push_back(std::move(out));
    }
    using Strings = std::vector<std::string>;
    c.from_kinds = get_or<Strings>(j, "from_kinds", {});
    c.from_agencies = get_or<Strings>(j, "from_agencies", {});
    c.to_kinds = get_or<Strings>(j, "to_kinds", {});
    c.to_agencies = get_or<Strings>(j, "to_agencies", {});
    c.categories = get_or<Strings>(j, "categories", {});
    c.purposes = get_or<Strings>(j, "purposes", {});
    c.data_recorded_from = opt_time(j, "data_recorded_from");
    c.data_recorded_until = opt_time(j, "data_recorded_until");
    c.valid_from = at(j.at("valid_from"));
    c.valid_until = opt_time(j, "valid_until");
    c.form = enum_of(kForms, j.at("form").get<std::string>());
    c.informed_text_hash = get_or<std::string>(j, "informed_text_hash", "");
    c.recorded_by_agency = get_or<std::string>(j, "recorded_by_agency", "");
    c.recorded_by_actor = get_or<std::string>(j, "recorded_by_actor", "");
    c.recorded_at = at(j.at("recorded_at"));
    if (auto it = j.find("revoked"); it != j.end() && !it->is_null()) {
      policy::ConsentRevocation r;
      r.at = at(it->at("at"));
      r.by_agency = get_or<std::string>(*it, "by_agency", "");
      r.by_actor = get_or<std::string>(*it, "by_actor", "");
      r.capacity = enum_of(kCapacities, it->at("capacity").get<std::string>());
      r.channel = get_or<std::string>(*it, "channel", "");
      r.reason = get_or<std::string>(*it, "reason", "");
      c.revoked = std::move(r);
    }
    return c;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kDataLoss,
                      std::string("a stored consent record is unreadable: ") + e.what());
  }
}

Result<policy::ConsentRecord> ConsentDocuments::parse(const std::string& id,
                                                      const std::string& document) {
  {
    std::lock_guard lock(mu_);
    auto it = parsed_.find(id);
    if (it != parsed_.end() && it->second.document == document) return it->second.record;
  }
  auto record = consent_from_json(json::parse(document, nullptr, false));
  if (!record) return record.error();
  std::lock_guard lock(mu_);
  if (parsed_.size() >= capacity_) parsed_.clear();
  parsed_.insert_or_assign(id, Parsed{document, *record});
  return record;
}

}  // namespace silta::store
