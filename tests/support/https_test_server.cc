#include "tests/support/https_test_server.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <cstdio>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <set>

#include "tests/support/temp_dir.h"

namespace silta::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string fingerprint(X509* cert) {
  if (cert == nullptr) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return "";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

}  // namespace

std::string certificate_sha256(const std::string& pem_file) {
  FILE* f = std::fopen(pem_file.c_str(), "r");
  if (f == nullptr) return "";
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  std::string out = fingerprint(cert);
  X509_free(cert);
  return out;
}

std::string TestRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

TestResponse TestResponse::json(unsigned status, const std::string& body) {
  TestResponse r;
  r.status = status;
  r.body = body;
  return r;
}

TestResponse TestResponse::problem(unsigned status, const std::string& type_slug,
                                   const std::string& title) {
  TestResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = "{\"type\":\"urn:silta:problem:" + type_slug + "\",\"title\":\"" + title +
           "\",\"status\":" + std::to_string(status) + "}";
  return r;
}

struct HttpsTestServer::Impl {
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::thread accept_thread;
  std::mutex mu;
  std::vector<std::thread> connection_threads;
  std::set<int> open_fds;
};

HttpsTestServer::HttpsTestServer(TestHandler handler)
    : HttpsTestServer(std::move(handler), Options{}) {}

HttpsTestServer::HttpsTestServer(TestHandler handler, Options options)
    : impl_(std::make_unique<Impl>()), handler_(std::move(handler)) {
  auto certs = certs_dir();
  auto& ctx = impl_->ctx;
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.use_certificate_chain_file((certs / (options.cert_name + ".pem")).string());
  ctx.use_private_key_file((certs / (options.cert_name + ".key")).string(), ssl::context::pem);
  ctx.load_verify_file((certs / "root-ca.pem").string());
  if (options.require_client_cert) {
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] {
    for (;;) {
      tcp::socket socket(impl_->ioc);
      boost::system::error_code ec;
      impl_->acceptor.accept(socket, ec);
      if (stopping_) return;
      if (ec) continue;
      ++connections_;
      if (dead_) {
        socket.close(ec);
        continue;
      }
      int fd = socket.native_handle();
      std::lock_guard lock(impl_->mu);
      impl_->open_fds.insert(fd);
      impl_->connection_threads.emplace_back(
          [this, s = std::make_shared<tcp::socket>(std::move(socket))]() mutable {
            serve(s->release());
          });
    }
  });
}

HttpsTestServer::~HttpsTestServer() { stop(); }

void HttpsTestServer::set_handler(TestHandler handler) {
  std::lock_guard lock(handler_mu_);
  handler_ = std::move(handler);
}

void HttpsTestServer::block_until_released() {
  std::unique_lock lock(release_mu_);
  release_cv_.wait(lock, [this] { return released_ || stopping_.load(); });
}

void HttpsTestServer::release() {
  {
    std::lock_guard lock(release_mu_);
    released_ = true;
  }
  release_cv_.notify_all();
}

void HttpsTestServer::serve(int fd) {
  tcp::socket socket(impl_->ioc, tcp::v4(), fd);
  ssl::stream<tcp::socket> stream(std::move(socket), impl_->ctx);
  boost::system::error_code ec;
  stream.handshake(ssl::stream_base::server, ec);
  const std::string client =
      ec ? "" : fingerprint(SSL_get0_peer_certificate(stream.native_handle()));
  beast::flat_buffer buffer;
  while (!ec && !stopping_) {
    http::request<http::string_body> req;
    http::read(stream, buffer, req, ec);
    if (ec) break;
    ++requests_;
    TestRequest tr;
    tr.method = std::string(req.method_string());
    tr.target = std::string(req.target());
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      tr.headers[name] = std::string(f.value());
    }
    tr.body = req.body();
    tr.client_certificate_sha256 = client;
    TestHandler handler;
    {
      std::lock_guard lock(handler_mu_);
      handler = handler_;
    }
    TestResponse r = handler(tr);
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    res.set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.body() = r.body;
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(stream, res, ec);
    if (r.drop_connection || !req.keep_alive()) break;
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->open_fds.erase(stream.next_layer().native_handle());
  }
  stream.next_layer().close(ec);
}

void HttpsTestServer::stop() {
  if (stopping_.exchange(true)) return;
  release_cv_.notify_all();
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);  // wakes the blocking accept
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    for (int fd : impl_->open_fds) ::shutdown(fd, SHUT_RDWR);  // wakes blocking reads
    threads.swap(impl_->connection_threads);
  }
  for (auto& t : threads) t.join();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace silta::test
