// silta-loadgen: a closed-loop HTTPS load generator with mutual TLS and keep-alive.
// N connections each send a request, wait for the response, and send the next one. Latency is
// measured per request from write to complete response; the warm-up is excluded. Prints one
// JSON object: requests, errors, req/s, p50/p90/p99/max in microseconds.
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/files.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string ca, cert, key;
  std::string method = "GET";
  std::string path = "/v1/whoami";
  std::string body_file;
  std::vector<std::string> headers;
  int connections = 16;
  int threads = 1;
  double duration = 10;
  double warmup = 1;
};

struct Shared {
  Options opt;
  std::string body;
  Clock::time_point measure_from, stop_at;
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> non_2xx{0};
  std::atomic<std::uint64_t> completed{0};  // including the warm-up
};

asio::awaitable<void> connection(Shared& s, ssl::context& ctx, std::vector<std::uint32_t>& lat) {
  auto ex = co_await asio::this_coro::executor;
  while (Clock::now() < s.stop_at) {
    beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), s.opt.host.c_str());
    boost::system::error_code ec;
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(std::chrono::seconds(10));
    co_await lowest.async_connect(tcp::endpoint(asio::ip::make_address(s.opt.host), s.opt.port),
                                  asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await stream.async_handshake(ssl::stream_base::client,
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      ++s.errors;
      continue;
    }
    http::request<http::string_body> req{http::string_to_verb(s.opt.method), s.opt.path, 11};
    req.set(http::field::host, s.opt.host);
    for (const auto& h : s.opt.headers) {
      auto colon = h.find(':');
      if (colon != std::string::npos) {
        req.set(h.substr(0, colon), h.substr(colon + 1 + (h[colon + 1] == ' ' ? 1 : 0)));
      }
    }
    if (!s.body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = s.body;
    }
    req.prepare_payload();
    beast::flat_buffer buffer;
    while (Clock::now() < s.stop_at) {
      auto start = Clock::now();
      lowest.expires_after(std::chrono::seconds(10));
      co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
      http::response<http::string_body> res;
      if (!ec) {
        co_await http::async_read(stream, buffer, res,
                                  asio::redirect_error(asio::use_awaitable, ec));
      }
      auto end = Clock::now();
      if (ec) {
        ++s.errors;
        break;  // reconnect
      }
      if (res.result_int() >= 300) ++s.non_2xx;
      s.completed.fetch_add(1, std::memory_order_relaxed);
      if (start >= s.measure_from && end <= s.stop_at) {
        lat.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(end - start).count()));
      }
      if (!res.keep_alive()) break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Closed-loop HTTPS load generator with mutual TLS (prints JSON)."};
  app.add_option("--host", opt.host, "Server address");
  app.add_option("--port", opt.port, "Server port")->required();
  app.add_option("--ca", opt.ca, "CA file to verify the server")->required();
  app.add_option("--cert", opt.cert, "Client certificate chain")->required();
  app.add_option("--key", opt.key, "Client private key")->required();
  app.add_option("--method", opt.method, "HTTP method");
  app.add_option("--path", opt.path, "Request target");
  app.add_option("--body-file", opt.body_file, "Request body (JSON) from this file");
  app.add_option("-H,--header", opt.headers, "Extra header 'Name: value'");
  app.add_option("-c,--connections", opt.connections, "Concurrent connections");
  app.add_option("-t,--threads", opt.threads, "Client I/O threads");
  app.add_option("-d,--duration", opt.duration, "Measured seconds");
  app.add_option("--warmup", opt.warmup, "Seconds before measuring");
  CLI11_PARSE(app, argc, argv);

  Shared s;
  s.opt = opt;
  if (!opt.body_file.empty()) {
    auto body = silta::read_file(opt.body_file);
    if (!body) {
      std::cerr << body.error().message << "\n";
      return 2;
    }
    s.body = *body;
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(opt.ca);
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.use_certificate_chain_file(opt.cert);
  ctx.use_private_key_file(opt.key, ssl::context::pem);

  asio::io_context ioc(opt.threads);
  std::vector<std::vector<std::uint32_t>> latencies(static_cast<std::size_t>(opt.connections));
  auto now = Clock::now();
  s.measure_from =
      now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.warmup));
  s.stop_at = s.measure_from + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(opt.duration));
  for (auto& lat : latencies) {
    lat.reserve(1 << 16);
    asio::co_spawn(ioc, connection(s, ctx, lat), asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < opt.threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();

  std::vector<std::uint32_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) -> std::uint32_t {
    if (all.empty()) return 0;
    auto i = static_cast<std::size_t>(p * static_cast<double>(all.size() - 1));
    return all[i];
  };
  nlohmann::json out = {{"completed_with_warmup", s.completed.load()},
                        {"requests", all.size()},
                        {"errors", s.errors.load()},
                        {"non_2xx", s.non_2xx.load()},
                        {"connections", opt.connections},
                        {"seconds", opt.duration},
                        {"rps", static_cast<double>(all.size()) / opt.duration},
                        {"p50_us", pct(0.50)},
                        {"p90_us", pct(0.90)},
                        {"p99_us", pct(0.99)},
                        {"max_us", all.empty() ? 0 : all.back()}};
  std::cout << out.dump() << "\n";
  return all.empty() ? 1 : 0;
}
