#include "tests/support/adapter_process.h"

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace silta::test {

namespace fs = std::filesystem;

AdapterServiceProcess::AdapterServiceProcess(const std::string& cert_name) {
  auto certs = certs_dir();
  auto ready = dir_ / "ready.json";
  process_ = std::make_unique<Process>(
      std::vector<std::string>{
          silta_binary().string(), "adapter", "serve-demo", "--port", "0", "--cert",
          (certs / (cert_name + ".pem")).string(), "--key", (certs / (cert_name + ".key")).string(),
          "--ca", (certs / "root-ca.pem").string(), "--crl", (certs / "crl.pem").string(),
          "--client-cert", (certs / "gateway.pem").string(), "--ready-file", ready.string()},
      dir_ / "adapter.log");
  port_ = nlohmann::json::parse(wait_for_ready_file(*process_, ready, std::chrono::seconds(60),
                                                    "silta adapter serve-demo"))
              .at("port")
              .get<std::uint16_t>();
}

AdapterServiceProcess::~AdapterServiceProcess() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    if (process_->wait(std::chrono::seconds(20)) < 0) process_->signal(SIGKILL);
  }
}

}  // namespace silta::test
