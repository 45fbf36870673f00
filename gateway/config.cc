#include "gateway/config.h"

#include <boost/asio/ip/address.hpp>

#include "common/files.h"

namespace silta::gateway {

namespace fs = std::filesystem;
using json_check::Need;
using json_check::Object;

void parse_listener(Object& o, ListenerConfig& l) {
  l.address = o.string_or("address", l.address);
  boost::system::error_code ec;
  boost::asio::ip::make_address(l.address, ec);
  if (ec) o.issues().add(o.path_of("address"), "expected an IPv4 or IPv6 address");
  l.port = static_cast<std::uint16_t>(o.integer_or("port", l.port, 0, 65535));
}

fs::path resolve_path(const fs::path& base, const std::string& p) {
  fs::path path(p);
  return path.is_absolute() ? path : base / path;
}

std::optional<fs::path> file_path(Object& o, std::string_view key, Need need,
                                  const fs::path& base) {
  auto s = o.string(key, need);
  if (!s) return std::nullopt;
  fs::path p = resolve_path(base, *s);
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) {
    o.issues().add(o.path_of(key), "expected a readable file; " + p.string() + " does not exist");
    return std::nullopt;
  }
  return p;
}

namespace {

Millis millis(Object& o, std::string_view key, Millis fallback) {
  return Millis(o.integer_or(key, fallback.count(), 1, 24LL * 3600 * 1000));
}

}  // namespace

Config parse_config(const nlohmann::json& doc, const fs::path& base_dir,
                    json_check::Issues& issues) {
  Config c;
  Object root(issues, doc, "");
  if (!root.valid()) return c;

  if (auto o = root.object("listen")) {
    parse_listener(*o, c.listen);
    o->no_other_keys();
  }
  if (auto o = root.object("admin")) {
    parse_listener(*o, c.admin);
    c.admin.allow_remote = o->boolean_or("allow_remote", false);
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(c.admin.address, ec);
    if (!ec && !addr.is_loopback() && !c.admin.allow_remote) {
      issues.add(o->path_of("address"),
                 "expected a loopback address (the admin listener has no authentication); set "
                 "allow_remote to expose it deliberately");
    }
    o->no_other_keys();
  }
  if (auto o = root.object("tls", Need::kRequired)) {
    if (auto p = file_path(*o, "certificate", Need::kRequired, base_dir)) c.tls.certificate = *p;
    if (auto p = file_path(*o, "private_key", Need::kRequired, base_dir)) {
      c.tls.private_key = *p;
      if (auto s = check_secret_file_mode(*p); !s) {
        issues.add(o->path_of("private_key"), s.error().message);
      }
    }
    if (auto p = file_path(*o, "client_ca", Need::kRequired, base_dir)) c.tls.client_ca = *p;
    if (auto p = file_path(*o, "crl", Need::kOptional, base_dir)) c.tls.crl = *p;
    c.tls.allow_tls12 = o->boolean_or("allow_tls12", false);
    o->no_other_keys();
  }
  if (auto o = root.object("limits")) {
    c.limits.max_header_bytes = static_cast<std::size_t>(o->integer_or(
        "max_header_bytes", static_cast<std::int64_t>(c.limits.max_header_bytes), 1024, 1 << 20));
    c.limits.max_body_bytes = static_cast<std::size_t>(o->integer_or(
        "max_body_bytes", static_cast<std::int64_t>(c.limits.max_body_bytes), 0, 64 << 20));
    c.limits.max_connections = static_cast<std::size_t>(o->integer_or(
        "max_connections", static_cast<std::int64_t>(c.limits.max_connections), 1, 1000000));
    o->no_other_keys();
  }
  if (auto o = root.object("timeouts")) {
    c.timeouts.handshake = millis(*o, "handshake_ms", c.timeouts.handshake);
    c.timeouts.read = millis(*o, "read_ms", c.timeouts.read);
    c.timeouts.idle = millis(*o, "idle_ms", c.timeouts.idle);
    c.timeouts.write = millis(*o, "write_ms", c.timeouts.write);
    c.timeouts.shutdown_grace = millis(*o, "shutdown_grace_ms", c.timeouts.shutdown_grace);
    o->no_other_keys();
  }
  c.threads = static_cast<unsigned>(root.integer_or("threads", 0, 0, 256));

  if (auto p = file_path(root, "registry", Need::kRequired, base_dir)) {
    c.registry_file = *p;
    auto text = read_file(*p);
    if (!text) {
      issues.add("/registry", text.error().message);
    } else {
      auto doc_reg = nlohmann::json::parse(*text, nullptr, false);
      if (doc_reg.is_discarded()) {
        issues.add("/registry", p->string() + " is not valid JSON");
      } else {
        json_check::Issues reg_issues;
        c.registry = parse_registry(doc_reg, reg_issues);
        for (const auto& i : reg_issues.list()) {
          issues.add("/registry", p->filename().string() + " " + (i.path.empty() ? "/" : i.path) +
                                      ": " + i.message);
        }
      }
    }
  }
  if (auto d = root.string("data_dir", Need::kRequired)) c.data_dir = resolve_path(base_dir, *d);

  if (auto d = root.string("catalog", Need::kRequired)) {
    c.catalog_dir = resolve_path(base_dir, *d);
    std::error_code ec;
    if (!fs::is_directory(c.catalog_dir, ec)) {
      issues.add("/catalog",
                 "expected a catalog directory; " + c.catalog_dir.string() + " is not one");
    }
  }
  if (auto o = root.object("audit", Need::kRequired)) {
    c.audit = audit::parse_audit_config(*o, base_dir);
  }
  if (auto o = root.object("store")) {
    c.store = store::parse_store_config(*o, base_dir, c.data_dir);
  } else {
    c.store = store::default_store_config(c.data_dir);
  }
  if (const auto* a = root.any("adapters")) {
    std::set<std::string> known;
    for (const auto& agency : c.registry.agencies()) known.insert(agency.id);
    c.adapters = adapters::parse_adapters_config(*a, base_dir, "/adapters", known, issues);
  }
  if (auto o = root.object("exchange")) {
    c.exchange.adapter_timeout = millis(*o, "adapter_timeout_ms", c.exchange.adapter_timeout);
    c.exchange.idempotency_ttl =
        std::chrono::hours(o->integer_or("idempotency_ttl_hours", 24, 1, 24 * 365));
    c.exchange.max_embargo = std::chrono::days(o->integer_or("max_embargo_days", 730, 1, 3650));
    o->no_other_keys();
  }
  if (auto o = root.object("referrals")) {
    auto& r = c.referrals;
    r.worker = o->boolean_or("worker", r.worker);
    r.poll_interval = millis(*o, "poll_interval_ms", r.poll_interval);
    r.batch = static_cast<std::size_t>(
        o->integer_or("batch", static_cast<std::int64_t>(r.batch), 1, 1000));
    r.lease = millis(*o, "lease_ms", r.lease);
    r.max_attempts = static_cast<int>(o->integer_or("max_attempts", r.max_attempts, 1, 1000));
    r.backoff_initial = millis(*o, "backoff_initial_ms", r.backoff_initial);
    r.backoff_max = millis(*o, "backoff_max_ms", r.backoff_max);
    r.metrics_interval = millis(*o, "metrics_interval_ms", r.metrics_interval);
    if (r.backoff_max < r.backoff_initial) {
      issues.add(o->path_of("backoff_max_ms"), "expected at least backoff_initial_ms");
    }
    o->no_other_keys();
  }
  if (c.referrals.lease <= c.exchange.adapter_timeout) {
    issues.add("/referrals/lease_ms",
               "expected more than exchange.adapter_timeout_ms, so that a delivery still "
               "waiting for the agency system is not claimed by another worker");
  }

  if (auto o = root.object("witnesses")) c.witnesses = parse_witnesses_config(*o, base_dir);
  if (auto o = root.object("log")) {
    auto format = o->string_or("format", "text");
    if (format != "text" && format != "json") {
      issues.add(o->path_of("format"), "expected \"text\" or \"json\"");
    }
    c.log.json = format == "json";
    c.log.level = o->string_or("level", c.log.level);
    static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
    if (!levels.count(c.log.level)) {
      issues.add(o->path_of("level"), "expected one of trace, debug, info, warn, error");
    }
    c.log.access_log = o->boolean_or("access_log", true);
    o->no_other_keys();
  }
  root.no_other_keys();
  return c;
}

std::optional<Config> load_config(const fs::path& file, std::string& report) {
  auto text = read_file(file);
  if (!text) {
    report = text.error().message + "\n";
    return std::nullopt;
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    report = file.string() + ": not valid JSON: " + e.what() + "\n";
    return std::nullopt;
  }
  json_check::Issues issues;
  fs::path base = fs::absolute(file).parent_path();
  Config c = parse_config(doc, base, issues);
  if (!issues.empty()) {
    report = issues.format(file.string() + ": ");
    return std::nullopt;
  }
  c.source = file;
  return c;
}

}  // namespace silta::gateway
