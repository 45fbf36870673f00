// `silta registry add|add-pin|remove|list|show` as an operator runs them: the real binary on a
// copy of the demo registry, certificates and signing requests of the demo PKI. A change is
// validated as the gateway validates the registry, written atomically with the file's mode
// kept, and nothing is written when anything is wrong.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;
using silta::test::certs_dir;
using silta::test::run_command;
using silta::test::RunResult;
using silta::test::TempDir;

namespace {

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The demo registry without `drop`, in `dir`, mode 0640; returns its path.
fs::path registry_without(const TempDir& dir, const std::string& drop) {
  json doc = json::parse(slurp(certs_dir() / "registry.json"));
  auto& list = doc["agencies"];
  for (auto it = list.begin(); it != list.end(); ++it) {
    if ((*it)["id"] == drop) {
      list.erase(it);
      break;
    }
  }
  auto file = dir / "registry.json";
  std::ofstream(file) << doc.dump(2);
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  return file;
}

std::string demo_pin(const std::string& id) {
  const json doc = json::parse(slurp(certs_dir() / "registry.json"));
  for (const auto& a : doc["agencies"]) {
    if (a["id"] == id) return a["spki_sha256"][0];
  }
  return "";
}

RunResult registry(const fs::path& file, std::vector<std::string> args) {
  std::vector<std::string> argv = {silta::test::silta_binary().string(), "registry", args[0],
                                   "--registry", file.string()};
  argv.insert(argv.end(), args.begin() + 1, args.end());
  return run_command(argv);
}

std::vector<std::string> add_school(const std::string& id, const std::string& key_option,
                                    const std::string& key_file) {
  return {"add",
          "--id",
          id,
          "--name",
          "Kokkolan kaupunki, perusopetus",
          "--kind",
          "school",
          "--business-id",
          "0179377-8",
          "--role",
          "agency",
          "--authority",
          "yes",
          key_option,
          key_file,
          "--no-referrals"};
}

json entry(const fs::path& file, const std::string& id) {
  const json doc = json::parse(slurp(file));
  for (const auto& a : doc["agencies"]) {
    if (a["id"] == id) return a;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("registry add: from a certificate, the pin the demo PKI computed, mode kept",
          "[cli][registry]") {
  TempDir dir;
  auto file = registry_without(dir, "kokkola-perusopetus");
  auto r = registry(file, add_school("kokkola-perusopetus", "--cert",
                                     (certs_dir() / "kokkola-perusopetus.pem").string()));
  INFO(r.output);
  REQUIRE(r.status == 0);
  auto e = entry(file, "kokkola-perusopetus");
  REQUIRE(e.is_object());
  CHECK(e["spki_sha256"] == json::array({demo_pin("kokkola-perusopetus")}));
  CHECK(e["kind"] == "school");
  CHECK(e["authority"] == true);
  CHECK(e["receives_referrals"] == false);
  CHECK(e["roles"] == json::array({"agency"}));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK_FALSE(fs::exists(dir / "registry.json.tmp"));

  auto list = registry(file, {"list"});
  CHECK(list.status == 0);
  CHECK(list.output.find("kokkola-perusopetus\tschool\tagency\tenabled\tno-referrals\t1 pin") !=
        std::string::npos);
  CHECK(
      list.output.find("liisa.laine\tperson\tsoite-tietosuoja\tenabled\t-\t1 pin\tLiisa Laine\n") !=
      std::string::npos);
  auto show = registry(file, {"show", "kokkola-perusopetus"});
  CHECK(show.status == 0);
  CHECK(show.output.find(demo_pin("kokkola-perusopetus")) != std::string::npos);
}

TEST_CASE("registry add: from a signing request, the pin of its key", "[cli][registry]") {
  TempDir dir;
  auto file = registry_without(dir, "soite-paihde");
  auto csr = dir / "soite-paihde.csr";
  auto openssl = silta::test::find_program("openssl");
  REQUIRE(openssl.has_value());
  auto made = run_command({openssl->string(), "req", "-new", "-key",
                           (certs_dir() / "soite-paihde.key").string(), "-subj", "/CN=soite-paihde",
                           "-out", csr.string()});
  REQUIRE(made.status == 0);
  auto r = registry(file, {"add", "--id", "soite-paihde", "--name", "Soite päihdepalvelut",
                           "--kind", "substance_services", "--business-id", "3221308-6", "--role",
                           "agency", "--authority", "yes", "--csr", csr.string()});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(entry(file, "soite-paihde")["spki_sha256"] == json::array({demo_pin("soite-paihde")}));
}

TEST_CASE("registry add: every mistake is refused with its field, nothing is written",
          "[cli][registry]") {
  TempDir dir;
  auto file = registry_without(dir, "kokkola-perusopetus");
  const std::string before = slurp(file);
  const std::string cert = (certs_dir() / "kokkola-perusopetus.pem").string();

  auto args = add_school("kokkola-perusopetus", "--cert", cert);
  args[6] = "schol";  // --kind
  auto r = registry(file, args);
  CHECK(r.status == 2);
  CHECK(r.output.find("/kind: expected an agency kind") != std::string::npos);
  CHECK(r.output.find("nothing was written") != std::string::npos);

  args = add_school("kokkola-perusopetus", "--cert", cert);
  args[8] = "0179377-9";  // --business-id, wrong check digit
  r = registry(file, args);
  CHECK(r.status == 2);
  CHECK(r.output.find("/business_id: expected a Finnish business id") != std::string::npos);

  // Another agency's key.
  r = registry(file, add_school("kokkola-toinen", "--cert",
                                (certs_dir() / "soite-lastensuojelu.pem").string()));
  CHECK(r.status == 2);
  CHECK(r.output.find("this pin is already used by another agency") != std::string::npos);

  // An id that exists.
  r = registry(file, add_school("soite-lastensuojelu", "--cert", cert));
  CHECK(r.status == 2);
  CHECK(r.output.find("registered already") != std::string::npos);

  // Not a certificate; an expired one; neither or both of --cert and --csr.
  r = registry(file, add_school("kokkola-perusopetus", "--cert",
                                (certs_dir() / "kokkola-perusopetus.key").string()));
  CHECK(r.status == 2);
  CHECK(r.output.find("expected a PEM certificate or certificate signing request") !=
        std::string::npos);
  r = registry(file, add_school("kokkola-perusopetus", "--cert",
                                (certs_dir() / "expired-client.pem").string()));
  CHECK(r.status == 2);
  CHECK(r.output.find("the certificate has expired") != std::string::npos);
  args = add_school("kokkola-perusopetus", "--cert", cert);
  args.resize(args.size() - 3);  // no --cert
  r = registry(file, args);
  CHECK(r.status == 2);
  CHECK(r.output.find("give one of --cert and --csr") != std::string::npos);

  // A kind the catalog does not know is caught with --catalog too; a bad --authority by CLI11.
  args = add_school("kokkola-perusopetus", "--cert", cert);
  args[12] = "maybe";
  CHECK(registry(file, args).status == 2);

  CHECK(slurp(file) == before);
}

TEST_CASE("registry add-pin and remove", "[cli][registry]") {
  TempDir dir;
  auto file = registry_without(dir, "unregistered-client");  // not in it anyway
  auto r = registry(file, {"add-pin", "kokkola-perusopetus", "--cert",
                           (certs_dir() / "unregistered-client.pem").string()});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(entry(file, "kokkola-perusopetus")["spki_sha256"].size() == 2);

  r = registry(file, {"remove", "kokkola-perusopetus"});
  REQUIRE(r.status == 0);
  CHECK(entry(file, "kokkola-perusopetus").is_null());
  r = registry(file, {"remove", "kokkola-perusopetus"});
  CHECK(r.status == 1);
  CHECK(r.output.find("no agency kokkola-perusopetus") != std::string::npos);

  // A registry that is broken already is refused, not made worse.
  std::ofstream(file) << R"({"agencies": [{"id": "x"}]})";
  r = registry(file, {"list"});
  CHECK(r.status == 2);
  CHECK(r.output.find("/agencies/0/name: required") != std::string::npos);
}
