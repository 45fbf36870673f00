// `silta adapter serve-demo` (the demo agency systems served over the adapter protocol with
// mutual TLS) and `silta adapter check` (the conformance kit).
#include <openssl/pem.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include <boost/asio/signal_set.hpp>

#include "adapters/conformance.h"
#include "adapters/demo_adapter.h"
#include "adapters/protocol.h"
#include "adapters/protocol_service.h"
#include "common/files.h"
#include "gateway/app.h"
#include "gateway/cli/commands.h"
#include "gateway/http/server.h"
#include "gateway/http/tls.h"
#include "gateway/logging.h"

namespace silta::cli {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using adapters::ProtocolService;
using adapters::ServiceReply;
using gateway::http::verb;

namespace {

struct ServeDemoOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8444;
  std::uint16_t admin_port = 0;
  std::string certificate, private_key, ca, crl;
  std::vector<std::string> client_certs;
  std::string ready_file;
  std::string log_format = "text";
};

// The callers the service accepts: the SPKI pins of the given certificates (the gateway's).
gateway::Registry callers(const std::vector<std::string>& files) {
  std::vector<gateway::Agency> agencies;
  for (const auto& file : files) {
    FILE* f = std::fopen(file.c_str(), "r");
    if (f == nullptr) throw std::runtime_error("cannot read the client certificate " + file);
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (cert == nullptr) throw std::runtime_error("no PEM certificate in " + file);
    gateway::Agency a;
    a.id = "caller-" + std::to_string(agencies.size() + 1) + "-" + fs::path(file).stem().string();
    a.name = "allowed caller " + file;
    a.roles = {gateway::Role::kAgency};
    a.spki_sha256 = {gateway::spki_pin(cert)};
    X509_free(cert);
    agencies.push_back(std::move(a));
  }
  return gateway::Registry(std::move(agencies));
}

gateway::Response to_response(const ServiceReply& r) {
  gateway::Response out;
  out.status = r.status;
  out.content_type = r.content_type;
  out.body = r.body;
  return out;
}

void add_protocol_routes(gateway::Router& router, std::shared_ptr<ProtocolService> service) {
  const std::vector<gateway::Role> callers = {gateway::Role::kAgency};
  using gateway::RequestContext;
  using gateway::Response;
  router.add(verb::get, std::string(adapters::protocol::kVersionsPath), callers,
             [service](RequestContext&) -> asio::awaitable<Response> {
               co_return to_response(service->versions());
             });
  router.add(verb::get, std::string(adapters::protocol::kHealthPath), callers,
             [service](RequestContext&) -> asio::awaitable<Response> {
               co_return to_response(co_await service->health());
             });
  router.add(verb::post, std::string(adapters::protocol::kFetchPath), callers,
             [service](RequestContext& ctx) -> asio::awaitable<Response> {
               std::optional<std::vector<std::string>> categories;
               auto header = ctx.request.find(adapters::protocol::kCatalogCategoriesHeader);
               if (header != ctx.request.end()) {
                 categories = adapters::protocol::categories_of_header(header->value());
               }
               co_return to_response(co_await service->fetch(ctx.body, std::move(categories)));
             });
  router.add(verb::put, std::string(adapters::protocol::kReferralsPath) + "{id}", callers,
             [service](RequestContext& ctx) -> asio::awaitable<Response> {
               co_return to_response(co_await service->deliver(ctx.params["id"], ctx.body));
             });
}

int serve_demo(const ServeDemoOptions& o) {
  logging::setup(o.log_format == "json", "info");
  try {
    gateway::Config config;
    config.listen = {o.address, o.port};
    config.admin = {{"127.0.0.1", o.admin_port}, false};
    config.tls.certificate = o.certificate;
    config.tls.private_key = o.private_key;
    config.tls.client_ca = o.ca;
    if (!o.crl.empty()) config.tls.crl = fs::path(o.crl);
    if (auto s = check_secret_file_mode(o.private_key); !s) {
      throw std::runtime_error(s.error().message);
    }
    config.registry = callers(o.client_certs);
    config.threads = 2;

    auto demo = adapters::DemoAdapter::builtin();
    gateway::Router router;
    add_protocol_routes(router, std::make_shared<ProtocolService>(demo));
    gateway::Server server(config, std::move(router), std::make_shared<gateway::Metrics>());
    server.bind();

    asio::signal_set signals(server.io_context(), SIGINT, SIGTERM);
    signals.async_wait([&server](const boost::system::error_code& ec, int) {
      if (!ec) server.shutdown();
    });
    logging::info("adapter_serving", {{"port", server.port()},
                                      {"admin_port", server.admin_port()},
                                      {"agencies", demo->health_now().agencies.size()}});
    if (!o.ready_file.empty()) {
      nlohmann::json ready = {{"port", server.port()},
                              {"admin_port", server.admin_port()},
                              {"pid", static_cast<int>(::getpid())}};
      if (auto s = write_file_atomic(o.ready_file, ready.dump() + "\n"); !s) {
        throw std::runtime_error(s.error().message);
      }
    }
    server.run();
    logging::shutdown();
    return kOk;
  } catch (const std::exception& e) {
    logging::error("startup_failed", {{"error", e.what()}});
    logging::shutdown();
    std::cerr << "silta adapter serve-demo: " << e.what() << "\n";
    return kFailed;
  }
}

void add_serve_demo(CLI::App& adapter) {
  auto o = std::make_shared<ServeDemoOptions>();
  auto* cmd = adapter.add_subcommand(
      "serve-demo",
      "Serve the demo agency systems (child welfare, mental health, substance services, "
      "student welfare, school, police) over the adapter protocol with mutual TLS.");
  cmd->add_option("--address", o->address, "Listen address")->capture_default_str();
  cmd->add_option("--port", o->port, "Listen port (0 = any free port)")->capture_default_str();
  cmd->add_option("--admin-port", o->admin_port,
                  "Port of the loopback /health, /ready, /metrics listener (0 = any)")
      ->capture_default_str();
  cmd->add_option("--cert", o->certificate, "Server certificate chain (PEM), e.g. adapter.pem")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--key", o->private_key, "Its private key (PEM, mode 0600)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--ca", o->ca, "CA the callers' certificates must chain to")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--crl", o->crl, "CRLs of the federation CAs (PEM)")->check(CLI::ExistingFile);
  cmd->add_option("--client-cert", o->client_certs,
                  "Certificate of a caller that may connect (the gateway's); repeatable")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--ready-file", o->ready_file,
                  "Write {\"port\",\"admin_port\",\"pid\"} here once listening");
  cmd->add_option("--log-format", o->log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->callback([o] {
    int rc = serve_demo(*o);
    if (rc != kOk) throw CLI::RuntimeError(rc);
  });
}

// What `silta adapter check` is given, as parsed.
struct CheckArgs {
  adapters::ConformanceOptions options;
  long max_p95 = options.max_p95.count();
  long timeout = options.timeout.count();
  bool no_deliver = false;
  std::string registry_file;
  std::string catalog_dir;
};

// Agencies the registry marks as receiving no referrals are not asked to take one.
void skip_agencies_without_referrals(const std::string& registry_file,
                                     adapters::ConformanceOptions& options) {
  json_check::Issues issues;
  auto registry = gateway::read_registry(registry_file, issues);
  if (!issues.empty()) {
    std::cerr << "silta adapter check: " << registry_file << " is not a valid registry:\n"
              << issues.format(registry_file + " ");
    throw CLI::RuntimeError(kBadInput);
  }
  for (const auto& a : registry.agencies()) {
    if (!a.receives_referrals) options.agencies_without_referrals.insert(a.id);
  }
}

void run_check(const CheckArgs& args) {
  auto options = args.options;
  options.max_p95 = adapters::Millis(args.max_p95);
  options.timeout = adapters::Millis(args.timeout);
  options.deliver = !args.no_deliver;
  if ((options.other_certificate.empty()) != (options.other_private_key.empty())) {
    std::cerr << "silta adapter check: --other-cert and --other-key go together\n";
    throw CLI::RuntimeError(kBadInput);
  }
  if (!args.registry_file.empty()) skip_agencies_without_referrals(args.registry_file, options);
  if (!args.catalog_dir.empty()) {
    auto load = policy::load_catalog(args.catalog_dir);
    if (!load.catalog) {
      std::cerr << "silta adapter check: the catalog in " << args.catalog_dir << " is not valid:\n"
                << policy::format_problems(load.problems);
      throw CLI::RuntimeError(kBadInput);
    }
    options.catalog = gateway::catalog_stamp(*load.catalog);
  }
  auto report = adapters::run_conformance(options);
  std::cout << report.format();
  if (!report.passed()) throw CLI::RuntimeError(kFailed);
}

void add_check(CLI::App& adapter) {
  auto args = std::make_shared<CheckArgs>();
  adapters::ConformanceOptions* o = &args->options;
  auto* cmd = adapter.add_subcommand(
      "check",
      "Run the conformance kit against an adapter service: pass or fail per check, with the "
      "reason. Exit status 0 when every check passes, 1 when one fails.");
  cmd->add_option("--url", o->url, "The adapter service's base URL, https://host:port")->required();
  cmd->add_option("--ca", o->ca, "CA its server certificate must chain to")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--cert", o->certificate, "Client certificate to present (the gateway's)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--key", o->private_key, "Its private key")->required()->check(CLI::ExistingFile);
  cmd->add_option("--agency", o->agency,
                  "The agency whose register to check (default: the first in /health)");
  cmd->add_option("--subject", o->subject,
                  "Identity code of a test person your system knows (default: the demo's)");
  cmd->add_option("--unknown-subject", o->unknown_subject,
                  "Identity code your system does not know");
  cmd->add_option("--other-cert", o->other_certificate,
                  "A federation client certificate that is not the gateway's (e.g. an agency's): "
                  "the adapter must refuse it")
      ->check(CLI::ExistingFile);
  cmd->add_option("--other-key", o->other_private_key, "Its private key")->check(CLI::ExistingFile);
  cmd->add_flag("--no-deliver", args->no_deliver,
                "Skip the referral checks (they create test referrals in the system)");
  auto* registry = cmd->add_option(
      "--registry", args->registry_file,
      "The gateway's registry: an agency with \"receives_referrals\": false is not asked to "
      "take referrals");
  registry->check(CLI::ExistingFile);
  cmd->add_option("--catalog", args->catalog_dir,
                  "The catalog in force (a directory such as policy/catalogs/fi): its version "
                  "and categories go with every call, as the gateway sends them")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--requests", o->load_requests, "Fetches in the load check")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--concurrency", o->load_concurrency, "Concurrent fetches in the load check")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--max-p95-ms", args->max_p95, "Largest acceptable 95th percentile latency")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  cmd->add_option("--timeout-ms", args->timeout, "Timeout of each request")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  cmd->callback([args] { run_check(*args); });
}

}  // namespace

void add_adapter_commands(CLI::App& app) {
  auto* adapter = app.add_subcommand("adapter", "Agency system adapters: demo and conformance.");
  adapter->require_subcommand(1);
  add_serve_demo(*adapter);
  add_check(*adapter);
}

}  // namespace silta::cli
