#include "store/consent_json.h"

#include <optional>
#include <utility>

#include "policy/consent_json.h"

namespace silta::store {

using nlohmann::json;
using policy::Capacity;
using policy::ConsentForm;
using policy::ConsentKind;

// A field added to these structs must be stored too: map it below, then update the sizes.
static_assert(sizeof(policy::ConsentRecord) == 560 && sizeof(policy::ConsentGrantor) == 96 &&
                  sizeof(policy::ConsentRevocation) == 144,
              "policy/consent.h changed: map the new field in consent_document and "
              "consent_from_document, then update these sizes");

namespace {

// The enumerations are stored by their names in policy (policy/consent_json.h).
template <typename From>
auto stored(From from_name, const json& j) {
  const auto name = j.get<std::string>();
  auto value = from_name(name);
  if (!value) throw std::invalid_argument("unknown value \"" + name + "\"");
  return *value;
}

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

json consent_document(const policy::ConsentRecord& c) {
  json grantors = json::array();
  for (const auto& g : c.granted_by) {
    grantors.push_back({{"capacity", policy::capacity_name(g.capacity)},
                        {"person_pseudonym", g.person_pseudonym},
                        {"minor_capable", g.minor_capable},
                        {"assessed_by", g.assessed_by},
                        {"assessed_at", opt_time(g.assessed_at)}});
  }
  json j = {{"id", c.id},
            {"subject_pseudonym", c.subject_pseudonym},
            {"kind", policy::consent_kind_name(c.kind)},
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
            {"form", policy::consent_form_name(c.form)},
            {"informed_text_hash", c.informed_text_hash},
            {"recorded_by_agency", c.recorded_by_agency},
            {"recorded_by_actor", c.recorded_by_actor},
            {"recorded_at", micros(c.recorded_at)},
            {"revoked", nullptr}};
  if (c.revoked) {
    const auto& r = *c.revoked;
    j["revoked"] = {{"at", micros(r.at)},     {"by_agency", r.by_agency},
                    {"by_actor", r.by_actor}, {"capacity", policy::capacity_name(r.capacity)},
                    {"channel", r.channel},   {"reason", r.reason}};
  }
  return j;
}

Result<policy::ConsentRecord> consent_from_document(const json& j) {
  try {
    policy::ConsentRecord c;
    c.id = j.at("id").get<std::string>();
    c.subject_pseudonym = j.at("subject_pseudonym").get<std::string>();
    c.kind = stored(policy::consent_kind_from, j.at("kind"));
    for (const auto& g : j.at("granted_by")) {
      policy::ConsentGrantor out;
      out.capacity = stored(policy::capacity_from, g.at("capacity"));
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
    c.form = stored(policy::consent_form_from, j.at("form"));
    c.informed_text_hash = get_or<std::string>(j, "informed_text_hash", "");
    c.recorded_by_agency = get_or<std::string>(j, "recorded_by_agency", "");
    c.recorded_by_actor = get_or<std::string>(j, "recorded_by_actor", "");
    c.recorded_at = at(j.at("recorded_at"));
    if (auto it = j.find("revoked"); it != j.end() && !it->is_null()) {
      policy::ConsentRevocation r;
      r.at = at(it->at("at"));
      r.by_agency = get_or<std::string>(*it, "by_agency", "");
      r.by_actor = get_or<std::string>(*it, "by_actor", "");
      r.capacity = stored(policy::capacity_from, it->at("capacity"));
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
  auto record = consent_from_document(json::parse(document, nullptr, false));
  if (!record) return record.error();
  std::lock_guard lock(mu_);
  if (parsed_.size() >= capacity_) parsed_.clear();
  parsed_.insert_or_assign(id, Parsed{document, *record});
  return record;
}

}  // namespace silta::store
