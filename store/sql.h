// The small SQL layer both backends implement: one connection with prepared statements cached
// by their text, values of four kinds, materialised rows, and a pool. Statements are written
// once in PostgreSQL's "$1" style; the SQLite connection binds "$N" as "?N".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/codec.h"
#include "common/result.h"
#include "common/time.h"

namespace silta::store::sql {

using Value = std::variant<std::monostate, std::int64_t, std::string, Bytes>;

struct Row {
  std::vector<Value> values;

  bool is_null(std::size_t i) const { return values.at(i).index() == 0; }
  std::int64_t i64(std::size_t i) const;  // NULL → 0
  std::string text(std::size_t i) const;  // NULL → ""
  const Bytes& blob(std::size_t i) const;
  SysTime time(std::size_t i) const { return SysTime(std::chrono::microseconds(i64(i))); }
  std::optional<SysTime> opt_time(std::size_t i) const;
};
using Rows = std::vector<Row>;

// Conversions for parameters: times are microseconds since the Unix epoch.
inline Value val(std::int64_t v) { return v; }
inline Value val(int v) { return std::int64_t{v}; }
inline Value val(unsigned v) { return std::int64_t{v}; }
inline Value val(std::uint64_t v) { return static_cast<std::int64_t>(v); }
inline Value val(std::string v) { return v; }
inline Value val(std::string_view v) { return std::string(v); }
inline Value val(const char* v) { return std::string(v); }
inline Value val(Bytes v) { return v; }
inline Value val(SysTime t) { return std::int64_t{t.time_since_epoch().count()}; }
template <typename T>
Value val(const std::optional<T>& v) {
  return v ? val(*v) : Value{};
}

enum class Dialect { kSqlite, kPostgres };

class Connection {
 public:
  virtual ~Connection() = default;
  // Prepares `sql` on first use on this connection and runs it with `params`.
  virtual Result<Rows> query(std::string_view sql, std::span<const Value> params) = 0;
  // Several statements without parameters (migrations), not prepared.
  virtual Status exec_script(std::string_view sql) = 0;
  // A write transaction. SQLite: BEGIN IMMEDIATE (take the write lock first, so it never has
  // to be retried half-way). PostgreSQL: READ COMMITTED (see postgres_connection.cc).
  // Reads are single statements and run without one.
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  // False when the connection is broken (then the pool reconnects it).
  virtual bool healthy() = 0;

  template <typename... Args>
  Result<Rows> run(std::string_view sql, const Args&... args) {
    const Value params[] = {Value{}, val(args)...};
    return query(sql, std::span<const Value>(params + 1, sizeof...(Args)));
  }
};

using Connector = std::function<Result<std::unique_ptr<Connection>>()>;

// Connections made by `connect` (on open, and again for a broken one). A fixed pool makes
// `size` and makes a caller wait for a free one; a growing pool (SQLite readers, which are
// cheap and local) makes another one instead of waiting, so that a read never blocks on
// other reads.
class Pool {
 public:
  static Result<std::unique_ptr<Pool>> open(Connector connect, unsigned size, bool grow = false);

  class Handle {
   public:
    Handle(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    Handle(Handle&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), c_(std::move(o.c_)) {}
    Handle& operator=(Handle&&) = delete;
    ~Handle();
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };
  // A free connection (waiting for one, or making one when the pool grows); reconnects it
  // first if it broke.
  Result<Handle> acquire();

 private:
  Pool(Connector connect, bool grow) : connect_(std::move(connect)), grow_(grow) {}
  void release(std::unique_ptr<Connection> c);

  Connector connect_;
  const bool grow_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

Result<std::unique_ptr<Connection>> connect_sqlite(const std::string& path, bool writer,
                                                   std::chrono::milliseconds busy_timeout);
Result<std::unique_ptr<Connection>> connect_postgres(const std::string& conninfo);

}  // namespace silta::store::sql
