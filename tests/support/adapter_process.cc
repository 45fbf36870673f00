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
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(ready)) {
    if (!process_->running()) {
      throw std::runtime_error("silta adapter serve-demo exited at start:\n" + process_->log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("silta adapter serve-demo did not become ready:\n" +
                               process_->log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream in(ready);
  port_ = nlohmann::json::parse(in).at("port").get<std::uint16_t>();
}

AdapterServiceProcess::~AdapterServiceProcess() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    if (process_->wait(std::chrono::seconds(20)) < 0) process_->signal(SIGKILL);
  }
}

}  // namespace silta::test
