// An in-process HTTPS server with mutual TLS for adapter tests: it plays an agency's adapter
// service or FHIR server (deliberately broken ones too). Each connection has its own thread
// with blocking I/O, so a handler may block (a slow system) until release() or stop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace silta::test {

struct TestRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string client_certificate_sha256;  // hex SHA-256 of the client's certificate (DER)

  std::string header(const std::string& name) const;
};

struct TestResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Close the connection after this response without announcing it (no "Connection: close"):
  // a server that drops idle keep-alive connections.
  bool drop_connection = false;

  static TestResponse json(unsigned status, const std::string& body);
  static TestResponse problem(unsigned status, const std::string& type_slug,
                              const std::string& title);
};

using TestHandler = std::function<TestResponse(const TestRequest&)>;

// Hex SHA-256 of the first certificate (DER) in a PEM file, as TestRequest names the client's.
std::string certificate_sha256(const std::string& pem_file);

class HttpsTestServer {
 public:
  struct Options {
    std::string cert_name = "adapter";  // <name>.pem/.key of the test PKI
    bool require_client_cert = true;
  };

  explicit HttpsTestServer(TestHandler handler);
  HttpsTestServer(TestHandler handler, Options options);
  ~HttpsTestServer();
  HttpsTestServer(const HttpsTestServer&) = delete;
  HttpsTestServer& operator=(const HttpsTestServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  void set_handler(TestHandler handler);
  // Dead: accept TCP connections and close them at once (a crashed system behind its port).
  void set_dead(bool dead) { dead_ = dead; }

  std::size_t connections() const { return connections_.load(); }  // accepted TCP connections
  std::size_t requests() const { return requests_.load(); }        // complete requests read

  // For handlers of a slow system: blocks until release() or the server stops.
  void block_until_released();
  void release();

  void stop();

 private:
  struct Impl;
  void serve(int fd);

  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::mutex handler_mu_;
  TestHandler handler_;
  std::atomic<bool> dead_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> requests_{0};
  std::mutex release_mu_;
  std::condition_variable release_cv_;
  bool released_ = false;
};

}  // namespace silta::test
