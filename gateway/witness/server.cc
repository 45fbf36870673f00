#include "gateway/witness/server.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

#include "gateway/http/request_parser.h"
#include "gateway/http/tls.h"
#include "gateway/logging.h"

namespace silta::gateway::witness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// The transport's bounded parser (fields, trailers, chunk extensions), with a witness's sizes.
const ParserLimits kParserLimits{8 * 1024, 100, audit::kMaxAddCheckpointBytes};

// Text from a request for a log line: printable ASCII, bounded (a forged origin cannot forge
// log lines).
std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// The origin line of a submitted note.
std::string origin_for_log(std::string_view body) {
  auto split = body.find("\n\n");
  std::string_view note = split == std::string_view::npos ? "" : body.substr(split + 2);
  return printable(note.substr(0, note.find('\n')), 256);
}

http::response<http::string_body> reply(const audit::WitnessAnswer& a, unsigned version,
                                        bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(a.status), version};
  res.set(http::field::content_type, a.content_type);
  res.set(http::field::cache_control, "no-store");
  if (a.status == 405) res.set(http::field::allow, "POST");
  res.body() = a.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

audit::WitnessAnswer plain(unsigned status, std::string message) {
  return {status, "text/plain; charset=utf-8", std::move(message) + "\n"};
}

}  // namespace

WitnessServer::WitnessServer(const WitnessServiceConfig& config, audit::Witness& witness)
    : config_(config),
      witness_(witness),
      tls_(make_server_tls_context(config.tls)),
      acceptor_(io_) {}

WitnessServer::~WitnessServer() = default;

void WitnessServer::bind() {
  tcp::endpoint ep(asio::ip::make_address(config_.listen.address), config_.listen.port);
  boost::system::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + config_.listen.address + ":" +
                             std::to_string(config_.listen.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
}

void WitnessServer::run(const std::function<void()>& ready) {
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  asio::steady_timer grace(io_);
  signals.async_wait([this, &grace](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    logging::info("signal", {{"signal", sig}});
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    // The state is written before a cosignature is sent, so stopping between requests loses
    // nothing; a request cut short is retried by its log.
    grace.expires_after(config_.timeouts.shutdown_grace);
    grace.async_wait([this](boost::system::error_code) { io_.stop(); });
    if (connections_.load() == 0) io_.stop();
  });
  asio::co_spawn(io_, accept_loop(), [](std::exception_ptr e) {
    if (e) logging::error("witness_accept_failed");
  });
  if (ready) ready();
  io_.run();
}

asio::awaitable<void> WitnessServer::accept_loop() {
  std::chrono::milliseconds delay{0};
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      // Out of descriptors or memory, accept fails at once for as long as that lasts: back off
      // (10 ms doubling to 1 s) instead of spinning, and log when the wait grows.
      const auto next =
          std::clamp(delay * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
      if (next != delay) {
        logging::warn("accept_failed", {{"error", ec.message()}, {"retry_in_ms", next.count()}});
      }
      delay = next;
      asio::steady_timer wait(io_, delay);
      co_await wait.async_wait(kTuple);
      continue;
    }
    delay = std::chrono::milliseconds(0);
    if (connections_.load() >= config_.max_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++connections_;
    asio::co_spawn(io_, session(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        logging::error("witness_session_failed", {{"error", x.what()}});
      }
    });
  }
}

asio::awaitable<void> WitnessServer::session(tcp::socket socket) {
  struct Count {
    std::atomic<std::size_t>& n;
    ~Count() { --n; }
  } count{connections_};
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  const std::string peer = ec ? "unknown" : remote.address().to_string();
  socket.set_option(tcp::no_delay(true), ec);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  stream.next_layer().expires_after(config_.timeouts.handshake);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
  if (hec) co_return;
  beast::flat_buffer buffer(read_buffer_limit(kParserLimits));
  for (bool first = true;; first = false) {
    RequestParser parser(kParserLimits);
    stream.next_layer().expires_after(first ? config_.timeouts.read : config_.timeouts.idle);
    auto [rec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    audit::WitnessAnswer answer;
    bool keep_alive = false;
    unsigned version = 11;
    if (rec == http::error::body_limit) {
      answer = plain(413, "the request body is larger than " +
                              std::to_string(audit::kMaxAddCheckpointBytes) + " bytes");
    } else if (rec == http::error::header_limit) {
      answer = plain(431, "the request header is too large");
    } else if (rec == http::error::end_of_stream || rec == beast::error::timeout ||
               rec == asio::error::operation_aborted || rec == ssl::error::stream_truncated ||
               rec == asio::error::eof || rec == asio::error::connection_reset) {
      break;
    } else if (rec) {
      answer = plain(400, "not a valid HTTP/1.1 request");
    } else {
      const auto& req = parser.get();
      version = req.version();
      std::string_view target = req.target();
      std::string_view path = target.substr(0, target.find('?'));
      if (req.count(http::field::transfer_encoding) > 0 || req.count(http::field::trailer) > 0) {
        // One framing only: a body with Content-Length (no chunked smuggling shapes).
        answer = plain(400, "send the body with Content-Length, without Transfer-Encoding");
      } else if (path != "/add-checkpoint") {
        answer = plain(404, "this witness serves POST /add-checkpoint");
      } else if (req.method() != http::verb::post) {
        answer = plain(405, "POST only");
      } else {
        keep_alive = req.keep_alive();
        answer = witness_.add_checkpoint(req.body());
        nlohmann::json fields = {
            {"peer", peer}, {"origin", origin_for_log(req.body())}, {"status", answer.status}};
        if (answer.status == 200) {
          logging::info("witness_cosigned", fields);
        } else {
          if (answer.status != 409) fields["reason"] = printable(answer.body, 300);
          logging::warn("witness_refused", fields);
        }
      }
    }
    auto res = reply(answer, version, keep_alive);
    stream.next_layer().expires_after(config_.timeouts.write);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !keep_alive) break;
  }
  stream.next_layer().expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(kTuple);
}

}  // namespace silta::gateway::witness
