#include "tests/support/tls_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace silta::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

ClientCert cert_of(const std::string& name) {
  auto dir = certs_dir();
  return ClientCert{dir / (name + ".pem"), dir / (name + ".key")};
}

std::string HttpResult::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

struct TlsClient::Impl {
  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  std::string local_address;

  // Runs a coroutine on the private io_context, bounded by the timeout.
  template <typename T>
  T run(asio::awaitable<T> coro) {
    auto fut = asio::co_spawn(ioc, std::move(coro), asio::use_future);
    ioc.restart();
    ioc.run_for(timeout + std::chrono::seconds(1));
    if (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      stream.reset();
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(100));
      throw std::runtime_error("test client: operation timed out");
    }
    return fut.get();
  }

  asio::awaitable<std::string> do_connect() {
    tcp::resolver resolver(ioc);
    stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, ctx);
    buffer.clear();
    SSL_set_tlsext_host_name(stream->native_handle(), host.c_str());
    stream->set_verify_callback(ssl::host_name_verification(host));
    auto& tcp_stream = beast::get_lowest_layer(*stream);
    tcp_stream.expires_after(timeout);
    boost::system::error_code ec;
    auto results = co_await resolver.async_resolve(host, std::to_string(port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return "resolve: " + ec.message();
    if (!local_address.empty()) {
      auto& socket = tcp_stream.socket();
      socket.open(results.begin()->endpoint().protocol(), ec);
      if (!ec) socket.bind(tcp::endpoint(asio::ip::make_address(local_address), 0), ec);
      if (ec) co_return "bind: " + ec.message();
      co_await tcp_stream.async_connect(results.begin()->endpoint(),
                                        asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return "connect: " + ec.message();
    } else {
      co_await tcp_stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return "connect: " + ec.message();
    co_await stream->async_handshake(ssl::stream_base::client,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return "handshake: " + ec.message();
    co_return "";
  }

  asio::awaitable<HttpResult> read_response() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::get_lowest_layer(*stream).expires_after(timeout);
    boost::system::error_code ec;
    co_await http::async_read(*stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw std::runtime_error("test client: no response: " + ec.message());
    auto res = parser.release();
    HttpResult r;
    r.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    r.body = res.body();
    r.keep_alive = res.keep_alive();
    co_return r;
  }
};

TlsClient::TlsClient(std::string host, std::uint16_t port, std::optional<ClientCert> cert,
                     std::filesystem::path ca, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
  if (ca.empty()) ca = certs_dir() / "root-ca.pem";
  impl_->ctx.load_verify_file(ca.string());
  impl_->ctx.set_verify_mode(ssl::verify_peer);
  if (cert && cert->leaf_only) {
    SSL_CTX_set_mode(impl_->ctx.native_handle(), SSL_MODE_NO_AUTO_CHAIN);
    impl_->ctx.use_certificate_file(cert->cert.string(), ssl::context::pem);
    impl_->ctx.use_private_key_file(cert->key.string(), ssl::context::pem);
  } else if (cert) {
    impl_->ctx.use_certificate_chain_file(cert->cert.string());
    impl_->ctx.use_private_key_file(cert->key.string(), ssl::context::pem);
  }
}

TlsClient::~TlsClient() = default;
TlsClient::TlsClient(TlsClient&&) noexcept = default;
TlsClient& TlsClient::operator=(TlsClient&&) noexcept = default;

void TlsClient::bind_local(const std::string& address) { impl_->local_address = address; }

std::string TlsClient::connect() { return impl_->run(impl_->do_connect()); }

HttpResult TlsClient::request(const std::string& method, const std::string& target,
                              const std::string& body,
                              const std::map<std::string, std::string>& headers) {
  if (!impl_->stream) {
    auto err = connect();
    if (!err.empty()) throw std::runtime_error("test client: " + err);
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() && req.find(http::field::content_type) == req.end()) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = body;
  req.prepare_payload();
  auto* impl = impl_.get();
  return impl_->run([](Impl* impl,
                       http::request<http::string_body> req) -> asio::awaitable<HttpResult> {
    boost::system::error_code ec;
    beast::get_lowest_layer(*impl->stream).expires_after(impl->timeout);
    co_await http::async_write(*impl->stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw std::runtime_error("test client: write failed: " + ec.message());
    co_return co_await impl->read_response();
  }(impl, std::move(req)));
}

HttpResult TlsClient::post_json(const std::string& target, const nlohmann::json& body,
                                const std::map<std::string, std::string>& headers) {
  return request("POST", target, body.dump(), headers);
}

HttpResult TlsClient::raw(const std::string& bytes) {
  send(bytes);
  return read_response();
}

void TlsClient::send(const std::string& bytes) {
  if (!impl_->stream) {
    auto err = connect();
    if (!err.empty()) throw std::runtime_error("test client: " + err);
  }
  auto* impl = impl_.get();
  impl_->run([](Impl* impl, std::string bytes) -> asio::awaitable<int> {
    boost::system::error_code ec;
    beast::get_lowest_layer(*impl->stream).expires_after(impl->timeout);
    co_await asio::async_write(*impl->stream, asio::buffer(bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw std::runtime_error("test client: write failed: " + ec.message());
    co_return 0;
  }(impl, bytes));
}

HttpResult TlsClient::read_response() { return impl_->run(impl_->read_response()); }

bool TlsClient::closed_by_peer(std::chrono::milliseconds wait) {
  if (!impl_->stream) return true;
  auto* impl = impl_.get();
  return impl_->run([](Impl* impl, std::chrono::milliseconds wait) -> asio::awaitable<bool> {
    char byte;
    boost::system::error_code ec;
    beast::get_lowest_layer(*impl->stream).expires_after(wait);
    co_await impl->stream->async_read_some(asio::buffer(&byte, 1),
                                           asio::redirect_error(asio::use_awaitable, ec));
    co_return ec&& ec != beast::error::timeout;
  }(impl, wait));
}

}  // namespace silta::test
