// The HTTPS server: the mTLS agency listener and the loopback admin listener, with one session
// coroutine per connection, limits, timeouts and graceful shutdown.
//
// Threading: one io_context per I/O thread. A connection lives on one io_context for its whole
// life, so its handlers never run concurrently and need no strand; work from other threads
// (store, audit completions, shutdown) is posted to the connection's executor.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "gateway/config.h"
#include "gateway/http/router.h"
#include "gateway/metrics.h"

namespace silta::gateway {

// A refused client, for the audit log: a failed handshake, a certificate not in the registry,
// a disabled agency, a route the caller's role does not allow, or a browser's request from
// another site (http/same_origin.h).
struct AuthFailure {
  // handshake_failure_reason(), "unregistered", "disabled", "forbidden_role", "cross_origin"
  std::string reason;
  std::string peer;      // remote address
  std::string spki_pin;  // when a certificate was presented
  std::string agency;    // the registry id, when the certificate is registered
  std::string route;     // the route refused, for "forbidden_role" and "cross_origin"
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

  // Extra readiness condition for /ready (e.g. the audit log accepts appends).
  void set_ready_check(std::function<bool()> check) { ready_check_ = std::move(check); }
  void set_auth_failure_hook(std::function<void(const AuthFailure&)> hook) {
    auth_failure_hook_ = std::move(hook);
  }

 private:
  struct Connection;

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> admin_accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> admin_session(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<Response> dispatch(const Request& req, const Agency* agency,
                                            const std::string& peer, const std::string& request_id,
                                            const Route*& matched);
  Response admin_response(const Request& req);
  void connection_closed();
  boost::asio::io_context& next_context();
  void stop_all();

  Config config_;
  Router router_;
  std::shared_ptr<Metrics> metrics_;
  std::vector<RouteStats*> route_stats_;  // by index of the route in router_.routes()
  RouteStats* unmatched_stats_ = nullptr;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::atomic<std::size_t> next_context_{0};
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::acceptor admin_acceptor_;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::function<bool()> ready_check_;
  std::function<void(const AuthFailure&)> auth_failure_hook_;

  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> active_connections_{0};
  std::atomic<std::int64_t> requests_in_flight_{0};
  std::atomic<std::uint64_t> next_request_{0};
  std::string instance_tag_;
  std::mutex connections_mu_;
  std::uint64_t next_connection_ = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> connections_;
};

}  // namespace silta::gateway
