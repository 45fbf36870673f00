// silta-story: tells the Ankkuri story against a running gateway (scripts/demo).
#include <iostream>

#include <CLI/CLI.hpp>

#include "tests/scenarios/story.h"

int main(int argc, char** argv) {
  silta::scenario::StoryOptions o;
  std::string certs, vkey, audit, silta, html;
  CLI::App app{"Tells the Ankkuri story against a running Silta gateway."};
  app.add_option("--host", o.host, "Gateway host");
  app.add_option("--port", o.port, "Gateway port");
  app.add_option("--certs", certs, "Demo PKI directory")->required();
  app.add_option("--vkey", vkey, "The gateway's verifier key file")->required();
  app.add_option("--audit-dir", audit, "The gateway's audit log directory");
  app.add_option("--silta", silta, "The silta binary (for audit verify)");
  app.add_option("--html-report", html, "Write the printable subject report here");
  app.add_flag("--color", o.color, "Colour the output");
  CLI11_PARSE(app, argc, argv);
  o.certs = certs;
  o.vkey = vkey;
  o.audit_dir = audit;
  o.silta = silta;
  o.html_report = html;
  return silta::scenario::run_ankkuri_story(o, std::cout) == 0 ? 0 : 1;
}
