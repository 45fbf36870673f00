#include "adapters/demo_adapter.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "adapters/categories.h"
#include "adapters/protocol.h"

namespace silta::adapters {

extern const std::string_view kDemoFixturesJson;  // demo/fixtures_data.cc.in

using json_check::Need;
using json_check::Object;
using nlohmann::json;

namespace {

// Contact details of a person as the identity_contact category carries them. A person under
// a non-disclosure order for personal data (turvakielto, 661/2009 36 §) has no address here:
// it is never forwarded.
json contact_record(const json& person, bool with_code) {
  json c = json::object();
  if (with_code) c["identity_code"] = person.value("identity_code", "");
  c["given_names"] = person.value("given_names", "");
  c["family_name"] = person.value("family_name", "");
  c["birth_date"] = person.value("birth_date", "");
  c["language"] = person.value("language", "fi");
  const bool protected_address = person.value("turvakielto", false);
  c["turvakielto"] = protected_address;
  if (!protected_address && person.contains("address")) c["address"] = person["address"];
  if (person.contains("email")) c["email"] = person["email"];
  return c;
}

}  // namespace

std::shared_ptr<DemoAdapter> DemoAdapter::builtin() {
  auto doc = json::parse(kDemoFixturesJson, nullptr, false);
  json_check::Issues issues;
  auto adapter = doc.is_discarded() ? nullptr : from_json(doc, issues);
  if (!adapter) {
    throw std::runtime_error("the built-in demo fixtures do not load:\n" + issues.format());
  }
  return adapter;
}

namespace {

using PeopleByCode = std::unordered_map<std::string, DemoAdapter::Person>;
using PeopleDocs = std::map<std::string, json>;  // key → person document

// Checks each person in "people"; returns their documents by key and fills `by_code`.
PeopleDocs load_people(Object& people_obj, const json& raw, json_check::Issues& issues,
                       PeopleByCode& by_code) {
  PeopleDocs people;
  for (auto it = raw.begin(); it != raw.end(); ++it) {
    auto person = people_obj.object(it.key());
    if (!person) continue;
    auto code = person->string("identity_code", Need::kRequired);
    if (code && !protocol::identity_code_shape_ok(*code)) {
      issues.add(person->path_of("identity_code"), "expected a Finnish identity code");
    }
    person->string("given_names", Need::kRequired);
    person->string("family_name", Need::kRequired);
    person->string("birth_date", Need::kRequired);
    person->string("language");
    person->string("email");
    person->boolean("turvakielto");
    person->object("address");
    person->strings("guardians");
    person->no_other_keys();
    if (code && by_code.count(*code)) {
      issues.add(person->path_of("identity_code"), "duplicate identity code");
    }
    people[it.key()] = it.value();
    if (code) by_code[*code] = DemoAdapter::Person{it.key(), *code, json::object()};
  }
  return people;
}

// Guardians refer to people; contact records list them without their identity codes.
void link_contacts(PeopleDocs& people, PeopleByCode& by_code, json_check::Issues& issues) {
  for (auto& [code, person] : by_code) {
    const json& doc_person = people[person.key];
    person.contact = contact_record(doc_person, true);
    json guardians = json::array();
    for (const auto& g : doc_person.value("guardians", json::array())) {
      if (!g.is_string() || !people.count(g.get<std::string>())) {
        issues.add("/people/" + person.key + "/guardians", "expected keys of people");
        continue;
      }
      guardians.push_back(contact_record(people[g.get<std::string>()], false));
    }
    if (!guardians.empty()) person.contact["guardians"] = guardians;
  }
}

// An agency's "subjects": person key → category it serves → records.
void load_subjects(Object& h, const PeopleDocs& people, const std::set<std::string>& served,
                   json_check::Issues& issues, DemoAdapter::Holder& holder) {
  auto subjects = h.object("subjects", Need::kRequired);
  if (!subjects) return;
  const auto& sraw = *h.any("subjects");
  for (auto s = sraw.begin(); s != sraw.end(); ++s) {
    auto spath = subjects->path_of(s.key());
    if (!people.count(s.key())) issues.add(spath, "expected a key of people");
    if (!s.value().is_object()) {
      issues.add(spath, "expected an object: category → records");
      continue;
    }
    auto& records = holder.subjects[s.key()];
    for (auto c = s.value().begin(); c != s.value().end(); ++c) {
      auto cpath = json_check::child_pointer(spath, c.key());
      if (!served.count(c.key()) || c.key() == "identity_contact") {
        issues.add(cpath,
                   "expected a category this agency serves (identity_contact is "
                   "made from people)");
      } else if (!c.value().is_array()) {
        issues.add(cpath, "expected an array of records");
      } else {
        records[c.key()] = c.value();
      }
    }
  }
}

// One agency's register under "agencies".
DemoAdapter::Holder load_holder(Object& h, const PeopleDocs& people, json_check::Issues& issues) {
  DemoAdapter::Holder holder;
  holder.system = h.string("system", Need::kRequired).value_or("");
  holder.referral_prefix = h.string("referral_prefix", Need::kRequired).value_or("");
  h.string("service_regime");
  holder.categories = h.strings("categories", Need::kRequired).value_or(std::vector<std::string>{});
  std::set<std::string> served(holder.categories.begin(), holder.categories.end());
  for (std::size_t i = 0; i < holder.categories.size(); ++i) {
    if (!is_catalog_category(holder.categories[i])) {
      issues.add(json_check::child_pointer(h.path_of("categories"), i),
                 "expected a catalog category id");
    }
  }
  load_subjects(h, people, served, issues, holder);
  h.no_other_keys();
  return holder;
}

}  // namespace

std::shared_ptr<DemoAdapter> DemoAdapter::from_json(const json& doc, json_check::Issues& issues) {
  const auto before = issues.list().size();
  std::shared_ptr<DemoAdapter> a(new DemoAdapter());
  Object root(issues, doc, "");
  if (!root.valid()) return nullptr;
  root.string("comment");

  PeopleDocs people;
  if (auto p = root.object("people", Need::kRequired)) {
    people = load_people(*p, *root.any("people"), issues, a->people_by_code_);
    link_contacts(people, a->people_by_code_, issues);
  }
  if (auto ag = root.object("agencies", Need::kRequired)) {
    const auto& raw = *root.any("agencies");
    for (auto it = raw.begin(); it != raw.end(); ++it) {
      auto h = ag->object(it.key());
      if (!h) continue;
      a->holders_[it.key()] = load_holder(*h, people, issues);
    }
  }
  root.no_other_keys();
  if (issues.list().size() != before) return nullptr;
  return a;
}

Result<FetchResult> DemoAdapter::fetch_now(const FetchRequest& request) const {
  auto h = holders_.find(request.holder_agency);
  if (h == holders_.end()) {
    return make_error(ErrorCode::kNotFound,
                      "agency " + request.holder_agency + " is not a demo agency");
  }
  for (std::size_t i = 0; i < request.categories.size(); ++i) {
    if (!is_catalog_category(request.categories[i])) {
      // Not echoed: a malformed request may carry anything in that place.
      return make_error(ErrorCode::kInvalidArgument,
                        "requested category #" + std::to_string(i) + " is not a catalog category");
    }
  }
  FetchResult result;
  auto person = people_by_code_.find(request.subject);
  const Holder& holder = h->second;
  auto subject = person == people_by_code_.end() ? holder.subjects.end()
                                                 : holder.subjects.find(person->second.key);
  if (subject == holder.subjects.end()) {
    result.subject_known = false;
    return result;
  }
  for (const auto& c : request.categories) {
    json records = json::array();
    if (c == "identity_contact") {
      if (std::find(holder.categories.begin(), holder.categories.end(), c) !=
          holder.categories.end()) {
        records.push_back(person->second.contact);
      }
    } else if (auto r = subject->second.find(c); r != subject->second.end()) {
      records = r->second;
    }
    result.categories[c] = std::move(records);
  }
  return result;
}

Result<DeliveryReceipt> DemoAdapter::deliver_now(const Referral& referral) {
  auto h = holders_.find(referral.recipient_agency);
  if (h == holders_.end()) {
    return make_error(ErrorCode::kNotFound,
                      "agency " + referral.recipient_agency + " is not a demo agency");
  }
  const std::string digest = protocol::referral_digest(referral);
  std::lock_guard lock(mu_);
  if (auto it = deliveries_.find(referral.id); it != deliveries_.end()) {
    if (it->second.digest != digest) {
      return make_error(ErrorCode::kConflict,
                        "referral " + referral.id + " was delivered before with other content");
    }
    DeliveryReceipt again = it->second.receipt;
    again.duplicate = true;
    return again;
  }
  DeliveryReceipt receipt;
  receipt.referral_id = referral.id;
  receipt.received_at = now_utc();
  char ref[64];
  auto days = std::chrono::floor<std::chrono::days>(receipt.received_at);
  int year = static_cast<int>(std::chrono::year_month_day(days).year());
  std::snprintf(ref, sizeof ref, "%s-%d-%04u", h->second.referral_prefix.c_str(), year,
                next_reference_++);
  receipt.reference = ref;
  deliveries_.emplace(referral.id, Delivery{referral, digest, receipt});
  delivery_order_.push_back(referral.id);
  return receipt;
}

HealthReport DemoAdapter::health_now() const {
  HealthReport r;
  r.ok = true;
  r.system = "Silta demo agency systems (fixtures)";
  for (const auto& [id, h] : holders_) r.agencies.push_back(HolderInfo{id, h.categories});
  return r;
}

std::vector<Referral> DemoAdapter::delivered(std::string_view agency) const {
  std::lock_guard lock(mu_);
  std::vector<Referral> out;
  for (const auto& id : delivery_order_) {
    const auto& d = deliveries_.at(id);
    if (d.referral.recipient_agency == agency) out.push_back(d.referral);
  }
  return out;
}

boost::asio::awaitable<Result<FetchResult>> DemoAdapter::fetch(const FetchRequest& request,
                                                               Deadline) {
  co_return fetch_now(request);
}

boost::asio::awaitable<Result<DeliveryReceipt>> DemoAdapter::deliver(const Referral& referral,
                                                                     Deadline) {
  co_return deliver_now(referral);
}

boost::asio::awaitable<Result<HealthReport>> DemoAdapter::health(Deadline) {
  co_return health_now();
}

}  // namespace silta::adapters
