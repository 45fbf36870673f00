#include "gateway/http/server.h"

#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <sstream>

#include "common/codec.h"
#include "common/json_parse.h"
#include "common/thread_name.h"
#include "gateway/http/same_origin.h"
#include "gateway/http/tls.h"
#include "gateway/logging.h"

namespace silta::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The remote address (without and with the port) of a connection, for logs and audit.
AuthFailure peer_of(const tcp::socket& s) {
  AuthFailure peer;
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  peer.address = ec ? "unknown" : ep.address().to_string();
  peer.peer = ec ? "unknown" : peer.address + ":" + std::to_string(ep.port());
  return peer;
}

// Logs the first `burst` events of each interval and drops the rest, counting them: a flood of
// failures (handshakes, accept errors) cannot flood the log.
class LogLimiter {
 public:
  LogLimiter(std::chrono::seconds interval, unsigned burst) : interval_(interval), burst_(burst) {}
  // Whether to log this one; `dropped` receives how many were dropped before it.
  bool allow(std::uint64_t& dropped) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (now - window_ >= interval_) {
      window_ = now;
      logged_ = 0;
    }
    if (logged_ >= burst_) {
      ++dropped_;
      return false;
    }
    ++logged_;
    dropped = std::exchange(dropped_, 0);
    return true;
  }

 private:
  std::mutex mu_;
  std::chrono::steady_clock::duration interval_;
  unsigned burst_;
  std::chrono::steady_clock::time_point window_{};
  unsigned logged_ = 0;
  std::uint64_t dropped_ = 0;
};

LogLimiter& handshake_log() {
  static LogLimiter limiter(std::chrono::seconds(10), 20);
  return limiter;
}

LogLimiter& accept_log() {
  static LogLimiter limiter(std::chrono::seconds(10), 1);
  return limiter;
}

std::string issuer_of(X509* cert) {
  if (cert == nullptr) return {};
  char buf[256];
  if (X509_NAME_oneline(X509_get_issuer_name(cert), buf, sizeof buf) == nullptr) return {};
  return buf;
}

// The response on the wire, its problem (if any) rendered in `lang`.
http::response<http::string_body> to_beast(Response&& r, unsigned version, bool keep_alive,
                                           const std::string& request_id, Lang lang) {
  r.localise(lang);
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  if (!request_id.empty()) res.set("X-Request-Id", request_id);
  if (r.in_request_language) res.set(http::field::content_language, lang_code(lang));
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

Problem bad_request(ProblemText detail) { return problem(400, "malformed-request", detail); }

// RFC 9112 3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0.
std::optional<Problem> host_problem(const Request& req) {
  auto hosts = req.count(http::field::host);
  if (hosts > 1) return bad_request(ProblemText::kHostRepeated);
  if (hosts == 0 && req.version() >= 11) {
    return bad_request(ProblemText::kHostMissing);
  }
  return std::nullopt;
}

// Beast 1.81 accepts some request-smuggling shapes; refuse them before routing.
std::optional<Problem> framing_problem(const Request& req) {
  auto te_count = req.count(http::field::transfer_encoding);
  bool has_cl = req.find(http::field::content_length) != req.end();
  if (req.find(http::field::trailer) != req.end()) {
    return problem(400, "bad-framing", ProblemText::kTrailers);
  }
  if (te_count == 0) return std::nullopt;
  auto te = req[http::field::transfer_encoding];
  if (te_count > 1 || !beast::iequals(te, "chunked")) {
    return problem(400, "bad-framing", ProblemText::kTransferEncoding);
  }
  if (has_cl) {
    return problem(400, "bad-framing", ProblemText::kTransferEncodingAndLength);
  }
  if (req.version() < 11) {
    return problem(400, "bad-framing", ProblemText::kTransferEncodingHttp10);
  }
  return std::nullopt;
}

std::optional<Problem> request_problem(const Request& req) {
  if (auto p = host_problem(req)) return p;
  return framing_problem(req);
}

Problem internal_problem() { return problem_from_error(make_error(ErrorCode::kInternal, "")); }

bool is_json_media_type(std::string_view ct) {
  auto semi = ct.find(';');
  auto type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return beast::iequals(type, "application/json");
}

}  // namespace

struct Server::Connection {
  std::uint64_t id = 0;            // Admission's id
  asio::any_io_executor executor;  // the connection's io_context
  beast::tcp_stream* stream = nullptr;
  bool in_request = false;  // these four are touched only on that executor
  bool closed = false;
  bool evicted = false;  // closed by admission to make room for a newer connection
};

Server::Server(const Config& config, Router router, std::shared_ptr<Metrics> metrics)
    : config_(config),
      router_(std::move(router)),
      metrics_(std::move(metrics)),
      parser_limits_{config.limits.max_header_bytes, config.limits.max_header_fields,
                     config.limits.max_body_bytes},
      admission_({config.limits.max_connections, config.limits.reserved_connections,
                  config.limits.max_connections_per_address}),
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
  metrics_->describe("silta_unauthenticated_connections", "gauge",
                     "Agency-listener connections not (yet) authenticated as a registered agency.");
  metrics_->describe("silta_connections_refused_total", "counter",
                     "Connections closed at accept: per_address (too many unauthenticated ones "
                     "from one address) or limit (every slot held by registered agencies).");
  metrics_->describe("silta_connections_evicted_total", "counter",
                     "Unauthenticated connections closed to make room for a new connection.");
  metrics_->describe("silta_accept_errors_total", "counter",
                     "Failed accepts (agency and admin listeners) by error, e.g. EMFILE; each is "
                     "followed by a back-off.");
  metrics_->describe("silta_session_failures_total", "counter",
                     "Exceptions caught at a session's boundary (the process goes on).");
  metrics_->add_collector([this](Metrics& m) {
    m.set("silta_requests_in_flight", {}, static_cast<double>(requests_in_flight_.load()));
    m.set("silta_unauthenticated_connections", {},
          static_cast<double>(admission_.unauthenticated()));
  });
  // Each I/O context's reactor (its epoll and eventfd descriptors) now, not when the first
  // connection lands on it, which may be when descriptors have run out.
  for (auto& c : contexts_) asio::steady_timer warm(*c);
  unsigned char tag[4];
  RAND_bytes(tag, sizeof tag);
  instance_tag_ = to_hex(tag);
}

Server::~Server() = default;

void ensure_file_descriptor_limit(std::size_t max_connections) {
  const rlim_t needed = static_cast<rlim_t>(max_connections + kSpareFileDescriptors);
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    throw std::runtime_error(std::string("cannot read RLIMIT_NOFILE: ") + std::strerror(errno));
  }
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur >= needed) return;
  if (lim.rlim_cur == RLIM_INFINITY) return;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < needed) {
    throw std::runtime_error(
        "limits.max_connections " + std::to_string(max_connections) + " needs " +
        std::to_string(needed) + " open files, but the hard limit (RLIMIT_NOFILE) is " +
        std::to_string(lim.rlim_max) +
        ": raise it (systemd LimitNOFILE=, ulimit -Hn) or lower limits.max_connections");
  }
  const rlim_t before = lim.rlim_cur;
  lim.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
    throw std::runtime_error(std::string("cannot raise RLIMIT_NOFILE to ") +
                             std::to_string(needed) + ": " + std::strerror(errno));
  }
  logging::info("file_limit_raised", {{"from", before}, {"to", needed}});
}

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
  asio::co_spawn(io_context(), accept_loop(acceptor_, &Server::admit), asio::detached);
  asio::co_spawn(io_context(), accept_loop(admin_acceptor_, &Server::admit_admin), asio::detached);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts_) guards.push_back(asio::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([this, i] {
      name_this_thread("silta-io-" + std::to_string(i));
      run_context(*contexts_[i]);
    });
  }
  run_context(*contexts_.front());
  for (auto& t : threads) t.join();
}

void Server::run_context(asio::io_context& context) {
  for (;;) {
    try {
      context.run();
      return;
    } catch (const std::exception& e) {
      session_failed(e.what());
    } catch (...) {
      session_failed("unknown exception");
    }
  }
}

void Server::session_failed(std::string_view what) {
  metrics_->add("silta_session_failures_total", {});
  logging::error("session_failed", {{"error", what}});
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

asio::awaitable<void> Server::accept_loop(tcp::acceptor& acceptor,
                                          void (Server::*take)(tcp::socket)) {
  std::chrono::milliseconds delay{0};
  for (;;) {
    boost::system::error_code ec;
    try {
      auto [accept_ec, socket] = co_await acceptor.async_accept(next_context(), kTuple);
      ec = accept_ec;
      if (!ec) {
        delay = std::chrono::milliseconds(0);
        (this->*take)(std::move(socket));
        continue;
      }
    } catch (const std::exception& e) {  // e.g. no descriptor left for a new socket's state
      session_failed(e.what());
      ec = asio::error::no_descriptors;
    }
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    co_await back_off(ec, delay);
  }
}

// Out of file descriptors (EMFILE, ENFILE) or memory, accept fails at once for as long as the
// condition lasts: retrying at once would spin. The connection waits in the backlog meanwhile.
asio::awaitable<void> Server::back_off(const boost::system::error_code& ec,
                                       std::chrono::milliseconds& delay) {
  delay = std::clamp(delay * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  metrics_->add("silta_accept_errors_total", {{"error", ec.message()}});
  std::uint64_t dropped = 0;
  if (accept_log().allow(dropped)) {
    logging::warn(
        "accept_failed",
        {{"error", ec.message()}, {"retry_in_ms", delay.count()}, {"not_logged_before", dropped}});
  }
  asio::steady_timer timer(acceptor_.get_executor(), delay);
  co_await timer.async_wait(kTuple);
}

void Server::admit(tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  const std::string address = ec ? "unknown" : remote.address().to_string();
  auto decision = admission_.admit(address);
  if (!decision.admitted) {
    metrics_->add("silta_connections_refused_total", {{"reason", std::string(decision.refusal)}});
    socket.close(ec);
    return;
  }
  if (decision.evict) evict(*decision.evict);
  // Small responses must not wait for the peer's delayed ACK (Nagle): after the TLS 1.3
  // session ticket, the first response would otherwise stall up to 40 ms.
  socket.set_option(tcp::no_delay(true), ec);
  metrics_->set("silta_active_connections", {}, static_cast<double>(++active_connections_));
  auto conn = std::make_shared<Connection>();
  conn->id = decision.id;
  conn->executor = socket.get_executor();
  {
    std::lock_guard lock(connections_mu_);
    connections_.emplace(conn->id, conn);
  }
  auto executor = socket.get_executor();
  asio::co_spawn(executor, session(std::move(socket), std::move(conn)), asio::detached);
}

void Server::evict(std::uint64_t id) {
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard lock(connections_mu_);
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    conn = it->second;
  }
  metrics_->add("silta_connections_evicted_total", {});
  asio::post(conn->executor, [conn] {
    conn->evicted = true;
    if (!conn->closed && conn->stream != nullptr) conn->stream->socket().cancel();
  });
}

// Unregisters a connection (shutdown list, admission, the open count) when its session ends.
class Server::ConnectionScope {
 public:
  ConnectionScope(Server& server, std::shared_ptr<Connection> conn)
      : server_(server), conn_(std::move(conn)) {}
  ~ConnectionScope() {
    conn_->closed = true;
    conn_->stream = nullptr;
    {
      std::lock_guard lock(server_.connections_mu_);
      server_.connections_.erase(conn_->id);
    }
    server_.admission_.release(conn_->id);
    server_.connection_closed();
  }
  ConnectionScope(const ConnectionScope&) = delete;
  ConnectionScope& operator=(const ConnectionScope&) = delete;

 private:
  Server& server_;
  std::shared_ptr<Connection> conn_;
};

// No exception leaves a session: whatever one connection does, the others and the process go
// on (a request that fails inside is answered 500 before this; see respond()).
asio::awaitable<void> Server::session(tcp::socket socket, std::shared_ptr<Connection> conn) {
  ConnectionScope scope(*this, conn);
  try {
    co_await serve_connection(std::move(socket), *conn);
  } catch (const std::exception& e) {
    session_failed(e.what());
  } catch (...) {
    session_failed("unknown exception");
  }
}

std::shared_ptr<ssl::context> Server::tls_context() {
  std::lock_guard lock(tls_mu_);
  return tls_;
}

void Server::replace_tls_context(std::shared_ptr<ssl::context> tls) {
  std::lock_guard lock(tls_mu_);
  // The session ticket keys move along, so that clients resume across a reload.
  unsigned char keys[80];
  if (SSL_CTX_get_tlsext_ticket_keys(tls_->native_handle(), keys, sizeof keys) == 1) {
    SSL_CTX_set_tlsext_ticket_keys(tls->native_handle(), keys, sizeof keys);
  }
  OPENSSL_cleanse(keys, sizeof keys);
  tls_ = std::move(tls);
}

asio::awaitable<void> Server::serve_connection(tcp::socket socket, Connection& conn) {
  const AuthFailure peer = peer_of(socket);
  const auto tls = tls_context();  // held for the connection's life
  TlsStream stream(std::move(socket), *tls);
  conn.stream = &stream.next_layer();
  if (draining_.load() || conn.evicted) co_return;
  if (!co_await handshake(stream, peer) || conn.evicted) co_return;
  const std::string pin = identify(stream, peer);
  const Agency* agency = config_.registry.find_by_pin(pin);
  if (agency != nullptr && agency->enabled) admission_.authenticated(conn.id);
  const bool lingering = co_await serve_requests(stream, conn, pin, peer.peer);
  conn.in_request = false;
  co_await close_connection(stream, lingering);
}

asio::awaitable<bool> Server::handshake(TlsStream& stream, const AuthFailure& peer) {
  stream.next_layer().expires_after(config_.timeouts.handshake);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
  if (!hec) {
    metrics_->handshake("ok");
    co_return true;
  }
  AuthFailure failure = peer;
  failure.reason = handshake_failure_reason(stream.native_handle(), hec);
  X509* cert = SSL_get0_peer_certificate(stream.native_handle());
  failure.spki_pin = spki_pin(cert);
  failure.issuer =
      cert != nullptr ? issuer_of(cert) : refused_certificate_issuer(stream.native_handle());
  metrics_->handshake(failure.reason);
  std::uint64_t dropped = 0;
  if (handshake_log().allow(dropped)) {
    logging::warn(
        "tls_handshake_failed",
        {{"peer", peer.peer}, {"reason", failure.reason}, {"not_logged_before", dropped}});
  }
  // Timeouts and aborted handshakes (browsers' preconnects) are counted, not audited.
  if (auth_failure_hook_ && failure.reason != "timeout" && failure.reason != "protocol_error") {
    auth_failure_hook_(failure);
  }
  co_return false;
}

std::string Server::identify(TlsStream& stream, const AuthFailure& peer) {
  X509* cert = SSL_get0_peer_certificate(stream.native_handle());
  const std::string pin = spki_pin(cert);
  const Agency* agency = config_.registry.find_by_pin(pin);
  if (agency != nullptr) {
    if (auto t = certificate_not_after(cert)) {
      // A person's certificate (a privacy officer's card) is its own series beside the agency's.
      Labels labels{{"agency", agency->id}};
      if (!agency->person.empty()) labels.emplace_back("person", agency->person);
      metrics_->set("silta_agency_certificate_expiry_timestamp_seconds", labels, *t);
    }
  }
  if (agency == nullptr || !agency->enabled) {
    AuthFailure failure = peer;
    failure.reason = agency == nullptr ? "unregistered" : "disabled";
    failure.spki_pin = pin;
    failure.agency = agency == nullptr ? "" : agency->id;
    failure.issuer = issuer_of(cert);
    std::uint64_t dropped = 0;
    if (handshake_log().allow(dropped)) {
      logging::warn(
          "client_not_registered",
          {{"peer", peer.peer}, {"reason", failure.reason}, {"not_logged_before", dropped}});
    }
    if (auth_failure_hook_) auth_failure_hook_(failure);
  }
  return pin;
}

// Reads the header; an error, a limit or a framing problem becomes `early`.
asio::awaitable<Server::ReadOutcome> Server::read_header(TlsStream& stream,
                                                         beast::flat_buffer& buffer,
                                                         RequestParser& parser, Millis timeout) {
  ReadOutcome out;
  stream.next_layer().expires_after(timeout);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
  out.in_flight = !ec;
  if (ec) {
    out.early = parser.problem_for(ec);
    out.quit = !out.early;
  } else {
    out.early = request_problem(parser.get());
  }
  co_return out;
}

// Reads the rest of the request after its header.
asio::awaitable<void> Server::read_body(TlsStream& stream, beast::flat_buffer& buffer,
                                        RequestParser& parser, ReadOutcome& out) {
  stream.next_layer().expires_after(config_.timeouts.read);
  auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (ec) {
    out.early = parser.problem_for(ec);
    out.quit = !out.early;
  }
}

// The request loop of one connection; returns whether it ended with an error response (then the
// connection is closed with a lingering close). A client that is not a registered, enabled
// agency gets its one answer (403) on a short deadline and the connection is closed.
asio::awaitable<bool> Server::serve_requests(TlsStream& stream, Connection& conn,
                                             const std::string& pin, const std::string& peer) {
  beast::flat_buffer buffer(read_buffer_limit(parser_limits_));
  bool first = true;
  while (!draining_.load()) {
    const Agency* agency = config_.registry.find_by_pin(pin);
    bool authenticated = agency != nullptr && agency->enabled;
    RequestParser parser(parser_limits_);
    conn.in_request = false;
    const Millis timeout = !authenticated ? config_.timeouts.handshake
                           : first        ? config_.timeouts.read
                                          : config_.timeouts.idle;
    ReadOutcome read = co_await read_header(stream, buffer, parser, timeout);
    conn.in_request = true;
    first = false;
    if (read.quit) break;
    // Each request as the registry says when it arrives: a reload that disables an agency
    // applies to its open connections too.
    agency = config_.registry.find_by_pin(pin);
    authenticated = agency != nullptr && agency->enabled;
    const auto start = Clock::now();
    if (read.in_flight) ++requests_in_flight_;
    if (!read.early && !parser.is_done()) {
      co_await read_body(stream, buffer, parser, read);
      if (read.quit) {
        --requests_in_flight_;
        break;
      }
    }
    Exchange exchange;
    exchange.request_id = instance_tag_ + "-" + std::to_string(++next_request_);
    exchange.lang = config_.language;
    co_await respond(exchange, parser, read, agency, peer);
    exchange.keep_alive = exchange.keep_alive && authenticated && !draining_.load();
    const bool written = co_await write_response(stream, exchange);
    if (read.in_flight) --requests_in_flight_;
    record_request(exchange, agency, start);
    if (read.early) co_return true;
    if (!written || !exchange.keep_alive) break;
  }
  co_return false;
}

namespace {

// The language of the Accept-Language field(s) (common/lang.h), else `fallback`. A client may
// send the field many times within the header limits; only the first few are read.
Lang accepted_language(const Request& req, Lang fallback) {
  auto [first, last] = req.equal_range(http::field::accept_language);
  int fields = 0;
  std::string combined;
  for (auto it = first; it != last && fields < 4; ++it, ++fields) {
    if (!combined.empty()) combined += ',';
    combined.append(it->value().data(), it->value().size());
  }
  return negotiate_lang(combined, fallback);
}

}  // namespace

// The answer to one request: the early problem, or what the route gives. An exception on the
// way is this request's 500, never the connection's or the process's end.
asio::awaitable<void> Server::respond(Exchange& exchange, RequestParser& parser,
                                      const ReadOutcome& read, const Agency* agency,
                                      const std::string& peer) {
  if (read.early) {
    // A problem found before routing is in the caller's language when its header was read.
    if (parser.is_header_done()) exchange.lang = accepted_language(parser.get(), exchange.lang);
    exchange.response = Response::from_problem(*read.early);
    co_return;
  }
  bool failed = false;
  try {
    Request req = parser.release();
    exchange.version = req.version();
    exchange.keep_alive = req.keep_alive();
    exchange.method = std::string(req.method_string());
    exchange.response =
        co_await dispatch(req, agency, peer, exchange.request_id, exchange.route, exchange.lang);
  } catch (const std::exception& e) {
    session_failed(e.what());
    failed = true;
  } catch (...) {
    session_failed("unknown exception");
    failed = true;
  }
  if (failed) {
    exchange.response = Response::from_problem(internal_problem());
    exchange.keep_alive = false;
  }
}

asio::awaitable<std::string> Server::answer_bytes(std::string bytes, const Agency* agency) {
  std::string out;
  std::string_view rest = bytes;
  beast::flat_buffer buffer(read_buffer_limit(parser_limits_));
  for (int i = 0; i < 16 && (!rest.empty() || buffer.size() > 0); ++i) {
    RequestParser parser(parser_limits_);
    ReadOutcome read;
    boost::system::error_code ec;
    bool header_checked = false;
    // What async_read does with a socket, over the bytes.
    while (!parser.is_done() && !read.early) {
      if (buffer.size() == 0 || ec == http::error::need_more) {
        const std::size_t room = buffer.max_size() - buffer.size();
        if (rest.empty()) {
          ec = {};
          parser.put_eof(ec);
          if (ec) read.early = parser.problem_for(ec);
          read.quit = !read.early;
          break;
        }
        if (room == 0) {
          read.early = parser.problem_for(http::error::buffer_overflow);
          break;
        }
        const std::size_t n = std::min(room, rest.size());
        buffer.commit(asio::buffer_copy(buffer.prepare(n), asio::buffer(rest.data(), n)));
        rest.remove_prefix(n);
      }
      ec = {};
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (!ec && used == 0 && !parser.is_done()) ec = http::error::need_more;
      if (ec && ec != http::error::need_more) {
        read.early = parser.problem_for(ec);
        read.quit = !read.early;
      } else if (parser.is_header_done() && !header_checked) {
        header_checked = true;
        read.early = request_problem(parser.get());
      }
    }
    if (read.quit) break;
    Exchange exchange;
    exchange.request_id = instance_tag_ + "-fuzz";
    exchange.lang = config_.language;
    co_await respond(exchange, parser, read, agency, "fuzz");
    auto res = to_beast(std::move(exchange.response), exchange.version, exchange.keep_alive,
                        exchange.request_id, exchange.lang);
    std::ostringstream text;
    text << res;
    out += text.str();
    if (read.early || !exchange.keep_alive) break;
  }
  co_return out;
}

asio::awaitable<bool> Server::write_response(TlsStream& stream, Exchange& exchange) {
  http::response<http::string_body> res;
  try {
    exchange.status = exchange.response.status;
    res = to_beast(std::move(exchange.response), exchange.version, exchange.keep_alive,
                   exchange.request_id, exchange.lang);
  } catch (const std::exception& e) {  // e.g. a header value Beast cannot hold
    session_failed(e.what());
    exchange.status = 500;
    exchange.keep_alive = false;
    res = to_beast(Response::from_problem(internal_problem()), exchange.version, false,
                   exchange.request_id, exchange.lang);
  }
  stream.next_layer().expires_after(config_.timeouts.write);
  auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
  co_return !wec;
}

void Server::record_request(const Exchange& exchange, const Agency* agency,
                            Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const Route* route = exchange.route;
  (route != nullptr ? *route_stats_[static_cast<std::size_t>(route - router_.routes().data())]
                    : *unmatched_stats_)
      .record(exchange.status, seconds);
  const std::string_view route_label =
      route != nullptr ? std::string_view(route->pattern) : std::string_view("-");
  if (config_.log.access_log) {
    logging::access({agency != nullptr ? std::string_view(agency->id) : "-", exchange.method,
                     route_label, exchange.status, seconds * 1e3, exchange.request_id});
  }
}

asio::awaitable<void> Server::close_connection(TlsStream& stream, bool lingering) {
  if (lingering) {
    co_await linger_close(stream.next_layer());
    co_return;
  }
  stream.next_layer().expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(kTuple);
}

namespace {

// ?lang= (fi, sv or en) overrides Accept-Language on every route; it is taken out of the query
// here, so that each route's own parameters are checked as before. A value that is not one of
// the three is the caller's mistake, answered at ?lang.
std::optional<Problem> take_lang_param(Query& query, Lang& lang) {
  auto [first, last] = query.equal_range("lang");
  if (first == last) return std::nullopt;
  std::optional<Lang> chosen;
  const bool once = std::next(first) == last;
  if (once) {
    for (Lang l : kLangs) {
      if (first->second == lang_code(l)) chosen = l;
    }
  }
  query.erase(first, last);
  if (chosen) {
    lang = *chosen;
    return std::nullopt;
  }
  json_check::Issues issues;
  issues.add("?lang", unknown_lang_message());
  return validation_problem(issues);
}

// A registered, enabled caller passes; anyone else gets the problem.
std::optional<Problem> caller_problem(const Agency* agency) {
  if (agency == nullptr) {
    return problem(403, "unregistered-client", ProblemText::kUnregisteredClient);
  }
  if (!agency->enabled) {
    return problem(403, "agency-disabled", ProblemText::kAgencyDisabled);
  }
  return std::nullopt;
}

std::optional<Problem> no_route_problem(const Router::Match& match) {
  if (match.status == 405) {
    return problem(405, "method-not-allowed", ProblemText::kMethodNotAllowed);
  }
  return problem(404, "not-found", ProblemText::kNoRoute);
}

// The JSON body of a POST/PUT/PATCH into ctx.body.
std::optional<Problem> parse_json_body(const Request& req, RequestContext& ctx) {
  if (req.method() != http::verb::post && req.method() != http::verb::put &&
      req.method() != http::verb::patch) {
    return std::nullopt;
  }
  if (req.body().empty()) return std::nullopt;
  if (!is_json_media_type(req[http::field::content_type])) {
    return problem(415, "unsupported-media-type", ProblemText::kNotJson);
  }
  // Depth, size and duplicate keys bounded while it is read (common/json_parse.h).
  json_check::Issues issues;
  auto body = json_check::parse_json(req.body(), issues);
  if (!body) {
    auto p = problem(400, "malformed-json", ProblemText::kMalformedJson);
    p.errors = issues.list();
    return p;
  }
  ctx.body = std::move(*body);
  return std::nullopt;
}

}  // namespace

std::optional<Problem> Server::role_problem(const Route& route, const Agency& agency,
                                            const std::string& peer) {
  if (route.allows(agency)) return std::nullopt;
  std::string needed;
  for (Role r : route.roles) needed += (needed.empty() ? "" : " | ") + std::string(role_name(r));
  report_refusal("forbidden_role", peer, agency, route);
  return problem(403, "forbidden", problem_text(ProblemText::kNeedsRole, {needed}));
}

void Server::report_refusal(std::string reason, const std::string& peer, const Agency& agency,
                            const Route& route) {
  if (!auth_failure_hook_) return;
  AuthFailure failure;
  failure.reason = std::move(reason);
  failure.peer = peer;
  failure.agency = agency.id;
  failure.route = route.pattern;
  auth_failure_hook_(failure);
}

asio::awaitable<Response> Server::dispatch(const Request& req, const Agency* agency,
                                           const std::string& peer, const std::string& request_id,
                                           const Route*& matched, Lang& lang) {
  lang = accepted_language(req, config_.language);
  if (auto p = caller_problem(agency)) co_return Response::from_problem(*p);
  std::string_view target = req.target();
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  Query query;
  if (qpos != std::string_view::npos && !parse_query(target.substr(qpos + 1), query)) {
    co_return Response::from_problem(problem(400, "malformed-query", ProblemText::kMalformedQuery));
  }
  if (auto p = take_lang_param(query, lang)) co_return Response::from_problem(*p);
  auto match = router_.match(req.method(), path);
  if (match.route == nullptr) co_return Response::from_problem(*no_route_problem(match));
  matched = match.route;
  if (auto p = role_problem(*match.route, *agency, peer)) co_return Response::from_problem(*p);
  if (auto p = cross_origin_problem(req)) {
    report_refusal("cross_origin", peer, *agency, *match.route);
    co_return Response::from_problem(*p);
  }
  RequestContext ctx{req,
                     *agency,
                     path,
                     std::move(query),
                     std::move(match.params),
                     nlohmann::json::object(),
                     request_id,
                     peer,
                     lang};
  if (auto p = parse_json_body(req, ctx)) co_return Response::from_problem(*p);
  co_return co_await run_handler(*match.route, ctx);
}

asio::awaitable<Response> Server::run_handler(const Route& route, RequestContext& ctx) {
  std::optional<Response> response;
  try {
    response = co_await route.handler(ctx);
  } catch (const std::exception& e) {
    logging::error("handler_failed", {{"route", route.pattern}, {"error", e.what()}});
  } catch (...) {
    logging::error("handler_failed", {{"route", route.pattern}, {"error", "unknown exception"}});
  }
  if (!response) co_return Response::from_problem(internal_problem());
  co_return std::move(*response);
}

void Server::admit_admin(tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec || (!config_.admin.allow_remote && !remote.address().is_loopback())) {
    socket.close(ec);
    return;
  }
  auto executor = socket.get_executor();
  asio::co_spawn(executor, admin_session(std::move(socket)), asio::detached);
}

asio::awaitable<void> Server::admin_session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const ParserLimits limits{8 * 1024, 100, 0};
  beast::flat_buffer buffer(read_buffer_limit(limits));
  try {
    for (;;) {
      RequestParser parser(limits);
      stream.expires_after(config_.timeouts.idle);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
      if (ec) break;
      Request req = parser.release();
      bool keep = req.keep_alive();
      auto res = to_beast(admin_response(req), req.version(), keep, "", config_.language);
      stream.expires_after(config_.timeouts.write);
      auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
      if (wec || !keep) break;
    }
  } catch (const std::exception& e) {
    session_failed(e.what());
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

Response Server::admin_response(const Request& req) {
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  if (req.method() != http::verb::get) {
    return Response::from_problem(problem(405, "method-not-allowed", ProblemText::kAdminGetOnly));
  }
  if (path == "/health") return Response::json(200, {{"status", "ok"}});
  if (path == "/ready") {
    if (draining_.load()) {
      return Response::from_problem(problem(503, "not-ready", ProblemText::kShuttingDown));
    }
    Readiness r = ready_check_ ? ready_check_() : Readiness{};
    if (!r.ready) {
      auto p = problem(503, "not-ready", problem_text(ProblemText::kNotReady, {r.reason}));
      p.extensions = {{"checks", r.checks}};
      return Response::from_problem(p);
    }
    return Response::json(200,
                          {{"status", r.degraded ? "degraded" : "ready"}, {"checks", r.checks}});
  }
  if (path == "/metrics") {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_->render();
    return r;
  }
  return Response::from_problem(problem(404, "not-found", ProblemText::kAdminNoRoute));
}

}  // namespace silta::gateway
