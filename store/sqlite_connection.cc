// SQLite connections: WAL, synchronous=FULL (a commit survives power loss), a busy timeout for
// other processes, prepared statements cached per connection.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "store/sql.h"

namespace silta::store::sql {

namespace {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string("sqlite: ") + std::string(what) + ": " +
                    (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (ext & 0xff) {
    case SQLITE_CONSTRAINT:
      if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return make_error(ErrorCode::kAlreadyExists, msg);
      }
      return make_error(ErrorCode::kInvalidArgument, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return make_error(ErrorCode::kUnavailable, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return make_error(ErrorCode::kDataLoss, msg);
    default:
      return make_error(ErrorCode::kInternal, msg);
  }
}

// "$3" → "?3": the statements are written for PostgreSQL; "?NNN" binds to index NNN exactly.
std::string to_sqlite_params(std::string_view sql) {
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  }
  return out;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    sqlite3_stmt* stmt = nullptr;
    auto it = statements_.find(sql);
    if (it != statements_.end()) {
      stmt = it->second;
    } else {
      std::string text = to_sqlite_params(sql);
      int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare");
      statements_.emplace(std::string(sql), stmt);
    }
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      const Value& v = params[i];
      switch (v.index()) {
        case 0:
          rc = sqlite3_bind_null(stmt, idx);
          break;
        case 1:
          rc = sqlite3_bind_int64(stmt, idx, std::get<1>(v));
          break;
        case 2: {
          const auto& s = std::get<2>(v);
          rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
          break;
        }
        case 3: {
          const auto& b = std::get<3>(v);
          rc = sqlite3_bind_blob(stmt, idx, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
          break;
        }
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "bind");
    }
    Rows rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "step");
      Row row;
      int n = sqlite3_column_count(stmt);
      row.values.reserve(n);
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL:
            row.values.emplace_back();
            break;
          case SQLITE_INTEGER:
            row.values.emplace_back(std::int64_t{sqlite3_column_int64(stmt, c)});
            break;
          case SQLITE_BLOB: {
            auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, c));
            row.values.emplace_back(Bytes(p, p + sqlite3_column_bytes(stmt, c)));
            break;
          }
          default: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            row.values.emplace_back(std::string(p, sqlite3_column_bytes(stmt, c)));
            break;
          }
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Status exec_script(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "exec");
    return {};
  }

  Status begin() override { return exec_script("BEGIN IMMEDIATE"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) (void)exec_script("ROLLBACK");
  }
  bool healthy() override { return true; }

 private:
  sqlite3* db_;
  // Hashed, not ordered: many statements share a long prefix ("SELECT id, status, record, …"),
  // which an ordered map compares again at every level.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> connect_sqlite(const std::string& path, bool writer,
                                                   std::chrono::milliseconds busy_timeout) {
  namespace fs = std::filesystem;
  if (writer) {
    // A fresh data dir: make it (owner only) and the file with mode 0600 before SQLite does
    // with the umask's mode; the -wal and -shm files take the database file's mode.
    fs::path p(path);
    std::error_code ec;
    if (p.has_parent_path() && !fs::exists(p.parent_path(), ec)) {
      fs::create_directories(p.parent_path(), ec);
      if (ec) {
        return make_error(ErrorCode::kUnavailable,
                          "cannot create " + p.parent_path().string() + ": " + ec.message());
      }
      fs::permissions(p.parent_path(), fs::perms::owner_all, ec);
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(ErrorCode::kUnavailable, "cannot open " + path);
    ::close(fd);
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    auto e = sqlite_error(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return e;
  }
  auto c = std::make_unique<SqliteConnection>(db);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  // temp_store=MEMORY: the statement journal that an upsert inside a transaction needs is kept
  // in memory rather than in a temporary file created and removed per statement (a third of
  // the audit indexer's CPU under load, docs/benchmarks.md).
  std::string pragmas =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
      "PRAGMA temp_store=MEMORY;";
  if (!writer) pragmas += " PRAGMA query_only=ON;";
  if (auto s = c->exec_script(pragmas); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace silta::store::sql
