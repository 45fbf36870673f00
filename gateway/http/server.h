// The HTTPS server: the mTLS agency listener and the loopback admin listener, with one session
// coroutine per connection, limits, timeouts and graceful shutdown.
//
// Threading: one io_context per I/O thread. A connection lives on one io_context for its whole
// life, so its handlers never run concurrently and need no strand; work from other threads
// (store, audit completions, shutdown) is posted to the connection's executor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>

#include "gateway/config.h"
#include "gateway/http/admission.h"
#include "gateway/http/request_parser.h"
#include "gateway/http/router.h"
#include "gateway/metrics.h"

namespace silta::gateway {

// A refused client, for the audit log: a failed handshake, a certificate not in the registry,
// a disabled agency, a route the caller's role does not allow, or a browser's request from
// another site (http/same_origin.h).
struct AuthFailure {
  // handshake_failure_reason(), "unregistered", "disabled", "forbidden_role", "cross_origin"
  std::string reason;
  std::string peer;      // remote address and port
  std::string spki_pin;  // when a certificate was presented
  std::string agency;    // the registry id, when the certificate is registered
  std::string route;     // the route refused, for "forbidden_role" and "cross_origin"
  std::string address;   // remote address without the port
  std::string issuer;    // the presented certificate's issuer (client-chosen text), if any
};

// Raises the soft RLIMIT_NOFILE to what `max_connections` needs (max_connections +
// kSpareFileDescriptors); throws std::runtime_error naming the limits when the hard limit is
// lower. App calls it first thing at start.
inline constexpr std::size_t kSpareFileDescriptors = 256;
void ensure_file_descriptor_limit(std::size_t max_connections);

// What /ready answers (gateway/health.h decides): 503 problem+json `not-ready` with `reason`
// when not ready, else 200 with status "ready" or "degraded"; both carry `checks`.
struct Readiness {
  bool ready = true;
  bool degraded = false;
  std::string reason;
  nlohmann::json checks = nlohmann::json::object();
};

class Server {
 public:
  Server(const Config& config, Router router, std::shared_ptr<Metrics> metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds both listeners; throws std::runtime_error when an address cannot be bound.
  void bind();
  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }

  // Runs the I/O threads (config.threads, default one per core) until shutdown completes.
  void run();
  // Thread-safe. Stops accepting, lets in-flight requests finish (up to the shutdown grace),
  // closes idle connections, then makes run() return.
  void shutdown();

  // The first I/O thread's context: for signals and other process-wide work.
  boost::asio::io_context& io_context() { return *contexts_.front(); }
  Metrics& metrics() { return *metrics_; }

  // The request path without a socket or TLS, for fuzzing: `bytes` as received on a
  // connection of `agency` (nullptr: an unregistered client), parsed with the listener's parser
  // and limits and answered like a session answers (up to 16 pipelined requests, stopping where
  // a session would close). Returns the responses as sent. Runs on the first I/O context.
  boost::asio::awaitable<std::string> answer_bytes(std::string bytes, const Agency* agency);

  // A reload: connections accepted from now on use `tls` (certificates, CAs, CRLs); open ones
  // keep theirs. Session tickets stay valid across it.
  void replace_tls_context(std::shared_ptr<boost::asio::ssl::context> tls);

  // What /ready reports besides shutting down (the audit log, the store, the adapters).
  void set_ready_check(std::function<Readiness()> check) { ready_check_ = std::move(check); }
  void set_auth_failure_hook(std::function<void(const AuthFailure&)> hook) {
    auth_failure_hook_ = std::move(hook);
  }

 private:
  struct Connection;
  class ConnectionScope;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using Clock = std::chrono::steady_clock;
  // What reading a request gave: an early answer (a framing or limit problem), or an end.
  struct ReadOutcome {
    std::optional<Problem> early;
    bool quit = false;       // the connection ended between requests, or timed out
    bool in_flight = false;  // a header was read: the request counts as in flight
  };
  // One request and its answer, for the response and the access log.
  struct Exchange {
    std::string request_id;
    Response response;
    unsigned status = 0;
    const Route* route = nullptr;
    unsigned version = 11;
    bool keep_alive = false;
    std::string method = "-";
    Lang lang = Lang::kFi;  // the answer's language (dispatch decides)
  };

  // Accepts on `acceptor` and hands each connection to `take` (admit, admit_admin).
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                           void (Server::*take)(boost::asio::ip::tcp::socket));
  // After an accept error (EMFILE, ENFILE, ...): wait before accepting again, doubling up to 1 s.
  boost::asio::awaitable<void> back_off(const boost::system::error_code& ec,
                                        std::chrono::milliseconds& delay);
  void admit(boost::asio::ip::tcp::socket socket);
  void admit_admin(boost::asio::ip::tcp::socket socket);
  void evict(std::uint64_t id);
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket,
                                       std::shared_ptr<Connection> conn);
  void session_failed(std::string_view what);
  // The session's steps, in order.
  boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                                Connection& conn);
  boost::asio::awaitable<bool> handshake(TlsStream& stream, const AuthFailure& peer);
  // The caller's key pin; reports a certificate that is not a registered, enabled agency's.
  std::string identify(TlsStream& stream, const AuthFailure& peer);
  boost::asio::awaitable<bool> serve_requests(TlsStream& stream, Connection& conn,
                                              const std::string& pin, const std::string& peer);
  std::shared_ptr<boost::asio::ssl::context> tls_context();
  boost::asio::awaitable<ReadOutcome> read_header(TlsStream& stream,
                                                  boost::beast::flat_buffer& buffer,
                                                  RequestParser& parser, Millis timeout);
  boost::asio::awaitable<void> read_body(TlsStream& stream, boost::beast::flat_buffer& buffer,
                                         RequestParser& parser, ReadOutcome& out);
  boost::asio::awaitable<void> respond(Exchange& exchange, RequestParser& parser,
                                       const ReadOutcome& read, const Agency* agency,
                                       const std::string& peer);
  boost::asio::awaitable<bool> write_response(TlsStream& stream, Exchange& exchange);
  void record_request(const Exchange& exchange, const Agency* agency, Clock::time_point start);
  boost::asio::awaitable<void> close_connection(TlsStream& stream, bool lingering);

  boost::asio::awaitable<void> admin_session(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<Response> dispatch(const Request& req, const Agency* agency,
                                            const std::string& peer, const std::string& request_id,
                                            const Route*& matched, Lang& lang);
  std::optional<Problem> role_problem(const Route& route, const Agency& agency,
                                      const std::string& peer);
  // Tells the auth failure hook that a registered caller was refused on `route`.
  void report_refusal(std::string reason, const std::string& peer, const Agency& agency,
                      const Route& route);
  boost::asio::awaitable<Response> run_handler(const Route& route, RequestContext& ctx);
  Response admin_response(const Request& req);
  void connection_closed();
  // Runs one io_context; an exception that escapes a handler is logged and the context goes on.
  void run_context(boost::asio::io_context& context);
  boost::asio::io_context& next_context();
  void stop_all();

  Config config_;
  Router router_;
  std::shared_ptr<Metrics> metrics_;
  std::vector<RouteStats*> route_stats_;  // by index of the route in router_.routes()
  RouteStats* unmatched_stats_ = nullptr;
  ParserLimits parser_limits_;
  Admission admission_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::atomic<std::size_t> next_context_{0};
  std::mutex tls_mu_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // under tls_mu_
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::acceptor admin_acceptor_;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::function<Readiness()> ready_check_;
  std::function<void(const AuthFailure&)> auth_failure_hook_;

  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> active_connections_{0};
  std::atomic<std::int64_t> requests_in_flight_{0};
  std::atomic<std::uint64_t> next_request_{0};
  std::string instance_tag_;
  std::mutex connections_mu_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> connections_;
};

}  // namespace silta::gateway
