// The Ankkuri story (issue 8, docs/law.md §11): one implementation that scripts/demo tells against
// the running demo gateway and ctest runs as a scenario, checking every step.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

namespace silta::scenario {

struct StoryOptions {
  std::string host = "localhost";
  std::uint16_t port = 8443;
  std::filesystem::path certs;        // the demo PKI (certs-example/make-certs)
  std::filesystem::path vkey;         // the gateway's verifier key (receipts, audit verify)
  std::filesystem::path audit_dir;    // the gateway's audit log, for `silta audit verify`
  std::filesystem::path silta;        // the silta binary
  std::filesystem::path html_report;  // where to write the printable subject report, if set
  bool color = false;
};

// Tells the story on `out`; returns the number of expectations that did not hold (0 = all did).
int run_ankkuri_story(const StoryOptions& options, std::ostream& out);

}  // namespace silta::scenario
