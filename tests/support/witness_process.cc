#include "tests/support/witness_process.h"

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "audit/config.h"

namespace silta::test {

namespace fs = std::filesystem;

WitnessProcess::WitnessProcess(const std::string& name,
                               const std::vector<std::pair<std::string, std::string>>& logs)
    : dir_("silta-witness") {
  auto key = audit::generate_witness_key_files(dir_ / "keys", name);
  if (!key) throw std::runtime_error("witness keygen: " + key.error().message);
  vkey_ = key->vkey;
  nlohmann::json watched = nlohmann::json::array();
  for (const auto& [origin, vkey] : logs) watched.push_back({{"origin", origin}, {"keys", {vkey}}});
  nlohmann::json config = {{"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
                           {"tls",
                            {{"certificate", (certs_dir() / "adapter.pem").string()},
                             {"private_key", (certs_dir() / "adapter.key").string()}}},
                           {"key", key->signing_key.string()},
                           {"state_dir", (dir_ / "state").string()},
                           {"logs", watched}};
  {
    std::ofstream out(dir_ / "witness.json");
    out << config.dump(2);
  }
  auto ready = dir_ / "ready.json";
  process_ = std::make_unique<Process>(
      std::vector<std::string>{silta_binary().string(), "witness", "serve", "--config",
                               (dir_ / "witness.json").string(), "--ready-file", ready.string()},
      dir_ / "witness.log");
  port_ = nlohmann::json::parse(wait_for_ready_file(*process_, ready, std::chrono::seconds(30),
                                                    "silta witness serve"))
              .at("port")
              .get<std::uint16_t>();
}

WitnessProcess::~WitnessProcess() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    if (process_->wait(std::chrono::seconds(10)) < 0) process_->signal(SIGKILL);
  }
}

nlohmann::json witnessed_gateway_config(const audit::GeneratedKeys& keys,
                                        const std::vector<const WitnessProcess*>& witnesses,
                                        int quorum) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto* w : witnesses) {
    list.push_back(
        {{"key", w->vkey()}, {"url", w->url()}, {"ca", (certs_dir() / "root-ca.pem").string()}});
  }
  return {{"audit",
           {{"signing_key", keys.signing_key.string()},
            {"pseudonym_key", keys.pseudonym_key.string()}}},
          {"witnesses",
           {{"quorum", quorum}, {"retry_initial_ms", 50}, {"retry_max_ms", 200}, {"list", list}}}};
}

WitnessedGateway::WitnessedGateway(const std::string& origin) : dir_("silta-witnessed") {
  auto keys = audit::generate_key_files(dir_ / "keys", origin);
  if (!keys) throw std::runtime_error("keygen: " + keys.error().message);
  witness_ = std::make_unique<WitnessProcess>(
      "witness.test/w1", std::vector<std::pair<std::string, std::string>>{{origin, keys->vkey}});
  gateway_ = std::make_unique<GatewayProcess>(witnessed_gateway_config(*keys, {witness_.get()}, 1));
}

}  // namespace silta::test
