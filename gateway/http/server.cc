#include "gateway/http/server.h"

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

#include "common/codec.h"
#include "common/thread_name.h"
#include "gateway/http/tls.h"
#include "gateway/logging.h"

namespace silta::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string endpoint_string(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

http::response<http::string_body> to_beast(Response&& r, unsigned version, bool keep_alive,
                                           const std::string& request_id) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  if (!request_id.empty()) res.set("X-Request-Id", request_id);
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// Closes after an error response without losing it: a close with unread request bytes in the
// kernel would send a TCP reset that can destroy the response before the client reads it. So
// half-close, then read and discard what the client still sends, for a short while.
asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  static thread_local char sink[16 * 1024];
  std::size_t discarded = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (discarded < (8u << 20)) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    discarded += n;
  }
  stream.socket().close(ec);
}

// Beast 1.81 accepts some request-smuggling shapes; refuse them before routing.
std::optional<Problem> smuggling_problem(const Request& req) {
  auto te_count = req.count(http::field::transfer_encoding);
  bool has_cl = req.find(http::field::content_length) != req.end();
  if (req.find(http::field::trailer) != req.end()) {
    return problem(400, "bad-framing", "The request framing is not accepted",
                   "Trailers are not accepted.");
  }
  if (te_count == 0) return std::nullopt;
  auto te = req[http::field::transfer_encoding];
  if (te_count > 1 || !beast::iequals(te, "chunked")) {
    return problem(400, "bad-framing", "The request framing is not accepted",
                   "Transfer-Encoding must be exactly \"chunked\".");
  }
  if (has_cl) {
    return problem(400, "bad-framing", "The request framing is not accepted",
                   "Transfer-Encoding and Content-Length together are not accepted.");
  }
  if (req.version() < 11) {
    return problem(400, "bad-framing", "The request framing is not accepted",
                   "Transfer-Encoding is not accepted with HTTP/1.0.");
  }
  return std::nullopt;
}

bool is_json_media_type(std::string_view ct) {
  auto semi = ct.find(';');
  auto type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return beast::iequals(type, "application/json");
}

}  // namespace

struct Server::Connection {
  asio::any_io_executor executor;  // the connection's io_context
  beast::tcp_stream* stream = nullptr;
  bool in_request = false;  // these three are touched only on that executor
  bool closed = false;
};

Server::Server(const Config& config, Router router, std::shared_ptr<Metrics> metrics)
    : config_(config),
      router_(std::move(router)),
      metrics_(std::move(metrics)),
      contexts_([&] {
        unsigned n = config.threads != 0 ? config.threads
                                         : std::max(1u, std::thread::hardware_concurrency());
        std::vector<std::unique_ptr<asio::io_context>> v;
        for (unsigned i = 0; i < n; ++i) v.push_back(std::make_unique<asio::io_context>(1));
        return v;
      }()),
      tls_(make_server_tls_context(config.tls)),
      acceptor_(*contexts_.front()),
      admin_acceptor_(*contexts_.front()) {
  for (const auto& r : router_.routes()) route_stats_.push_back(&metrics_->route(r.pattern));
  unmatched_stats_ = &metrics_->route("-");
  metrics_->describe("silta_requests_in_flight", "gauge",
                     "Requests read but not yet answered on the agency listener.");
  metrics_->add_collector([this](Metrics& m) {
    m.set("silta_requests_in_flight", {}, static_cast<double>(requests_in_flight_.load()));
  });
  unsigned char tag[4];
  RAND_bytes(tag, sizeof tag);
  instance_tag_ = to_hex(tag);
}

Server::~Server() = default;

void Server::bind() {
  auto open = [](tcp::acceptor& a, const ListenerConfig& l, const char* what) {
    tcp::endpoint ep(asio::ip::make_address(l.address), l.port);
    boost::system::error_code ec;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error(std::string("cannot listen on the ") + what + " address " +
                               l.address + ":" + std::to_string(l.port) + ": " + ec.message());
    }
    return a.local_endpoint().port();
  };
  port_ = open(acceptor_, config_.listen, "agency");
  admin_port_ = open(admin_acceptor_, config_.admin, "admin");
}

void Server::run() {
  asio::co_spawn(io_context(), accept_loop(), asio::detached);
  asio::co_spawn(io_context(), admin_accept_loop(), asio::detached);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts_) guards.push_back(asio::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([this, i] {
      name_this_thread("silta-io-" + std::to_string(i));
      contexts_[i]->run();
    });
  }
  contexts_.front()->run();
  for (auto& t : threads) t.join();
}

asio::io_context& Server::next_context() { return *contexts_[next_context_++ % contexts_.size()]; }

void Server::stop_all() {
  for (auto& c : contexts_) c->stop();
}

void Server::shutdown() {
  if (draining_.exchange(true)) return;
  asio::post(io_context(), [this] {
    logging::info("shutdown_started", {{"open_connections", active_connections_.load()},
                                       {"grace_ms", config_.timeouts.shutdown_grace.count()}});
    boost::system::error_code ec;
    acceptor_.close(ec);
    std::vector<std::shared_ptr<Connection>> conns;
    {
      std::lock_guard lock(connections_mu_);
      for (auto& [id, c] : connections_) conns.push_back(c);
    }
    for (auto& c : conns) {
      asio::post(c->executor, [c] {
        if (!c->closed && !c->in_request && c->stream != nullptr) c->stream->socket().cancel();
      });
    }
    if (active_connections_.load() == 0) {
      stop_all();
      return;
    }
    auto timer =
        std::make_shared<asio::steady_timer>(io_context(), config_.timeouts.shutdown_grace);
    timer->async_wait([this, timer](boost::system::error_code) {
      logging::warn("shutdown_grace_expired", {{"open_connections", active_connections_.load()}});
      stop_all();
    });
  });
}

void Server::connection_closed() {
  auto left = --active_connections_;
  metrics_->set("silta_active_connections", {}, static_cast<double>(left));
  if (left == 0 && draining_.load()) asio::post(io_context(), [this] { stop_all(); });
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(next_context(), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      logging::warn("accept_failed", {{"error", ec.message()}});
      continue;
    }
    if (active_connections_.load() >= config_.limits.max_connections) {
      metrics_->handshake("connection_limit");
      boost::system::error_code ignore;
      socket.close(ignore);
      continue;
    }
    // Small responses must not wait for the peer's delayed ACK (Nagle): after the TLS 1.3
    // session ticket, the first response would otherwise stall up to 40 ms.
    boost::system::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    metrics_->set("silta_active_connections", {}, static_cast<double>(++active_connections_));
    auto executor = socket.get_executor();
    asio::co_spawn(executor, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::session(tcp::socket socket) {
  const std::string peer = endpoint_string(socket);
  auto conn = std::make_shared<Connection>();
  conn->executor = socket.get_executor();
  std::uint64_t conn_id;
  {
    std::lock_guard lock(connections_mu_);
    conn_id = next_connection_++;
    connections_.emplace(conn_id, conn);
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  conn->stream = &stream.next_layer();
  struct Cleanup {
    Server* self;
    std::shared_ptr<Connection> conn;
    std::uint64_t id;
    ~Cleanup() {
      conn->closed = true;
      conn->stream = nullptr;
      {
        std::lock_guard lock(self->connections_mu_);
        self->connections_.erase(id);
      }
      self->connection_closed();
    }
  } cleanup{this, conn, conn_id};

  if (draining_.load()) co_return;
  stream.next_layer().expires_after(config_.timeouts.handshake);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
  if (hec) {
    AuthFailure failure;
    failure.reason = handshake_failure_reason(stream.native_handle(), hec);
    failure.peer = peer;
    X509* cert = SSL_get0_peer_certificate(stream.native_handle());
    failure.spki_pin = spki_pin(cert);
    metrics_->handshake(failure.reason);
    logging::warn("tls_handshake_failed", {{"peer", peer}, {"reason", failure.reason}});
    if (auth_failure_hook_ && failure.reason != "timeout" && failure.reason != "protocol_error") {
      auth_failure_hook_(failure);
    }
    co_return;
  }
  metrics_->handshake("ok");

  X509* cert = SSL_get0_peer_certificate(stream.native_handle());
  const std::string pin = spki_pin(cert);
  const Agency* agency = config_.registry.find_by_pin(pin);
  if (agency == nullptr || !agency->enabled) {
    AuthFailure failure{agency == nullptr ? "unregistered" : "disabled", peer, pin,
                        agency == nullptr ? "" : agency->id, ""};
    logging::warn("client_not_registered", {{"peer", peer}, {"reason", failure.reason}});
    if (auth_failure_hook_) auth_failure_hook_(failure);
  }

  beast::flat_buffer buffer;
  bool first = true;
  bool lingering = false;
  while (!draining_.load()) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config_.limits.max_header_bytes));
    parser.body_limit(config_.limits.max_body_bytes);
    conn->in_request = false;
    stream.next_layer().expires_after(first ? config_.timeouts.read : config_.timeouts.idle);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    conn->in_request = true;
    first = false;
    const auto start = Clock::now();

    const bool in_flight = !ec;
    if (in_flight) ++requests_in_flight_;
    std::optional<Problem> early;
    if (ec == http::error::header_limit) {
      early = problem(431, "header-too-large", "Request header fields too large",
                      "The request header exceeds " +
                          std::to_string(config_.limits.max_header_bytes) + " bytes.");
    } else if (ec == http::error::body_limit) {
      early = problem(
          413, "body-too-large", "Request body too large",
          "The request body exceeds " + std::to_string(config_.limits.max_body_bytes) + " bytes.");
    } else if (ec) {
      // A closed, timed-out or cancelled connection between requests ends quietly.
      bool quiet = ec == http::error::end_of_stream || ec == beast::error::timeout ||
                   ec == asio::error::operation_aborted || ec == ssl::error::stream_truncated ||
                   ec == asio::error::eof || ec == asio::error::connection_reset;
      if (quiet) break;
      early = problem(400, "malformed-request", "The request is not valid HTTP/1.1", ec.message());
    } else {
      early = smuggling_problem(parser.get());
    }
    if (!early && !parser.is_done()) {
      auto fields_before = std::distance(parser.get().begin(), parser.get().end());
      stream.next_layer().expires_after(config_.timeouts.read);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kTuple);
      if (bec == http::error::body_limit) {
        early = problem(413, "body-too-large", "Request body too large",
                        "The request body exceeds " +
                            std::to_string(config_.limits.max_body_bytes) + " bytes.");
      } else if (bec == beast::error::timeout || bec == asio::error::operation_aborted) {
        --requests_in_flight_;
        break;
      } else if (bec) {
        early =
            problem(400, "malformed-request", "The request is not valid HTTP/1.1", bec.message());
      } else if (std::distance(parser.get().begin(), parser.get().end()) != fields_before) {
        early = problem(400, "bad-framing", "The request framing is not accepted",
                        "Trailers are not accepted.");
      }
    }

    const std::string request_id = instance_tag_ + "-" + std::to_string(++next_request_);
    Response response;
    const Route* route = nullptr;
    unsigned version = 11;
    bool keep_alive = false;
    std::string method = "-";
    if (early) {
      response = Response::from_problem(*early);
      lingering = true;
    } else {
      Request req = parser.release();
      version = req.version();
      keep_alive = req.keep_alive();
      method = std::string(req.method_string());
      response = co_await dispatch(req, agency, peer, request_id, route);
    }
    keep_alive = keep_alive && !draining_.load();

    const unsigned status = response.status;
    auto res = to_beast(std::move(response), version, keep_alive, request_id);
    stream.next_layer().expires_after(config_.timeouts.write);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (in_flight) --requests_in_flight_;
    (route != nullptr ? *route_stats_[static_cast<std::size_t>(route - router_.routes().data())]
                      : *unmatched_stats_)
        .record(status, seconds);
    const std::string_view route_label =
        route != nullptr ? std::string_view(route->pattern) : std::string_view("-");
    if (config_.log.access_log) {
      logging::access({agency != nullptr ? std::string_view(agency->id) : "-", method, route_label,
                       status, seconds * 1e3, request_id});
    }
    if (wec || !keep_alive) break;
  }
  conn->in_request = false;

  if (lingering) {
    co_await linger_close(stream.next_layer());
    co_return;
  }
  stream.next_layer().expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(kTuple);
}

asio::awaitable<Response> Server::dispatch(const Request& req, const Agency* agency,
                                           const std::string& peer, const std::string& request_id,
                                           const Route*& matched) {
  if (agency == nullptr) {
    co_return Response::from_problem(
        problem(403, "unregistered-client", "The client certificate is not registered",
                "The certificate chains to the federation CA, but its key is not in the agency "
                "registry."));
  }
  if (!agency->enabled) {
    co_return Response::from_problem(problem(403, "agency-disabled", "The agency is disabled",
                                             "This agency is disabled in the registry."));
  }
  std::string_view target = req.target();
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  std::map<std::string, std::string> query;
  if (qpos != std::string_view::npos && !parse_query(target.substr(qpos + 1), query)) {
    co_return Response::from_problem(problem(400, "malformed-query",
                                             "The query string is not valid",
                                             "The query string has a malformed percent-escape."));
  }
  auto match = router_.match(req.method(), path);
  if (match.route == nullptr) {
    if (match.status == 405) {
      co_return Response::from_problem(problem(405, "method-not-allowed", "Method not allowed",
                                               "This path does not accept this method."));
    }
    co_return Response::from_problem(
        problem(404, "not-found", "Not found", "No route matches this path."));
  }
  matched = match.route;
  if (!match.route->allows(*agency)) {
    std::string needed;
    for (Role r : match.route->roles)
      needed += (needed.empty() ? "" : " or ") + std::string(role_name(r));
    if (auth_failure_hook_) {
      auth_failure_hook_(AuthFailure{"forbidden_role", peer, "", agency->id, matched->pattern});
    }
    co_return Response::from_problem(
        problem(403, "forbidden", "Forbidden", "This route needs the role " + needed + "."));
  }
  RequestContext ctx{req,
                     *agency,
                     path,
                     std::move(query),
                     std::move(match.params),
                     nlohmann::json::object(),
                     request_id,
                     peer};
  if (req.method() == http::verb::post || req.method() == http::verb::put ||
      req.method() == http::verb::patch) {
    if (!req.body().empty()) {
      if (!is_json_media_type(req[http::field::content_type])) {
        co_return Response::from_problem(problem(415, "unsupported-media-type",
                                                 "Unsupported media type",
                                                 "Send the body as application/json."));
      }
      ctx.body = nlohmann::json::parse(req.body(), nullptr, false);
      if (ctx.body.is_discarded()) {
        co_return Response::from_problem(problem(400, "malformed-json",
                                                 "The body is not valid JSON",
                                                 "The request body could not be parsed as JSON."));
      }
    }
  }
  std::optional<Response> response;
  try {
    response = co_await match.route->handler(ctx);
  } catch (const std::exception& e) {
    logging::error("handler_failed", {{"route", matched->pattern}, {"error", e.what()}});
  }
  if (!response) {
    co_return Response::from_problem(problem_from_error(make_error(ErrorCode::kInternal, "")));
  }
  co_return std::move(*response);
}

asio::awaitable<void> Server::admin_accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await admin_acceptor_.async_accept(next_context(), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !admin_acceptor_.is_open()) co_return;
      continue;
    }
    boost::system::error_code rec;
    auto remote = socket.remote_endpoint(rec);
    if (rec || (!config_.admin.allow_remote && !remote.address().is_loopback())) {
      socket.close(rec);
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, admin_session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::admin_session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(0);
    stream.expires_after(config_.timeouts.idle);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (ec) break;
    Request req = parser.release();
    bool keep = req.keep_alive();
    auto res = to_beast(admin_response(req), req.version(), keep, "");
    stream.expires_after(config_.timeouts.write);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !keep) break;
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

Response Server::admin_response(const Request& req) {
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  if (req.method() != http::verb::get) {
    return Response::from_problem(problem(405, "method-not-allowed", "Method not allowed",
                                          "The admin listener is GET only."));
  }
  if (path == "/health") return Response::json(200, {{"status", "ok"}});
  if (path == "/ready") {
    if (draining_.load()) {
      return Response::from_problem(
          problem(503, "not-ready", "Not ready", "The gateway is shutting down."));
    }
    if (ready_check_ && !ready_check_()) {
      return Response::from_problem(
          problem(503, "not-ready", "Not ready", "A dependency of the gateway is not ready."));
    }
    return Response::json(200, {{"status", "ready"}});
  }
  if (path == "/metrics") {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_->render();
    return r;
  }
  return Response::from_problem(problem(404, "not-found", "Not found",
                                        "The admin listener serves /health, /ready, /metrics."));
}

}  // namespace silta::gateway
