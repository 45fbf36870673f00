// A fixture FHIR R4 server for the fhir adapter's tests: canned Bundles of realistic shape
// (tests/data/fhir/) for one patient, Ella, in Soite's mental health services; paging through
// `next` links (HAPI-style _getpages links on the base URL); OperationOutcome errors;
// conditional create of Communication. Runs over mutual TLS on a free port.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/https_test_server.h"

namespace silta::test {

class FhirFixtureServer {
 public:
  enum class Mode {
    kNormal,
    kIgnoreIdentifier,  // answers every patient search with another person (a broken server)
    kForeignNextLink,   // the Condition search's next link points to another host
  };

  FhirFixtureServer();

  std::string base_url() const { return server_.url() + "/fhir"; }
  void set_mode(Mode mode);
  std::vector<TestRequest> requests() const;
  std::size_t communications() const;
  HttpsTestServer& server() { return server_; }

 private:
  TestResponse handle(const TestRequest& req);
  TestResponse file(unsigned status, const std::string& name) const;

  mutable std::mutex mu_;
  Mode mode_ = Mode::kNormal;
  std::vector<TestRequest> requests_;
  std::map<std::string, nlohmann::json> communications_;  // referral id → stored resource
  HttpsTestServer server_;
};

}  // namespace silta::test
