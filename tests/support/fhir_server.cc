#include "tests/support/fhir_server.h"

#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace silta::test {

using nlohmann::json;

namespace {

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (in[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

TestResponse fhir(unsigned status, std::string body) {
  TestResponse r;
  r.status = status;
  r.content_type = "application/fhir+json;charset=utf-8";
  r.body = std::move(body);
  return r;
}

TestResponse outcome(unsigned status, const std::string& code, const std::string& text) {
  json o = {{"resourceType", "OperationOutcome"},
            {"issue", {{{"severity", "error"}, {"code", code}, {"diagnostics", text}}}}};
  return fhir(status, o.dump());
}

}  // namespace

FhirFixtureServer::FhirFixtureServer()
    : server_([this](const TestRequest& req) { return handle(req); }) {}

void FhirFixtureServer::set_mode(Mode mode) {
  std::lock_guard lock(mu_);
  mode_ = mode;
}

std::vector<TestRequest> FhirFixtureServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::size_t FhirFixtureServer::communications() const {
  std::lock_guard lock(mu_);
  return communications_.size();
}

TestResponse FhirFixtureServer::file(unsigned status, const std::string& name) const {
  std::ifstream in(source_dir() / "tests/data/fhir" / name);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const std::string base = base_url();
  const std::string pages =
      mode_ == Mode::kForeignNextLink ? "https://fhir.elsewhere.example/fhir" : base;
  replace_all(text, "{{NEXT1}}", pages + "?_getpages=cond-ella&_getpagesoffset=2&_count=2");
  replace_all(text, "{{NEXT2}}", base + "?_getpages=cond-ella&_getpagesoffset=4&_count=2");
  replace_all(text, "{{BASE}}", base);
  return fhir(status, text);
}

TestResponse FhirFixtureServer::handle(const TestRequest& req) {
  std::lock_guard lock(mu_);
  requests_.push_back(req);
  const std::string& t = req.target;
  auto query = t.substr(t.find('?') == std::string::npos ? t.size() : t.find('?'));
  auto path = t.substr(0, t.size() - query.size());
  const bool for_ella = query.find("patient=Patient%2Fella-1") != std::string::npos &&
                        query.find("_count=") != std::string::npos;

  if (req.method == "GET" && path == "/fhir/metadata")
    return file(200, "capability-statement.json");
  if (req.method == "POST" && path == "/fhir/Patient/_search") {
    if (req.header("content-type").rfind("application/x-www-form-urlencoded", 0) != 0) {
      return outcome(415, "not-supported", "expected a form body");
    }
    if (mode_ == Mode::kIgnoreIdentifier) return file(200, "patient-other.json");
    auto body = req.body;
    if (body.rfind("identifier=", 0) != 0) return outcome(400, "required", "identifier missing");
    if (percent_decode(body.substr(11)) == "urn:oid:1.2.246.21|140311A9265") {
      return file(200, "patient-ella.json");
    }
    return file(200, "bundle-empty.json");
  }
  if (req.method == "GET" && (path == "/fhir/Condition" || path == "/fhir/Encounter" ||
                              path == "/fhir/EpisodeOfCare" || path == "/fhir/DocumentReference")) {
    if (!for_ella)
      return outcome(400, "required", "the patient and _count parameters are required");
    if (path == "/fhir/Condition") return file(200, "condition-page1.json");
    if (path == "/fhir/Encounter") return file(200, "encounter.json");
    if (path == "/fhir/EpisodeOfCare") return file(200, "episodeofcare.json");
    return file(200, "documentreference.json");
  }
  if (req.method == "GET" && path == "/fhir") {
    if (query.find("_getpages=cond-ella&_getpagesoffset=2") != std::string::npos) {
      return file(200, "condition-page2.json");
    }
    if (query.find("_getpages=cond-ella&_getpagesoffset=4") != std::string::npos) {
      return file(200, "condition-page3.json");
    }
    return outcome(410, "not-found", "the paging session has expired");
  }
  if (req.method == "GET" && path == "/fhir/Observation") {
    return file(400, "operation-outcome-observation.json");
  }
  if (req.method == "GET" && path == "/fhir/CarePlan") {
    return file(500, "operation-outcome-careplan.json");
  }
  if (req.method == "POST" && path == "/fhir/Communication") {
    auto condition = percent_decode(req.header("if-none-exist"));
    const std::string prefix = "identifier=urn:silta:referral|";
    if (condition.rfind(prefix, 0) != 0) {
      return outcome(412, "required", "a conditional create is expected");
    }
    auto id = condition.substr(prefix.size());
    if (auto it = communications_.find(id); it != communications_.end()) {
      return fhir(200, it->second.dump());
    }
    auto resource = json::parse(req.body, nullptr, false);
    if (!resource.is_object() || resource.value("resourceType", "") != "Communication") {
      return outcome(400, "structure", "expected a Communication");
    }
    resource["id"] = "comm-" + std::to_string(communications_.size() + 1);
    resource["meta"] = {{"versionId", "1"}, {"lastUpdated", "2026-11-23T10:15:30.000+02:00"}};
    communications_[id] = resource;
    auto r = fhir(201, resource.dump());
    r.headers.push_back({"Location", base_url() + "/Communication/" +
                                         resource["id"].get<std::string>() + "/_history/1"});
    return r;
  }
  return outcome(404, "not-found", "no such resource type or operation");
}

}  // namespace silta::test
