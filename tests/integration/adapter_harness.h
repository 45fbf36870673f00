// What the adapter integration tests share: an I/O context with two threads (as in the
// gateway), an event sink that records, and endpoints that present the gateway's certificate.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "adapters/endpoint.h"
#include "adapters/events.h"
#include "adapters/https_client.h"
#include "tests/support/temp_dir.h"

namespace silta::test {

inline const std::regex& identity_code_pattern() {
  static const std::regex re("[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]");
  return re;
}

class AdapterHarness {
 public:
  AdapterHarness() {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~AdapterHarness() {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }

  adapters::EventSink sink() {
    return [this](const adapters::AdapterEvent& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
    };
  }
  std::vector<adapters::AdapterEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::size_t count(const std::string& name) {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count_if(events_.begin(), events_.end(),
                                                  [&](const auto& e) { return e.name == name; }));
  }
  // Every recorded event, as text: for "no identity code anywhere" checks.
  std::string events_text() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& e : events_) out += e.name + " " + e.fields.dump() + "\n";
    return out;
  }

  // An endpoint presenting the gateway's certificate, trusting the federation root.
  std::shared_ptr<adapters::Endpoint> endpoint(const std::string& url,
                                               adapters::EndpointSettings settings = {},
                                               const std::string& agency = "kokkola-perusopetus") {
    auto parsed = adapters::parse_https_url(url, false);
    REQUIRE(parsed);
    settings.url = *parsed;
    auto certs = certs_dir();
    auto tls = adapters::make_client_tls_context(certs / "root-ca.pem", certs / "gateway.pem",
                                                 certs / "gateway.key");
    REQUIRE(tls.ok());
    return std::make_shared<adapters::Endpoint>(agency, settings, executor(), *tls, sink());
  }

  // Runs a coroutine on the I/O threads and waits for it (bounded, so a test cannot hang).
  template <typename T>
  T run(boost::asio::awaitable<T> coro) {
    std::optional<T> out;
    auto f = boost::asio::co_spawn(ioc_, into(std::move(coro), &out), boost::asio::use_future);
    REQUIRE(f.wait_for(std::chrono::seconds(120)) == std::future_status::ready);
    f.get();
    return std::move(*out);
  }

 private:
  // co_spawn needs a default-constructible result type; Result is not one.
  template <typename T>
  static boost::asio::awaitable<void> into(boost::asio::awaitable<T> coro, std::optional<T>* out) {
    out->emplace(co_await std::move(coro));
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<adapters::AdapterEvent> events_;
};

}  // namespace silta::test
