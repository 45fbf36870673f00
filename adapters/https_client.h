// The mutual-TLS HTTP/1.1 client the http and fhir adapters (and the conformance kit) use to
// reach agency systems: the gateway's client certificate, the server's certificate verified
// against the configured CA *and* the URL's host name, a keep-alive connection pool, and a
// deadline on every operation.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>

#include "adapters/adapter.h"
#include "adapters/url.h"
#include "common/result.h"

namespace silta::adapters {

// A client TLS context: TLS 1.3, or 1.2 with ECDHE + AEAD suites; peer verification on.
// `certificate`/`private_key` may be empty for a client without a certificate (the
// conformance kit's check that the adapter requires one). Start-up only.
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::filesystem::path& ca, const std::filesystem::path& certificate,
    const std::filesystem::path& private_key);

struct HttpCall {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;  // path and query below the base URL's path, e.g. "/x?y=1"
  std::string body;
  std::string content_type;  // of the body
  std::string accept = "application/json";
  std::string request_id;                                    // sent as X-Request-Id
  std::vector<std::pair<std::string, std::string>> headers;  // extra request header fields
  bool idempotent = true;                                    // may be re-sent on a fresh connection
};

struct HttpReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

class HttpsClient {
 public:
  struct Options {
    Millis connect_timeout{2'000};
    std::size_t max_idle_connections = 32;
    Millis idle_timeout{30'000};
    std::size_t max_response_bytes = 8u << 20;
    bool verify_host_name = true;  // off only in the conformance kit, to report it separately
  };

  HttpsClient(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
              HttpsUrl base, Options options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // One request and its response. Errors: kDeadlineExceeded when the deadline passed,
  // kUnavailable for everything else (no connection, TLS refused, connection lost, response
  // too large or not HTTP). A pooled connection the server has closed meanwhile is replaced
  // once, transparently, for an idempotent call.
  boost::asio::awaitable<Result<HttpReply>> send(const HttpCall& call, Deadline deadline);

  // An absolute link from the server (FHIR paging) as a target below the base URL, or an
  // error when it leaves the base URL's origin or path.
  Result<std::string> target_of_link(std::string_view url) const;

  const HttpsUrl& base() const { return base_; }
  std::uint64_t connections_opened() const { return connections_opened_.load(); }
  std::size_t idle_connections() const;

 private:
  struct Connection;

  std::unique_ptr<Connection> take_idle();
  void give_back(std::unique_ptr<Connection> c);
  // Runs on the connection's strand; the result goes to `out` (co_spawn needs a default-
  // constructible result type, which Result is not).
  boost::asio::awaitable<void> exchange(Connection& c, const HttpCall& call, Deadline deadline,
                                        bool& stale, std::optional<Result<HttpReply>>& out);
  boost::asio::awaitable<Result<HttpReply>> exchange_once(Connection& c, const HttpCall& call,
                                                          Deadline deadline, bool& stale);
  boost::asio::awaitable<Status> connect(Connection& c, Deadline deadline);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  HttpsUrl base_;
  Options options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::atomic<std::uint64_t> connections_opened_{0};
};

}  // namespace silta::adapters
