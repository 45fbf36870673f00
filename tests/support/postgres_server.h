// A real PostgreSQL 15 server for one test process or benchmark run: initdb into a temporary
// directory, pg_ctl start on a free port with its socket in that directory, stopped and removed
// by the destructor. initdb refuses to run as root, so as root the server runs as the
// `postgres` system user (made by the postgresql-15 package).
//
// Self-contained (libpq and POSIX only) so that bench/ can use it without the test support.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace silta::test {

class PostgresServer {
 public:
  // Starts a server. When the server binaries are missing: with CI=true in the environment
  // this throws (the PostgreSQL tests must run in CI); otherwise it returns nullptr and puts
  // the reason in `why_not`. Any other failure throws with the server's log.
  static std::unique_ptr<PostgresServer> start(std::string& why_not);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new empty database; returns its name.
  std::string create_database();
  // libpq connection string (key=value) over the socket in the temporary directory.
  std::string conninfo(const std::string& database) const;
  // The same database as a URI over TCP (postgresql://silta@127.0.0.1:PORT/NAME).
  std::string uri(const std::string& database) const;
  // Runs SQL as the superuser in `database`; returns the first column of each row.
  std::vector<std::string> query(const std::string& database, const std::string& sql) const;

  // Restarts the server (fast shutdown: open connections are cut).
  void restart();

  const std::filesystem::path& data_dir() const { return data_; }
  std::uint16_t port() const { return port_; }

 private:
  PostgresServer() = default;
  void run(const std::vector<std::string>& argv, bool as_server_user) const;

  std::filesystem::path dir_, data_;
  std::uint16_t port_ = 0;
  bool as_postgres_user_ = false;
  bool started_ = false;
  int databases_ = 0;
};

}  // namespace silta::test
