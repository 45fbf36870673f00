// The witness service's HTTPS listener (`silta witness serve`): C2SP tlog-witness
// `POST /add-checkpoint` over TLS, answered by audit::Witness. Anyone may submit: what makes a
// checkpoint acceptable is its log's signature and its consistency proof, not the client, so no
// client certificate is asked for (C2SP tlog-witness).
//
// One I/O thread: a request is a few signature checks and one durable state write; a witness
// sees a handful of logs, each submitting about once a second at most.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "audit/witness.h"
#include "gateway/witness/config.h"

namespace silta::gateway::witness {

class WitnessServer {
 public:
  // Builds the TLS context; throws std::runtime_error when it cannot (start-up only).
  WitnessServer(const WitnessServiceConfig& config, audit::Witness& witness);
  ~WitnessServer();
  WitnessServer(const WitnessServer&) = delete;
  WitnessServer& operator=(const WitnessServer&) = delete;

  // Throws std::runtime_error when the address cannot be bound.
  void bind();
  std::uint16_t port() const { return port_; }
  // Serves until SIGTERM or SIGINT (handled here). `ready` is called once the signal handlers
  // are in place, so whoever it tells may signal the process at once.
  void run(const std::function<void()>& ready = {});

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

  const WitnessServiceConfig& config_;
  audit::Witness& witness_;
  boost::asio::io_context io_{1};
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> connections_{0};
};

}  // namespace silta::gateway::witness
