// The gateway's configuration: one JSON file, validated completely before anything is built
// from it (docs/configuration.md documents every key and its default).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/config.h"
#include "audit/config.h"
#include "common/json_check.h"
#include "common/lang.h"
#include "gateway/registry.h"
#include "store/config.h"

namespace silta::gateway {

using Millis = std::chrono::milliseconds;

struct ListenerConfig {
  std::string address;
  std::uint16_t port = 0;  // 0 = any free port (tests); the bound port goes to --ready-file
};

struct AdminConfig : ListenerConfig {
  bool allow_remote = false;  // off: the address must be a loopback address
};

struct TlsConfig {
  std::filesystem::path certificate;  // PEM chain: leaf first, then intermediates
  std::filesystem::path private_key;  // PEM, mode 0600
  std::filesystem::path client_ca;    // PEM trust anchors for agency certificates
  // PEM intermediate CAs of the federation, for clients that send only their own certificate.
  std::optional<std::filesystem::path> client_intermediates;
  std::optional<std::filesystem::path> crl;  // PEM CRL(s) of the issuing CA
  bool allow_tls12 = false;                  // TLS 1.2 with ECDHE + AEAD suites only
};

// Beast stores a field's name and value lengths in 16 bits and throws std::length_error at
// 65534 bytes; a header limit of at most this keeps every field below that.
inline constexpr std::size_t kMaxHeaderBytes = 65535;

struct Limits {
  std::size_t max_header_bytes = 8 * 1024;  // at most kMaxHeaderBytes
  std::size_t max_header_fields = 100;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_connections = 10000;
  // Slots that only registered agencies' connections use; default a tenth of max_connections.
  std::size_t reserved_connections = 1000;
  std::size_t max_connections_per_address = 64;  // unauthenticated connections per address
};

struct Timeouts {
  // The TLS handshake, and every read of a client that is not a registered agency.
  Millis handshake{5'000};
  Millis read{30'000};
  Millis idle{60'000};
  Millis write{30'000};
  Millis shutdown_grace{10'000};
};

// Reloading certificates, CRLs, the registry and the catalog (docs/operations.md).
struct ReloadConfig {
  Millis interval{60'000};  // also on SIGHUP; 0: on SIGHUP only
};

// Refused connections in the audit log (gateway/auth_failures.h).
struct AuthFailuresConfig {
  Millis summary_interval{60'000};  // one auth-failure record per interval at most
};

struct LogConfig {
  bool json = false;           // JSON lines instead of the human format
  std::string level = "info";  // trace, debug, info, warn, error
  bool access_log = true;
};

// How the API behaves (the "exchange" section).
struct ExchangeConfig {
  // The time budget of a call to an agency system whose adapter sets no timeout_ms
  // (AdaptersConfig::timeout_of is the rule).
  Millis adapter_timeout{5'000};
  // Idempotency-Key records are kept this long; a retry after that is a new request.
  std::chrono::hours idempotency_ttl{24};
  // The longest embargo a police crime-investigation disclosure may put on the subject's own
  // log-data report (ATL 11 §).
  std::chrono::days max_embargo{730};
};

// How referrals are delivered and watched (the "referrals" section, docs/referrals.md).
struct ReferralsConfig {
  bool worker = true;               // run a delivery worker in this instance
  Millis poll_interval{1'000};      // how often the worker looks for due deliveries when idle
  std::size_t batch = 32;           // deliveries claimed (and in flight) at a time
  Millis lease{60'000};             // a claim's lease; longer than every adapter's timeout
  int max_attempts = 24;            // then the referral is dead (dead letter)
  Millis backoff_initial{2'000};    // the first retry's delay, doubled per attempt...
  Millis backoff_max{3'600'000};    // ...up to this; each delay is jittered to 50-100 %
  Millis metrics_interval{15'000};  // how often overdue and per-state counts are refreshed
};

// The privacy officer's web console (the "console" section, docs/privacy-officer-guide.md).
struct ConsoleConfig {
  bool enabled = true;
  // The built console; unset: <the silta executable's directory>/../share/silta/console, where
  // both the build tree and an installation keep it (gateway/api/console.h).
  std::optional<std::filesystem::path> assets_dir;
};

// A witness the gateway submits its checkpoints to (C2SP tlog-witness; docs/witness.md).
struct WitnessEndpoint {
  audit::VerifierKey key;    // its cosignature/v1 key (type 0x04); its name names the witness
  std::string url;           // its submission prefix: https://host[:port][/path]
  std::filesystem::path ca;  // trust anchors for its TLS certificate (PEM)
};

// The "witnesses" section.
struct WitnessesConfig {
  std::vector<WitnessEndpoint> list;
  std::size_t quorum = 0;  // cosignatures that make a checkpoint witnessed; default: every witness
  Millis timeout{10'000};  // one submission
  Millis retry_initial{1'000};  // after a failure or a refusal, doubled per attempt...
  Millis retry_max{300'000};    // ...up to this; jittered to 50-100 %
};

// Who answers for the data the gateway processes (rekisterinpitäjä, GDPR Art 4(7)) and how a
// person reaches its privacy officer (tietosuojavastaava, Art 37-39): named in the person's copy
// of the subject report (docs/law.md, "The person's copy").
struct ControllerConfig {
  Texts name;           // the organisation's name in fi, sv and en
  std::string email;    // the privacy officer's e-mail address
  std::string phone;    // optional
  std::string address;  // optional postal address
};

struct Config {
  std::filesystem::path source;       // the file this came from
  std::vector<std::string> warnings;  // what works but needs attention (e.g. a CRL about to expire)
  ListenerConfig listen{"0.0.0.0", 8443};
  AdminConfig admin{{"127.0.0.1", 9090}, false};
  TlsConfig tls;
  Limits limits;
  Timeouts timeouts;
  unsigned threads = 0;  // 0 = one per core
  std::filesystem::path registry_file;
  Registry registry;
  std::filesystem::path data_dir;
  LogConfig log;
  AuthFailuresConfig auth_failures;
  ReloadConfig reload;
  std::filesystem::path catalog_dir;  // the legal-basis catalog (policy/catalogs/fi)
  audit::AuditConfig audit;
  store::StoreConfig store;
  adapters::AdaptersConfig adapters;  // per holder agency; agencies without one cannot be asked
  ExchangeConfig exchange;
  ReferralsConfig referrals;
  ConsoleConfig console;
  WitnessesConfig witnesses;
  // The language of an answer when the request asks for none of fi, sv, en (docs/api.md).
  Lang language = Lang::kFi;
  // Unset: the gateway starts, with a warning, and the person's copy of the subject report says
  // to ask the organisation that gave it for the controller's contact details.
  std::optional<ControllerConfig> controller;
};

// Pieces of the config shared with the witness service's (gateway/witness/config.h): a listener
// object, the server's own certificate, key and allow_tls12 of a "tls" object, a path relative
// to the config file's directory, and a file path that must exist.
void parse_listener(json_check::Object& o, ListenerConfig& l);
void parse_server_tls(json_check::Object& o, const std::filesystem::path& base, TlsConfig& tls);
std::filesystem::path resolve_path(const std::filesystem::path& base, const std::string& p);
std::optional<std::filesystem::path> file_path(json_check::Object& o, std::string_view key,
                                               json_check::Need need,
                                               const std::filesystem::path& base);

// The "witnesses" section (gateway/witness/config.cc).
WitnessesConfig parse_witnesses_config(json_check::Object& o, const std::filesystem::path& base);

// Parses and validates a config document. Relative paths are resolved against `base_dir`
// (the directory of the config file). Every problem is added to `issues`; files referenced by
// the config (registry, TLS files) are read and checked too.
Config parse_config(const nlohmann::json& doc, const std::filesystem::path& base_dir,
                    json_check::Issues& issues);

// Reads and parses the registry file; problems are added at /registry with the file's own name
// and JSON path (start-up and reloads).
Registry load_registry_file(const std::filesystem::path& file, json_check::Issues& issues);

// Reads `file` and parses it; problems in the registry file are reported with its name.
// Returns std::nullopt when there is any problem; `report` receives one line per problem.
std::optional<Config> load_config(const std::filesystem::path& file, std::string& report);

}  // namespace silta::gateway
