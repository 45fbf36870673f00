#include "adapters/https_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace silta::adapters {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::string ms(Millis m) { return std::to_string(m.count()) + " ms"; }

}  // namespace

Result<std::shared_ptr<ssl::context>> make_client_tls_context(
    const std::filesystem::path& ca, const std::filesystem::path& certificate,
    const std::filesystem::path& private_key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  if (SSL_CTX_set_cipher_list(native,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
    return make_error(ErrorCode::kInternal,
                      "cannot set the TLS 1.2 cipher list: " + openssl_error());
  }
  if (SSL_CTX_load_verify_locations(native, ca.c_str(), nullptr) != 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot load the CA file " + ca.string() + ": " + openssl_error());
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify_depth(native, 4);
  if (!certificate.empty()) {
    if (SSL_CTX_use_certificate_chain_file(native, certificate.c_str()) != 1) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "cannot load the certificate chain " + certificate.string() + ": " + openssl_error());
    }
    if (SSL_CTX_use_PrivateKey_file(native, private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "cannot load the private key " + private_key.string() + ": " + openssl_error());
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the private key does not match the certificate " + certificate.string());
    }
  }
  return ctx;
}

struct HttpsClient::Connection {
  Connection(const asio::any_io_executor& executor, ssl::context& tls)
      : strand(asio::make_strand(executor)), stream(strand, tls) {}

  // Every operation on this connection runs on its own strand, whichever session borrowed it.
  asio::strand<asio::any_io_executor> strand;
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  bool connected = false;
  bool reusable = false;
  Clock::time_point idle_since{};
};

HttpsClient::HttpsClient(asio::any_io_executor executor, std::shared_ptr<ssl::context> tls,
                         HttpsUrl base, Options options)
    : executor_(std::move(executor)),
      tls_(std::move(tls)),
      base_(std::move(base)),
      options_(options) {}

HttpsClient::~HttpsClient() = default;

std::size_t HttpsClient::idle_connections() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

std::unique_ptr<HttpsClient::Connection> HttpsClient::take_idle() {
  std::vector<std::unique_ptr<Connection>> expired;  // closed outside the lock
  std::unique_ptr<Connection> found;
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (now - c->idle_since < options_.idle_timeout) {
        found = std::move(c);
        break;
      }
      expired.push_back(std::move(c));
    }
  }
  return found;
}

void HttpsClient::give_back(std::unique_ptr<Connection> c) {
  c->idle_since = Clock::now();
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(c));
}

Result<std::string> HttpsClient::target_of_link(std::string_view url) const {
  auto link = parse_https_url(url, true);
  if (!link)
    return make_error(ErrorCode::kUnavailable, "the server sent a link that is not an https URL");
  auto same_host = std::equal(link->host.begin(), link->host.end(), base_.host.begin(),
                              base_.host.end(), [](char a, char b) {
                                return std::tolower(static_cast<unsigned char>(a)) ==
                                       std::tolower(static_cast<unsigned char>(b));
                              });
  const bool below_base =
      link->path == base_.path || (link->path.size() > base_.path.size() &&
                                   link->path.compare(0, base_.path.size(), base_.path) == 0 &&
                                   link->path[base_.path.size()] == '/');
  if (!same_host || link->port != base_.port || !below_base) {
    // Never follow a server's link elsewhere with the gateway's client certificate.
    return make_error(ErrorCode::kUnavailable, "the server sent a link outside its base URL " +
                                                   base_.authority() + base_.path);
  }
  std::string target = link->path.substr(base_.path.size());
  if (!link->query.empty()) target += "?" + link->query;
  return target;
}

asio::awaitable<Status> HttpsClient::connect(Connection& c, Deadline deadline) {
  auto& lowest = beast::get_lowest_layer(c.stream);
  const auto connect_deadline = std::min(deadline, Clock::now() + options_.connect_timeout);
  const bool deadline_bound = deadline <= connect_deadline;
  const std::string where = base_.authority();
  auto timed_out = [&](const char* what) -> Status {
    if (deadline_bound) {
      return make_error(ErrorCode::kDeadlineExceeded,
                        std::string(what) + " " + where + " did not finish before the deadline");
    }
    return make_error(
        ErrorCode::kUnavailable,
        std::string(what) + " " + where + " did not finish within " + ms(options_.connect_timeout));
  };

  // Name resolution has no timeout of its own: a timer cancels it at the connect deadline.
  // The timer's handler may run after this frame is gone: it holds the resolver weakly.
  auto resolver = std::make_shared<tcp::resolver>(c.strand);
  asio::steady_timer resolve_timer(c.strand, connect_deadline);
  resolve_timer.async_wait(
      [weak = std::weak_ptr<tcp::resolver>(resolver)](boost::system::error_code ec) {
        if (auto r = weak.lock(); r && !ec) r->cancel();
      });
  auto [rec, endpoints] =
      co_await resolver->async_resolve(base_.host, std::to_string(base_.port), kTuple);
  resolve_timer.cancel();
  if (rec == asio::error::operation_aborted) co_return timed_out("resolving the host of");
  if (rec) {
    co_return make_error(ErrorCode::kUnavailable,
                         "cannot resolve " + base_.host + ": " + rec.message());
  }
  lowest.expires_at(connect_deadline);
  auto [cec, ep] = co_await lowest.async_connect(endpoints, kTuple);
  if (cec == beast::error::timeout) co_return timed_out("connecting to");
  if (cec) {
    co_return make_error(ErrorCode::kUnavailable,
                         "cannot connect to " + where + ": " + cec.message());
  }
  boost::system::error_code ignored;  // an optimisation only: requests are single writes
  lowest.socket().set_option(tcp::no_delay(true), ignored);

  SSL* ssl = c.stream.native_handle();
  if (!base_.host_is_ip()) SSL_set_tlsext_host_name(ssl, base_.host.c_str());
  if (options_.verify_host_name) {
    int ok = base_.host_is_ip()
                 ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), base_.host.c_str())
                 : SSL_set1_host(ssl, base_.host.c_str());
    if (ok != 1) {
      co_return make_error(ErrorCode::kInternal, "cannot set the host name to verify");
    }
  }
  auto [hec] = co_await c.stream.async_handshake(ssl::stream_base::client, kTuple);
  if (hec == beast::error::timeout) co_return timed_out("the TLS handshake with");
  if (hec) {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      co_return make_error(ErrorCode::kUnavailable,
                           "the server certificate of " + where +
                               " is not accepted: " + X509_verify_cert_error_string(verify));
    }
    co_return make_error(ErrorCode::kUnavailable,
                         "the TLS handshake with " + where + " failed: " + hec.message());
  }
  lowest.expires_never();
  c.connected = true;
  ++connections_opened_;
  co_return Status();
}

asio::awaitable<void> HttpsClient::exchange(Connection& c, const HttpCall& call, Deadline deadline,
                                            bool& stale, std::optional<Result<HttpReply>>& out) {
  out = co_await exchange_once(c, call, deadline, stale);
}

asio::awaitable<Result<HttpReply>> HttpsClient::exchange_once(Connection& c, const HttpCall& call,
                                                              Deadline deadline, bool& stale) {
  const bool reused = c.connected;
  if (!c.connected) {
    auto st = co_await connect(c, deadline);
    if (!st) co_return st.error();
  }
  const std::string where = base_.authority();
  auto& lowest = beast::get_lowest_layer(c.stream);

  http::request<http::string_body> req{call.method, base_.path + call.target, 11};
  req.set(http::field::host, base_.authority());
  req.set(http::field::user_agent, "silta-gateway");
  req.set(http::field::accept, call.accept);
  if (!call.request_id.empty()) req.set("X-Request-Id", call.request_id);
  for (const auto& [name, value] : call.headers) req.set(name, value);
  if (!call.body.empty() || call.method == http::verb::post || call.method == http::verb::put) {
    req.set(http::field::content_type, call.content_type);
    req.body() = call.body;
  }
  req.keep_alive(true);
  req.prepare_payload();

  lowest.expires_at(deadline);
  auto [wec, wn] = co_await http::async_write(c.stream, req, kTuple);
  if (wec == beast::error::timeout) {
    co_return make_error(ErrorCode::kDeadlineExceeded,
                         "sending the request to " + where + " did not finish before the deadline");
  }
  if (wec) {
    stale = reused;
    co_return make_error(ErrorCode::kUnavailable,
                         "sending the request to " + where + " failed: " + wec.message());
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  auto [rec, rn] = co_await http::async_read(c.stream, c.buffer, parser, kTuple);
  if (rec == beast::error::timeout) {
    co_return make_error(ErrorCode::kDeadlineExceeded,
                         where + " did not answer before the deadline");
  }
  if (rec == http::error::body_limit) {
    co_return make_error(ErrorCode::kUnavailable, where + " answered with more than " +
                                                      std::to_string(options_.max_response_bytes) +
                                                      " bytes");
  }
  if (rec) {
    stale = reused && !parser.got_some();
    co_return make_error(ErrorCode::kUnavailable,
                         "the connection to " + where + " failed: " + rec.message());
  }
  lowest.expires_never();
  auto res = parser.release();
  c.reusable = res.keep_alive();
  HttpReply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[http::field::content_type]);
  reply.body = std::move(res.body());
  co_return reply;
}

asio::awaitable<Result<HttpReply>> HttpsClient::send(const HttpCall& call, Deadline deadline) {
  auto conn = take_idle();
  for (;;) {
    const bool reused = conn != nullptr;
    if (!conn) conn = std::make_unique<Connection>(executor_, *tls_);
    bool stale = false;
    std::optional<Result<HttpReply>> out;
    co_await asio::co_spawn(conn->strand, exchange(*conn, call, deadline, stale, out),
                            asio::use_awaitable);
    Result<HttpReply> result = std::move(*out);
    if (result.ok()) {
      if (conn->reusable) give_back(std::move(conn));
      co_return result;
    }
    // The server closed an idle pooled connection meanwhile: try once more on a fresh one.
    if (stale && reused && call.idempotent) {
      conn.reset();
      continue;
    }
    co_return result;
  }
}

}  // namespace silta::adapters
