// `silta audit archive` and `silta audit search`: keeping the log directory bounded by moving
// sealed segments to an archive (audit/archive.h), and finding records in the log and its archive
// without the store's index (whose retention is audit.index_retention_days).
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "audit/archive.h"
#include "audit/offline.h"
#include "common/files.h"
#include "common/time.h"
#include "gateway/cli/commands.h"

namespace silta::cli {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const char* command, const Error& e) {
  std::cerr << "silta audit " << command << ": " << e.message << "\n";
  // Damage is a failed check (1); anything else (a running gateway, bad arguments) is bad input.
  throw CLI::RuntimeError(e.code == ErrorCode::kDataLoss ? kFailed : kBadInput);
}

struct ArchiveArgs {
  std::string dir, archive, vkey;
  std::size_t keep = 1;
};

void archive(const ArchiveArgs& a) {
  std::error_code ec;
  auto vkey = fs::is_regular_file(a.vkey, ec) ? audit::VerifierKey::load(a.vkey)
                                              : audit::VerifierKey::parse(a.vkey);
  if (!vkey) fail("archive", vkey.error());
  auto report = audit::archive_segments({a.dir, a.archive, a.keep, nullptr}, *vkey);
  if (!report) fail("archive", report.error());
  const auto& r = *report;
  for (const auto& name : r.finished) {
    std::cout << "finished   " << name << " (a move a crash had interrupted)\n";
  }
  for (const auto& name : r.moved) std::cout << "archived   " << name << "\n";
  std::cout << "audit log " << a.dir << ": verified; " << r.moved.size() << " segment"
            << (r.moved.size() == 1 ? "" : "s") << " (" << r.records << " records, " << r.bytes
            << " bytes) moved to " << a.archive << ", each fsynced and read back first; "
            << r.live_segments << " left in the log directory, " << r.archived_segments
            << " in the archive\n";
}

struct SearchArgs {
  std::string dir, archive, subject, agency, type, from, until;
};

std::optional<SysTime> parse_time_arg(const std::string& value, const char* option) {
  if (value.empty()) return std::nullopt;
  auto t = parse_rfc3339(value);
  if (!t) {
    fail("search", make_error(ErrorCode::kInvalidArgument,
                              std::string(option) + ": \"" + value +
                                  "\" is not an RFC 3339 time (e.g. 2026-01-31T00:00:00Z)"));
  }
  return t;
}

void search(const SearchArgs& a) {
  const auto from = parse_time_arg(a.from, "--from");
  const auto until = parse_time_arg(a.until, "--until");
  std::uint64_t found = 0;
  audit::LogReader reader;
  reader.on_record = [&](std::uint64_t, std::string_view leaf) -> Status {
    auto r = audit::parse_record(leaf);
    if (!r) return r.error();
    const audit::AuditEvent& e = r->event;
    if (!a.subject.empty() && e.subject != a.subject) return {};
    if (!a.agency.empty() && e.agency != a.agency && e.target != a.agency) return {};
    if (!a.type.empty() && audit::event_type_name(e.type) != a.type) return {};
    if (from && r->time < *from) return {};
    if (until && r->time >= *until) return {};
    std::cout << audit::to_json(*r).dump() << '\n';
    ++found;
    return {};
  };
  auto done = audit::read_log(a.dir, reader, nullptr, a.archive);
  std::cout.flush();
  if (!done) fail("search", done.error());
  std::cerr << found << " record" << (found == 1 ? "" : "s") << " found\n";
}

}  // namespace

void add_archive_option(CLI::App* cmd, std::string& archive) {
  cmd->add_option("--archive", archive,
                  "The archive directory of `silta audit archive`: its segments are read first, "
                  "as the start of the log")
      ->check(CLI::ExistingDirectory);
}

void add_audit_archive_commands(CLI::App& audit_cmd, const std::function<void(CLI::App*)>& add_dir,
                                std::shared_ptr<std::string> dir) {
  {
    auto* cmd = audit_cmd.add_subcommand(
        "archive",
        "Move the oldest sealed segments (with the checkpoints in them) to an archive directory, "
        "after verifying the whole log; each copy is fsynced and read back before its original "
        "is removed. The gateway must be stopped. Nothing is ever deleted from the archive. Exit "
        "0 ok, 1 the log or a copy failed verification, 2 bad input.");
    add_dir(cmd);
    auto args = std::make_shared<ArchiveArgs>();
    cmd->add_option("--archive", args->archive,
                    "The archive directory (created 0700; the gateway's audit.archive_dir)")
        ->required();
    cmd->add_option("--vkey", args->vkey, "Verifier key: a file holding it, or the key itself")
        ->required();
    cmd->add_option("--keep-segments", args->keep,
                    "The newest segments that stay in the log directory (at least 1)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->callback([=] {
      args->dir = *dir;
      archive(*args);
    });
  }
  {
    auto* cmd = audit_cmd.add_subcommand(
        "search",
        "Print the records (JSON lines) that match every filter given, from the log and its "
        "archive: for records older than the store's index keeps (audit.index_retention_days).");
    add_dir(cmd);
    auto args = std::make_shared<SearchArgs>();
    add_archive_option(cmd, args->archive);
    cmd->add_option("--subject", args->subject,
                    "The subject's pseudonym (64 hex digits, as in the records), never an identity "
                    "code");
    cmd->add_option("--agency", args->agency, "The acting or the other agency's registry id");
    cmd->add_option("--type", args->type, "Event type, e.g. disclosure");
    cmd->add_option("--from", args->from, "From this time on (RFC 3339, inclusive)");
    cmd->add_option("--until", args->until, "Before this time (RFC 3339, exclusive)");
    cmd->callback([=] {
      args->dir = *dir;
      search(*args);
    });
  }
}

}  // namespace silta::cli
