#include "adapters/config.h"

#include <algorithm>

#include "adapters/categories.h"
#include "common/files.h"

namespace silta::adapters {

namespace fs = std::filesystem;
using json_check::Need;
using json_check::Object;

namespace {

// FHIR R4 resource types that have a patient search parameter, and Patient itself.
const std::set<std::string, std::less<>>& fhir_resources() {
  static const std::set<std::string, std::less<>> names = {"AllergyIntolerance",
                                                           "CarePlan",
                                                           "CareTeam",
                                                           "ClinicalImpression",
                                                           "Communication",
                                                           "Composition",
                                                           "Condition",
                                                           "DiagnosticReport",
                                                           "DocumentReference",
                                                           "Encounter",
                                                           "EpisodeOfCare",
                                                           "Flag",
                                                           "Goal",
                                                           "Immunization",
                                                           "MedicationRequest",
                                                           "MedicationStatement",
                                                           "Observation",
                                                           "Patient",
                                                           "Procedure",
                                                           "QuestionnaireResponse",
                                                           "RiskAssessment",
                                                           "ServiceRequest"};
  return names;
}

bool valid_param_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
  });
}

Millis millis(Object& o, std::string_view key, Millis fallback, std::int64_t min_ms) {
  return Millis(o.integer_or(key, fallback.count(), min_ms, 10LL * 60 * 1000));
}

std::optional<fs::path> file(Object& o, std::string_view key, const fs::path& base, bool secret) {
  auto s = o.string(key);
  if (!s) return std::nullopt;
  fs::path p(*s);
  if (!p.is_absolute()) p = base / p;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) {
    o.issues().add(o.path_of(key), "expected a readable file; " + p.string() + " does not exist");
    return std::nullopt;
  }
  if (secret) {
    if (auto st = check_secret_file_mode(p); !st) {
      o.issues().add(o.path_of(key), st.error().message);
    }
  }
  return p;
}

void parse_endpoint(Object& o, const fs::path& base, EndpointSettings& e) {
  if (auto url = o.string("url", Need::kRequired)) {
    if (auto parsed = parse_https_url(*url, false)) {
      e.url = *parsed;
    } else {
      o.issues().add(o.path_of("url"),
                     "expected an https:// URL without query or fragment (the adapter "
                     "protocol runs over mutual TLS), e.g. https://adapter.example:8444");
    }
  }
  if (auto t = o.object("tls")) {
    e.tls.ca = file(*t, "ca", base, false);
    e.tls.certificate = file(*t, "certificate", base, false);
    e.tls.private_key = file(*t, "private_key", base, true);
    if (t->has("certificate") != t->has("private_key")) {
      t->issues().add(t->path(), "expected certificate and private_key together");
    }
    t->no_other_keys();
  }
  e.timeout = millis(o, "timeout_ms", e.timeout, 1);
  e.connect_timeout = millis(o, "connect_timeout_ms", e.connect_timeout, 1);
  e.max_response_bytes = static_cast<std::size_t>(o.integer_or(
      "max_response_bytes", static_cast<std::int64_t>(e.max_response_bytes), 1024, 256LL << 20));
  if (auto p = o.object("pool")) {
    e.max_idle_connections = static_cast<std::size_t>(
        p->integer_or("max_idle", static_cast<std::int64_t>(e.max_idle_connections), 0, 1024));
    e.idle_timeout = millis(*p, "idle_timeout_ms", e.idle_timeout, 1);
    p->no_other_keys();
  }
  if (auto r = o.object("retry")) {
    e.retry.max_attempts =
        static_cast<int>(r->integer_or("max_attempts", e.retry.max_attempts, 1, 10));
    e.retry.backoff = millis(*r, "backoff_ms", e.retry.backoff, 0);
    r->no_other_keys();
  }
  if (auto c = o.object("circuit_breaker")) {
    e.circuit.failure_threshold =
        static_cast<int>(c->integer_or("failure_threshold", e.circuit.failure_threshold, 1, 1000));
    e.circuit.open_for = millis(*c, "open_ms", e.circuit.open_for, 1);
    c->no_other_keys();
  }
  if (e.connect_timeout > e.timeout) {
    o.issues().add(o.path_of("connect_timeout_ms"), "expected at most timeout_ms");
  }
}

FhirSearch parse_search(Object& s) {
  FhirSearch search;
  if (auto r = s.string("resource", Need::kRequired)) {
    if (fhir_resources().count(*r) == 0) {
      std::string list;
      for (const auto& n : fhir_resources()) list += (list.empty() ? "" : ", ") + n;
      s.issues().add(s.path_of("resource"),
                     "expected a FHIR R4 resource type with a patient search: one of " + list);
    }
    search.resource = *r;
  }
  search.patient_param = s.string_or("patient_param", search.patient_param);
  if (!valid_param_name(search.patient_param)) {
    s.issues().add(s.path_of("patient_param"), "expected a search parameter name");
  }
  if (auto params = s.object("params")) {
    const auto* raw = s.any("params");
    for (auto it = raw->begin(); it != raw->end(); ++it) {
      auto p = params->path_of(it.key());
      if (!valid_param_name(it.key())) {
        s.issues().add(p, "expected a search parameter name (letters, digits, _ - . :)");
      } else if (it.key() == "_count" || it.key() == search.patient_param) {
        s.issues().add(p, "set by the adapter (page_size, the patient reference)");
      }
      if (!it.value().is_string()) {
        s.issues().add(p, "expected a string");
      } else {
        search.params[it.key()] = it.value().get<std::string>();
      }
    }
  }
  s.no_other_keys();
  return search;
}

void parse_fhir(Object& o, const fs::path& base, FhirSettings& f) {
  parse_endpoint(o, base, f.endpoint);
  f.page_size = static_cast<int>(o.integer_or("page_size", f.page_size, 1, 1000));
  f.max_pages = static_cast<int>(o.integer_or("max_pages", f.max_pages, 1, 1000));
  auto mapping = o.object("mapping", Need::kRequired);
  if (!mapping) return;
  const auto* raw = o.any("mapping");
  if (raw->empty()) o.issues().add(mapping->path(), "expected at least one category");
  for (auto it = raw->begin(); it != raw->end(); ++it) {
    auto cat_path = mapping->path_of(it.key());
    if (!is_catalog_category(it.key())) {
      o.issues().add(cat_path, "expected a catalog category id");
    }
    const auto* searches = mapping->array(it.key());
    if (searches == nullptr) continue;
    if (searches->empty()) o.issues().add(cat_path, "expected at least one search");
    auto& list = f.mapping[it.key()];
    for (std::size_t i = 0; i < searches->size(); ++i) {
      Object s(o.issues(), (*searches)[i], json_check::child_pointer(cat_path, i));
      if (!s.valid()) continue;
      list.push_back(parse_search(s));
    }
  }
}

}  // namespace

Millis AdaptersConfig::timeout_of(std::string_view agency) const {
  auto it = by_agency.find(std::string(agency));
  if (it == by_agency.end()) return default_timeout;
  if (const auto* h = std::get_if<HttpSettings>(&it->second.settings)) return h->endpoint.timeout;
  if (const auto* f = std::get_if<FhirSettings>(&it->second.settings)) return f->endpoint.timeout;
  return default_timeout;
}

Millis AdaptersConfig::longest_timeout() const {
  Millis longest = default_timeout;
  for (const auto& [agency, a] : by_agency) longest = std::max(longest, timeout_of(agency));
  return longest;
}

AdaptersConfig parse_adapters_config(const nlohmann::json& doc, const fs::path& base_dir,
                                     const std::string& path,
                                     const std::set<std::string>& known_agencies,
                                     Millis default_timeout, json_check::Issues& issues) {
  AdaptersConfig config;
  config.default_timeout = default_timeout;
  Object root(issues, doc, path);
  if (!root.valid()) return config;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& agency = it.key();
    auto o = root.object(agency);
    if (!known_agencies.count(agency)) {
      issues.add(root.path_of(agency), "expected an agency id of the registry");
    }
    if (!o) continue;
    AdapterConfig a;
    a.agency = agency;
    auto type = o->string("type", Need::kRequired);
    if (type == "demo") {
      a.type = AdapterType::kDemo;
      a.settings = DemoSettings{};
    } else if (type == "http") {
      a.type = AdapterType::kHttp;
      HttpSettings h;
      h.endpoint.timeout = default_timeout;
      parse_endpoint(*o, base_dir, h.endpoint);
      a.settings = h;
    } else if (type == "fhir") {
      a.type = AdapterType::kFhir;
      FhirSettings f;
      f.endpoint.timeout = default_timeout;
      parse_fhir(*o, base_dir, f);
      a.settings = f;
    } else {
      // Without a known type the other keys cannot be judged; report the type only.
      if (type) issues.add(o->path_of("type"), "expected one of demo, http, fhir");
      continue;
    }
    o->no_other_keys();
    config.by_agency.emplace(agency, std::move(a));
  }
  return config;
}

}  // namespace silta::adapters
