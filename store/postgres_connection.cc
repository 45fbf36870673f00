// PostgreSQL connections through libpq: statements prepared once per connection (named by a
// counter), parameters as text except bytea (binary), results as text decoded by column type.
#include <libpq-fe.h>

#include <charconv>
#include <map>
#include <memory>

#include "store/sql.h"

namespace silta::store::sql {

namespace {

constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

Error pg_error(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string msg = "postgresql: " + std::string(what) + ": ";
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* text = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  msg += (text && *text) ? text : PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (PQstatus(conn) != CONNECTION_OK) return make_error(ErrorCode::kUnavailable, msg);
  std::string_view s = state ? state : "";
  if (s == "23505") return make_error(ErrorCode::kAlreadyExists, msg);
  if (s.substr(0, 2) == "23") return make_error(ErrorCode::kInvalidArgument, msg);
  // serialization failure, deadlock, too many connections, shutting down, lock timeout
  if (s == "40001" || s == "40P01" || s.substr(0, 2) == "53" || s.substr(0, 2) == "57" ||
      s == "55P03" || s.substr(0, 2) == "08") {
    return make_error(ErrorCode::kUnavailable, msg);
  }
  if (s == "XX001" || s == "XX002") return make_error(ErrorCode::kDataLoss, msg);
  return make_error(ErrorCode::kInternal, msg);
}

// libpq's parameter arrays for one call: text, except bytea in binary; `texts` keeps the
// integers' text alive while libpq reads it.
struct PgParams {
  explicit PgParams(std::span<const Value> params)
      : texts(params.size()),
        values(params.size()),
        lengths(params.size()),
        formats(params.size()) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      switch (v.index()) {
        case 0:
          values[i] = nullptr;
          break;
        case 1:
          texts[i] = std::to_string(std::get<1>(v));
          values[i] = texts[i].c_str();
          break;
        case 2:
          values[i] = std::get<2>(v).c_str();
          break;
        case 3: {
          const auto& b = std::get<3>(v);
          values[i] = reinterpret_cast<const char*>(b.data());
          lengths[i] = static_cast<int>(b.size());
          formats[i] = 1;
          break;
        }
      }
    }
  }
  PgParams(const PgParams&) = delete;  // values point into texts
  PgParams& operator=(const PgParams&) = delete;

  std::vector<std::string> texts;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

// The rows of a result, each value decoded from text by its column's type.
Result<Rows> read_rows(const PGresult* r) {
  Rows rows;
  int nrows = PQntuples(r), ncols = PQnfields(r);
  rows.reserve(nrows);
  for (int i = 0; i < nrows; ++i) {
    Row row;
    row.values.reserve(ncols);
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(r, i, c)) {
        row.values.emplace_back();
        continue;
      }
      const char* p = PQgetvalue(r, i, c);
      int len = PQgetlength(r, i, c);
      switch (PQftype(r, c)) {
        case kInt8:
        case kInt4:
        case kInt2: {
          std::int64_t n = 0;
          std::from_chars(p, p + len, n);
          row.values.emplace_back(n);
          break;
        }
        case kBool:
          row.values.emplace_back(std::int64_t{*p == 't'});
          break;
        case kBytea: {
          std::size_t n = 0;
          unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &n);
          if (raw == nullptr) return make_error(ErrorCode::kInternal, "postgresql: bad bytea");
          row.values.emplace_back(Bytes(raw, raw + n));
          PQfreemem(raw);
          break;
        }
        default:
          row.values.emplace_back(std::string(p, len));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    std::string name;
    auto it = statements_.find(sql);
    if (it != statements_.end()) {
      name = it->second;
    } else {
      name = "s" + std::to_string(statements_.size());
      std::string text(sql);
      PgResult r(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return pg_error(conn_, r.get(), "prepare");
      statements_.emplace(std::string(sql), name);
    }
    PgParams p(params);
    PgResult r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), p.values.data(),
                              p.lengths.data(), p.formats.data(), 0));
    auto status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return pg_error(conn_, r.get(), "query");
    }
    return read_rows(r.get());
  }

  Status exec_script(std::string_view sql) override {
    std::string text(sql);
    PgResult r(PQexec(conn_, text.c_str()));
    auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return pg_error(conn_, r.get(), "exec");
    }
    return {};
  }

  // READ COMMITTED is enough, and needs no retry loop: every write is a conditional
  // statement (UPDATE … WHERE state = …) or works on rows locked first with FOR UPDATE, unique
  // constraints with ON CONFLICT settle races between instances, and outbox claims take rows
  // with FOR UPDATE SKIP LOCKED.
  Status begin() override { return exec_script("BEGIN ISOLATION LEVEL READ COMMITTED"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)exec_script("ROLLBACK");
  }
  bool healthy() override {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

 private:
  PGconn* conn_;
  std::map<std::string, std::string, std::less<>> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> connect_postgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return make_error(ErrorCode::kUnavailable, "postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    // libpq's messages name the host and user, never the password.
    return make_error(ErrorCode::kUnavailable, "postgresql: cannot connect: " + msg);
  }
  auto c = std::make_unique<PostgresConnection>(conn);
  // Quiet NOTICEs (e.g. "relation already exists, skipping") instead of stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  if (auto s = c->exec_script("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'"); !s) {
    return s.error();
  }
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace silta::store::sql
