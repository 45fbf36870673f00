// libFuzzer target: the HTTP request path in process. An input is one byte choosing the caller
// (a child-welfare agency, a school, the privacy officer, the police, an unregistered client)
// and the bytes that caller sends on a connection. They go through the listener's parser and
// limits, the framing checks, the router, the roles and the API's handlers, with a real store
// (SQLite) and a real audit log in a temporary directory: the whole gateway, without sockets or
// TLS (Server::answer_bytes). Nothing may crash, and every answer must be HTTP.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "audit/config.h"
#include "gateway/app.h"
#include "gateway/logging.h"

namespace fs = std::filesystem;
using namespace silta;
using namespace silta::gateway;

namespace {

// A self-signed certificate for the listener the harness never uses (App needs one).
void write_self_signed(const fs::path& cert_file, const fs::path& key_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  FILE* c = std::fopen(cert_file.c_str(), "w");
  PEM_write_X509(c, cert);
  std::fclose(c);
  FILE* k = std::fopen(key_file.c_str(), "w");
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(k);
  ::chmod(key_file.c_str(), 0600);
  X509_free(cert);
  EVP_PKEY_free(key);
}

// Pins are never checked here (no TLS): any distinct 32-byte values.
std::string pin(char c) { return std::string(43, c) + "="; }

nlohmann::json registry() {
  auto agency = [](const char* id, const char* kind, const char* role, char p) {
    nlohmann::json a = {{"id", id},          {"name", id},
                        {"authority", true}, {"business_id", "3221308-6"},
                        {"roles", {role}},   {"spki_sha256", {pin(p)}}};
    if (kind[0] != '\0') a["kind"] = kind;
    return a;
  };
  return {{"agencies",
           {agency("soite-lastensuojelu", "child_welfare", "agency", 'A'),
            agency("kokkola-perusopetus", "school", "agency", 'B'),
            agency("soite-tietosuoja", "", "privacy_officer", 'C'),
            agency("pohjanmaa-poliisi", "police", "agency", 'D'),
            agency("soite-mielenterveys", "mental_health", "agency", 'E')}}};
}

struct Harness {
  fs::path dir;
  std::unique_ptr<App> app;

  Harness() {
    logging::setup(false, "error");
    // In memory where the machine has room for it (a container's /dev/shm may have 64 MiB):
    // every request makes a durable audit record, and an fdatasync on a disk holds the target
    // to a few hundred inputs a second.
    char shm[] = "/dev/shm/silta-http-fuzz-XXXXXX";
    char tmp[] = "/tmp/silta-http-fuzz-XXXXXX";
    struct statvfs shm_room {};
    const bool roomy = ::statvfs("/dev/shm", &shm_room) == 0 &&
                       shm_room.f_bavail * shm_room.f_frsize >= (4ull << 30);
    const char* made = roomy ? ::mkdtemp(shm) : nullptr;
    if (made == nullptr) made = ::mkdtemp(tmp);
    if (made == nullptr) std::abort();
    dir = made;
    write_self_signed(dir / "gateway.pem", dir / "gateway.key");
    std::ofstream(dir / "registry.json") << registry().dump();
    if (!audit::generate_key_files(dir / "keys", "silta-fuzz")) std::abort();
    nlohmann::json adapters = nlohmann::json::object();
    for (const char* a : {"soite-lastensuojelu", "kokkola-perusopetus", "pohjanmaa-poliisi",
                          "soite-mielenterveys"}) {
      adapters[a] = {{"type", "demo"}};
    }
    nlohmann::json config = {
        {"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
        {"admin", {{"address", "127.0.0.1"}, {"port", 0}}},
        {"tls",
         {{"certificate", (dir / "gateway.pem").string()},
          {"private_key", (dir / "gateway.key").string()},
          {"client_ca", (dir / "gateway.pem").string()}}},
        {"limits", {{"max_connections", 16}, {"max_body_bytes", 65536}}},
        {"threads", 1},
        {"registry", (dir / "registry.json").string()},
        {"data_dir", (dir / "data").string()},
        {"catalog", SILTA_FUZZ_CATALOG_DIR},
        {"audit",
         {{"dir", (dir / "data" / "audit").string()},
          {"signing_key", (dir / "keys" / "audit-signing.key").string()},
          {"pseudonym_key", (dir / "keys" / "pseudonym.key").string()}}},
        {"adapters", adapters},
        {"log", {{"level", "error"}, {"access_log", false}}},
    };
    std::ofstream(dir / "gateway.json") << config.dump();
    std::string report;
    auto c = load_config(dir / "gateway.json", report);
    if (!c) {
      std::fprintf(stderr, "%s", report.c_str());
      std::abort();
    }
    app = std::make_unique<App>(*c);
  }
  ~Harness() {
    app.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Harness& harness() {
  static Harness h;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& h = harness();
  const auto& agencies = h.app->config().registry.agencies();
  const std::size_t who = data[0] % (agencies.size() + 1);
  const Agency* agency = who < agencies.size() ? &agencies[who] : nullptr;
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  auto& ioc = h.app->server().io_context();
  ioc.restart();
  auto answer = boost::asio::co_spawn(ioc, h.app->server().answer_bytes(std::move(bytes), agency),
                                      boost::asio::use_future);
  while (answer.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    ioc.run_one_for(std::chrono::milliseconds(100));
  }
  const std::string out = answer.get();
  // Every request that is answered gets an HTTP/1.x status line.
  if (!out.empty() && out.rfind("HTTP/1.", 0) != 0) std::abort();
  return 0;
}
