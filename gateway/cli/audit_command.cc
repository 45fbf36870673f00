// `silta keygen` and `silta audit verify|export|checkpoint|prove`: offline work on a log
// directory. Nothing here writes to the log; verify needs only the public key.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "audit/config.h"
#include "audit/fhir.h"
#include "audit/offline.h"
#include "common/files.h"
#include "gateway/cli/commands.h"

namespace silta::cli {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void exit_with(int code) { throw CLI::RuntimeError(code); }

// Damage is a failed verification (1); anything else (missing directory, bad arguments) is bad
// input (2).
int code_for(const Error& e) { return e.code == ErrorCode::kDataLoss ? kFailed : kBadInput; }

std::string default_key_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "silta";
  return std::string("silta/") + host;
}

// --vkey takes a file holding the verifier key, or the key itself.
Result<audit::VerifierKey> load_vkey(const std::string& arg) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) return audit::VerifierKey::load(arg);
  return audit::VerifierKey::parse(arg);
}

void keygen(const std::string& dir, const std::string& name, bool witness) {
  if (witness) {
    auto key = audit::generate_witness_key_files(dir, name);
    if (!key) {
      std::cerr << "silta keygen --witness: " << key.error().message << "\n";
      exit_with(kBadInput);
    }
    std::cerr << "wrote " << key->signing_key.string() << " (witness cosigning key, mode 0600)\n"
              << "wrote " << key->verifier_key.string()
              << " (witness verifier key: give it to the logs and verifiers that trust this "
                 "witness)\n";
    std::cout << key->vkey << "\n";
    return;
  }
  auto keys = audit::generate_key_files(dir, name);
  if (!keys) {
    std::cerr << "silta keygen: " << keys.error().message << "\n";
    exit_with(kBadInput);
  }
  std::cerr << "wrote " << keys->signing_key.string() << " (audit signing key, mode 0600)\n"
            << "wrote " << keys->pseudonym_key.string() << " (pseudonym key "
            << keys->pseudonym_key_id << ", mode 0600)\n"
            << "wrote " << keys->verifier_key.string() << " (verifier key: publish it)\n";
  std::cout << keys->vkey << "\n";
}

struct VerifyArgs {
  std::string dir, vkey, archive;
  bool require_signed = false;
  std::vector<std::string> trusted;  // files
  std::vector<std::string> witnesses;
  std::size_t quorum = 0;
};

// One log-recovered record: what the gateway did with an unsigned tail when it opened the log.
void print_recovery(const audit::AuditRecord& rec) {
  const auto& x = rec.event.recovery;
  std::cout << "  recovery     record " << rec.seq << " at " << format_rfc3339(rec.time) << ": ";
  if (!x.quarantine_file.empty()) {
    std::cout << "an unsigned tail failed the checks and was moved unsigned to "
              << x.quarantine_file << " (" << x.quarantined_records << " records, "
              << x.quarantine_bytes << " bytes from " << x.quarantine_segment << " offset "
              << x.quarantine_offset << "): " << x.problem;
  } else {
    std::cout << x.recovered_records << " records left unsigned by a crash were checked and "
              << "signed";
    if (x.recovered_from) {
      std::cout << " (" << format_rfc3339(*x.recovered_from) << " to "
                << format_rfc3339(*x.recovered_until) << ")";
    }
    if (x.torn_bytes > 0) std::cout << "; " << x.torn_bytes << " torn bytes cut";
  }
  std::cout << "\n";
}

void verify(const VerifyArgs& a) {
  auto fail_input = [](const std::string& what) {
    std::cerr << "silta audit verify: " << what << "\n";
    exit_with(kBadInput);
  };
  auto vkey = load_vkey(a.vkey);
  if (!vkey) fail_input(vkey.error().message);
  if (vkey->type() != audit::KeyType::kEd25519) fail_input("--vkey: not a log's key (type 0x01)");
  audit::VerifyOptions options;
  options.require_signed = a.require_signed;
  options.archive_dir = a.archive;
  options.quorum = a.quorum;
  for (const auto& w : a.witnesses) {
    auto key = load_vkey(w);
    if (!key) fail_input("--witness-key " + w + ": " + key.error().message);
    if (key->type() != audit::KeyType::kCosignatureV1) {
      fail_input("--witness-key " + key->label() +
                 ": not a witness's cosignature key (type 0x04; `silta keygen --witness` writes "
                 "one)");
    }
    options.witnesses.push_back(std::move(*key));
  }
  if (a.quorum > options.witnesses.size()) {
    fail_input("--quorum " + std::to_string(a.quorum) + " needs at least as many --witness-key");
  }
  for (const auto& file : a.trusted) {
    auto note = read_file(file);
    if (!note) fail_input("--trusted-checkpoint: " + note.error().message);
    options.trusted.push_back({file, std::move(*note)});
  }
  auto report = audit::verify_log(a.dir, *vkey, options);
  if (!report) {
    std::cerr << "audit log " << a.dir << ": FAILED\n  " << report.error().message << "\n";
    exit_with(code_for(report.error()));
  }
  const auto& r = *report;
  std::cout << "audit log " << a.dir << ": OK\n"
            << "  origin       " << r.origin << "\n"
            << "  records      " << r.records << " in " << r.segments << " segment"
            << (r.segments == 1 ? "" : "s") << ", each checked in full\n"
            << "  checkpoints  " << r.checkpoints << ", all signed by " << vkey->label()
            << "; the latest covers " << r.signed_size << " records\n"
            << "  root         " << to_base64(r.root) << "\n";
  if (r.unsigned_records > 0) {
    std::cout << "  unsigned     " << r.unsigned_records << " records after the latest checkpoint, "
              << r.unsigned_from << " to " << r.unsigned_until
              << ": a crash before the next checkpoint; only as trustworthy as the file system "
                 "until the gateway checks and signs them when it next opens the log "
                 "(--require-signed fails on them)\n";
  }
  if (!r.torn_tail.empty()) {
    std::cout << "  torn tail    " << r.torn_tail
              << " (a crash while writing; the gateway cuts it when it next opens the log)\n";
  }
  for (const auto& rec : r.recoveries) print_recovery(rec);
  for (const auto& t : r.trusted) {
    std::cout << "  trusted      " << t.name << ": " << t.checkpoint.size
              << " records, the log extends it";
    if (!t.cosigned_by.empty()) {
      std::cout << "; cosigned by " << t.cosigned_by.size() << " witness"
                << (t.cosigned_by.size() == 1 ? "" : "es") << " (latest "
                << format_rfc3339(SysTime(std::chrono::seconds(t.latest_cosignature))) << ")";
    }
    if (a.quorum > 0) std::cout << ", quorum " << a.quorum << " met";
    std::cout << "\n";
  }
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.3f s, %.0f records/s", r.seconds,
                r.seconds > 0 ? static_cast<double>(r.records) / r.seconds : 0.0);
  std::cout << "  verified in  " << rate << "\n";
}

void export_log(const std::string& dir, const std::string& format, const std::string& archive) {
  audit::LogReader reader;
  std::string origin;
  if (format == "raw") {
    // The exact leaf bytes, one per line: enough to rebuild the tree in any language.
    reader.on_record = [](std::uint64_t, std::string_view leaf) {
      std::cout << leaf << '\n';
      return Status();
    };
  } else if (format == "jsonl") {
    reader.on_record = [](std::uint64_t seq, std::string_view leaf) -> Status {
      auto record = audit::parse_record(leaf);
      if (!record) return record.error();
      nlohmann::json line = {{"entry", "record"},
                             {"seq", seq},
                             {"leaf_hash", to_base64(audit::leaf_hash(leaf))},
                             {"record", audit::to_json(*record)}};
      std::cout << line.dump() << '\n';
      return {};
    };
    reader.on_checkpoint = [](const audit::SignedCheckpoint& cp) {
      nlohmann::json line = {{"entry", "checkpoint"},
                             {"origin", cp.checkpoint.origin},
                             {"size", cp.checkpoint.size},
                             {"root", to_base64(cp.checkpoint.root)},
                             {"note", cp.note}};
      std::cout << line.dump() << '\n';
      return Status();
    };
  } else {
    // FHIR NDJSON (bulk data format): one AuditEvent per line. The origin comes from the
    // segment headers, which the reader has checked by the time records arrive.
    auto head = audit::latest_checkpoint(dir, nullptr, archive);
    if (!head) {
      std::cerr << "silta audit export: " << head.error().message << "\n";
      exit_with(code_for(head.error()));
    }
    origin = head->checkpoint.origin;
    reader.on_record = [&origin](std::uint64_t, std::string_view leaf) -> Status {
      auto record = audit::parse_record(leaf);
      if (!record) return record.error();
      std::cout << audit::to_fhir_audit_event(*record, origin).dump() << '\n';
      return {};
    };
  }
  auto done = audit::read_log(dir, reader, nullptr, archive);
  std::cout.flush();
  if (!done) {
    std::cerr << "silta audit export: " << done.error().message << "\n";
    exit_with(code_for(done.error()));
  }
}

void checkpoint(const std::string& dir, const std::string& archive) {
  auto cp = audit::latest_checkpoint(dir, nullptr, archive);
  if (!cp) {
    std::cerr << "silta audit checkpoint: " << cp.error().message << "\n";
    exit_with(code_for(cp.error()));
  }
  std::cout << cp->note;
}

template <typename Proof>
void print_proof(const Result<Proof>& proof, const char* what) {
  if (!proof) {
    std::cerr << "silta audit prove " << what << ": " << proof.error().message << "\n";
    exit_with(code_for(proof.error()));
  }
  std::cout << audit::to_json(*proof).dump(2) << "\n";
}

// Adds the --dir option every `audit` subcommand takes; they share the one value.
using AddDir = std::function<void(CLI::App*)>;

// `silta keygen`.
void add_keygen(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "keygen",
      "Write a new audit signing key and pseudonym key (mode 0600) and the verifier key; print "
      "the verifier key. With --witness, a witness's cosigning key and its verifier key "
      "instead. Never overwrites.");
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>(default_key_name());
  auto witness = std::make_shared<bool>(false);
  cmd->add_option("--dir", *dir, "Directory for the key files (created 0700)")->required();
  cmd->add_option("--name", *name,
                  "Key name, which is also the log origin in checkpoints (e.g. "
                  "silta.example/soite-gw-1), or the witness's name (e.g. "
                  "witness.tietosuoja.example/w1)")
      ->capture_default_str();
  cmd->add_flag("--witness", *witness,
                "A witness's cosignature/v1 key (witness.key, witness.vkey) for `silta witness "
                "serve`");
  cmd->callback([=] { keygen(*dir, *name, *witness); });
}

// `silta audit verify`.
void add_verify(CLI::App& audit_cmd, const AddDir& add_dir,
                const std::shared_ptr<std::string>& dir) {
  auto* cmd = audit_cmd.add_subcommand(
      "verify",
      "Check every record in full, the tree, every checkpoint signature, sequence and time, "
      "with only the public key; and that the log extends the checkpoints you kept. Exit 0 ok, "
      "1 verification failed, 2 bad input.");
  add_dir(cmd);
  auto args = std::make_shared<VerifyArgs>();
  cmd->add_option("--vkey", args->vkey, "Verifier key: a file holding it, or the key itself")
      ->required();
  add_archive_option(cmd, args->archive);
  cmd->add_flag("--require-signed", args->require_signed,
                "Fail when records after the latest checkpoint are not signed yet");
  cmd->add_option("--trusted-checkpoint", args->trusted,
                  "A checkpoint kept earlier (a signed note, e.g. the note of GET "
                  "/v1/audit/checkpoint): the log must extend it; fails on a rollback, a "
                  "truncation or a fork. Repeatable.")
      ->check(CLI::ExistingFile);
  cmd->add_option("--witness-key", args->witnesses,
                  "A witness's verifier key (type 0x04): a file holding it, or the key itself. "
                  "Repeatable.");
  cmd->add_option("--quorum", args->quorum,
                  "Each trusted checkpoint must be cosigned by this many of the witness keys");
  cmd->callback([=] {
    args->dir = *dir;
    verify(*args);
  });
}

// `silta audit export`.
void add_export(CLI::App& audit_cmd, const AddDir& add_dir,
                const std::shared_ptr<std::string>& dir) {
  auto* cmd = audit_cmd.add_subcommand("export", "Print the records.");
  add_dir(cmd);
  auto format = std::make_shared<std::string>("jsonl");
  cmd->add_option("--format", *format,
                  "raw: the exact leaf bytes, one per line; jsonl: records and checkpoints as "
                  "JSON lines; fhir: FHIR R4 AuditEvent resources, one per line")
      ->check(CLI::IsMember({"raw", "jsonl", "fhir"}))
      ->capture_default_str();
  auto archive = std::make_shared<std::string>();
  add_archive_option(cmd, *archive);
  cmd->callback([=] { export_log(*dir, *format, *archive); });
}

// `silta audit checkpoint`.
void add_checkpoint(CLI::App& audit_cmd, const AddDir& add_dir,
                    const std::shared_ptr<std::string>& dir) {
  auto* cmd = audit_cmd.add_subcommand("checkpoint", "Print the latest signed checkpoint.");
  add_dir(cmd);
  auto archive = std::make_shared<std::string>();
  add_archive_option(cmd, *archive);
  cmd->callback([=] { checkpoint(*dir, *archive); });
}

// `silta audit prove inclusion|consistency`.
void add_prove(CLI::App& audit_cmd, const AddDir& add_dir,
               const std::shared_ptr<std::string>& dir) {
  auto* prove = audit_cmd.add_subcommand("prove", "Inclusion and consistency proofs (JSON).");
  prove->require_subcommand(1);
  auto archive = std::make_shared<std::string>();
  auto* inclusion =
      prove->add_subcommand("inclusion", "Prove that record INDEX is in the tree of SIZE.");
  add_dir(inclusion);
  auto index = std::make_shared<std::uint64_t>();
  auto size = std::make_shared<std::uint64_t>();
  inclusion->add_option("--index", *index, "Sequence number of the record")->required();
  inclusion->add_option("--size", *size, "Tree size (of a checkpoint)")->required();
  add_archive_option(inclusion, *archive);
  inclusion->callback([=] {
    print_proof(audit::prove_inclusion(*dir, *index, *size, nullptr, *archive), "inclusion");
  });
  auto* consistency = prove->add_subcommand(
      "consistency", "Prove that the tree of size FROM is a prefix of the tree of size TO.");
  add_dir(consistency);
  auto from = std::make_shared<std::uint64_t>();
  auto to = std::make_shared<std::uint64_t>();
  consistency->add_option("--from", *from, "Older tree size")->required();
  consistency->add_option("--to", *to, "Newer tree size")->required();
  add_archive_option(consistency, *archive);
  consistency->callback([=] {
    print_proof(audit::prove_consistency(*dir, *from, *to, nullptr, *archive), "consistency");
  });
}
}  // namespace

void add_audit_commands(CLI::App& app) {
  add_keygen(app);

  auto* audit_cmd = app.add_subcommand("audit", "Verify, export and prove the audit log, offline.");
  audit_cmd->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  AddDir add_dir = [dir](CLI::App* cmd) {
    cmd->add_option("--dir", *dir, "The audit log directory")
        ->required()
        ->check(CLI::ExistingDirectory);
  };
  add_verify(*audit_cmd, add_dir, dir);
  add_export(*audit_cmd, add_dir, dir);
  add_checkpoint(*audit_cmd, add_dir, dir);
  add_prove(*audit_cmd, add_dir, dir);
  add_audit_archive_commands(*audit_cmd, add_dir, dir);
}

}  // namespace silta::cli
