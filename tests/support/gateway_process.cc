#include "tests/support/gateway_process.h"

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "audit/config.h"

namespace silta::test {

namespace fs = std::filesystem;

nlohmann::json gateway_test_config(const fs::path& dir) {
  auto certs = certs_dir();
  auto keys = dir / "keys";
  if (!fs::exists(keys / "audit-signing.key")) {
    auto made = audit::generate_key_files(keys, "silta-test");
    if (!made) throw std::runtime_error("keygen: " + made.error().message);
  }
  nlohmann::json adapters = nlohmann::json::object();
  for (const char* agency : {"soite-lastensuojelu", "soite-mielenterveys", "soite-paihde",
                             "soite-oppilashuolto", "kokkola-perusopetus", "pohjanmaa-poliisi"}) {
    adapters[agency] = {{"type", "demo"}};
  }
  return {
      {"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
      {"admin", {{"address", "127.0.0.1"}, {"port", 0}}},
      {"tls",
       {{"certificate", (certs / "gateway.pem").string()},
        {"private_key", (certs / "gateway.key").string()},
        {"client_ca", (certs / "root-ca.pem").string()},
        {"crl", (certs / "crl.pem").string()}}},
      {"threads", 2},
      {"registry", (certs / "registry.json").string()},
      {"data_dir", (dir / "data").string()},
      {"catalog", (source_dir() / "policy" / "catalogs" / "fi").string()},
      {"audit",
       {{"dir", (dir / "data" / "audit").string()},
        {"signing_key", (keys / "audit-signing.key").string()},
        {"pseudonym_key", (keys / "pseudonym.key").string()},
        {"checkpoint_every_ms", 200}}},
      {"adapters", adapters},
  };
}

GatewayProcess::GatewayProcess(const nlohmann::json& patch) : dir_("silta-gw") {
  config_ = gateway_test_config(dir_.path());
  config_.merge_patch(patch);
  {
    std::ofstream out(dir_ / "gateway.json");
    out << config_.dump(2);
  }
  start();
}

void GatewayProcess::start() {
  auto ready = dir_ / "ready.json";
  fs::remove(ready);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{silta_binary().string(), "serve", "--config",
                               (dir_ / "gateway.json").string(), "--ready-file", ready.string()},
      dir_ / "gateway.log");
  auto j = nlohmann::json::parse(
      wait_for_ready_file(*process_, ready, std::chrono::seconds(60), "silta serve"));
  port_ = j.at("port").get<std::uint16_t>();
  admin_port_ = j.at("admin_port").get<std::uint16_t>();
}

void GatewayProcess::kill() {
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(30));
}

GatewayProcess::~GatewayProcess() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    if (process_->wait(std::chrono::seconds(20)) < 0) process_->signal(SIGKILL);
  }
}

TlsClient GatewayProcess::client(const std::string& cert_name) const {
  return TlsClient("127.0.0.1", port_, cert_of(cert_name));
}

std::pair<unsigned, std::string> GatewayProcess::admin_get(const std::string& target) const {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), admin_port_));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {res.result_int(), res.body()};
}

int GatewayProcess::stop() {
  process_->signal(SIGTERM);
  return process_->wait(std::chrono::seconds(30));
}

}  // namespace silta::test
