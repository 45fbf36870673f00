#include "gateway/witness/config.h"

#include <set>

#include "adapters/url.h"
#include "common/files.h"

namespace silta::gateway::witness {

namespace fs = std::filesystem;
using json_check::Need;
using json_check::Object;

WitnessServiceConfig parse_witness_config(const nlohmann::json& doc, const fs::path& base_dir,
                                          json_check::Issues& issues) {
  WitnessServiceConfig c;
  Object root(issues, doc, "");
  if (!root.valid()) return c;
  if (auto o = root.object("listen")) {
    parse_listener(*o, c.listen);
    o->no_other_keys();
  }
  if (auto o = root.object("tls", Need::kRequired)) {
    parse_server_tls(*o, base_dir, c.tls);  // no client CA: anyone may submit a checkpoint
    o->no_other_keys();
  }
  if (auto p = file_path(root, "key", Need::kRequired, base_dir)) {
    c.key = *p;
    auto key = audit::SigningKey::load(*p);
    if (!key) {
      issues.add("/key", key.error().message);
    } else if (key->verifier().type() != audit::KeyType::kCosignatureV1) {
      issues.add("/key",
                 "expected a witness's cosignature key (type 0x04), as `silta keygen "
                 "--witness` writes it; this is a log's signing key");
    }
  }
  if (auto d = root.string("state_dir", Need::kRequired)) c.state_dir = resolve_path(base_dir, *d);
  c.max_connections = static_cast<std::size_t>(root.integer_or("max_connections", 1000, 1, 100000));
  if (const auto* logs = root.array("logs", Need::kRequired)) {
    std::set<std::string> origins;
    for (std::size_t i = 0; i < logs->size(); ++i) {
      std::string path = json_check::child_pointer("/logs", i);
      Object o(issues, (*logs)[i], path);
      if (!o.valid()) continue;
      audit::WitnessedLog log;
      if (auto origin = o.string("origin", Need::kRequired)) {
        log.origin = *origin;
        if (!audit::valid_key_name(log.origin)) {
          issues.add(o.path_of("origin"), "expected a log origin: no spaces or '+'");
        } else if (!origins.insert(log.origin).second) {
          issues.add(o.path_of("origin"), "the same origin twice");
        }
      }
      if (auto keys = o.strings("keys", Need::kRequired)) {
        if (keys->empty()) issues.add(o.path_of("keys"), "expected at least one key");
        for (std::size_t k = 0; k < keys->size(); ++k) {
          auto key = audit::VerifierKey::parse((*keys)[k]);
          std::string key_path = json_check::child_pointer(o.path_of("keys"), k);
          if (!key) {
            issues.add(key_path, key.error().message);
          } else if (key->type() != audit::KeyType::kEd25519) {
            issues.add(key_path, "expected a log's verifier key (type 0x01, audit.vkey)");
          } else {
            log.keys.push_back(std::move(*key));
          }
        }
      }
      o.no_other_keys();
      c.logs.push_back(std::move(log));
    }
  }
  root.no_other_keys();
  return c;
}

}  // namespace silta::gateway::witness

namespace silta::gateway {

WitnessesConfig parse_witnesses_config(json_check::Object& o, const std::filesystem::path& base) {
  WitnessesConfig c;
  auto millis = [&](std::string_view key, Millis fallback) {
    return Millis(o.integer_or(key, fallback.count(), 1, 24LL * 3600 * 1000));
  };
  c.timeout = millis("timeout_ms", c.timeout);
  c.retry_initial = millis("retry_initial_ms", c.retry_initial);
  c.retry_max = millis("retry_max_ms", c.retry_max);
  if (c.retry_max < c.retry_initial) {
    o.issues().add(o.path_of("retry_max_ms"), "expected at least retry_initial_ms");
  }
  if (const auto* list = o.array("list", json_check::Need::kRequired)) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
      json_check::Object w(o.issues(), (*list)[i], json_check::child_pointer(o.path_of("list"), i));
      if (!w.valid()) continue;
      std::optional<audit::VerifierKey> key;
      if (auto vkey = w.string("key", json_check::Need::kRequired)) {
        auto parsed = audit::VerifierKey::parse(*vkey);
        if (!parsed) {
          o.issues().add(w.path_of("key"), parsed.error().message);
        } else if (parsed->type() != audit::KeyType::kCosignatureV1) {
          o.issues().add(w.path_of("key"),
                         "expected a witness's verifier key (type 0x04, witness.vkey)");
        } else if (!names.insert(parsed->name()).second) {
          o.issues().add(w.path_of("key"), "the same witness twice");
        } else {
          key = std::move(*parsed);
        }
      }
      std::string url;
      if (auto u = w.string("url", json_check::Need::kRequired)) {
        if (!adapters::parse_https_url(*u, false)) {
          o.issues().add(w.path_of("url"),
                         "expected https://host[:port][/path] (the witness's submission prefix)");
        } else {
          url = *u;
        }
      }
      auto ca = file_path(w, "ca", json_check::Need::kRequired, base);
      w.no_other_keys();
      if (key && !url.empty() && ca) c.list.push_back({std::move(*key), url, *ca});
    }
  }
  c.quorum = static_cast<std::size_t>(
      o.integer_or("quorum", static_cast<std::int64_t>(c.list.size()), 0, 1000));
  if (c.quorum > c.list.size()) {
    o.issues().add(o.path_of("quorum"), "expected at most the number of witnesses in the list");
  }
  return c;
}

}  // namespace silta::gateway

namespace silta::gateway::witness {

std::optional<WitnessServiceConfig> load_witness_config(const fs::path& file, std::string& report) {
  auto text = read_file(file);
  if (!text) {
    report = text.error().message + "\n";
    return std::nullopt;
  }
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) {
    report = file.string() + ": not valid JSON\n";
    return std::nullopt;
  }
  json_check::Issues issues;
  auto c = parse_witness_config(doc, fs::absolute(file).parent_path(), issues);
  if (!issues.empty()) {
    report = issues.format(file.string() + ": ");
    return std::nullopt;
  }
  c.source = file;
  return c;
}

}  // namespace silta::gateway::witness
