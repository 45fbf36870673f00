#include "gateway/config.h"

#include <boost/asio/ip/address.hpp>

#include "common/files.h"
#include "gateway/config_tls.h"

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

void parse_server_tls(Object& o, const fs::path& base, TlsConfig& tls) {
  if (auto p = file_path(o, "certificate", Need::kRequired, base)) tls.certificate = *p;
  if (auto p = file_path(o, "private_key", Need::kRequired, base)) {
    tls.private_key = *p;
    if (auto s = check_secret_file_mode(*p); !s) {
      o.issues().add(o.path_of("private_key"), s.error().message);
    }
  }
  tls.allow_tls12 = o.boolean_or("allow_tls12", false);
}

namespace {

Millis millis(Object& o, std::string_view key, Millis fallback) {
  return Millis(o.integer_or(key, fallback.count(), 1, 24LL * 3600 * 1000));
}

void parse_admin(Object& o, AdminConfig& admin) {
  parse_listener(o, admin);
  admin.allow_remote = o.boolean_or("allow_remote", false);
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(admin.address, ec);
  if (!ec && !addr.is_loopback() && !admin.allow_remote) {
    o.issues().add(o.path_of("address"),
                   "expected a loopback address (the admin listener has no authentication); set "
                   "allow_remote to expose it deliberately");
  }
}

void parse_tls(Object& o, const fs::path& base, TlsConfig& tls) {
  parse_server_tls(o, base, tls);
  if (auto p = file_path(o, "client_ca", Need::kRequired, base)) tls.client_ca = *p;
  if (auto p = file_path(o, "client_intermediates", Need::kOptional, base)) {
    tls.client_intermediates = *p;
  }
  if (auto p = file_path(o, "crl", Need::kOptional, base)) tls.crl = *p;
}

std::size_t size_or(Object& o, std::string_view key, std::size_t fallback, std::int64_t min,
                    std::int64_t max) {
  return static_cast<std::size_t>(o.integer_or(key, static_cast<std::int64_t>(fallback), min, max));
}

void parse_limits(Object& o, Limits& l) {
  // Beast cannot hold a header field of 65534 bytes or more (it throws): the header limit stays
  // below that.
  l.max_header_bytes = size_or(o, "max_header_bytes", l.max_header_bytes, 1024,
                               static_cast<std::int64_t>(kMaxHeaderBytes));
  l.max_header_fields = size_or(o, "max_header_fields", l.max_header_fields, 1, 1000);
  l.max_body_bytes = size_or(o, "max_body_bytes", l.max_body_bytes, 0, 64 << 20);
  l.max_connections = size_or(o, "max_connections", l.max_connections, 1, 1000000);
  l.reserved_connections = size_or(o, "reserved_connections", l.max_connections / 10, 0, 1000000);
  if (l.reserved_connections >= l.max_connections) {
    o.issues().add(o.path_of("reserved_connections"),
                   "expected fewer than max_connections, so that a client can still connect to "
                   "authenticate");
  }
  l.max_connections_per_address =
      size_or(o, "max_connections_per_address", l.max_connections_per_address, 1, 1000000);
}

void parse_timeouts(Object& o, Timeouts& t) {
  t.handshake = millis(o, "handshake_ms", t.handshake);
  t.read = millis(o, "read_ms", t.read);
  t.idle = millis(o, "idle_ms", t.idle);
  t.write = millis(o, "write_ms", t.write);
  t.shutdown_grace = millis(o, "shutdown_grace_ms", t.shutdown_grace);
}

void parse_exchange(Object& o, ExchangeConfig& e) {
  e.adapter_timeout = millis(o, "adapter_timeout_ms", e.adapter_timeout);
  e.idempotency_ttl = std::chrono::hours(o.integer_or("idempotency_ttl_hours", 24, 1, 24 * 365));
  e.max_embargo = std::chrono::days(o.integer_or("max_embargo_days", 730, 1, 3650));
}

void parse_referrals(Object& o, ReferralsConfig& r) {
  r.worker = o.boolean_or("worker", r.worker);
  r.poll_interval = millis(o, "poll_interval_ms", r.poll_interval);
  r.batch =
      static_cast<std::size_t>(o.integer_or("batch", static_cast<std::int64_t>(r.batch), 1, 1000));
  r.lease = millis(o, "lease_ms", r.lease);
  r.max_attempts = static_cast<int>(o.integer_or("max_attempts", r.max_attempts, 1, 1000));
  r.backoff_initial = millis(o, "backoff_initial_ms", r.backoff_initial);
  r.backoff_max = millis(o, "backoff_max_ms", r.backoff_max);
  r.metrics_interval = millis(o, "metrics_interval_ms", r.metrics_interval);
  if (r.backoff_max < r.backoff_initial) {
    o.issues().add(o.path_of("backoff_max_ms"), "expected at least backoff_initial_ms");
  }
}

void parse_console(Object& o, const fs::path& base_dir, ConsoleConfig& console) {
  console.enabled = o.boolean_or("enabled", console.enabled);
  if (auto d = o.string("assets_dir")) {
    fs::path dir = resolve_path(base_dir, *d);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      o.issues().add(o.path_of("assets_dir"),
                     "expected the console's directory; " + dir.string() + " is not one");
    }
    console.assets_dir = dir;
  }
}

// A name as one text for every language, or {"fi": …, "sv": …, "en": …}.
std::optional<Texts> parse_names(Object& o, std::string_view key) {
  const nlohmann::json* v = o.any(key, Need::kRequired);
  if (v == nullptr) return std::nullopt;
  const json_check::TextRule rule{.min_bytes = 1, .max_bytes = 200};
  if (v->is_string()) {
    auto t = o.text(key, Need::kRequired, rule);
    if (!t) return std::nullopt;
    return Texts{*t, *t, *t};
  }
  auto names = o.object(key, Need::kRequired);
  if (!names) return std::nullopt;
  Texts t;
  bool ok = true;
  for (Lang l : kLangs) {
    auto text = names->text(lang_code(l), Need::kRequired, rule);
    ok = ok && text.has_value();
    if (text) (l == Lang::kFi ? t.fi : l == Lang::kSv ? t.sv : t.en) = *text;
  }
  names->no_other_keys();
  if (!ok) return std::nullopt;
  return t;
}

void parse_controller(Object& o, std::optional<ControllerConfig>& out) {
  ControllerConfig c;
  auto name = parse_names(o, "name");
  bool ok = name.has_value();
  if (auto po = o.object("privacy_officer", Need::kRequired)) {
    auto email = po->text("email", Need::kRequired, {.min_bytes = 3, .max_bytes = 254});
    if (email && (email->find('@') == std::string::npos || email->find(' ') != std::string::npos)) {
      po->issues().add(po->path_of("email"),
                       "expected an e-mail address, e.g. tietosuoja@example.fi");
      email.reset();
    }
    ok = ok && email.has_value();
    c.email = email.value_or("");
    c.phone = po->text("phone", Need::kOptional, {.min_bytes = 1, .max_bytes = 40}).value_or("");
    c.address =
        po->text("address", Need::kOptional, {.min_bytes = 1, .max_bytes = 300}).value_or("");
    po->no_other_keys();
  } else {
    ok = false;
  }
  if (!ok) return;
  c.name = std::move(*name);
  out = std::move(c);
}

void parse_log(Object& o, LogConfig& log) {
  auto format = o.string_or("format", "text");
  if (format != "text" && format != "json") {
    o.issues().add(o.path_of("format"), "expected \"text\" or \"json\"");
  }
  log.json = format == "json";
  log.level = o.string_or("level", log.level);
  static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
  if (!levels.count(log.level)) {
    o.issues().add(o.path_of("level"), "expected one of trace, debug, info, warn, error");
  }
  log.access_log = o.boolean_or("access_log", true);
}

// Runs `parse` on the optional section `key` and refuses keys it does not know.
template <typename Parse>
void section(Object& root, std::string_view key, Need need, Parse parse) {
  if (auto o = root.object(key, need)) {
    parse(*o);
    o->no_other_keys();
  }
}

// The network side: listeners, TLS, limits, timeouts, threads.
void parse_transport(Object& root, const fs::path& base_dir, Config& c) {
  section(root, "listen", Need::kOptional, [&](Object& o) { parse_listener(o, c.listen); });
  section(root, "admin", Need::kOptional, [&](Object& o) { parse_admin(o, c.admin); });
  section(root, "tls", Need::kRequired, [&](Object& o) {
    const std::size_t before = o.issues().list().size();
    parse_tls(o, base_dir, c.tls);
    if (o.issues().list().size() == before && !c.tls.client_ca.empty()) {
      check_tls_files(c.tls, now_utc(), o.issues(), c.warnings);
    }
  });
  section(root, "limits", Need::kOptional, [&](Object& o) { parse_limits(o, c.limits); });
  section(root, "timeouts", Need::kOptional, [&](Object& o) { parse_timeouts(o, c.timeouts); });
  c.threads = static_cast<unsigned>(root.integer_or("threads", 0, 0, 256));
}

// The data: registry, data directory, catalog, audit log, store, adapters.
void parse_data(Object& root, const fs::path& base_dir, Config& c) {
  auto& issues = root.issues();
  if (auto p = file_path(root, "registry", Need::kRequired, base_dir)) {
    c.registry_file = *p;
    c.registry = load_registry_file(*p, issues);
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
  // Adapters without their own timeout_ms take exchange.adapter_timeout_ms (parsed before).
  c.adapters.default_timeout = c.exchange.adapter_timeout;
  if (const auto* a = root.any("adapters")) {
    std::set<std::string> known;
    for (const auto& agency : c.registry.agencies()) known.insert(agency.id);
    c.adapters = adapters::parse_adapters_config(*a, base_dir, "/adapters", known,
                                                 c.exchange.adapter_timeout, issues);
  }
}

}  // namespace

Config parse_config(const nlohmann::json& doc, const fs::path& base_dir,
                    json_check::Issues& issues) {
  Config c;
  Object root(issues, doc, "");
  if (!root.valid()) return c;
  parse_transport(root, base_dir, c);
  section(root, "exchange", Need::kOptional, [&](Object& o) { parse_exchange(o, c.exchange); });
  parse_data(root, base_dir, c);
  section(root, "referrals", Need::kOptional, [&](Object& o) { parse_referrals(o, c.referrals); });
  if (c.referrals.lease <= c.adapters.longest_timeout()) {
    issues.add("/referrals/lease_ms",
               "expected more than every adapter's timeout (timeout_ms, else "
               "exchange.adapter_timeout_ms), so that a delivery still waiting for the agency "
               "system is not claimed by another worker");
  }
  section(root, "witnesses", Need::kOptional,
          [&](Object& o) { c.witnesses = parse_witnesses_config(o, base_dir); });
  section(root, "console", Need::kOptional,
          [&](Object& o) { parse_console(o, base_dir, c.console); });
  if (auto language = root.string("language")) {
    bool known = false;
    for (Lang l : kLangs) {
      if (*language == lang_code(l)) {
        c.language = l;
        known = true;
      }
    }
    if (!known) issues.add("/language", "expected \"fi\", \"sv\" or \"en\"");
  }
  section(root, "controller", Need::kOptional,
          [&](Object& o) { parse_controller(o, c.controller); });
  if (!root.has("controller")) {
    c.warnings.push_back(
        "controller is not set: the person's copy of the subject report cannot name the "
        "controller and its privacy officer (docs/configuration.md)");
  }
  section(root, "log", Need::kOptional, [&](Object& o) { parse_log(o, c.log); });
  section(root, "reload", Need::kOptional, [&](Object& o) {
    c.reload.interval =
        Millis(o.integer_or("interval_ms", c.reload.interval.count(), 0, 24LL * 3600 * 1000));
  });
  section(root, "auth_failures", Need::kOptional, [&](Object& o) {
    c.auth_failures.summary_interval = Millis(o.integer_or(
        "summary_interval_ms", c.auth_failures.summary_interval.count(), 1000, 3'600'000));
  });
  root.no_other_keys();
  return c;
}

Registry load_registry_file(const fs::path& file, json_check::Issues& issues) {
  json_check::Issues reg_issues;
  Registry registry = read_registry(file, reg_issues);
  for (const auto& i : reg_issues.list()) {
    issues.add("/registry", file.filename().string() + " " + (i.path.empty() ? "/" : i.path) +
                                ": " + i.message.en);
  }
  return registry;
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
