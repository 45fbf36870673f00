// A small HTTPS client for tests: mutual TLS with a chosen certificate, keep-alive requests,
// raw bytes for framing tests, and every operation bounded by a timeout so tests cannot hang.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace silta::test {

struct ClientCert {
  std::filesystem::path cert;  // chain PEM
  std::filesystem::path key;
  bool leaf_only = false;  // send only the first certificate of `cert`, as many browsers do
};

// The certificate <name>.pem/.key from the test PKI.
ClientCert cert_of(const std::string& name);

struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = false;

  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const;
};

class TlsClient {
 public:
  TlsClient(std::string host, std::uint16_t port, std::optional<ClientCert> cert,
            std::filesystem::path ca = {},
            std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Connects from this local address (e.g. 127.0.0.2), for tests of per-address limits.
  void bind_local(const std::string& address);
  ~TlsClient();
  TlsClient(TlsClient&&) noexcept;
  TlsClient& operator=(TlsClient&&) noexcept;

  // TCP connect + TLS handshake. Returns an error message, or "" on success.
  std::string connect();
  // Sends one request on the open connection (connecting first if needed). Throws
  // std::runtime_error when no response arrives (connection refused, reset, timeout).
  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult get(const std::string& target) { return request("GET", target); }
  HttpResult post_json(const std::string& target, const nlohmann::json& body,
                       const std::map<std::string, std::string>& headers = {});
  // Writes raw bytes and reads one response.
  HttpResult raw(const std::string& bytes);
  // Writes raw bytes only (part of a request); read_response() reads the answer later.
  void send(const std::string& bytes);
  HttpResult read_response();
  // True when the server closes the connection (EOF, close_notify or reset) within `wait`.
  bool closed_by_peer(std::chrono::milliseconds wait);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silta::test
