// `silta registry list|show|add|add-pin|remove`: the agency registry (docs/operations.md,
// "Onboarding an agency"). Every change is validated as the gateway validates the registry at
// start, then written atomically with the file's mode and owner kept; the gateway reads it at
// start and on SIGHUP.
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <iostream>
#include <memory>

#include "common/files.h"
#include "common/time.h"
#include "gateway/cli/commands.h"
#include "gateway/http/tls.h"
#include "gateway/registry.h"
#include "policy/catalog.h"

namespace silta::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void fail(int code, const std::string& message) {
  std::cerr << "silta registry: " << message << "\n";
  throw CLI::RuntimeError(code);
}

void print_issues(const json_check::Issues& issues, const std::string& file) {
  std::cerr << issues.format(file + " ");
}

gateway::Registry read(const std::string& file) {
  json_check::Issues issues;
  auto registry = gateway::read_registry(file, issues);
  if (!issues.empty()) {
    print_issues(issues, file);
    fail(kBadInput, file + " is not a valid registry; fix it first");
  }
  return registry;
}

// The SPKI pin of a PEM certificate or certificate signing request. A certificate must be valid
// now; a request must carry a valid self-signature (its sender holds the key).
std::string pin_of_file(const std::string& file) {
  auto text = read_file(file);
  if (!text) fail(kBadInput, text.error().message);
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new_mem_buf(text->data(), int(text->size())),
                                          &BIO_free);
  if (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    std::unique_ptr<X509, void (*)(X509*)> owned(cert, &X509_free);
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
      fail(kBadInput, file + ": the certificate has expired");
    }
    if (auto t = gateway::certificate_not_after(cert)) {
      std::cerr << file << ": certificate valid until "
                << format_rfc3339(SysTime(std::chrono::seconds(static_cast<long long>(*t))))
                << "\n";
    }
    return gateway::spki_pin(cert);
  }
  std::unique_ptr<BIO, int (*)(BIO*)> again(BIO_new_mem_buf(text->data(), int(text->size())),
                                            &BIO_free);
  if (X509_REQ* req = PEM_read_bio_X509_REQ(again.get(), nullptr, nullptr, nullptr)) {
    std::unique_ptr<X509_REQ, void (*)(X509_REQ*)> owned(req, &X509_REQ_free);
    EVP_PKEY* key = X509_REQ_get0_pubkey(req);
    if (key == nullptr || X509_REQ_verify(req, key) != 1) {
      fail(kBadInput, file + ": the signing request's signature does not verify");
    }
    return gateway::spki_pin_of_key(key);
  }
  fail(kBadInput, file + ": expected a PEM certificate or certificate signing request");
}

// Validates `doc` exactly as the gateway will (and the kinds against a catalog when given),
// then replaces the file.
void write(const std::string& file, const json& doc, const std::string& catalog_dir) {
  json_check::Issues issues;
  auto registry = gateway::parse_registry(doc, issues);
  if (!issues.empty()) {
    print_issues(issues, "the new registry");
    fail(kBadInput, "nothing was written");
  }
  if (!catalog_dir.empty()) {
    auto load = policy::load_catalog(catalog_dir);
    if (!load.catalog) fail(kBadInput, "the catalog in " + catalog_dir + " is not valid");
    auto problems = gateway::catalog_problems(registry, *load.catalog);
    if (!problems.empty()) fail(kBadInput, problems.front() + "; nothing was written");
  }
  if (auto s = replace_file_atomic(file, gateway::registry_to_json(registry).dump(2) + "\n"); !s) {
    fail(kFailed, s.error().message);
  }
}

const json* find_entry(const json& doc, const std::string& id) {
  for (const auto& a : doc["agencies"]) {
    if (a.value("id", "") == id) return &a;
  }
  return nullptr;
}

struct AddOptions {
  std::string id, name, kind, business_id, authority, certificate, csr;
  std::vector<std::string> roles;
  std::vector<std::string> actor_roles;  // catalog roles its users may assert
  bool no_referrals = false;
  bool disabled = false;
};

std::string key_file(const std::string& certificate, const std::string& csr) {
  if (certificate.empty() == csr.empty()) fail(kBadInput, "give one of --cert and --csr");
  return certificate.empty() ? csr : certificate;
}

void add(const std::string& file, const AddOptions& o, const std::string& catalog_dir) {
  const std::string pin = pin_of_file(key_file(o.certificate, o.csr));
  json doc = gateway::registry_to_json(read(file));
  if (find_entry(doc, o.id) != nullptr) {
    fail(kBadInput, "agency " + o.id +
                        " is registered already; a new key of it: silta registry "
                        "add-pin " +
                        o.id);
  }
  json entry = {{"id", o.id},
                {"name", o.name},
                {"authority", o.authority == "yes"},
                {"business_id", o.business_id},
                {"roles", o.roles},
                {"spki_sha256", json::array({pin})}};
  if (!o.kind.empty()) entry["kind"] = o.kind;
  if (o.no_referrals) entry["receives_referrals"] = false;
  if (!o.actor_roles.empty()) entry["actor_roles"] = o.actor_roles;
  if (o.disabled) entry["enabled"] = false;
  doc["agencies"].push_back(entry);
  write(file, doc, catalog_dir);
  std::cout << "added " << o.id << " with pin " << pin << "\n";
}

void add_pin(const std::string& file, const std::string& id, const std::string& key) {
  const std::string pin = pin_of_file(key);
  json doc = gateway::registry_to_json(read(file));
  for (auto& a : doc["agencies"]) {
    if (a["id"] == id) {
      a["spki_sha256"].push_back(pin);
      write(file, doc, "");
      std::cout << "added pin " << pin << " to " << id << "\n";
      return;
    }
  }
  fail(kFailed, "no agency " + id + " in " + file);
}

void remove(const std::string& file, const std::string& id) {
  json doc = gateway::registry_to_json(read(file));
  auto& list = doc["agencies"];
  for (auto it = list.begin(); it != list.end(); ++it) {
    if ((*it)["id"] == id) {
      list.erase(it);
      write(file, doc, "");
      std::cout << "removed " << id << "\n";
      return;
    }
  }
  fail(kFailed, "no agency " + id + " in " + file);
}

void list(const std::string& file) {
  auto registry = read(file);
  for (const auto& a : registry.agencies()) {
    std::string roles;
    for (auto r : a.roles) roles += (roles.empty() ? "" : ",") + std::string(gateway::role_name(r));
    std::cout << a.id << "\t" << (a.kind.empty() ? "-" : a.kind) << "\t" << roles << "\t"
              << (a.enabled ? "enabled" : "disabled") << "\t"
              << (a.receives_referrals ? "referrals" : "no-referrals") << "\t"
              << a.spki_sha256.size() << (a.spki_sha256.size() == 1 ? " pin" : " pins") << "\t"
              << a.name << "\n";
  }
  // A person's line: kind "person", the entry they act for in place of the roles.
  for (const auto& p : registry.persons()) {
    std::cout << p.id << "\tperson\t" << p.agency << "\t" << (p.enabled ? "enabled" : "disabled")
              << "\t-\t" << p.spki_sha256.size() << (p.spki_sha256.size() == 1 ? " pin" : " pins")
              << "\t" << p.name << "\n";
  }
}

void show(const std::string& file, const std::string& id) {
  json doc = gateway::registry_to_json(read(file));
  const json* entry = find_entry(doc, id);
  if (entry == nullptr) fail(kFailed, "no agency " + id + " in " + file);
  std::cout << entry->dump(2) << "\n";
}

}  // namespace

void add_registry_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "registry",
      "The agency registry: who may connect (by the SPKI pin of their key), kind and roles.");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto registry_option = [file](CLI::App* sub) {
    sub->add_option("--registry", *file, "The registry file (the gateway config's registry)")
        ->required()
        ->check(CLI::ExistingFile);
  };

  auto* ls = cmd->add_subcommand(
      "list",
      "One line per agency (id, kind, roles, state, referrals, pins, name), then per person.");
  registry_option(ls);
  ls->callback([file] { list(*file); });

  auto id = std::make_shared<std::string>();
  auto* sh = cmd->add_subcommand("show", "One agency's entry as JSON.");
  registry_option(sh);
  sh->add_option("id", *id, "Agency id")->required();
  sh->callback([file, id] { show(*file, *id); });

  auto o = std::make_shared<AddOptions>();
  auto catalog = std::make_shared<std::string>();
  auto* ad = cmd->add_subcommand(
      "add",
      "Register an agency from its client certificate or signing request (the pin is "
      "computed from its public key).");
  registry_option(ad);
  ad->add_option("--id", o->id, "Agency id, e.g. kokkola-perusopetus")->required();
  ad->add_option("--name", o->name, "Display name")->required();
  ad->add_option("--kind", o->kind,
                 "Agency kind (catalog id), e.g. school; required for role agency");
  ad->add_option("--business-id", o->business_id, "Y-tunnus, e.g. 0179377-8")->required();
  ad->add_option("--role", o->roles, "agency, privacy_officer or operator (repeatable)")
      ->required();
  ad->add_option("--actor-role", o->actor_roles,
                 "A catalog role its users may assert, e.g. teacher (repeatable; default none)");
  ad->add_option("--authority", o->authority, "Is it a public authority (viranomainen)?")
      ->required()
      ->check(CLI::IsMember({"yes", "no"}));
  ad->add_option("--cert", o->certificate, "Its client certificate (PEM)")
      ->check(CLI::ExistingFile);
  ad->add_option("--csr", o->csr, "Its certificate signing request (PEM)")
      ->check(CLI::ExistingFile);
  ad->add_flag("--no-referrals", o->no_referrals,
               "Its system takes no referrals (its adapter need not serve the referral endpoint)");
  ad->add_flag("--disabled", o->disabled, "Register it disabled (refused until enabled)");
  ad->add_option("--catalog", *catalog, "Also check the kind against this catalog directory")
      ->check(CLI::ExistingDirectory);
  ad->callback([file, o, catalog] { add(*file, *o, *catalog); });

  auto key = std::make_shared<std::string>();
  auto csr = std::make_shared<std::string>();
  auto* ap = cmd->add_subcommand(
      "add-pin",
      "Add a second key to an agency (key rotation): the old and the new both work "
      "until the old pin is removed by hand.");
  registry_option(ap);
  ap->add_option("id", *id, "Agency id")->required();
  ap->add_option("--cert", *key, "The new client certificate (PEM)")->check(CLI::ExistingFile);
  ap->add_option("--csr", *csr, "Or its signing request (PEM)")->check(CLI::ExistingFile);
  ap->callback([file, id, key, csr] { add_pin(*file, *id, key_file(*key, *csr)); });

  auto* rm = cmd->add_subcommand("remove",
                                 "Remove an agency: its keys are refused from the next "
                                 "start or reload (SIGHUP).");
  registry_option(rm);
  rm->add_option("id", *id, "Agency id")->required();
  rm->callback([file, id] { remove(*file, *id); });
}

}  // namespace silta::cli
