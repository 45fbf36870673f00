// `silta db migrate`, `silta db status`, `silta db keygen`, `silta db requeue` and
// `silta db clear-audit-index`.
#include <iostream>

#include "gateway/cli/commands.h"
#include "store/cipher.h"
#include "store/store.h"

namespace silta::cli {

namespace {

struct DbOptions {
  std::string url;
  std::string key_file;
};

void add_store_options(CLI::App* cmd, DbOptions& o, bool key_required) {
  cmd->add_option("--store", o.url,
                  "Store URL: sqlite:PATH, or a PostgreSQL connection string "
                  "(postgresql://user@host/db or \"host=... dbname=...\")")
      ->required();
  auto* key = cmd->add_option("--key-file", o.key_file,
                              "Store key file (mode 0600); checked against the database");
  if (key_required) key->required();
}

// Opens the store or says why not (exit 2 for bad arguments, 1 when the database is not there).
std::unique_ptr<store::Store> open_or_explain(const DbOptions& o, const char* command) {
  store::StoreConfig config;
  config.url = o.url;
  config.key_file = o.key_file;
  config.pool_size = 1;
  if (!store::backend_of(o.url)) {
    std::cerr << "silta db " << command
              << ": --store: expected sqlite:PATH or a PostgreSQL connection string\n";
    throw CLI::RuntimeError(kBadInput);
  }
  auto s = store::open_store(config);
  if (!s) {
    std::cerr << "silta db " << command << ": " << store::redacted_url(o.url) << ": "
              << s.error().message << "\n";
    throw CLI::RuntimeError(s.error().code == ErrorCode::kUnavailable ? kFailed : kBadInput);
  }
  return std::move(*s);
}

void print_status(const std::string& url, const store::SchemaStatus& s) {
  std::cout << "store: " << s.backend << " " << store::redacted_url(url) << "\n"
            << "schema: version " << s.current_version << " of " << s.latest_version << "\n";
  if (s.pending.empty()) {
    std::cout << "up to date\n";
  } else {
    std::cout << "pending migrations:\n";
    for (const auto& p : s.pending) std::cout << "  " << p << "\n";
  }
}

// `silta db status`.
void add_db_status(CLI::App* db) {
  auto status_opts = std::make_shared<DbOptions>();
  auto* status = db->add_subcommand(
      "status", "Show the schema version and pending migrations (exit 1 when any is pending).");
  add_store_options(status, *status_opts, false);
  status->callback([=] {
    auto s = open_or_explain(*status_opts, "status");
    auto st = s->schema_status();
    if (!st) {
      std::cerr << "silta db status: " << st.error().message << "\n";
      throw CLI::RuntimeError(kFailed);
    }
    print_status(status_opts->url, *st);
    if (!st->pending.empty()) throw CLI::RuntimeError(kFailed);
  });
}

// `silta db migrate`.
void add_db_migrate(CLI::App* db) {
  auto migrate_opts = std::make_shared<DbOptions>();
  auto* migrate = db->add_subcommand(
      "migrate",
      "Apply pending migrations (safe while other instances start: PostgreSQL takes an "
      "advisory lock). `silta serve` does the same at start.");
  add_store_options(migrate, *migrate_opts, false);
  migrate->callback([=] {
    auto s = open_or_explain(*migrate_opts, "migrate");
    if (auto m = s->migrate(); !m) {
      std::cerr << "silta db migrate: " << m.error().message << "\n";
      throw CLI::RuntimeError(kFailed);
    }
    auto st = s->schema_status();
    if (!st) {
      std::cerr << "silta db migrate: " << st.error().message << "\n";
      throw CLI::RuntimeError(kFailed);
    }
    print_status(migrate_opts->url, *st);
  });
}

// `silta db requeue`.
void add_db_requeue(CLI::App* db) {
  auto requeue_opts = std::make_shared<DbOptions>();
  auto referral_id = std::make_shared<std::string>();
  auto* requeue = db->add_subcommand(
      "requeue",
      "Put a dead referral (a dead letter) back into delivery once the agency system is "
      "repaired; the gateways' delivery workers pick it up within their poll interval.");
  add_store_options(requeue, *requeue_opts, true);
  requeue->add_option("--referral", *referral_id, "The referral id (r-...)")->required();
  requeue->callback([=] {
    auto s = open_or_explain(*requeue_opts, "requeue");
    auto r = s->requeue_referral(*referral_id, now_utc());
    if (!r) {
      std::cerr << "silta db requeue: " << r.error().message << "\n";
      throw CLI::RuntimeError(r.error().code == ErrorCode::kUnavailable ? kFailed : kBadInput);
    }
    std::cout << "referral " << r->id << " to " << r->recipient_agency << " is back in delivery\n";
  });
}

// `silta db clear-audit-index`.
void add_db_clear_audit_index(CLI::App* db) {
  auto clear_opts = std::make_shared<DbOptions>();
  auto origin = std::make_shared<std::string>();
  auto* clear = db->add_subcommand(
      "clear-audit-index",
      "Remove one audit log's entries from the audit index (derived data), e.g. after its "
      "segments were restored from an older backup than the store. Stop that instance first; "
      "it indexes its log again when it starts. The log itself is not touched.");
  add_store_options(clear, *clear_opts, false);
  clear->add_option("--origin", *origin, "The log's origin (the instance's audit.origin)")
      ->required();
  clear->callback([=] {
    auto s = open_or_explain(*clear_opts, "clear-audit-index");
    auto st = s->schema_status();
    if (!st || st->current_version == 0) {
      std::cerr << "silta db clear-audit-index: "
                << (st ? "the store has no schema (not a Silta store, or never migrated)"
                       : st.error().message)
                << "\n";
      throw CLI::RuntimeError(st ? kBadInput : kFailed);
    }
    if (auto c = s->clear_audit_index(*origin, 0); !c) {
      std::cerr << "silta db clear-audit-index: " << c.error().message << "\n";
      throw CLI::RuntimeError(kFailed);
    }
    std::cout << "cleared the audit index entries of origin " << *origin
              << "; that instance indexes its log again when it starts\n";
  });
}

// `silta db keygen`.
void add_db_keygen(CLI::App* db) {
  auto key_file = std::make_shared<std::string>();
  auto* keygen = db->add_subcommand(
      "keygen",
      "Make a store key (encryption at rest) with mode 0600. PostgreSQL deployments make it "
      "once and give every instance a copy; it is never overwritten.");
  keygen->add_option("--key-file", *key_file, "Where to write the key")->required();
  keygen->callback([=] {
    if (auto s = store::FieldCipher::generate_key_file(*key_file); !s) {
      std::cerr << "silta db keygen: " << s.error().message << "\n";
      throw CLI::RuntimeError(kFailed);
    }
    std::cout << "wrote " << *key_file << " (mode 0600); keep a copy with your backups: the "
              << "encrypted data cannot be read without it\n";
  });
}

}  // namespace

void add_store_commands(CLI::App& app) {
  auto* db = app.add_subcommand("db", "Work with the store (SQLite or PostgreSQL).");
  db->require_subcommand(1);
  add_db_status(db);
  add_db_migrate(db);
  add_db_requeue(db);
  add_db_clear_audit_index(db);
  add_db_keygen(db);
}

}  // namespace silta::cli
