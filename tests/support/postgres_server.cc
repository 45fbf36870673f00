#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace silta::test {

namespace fs = std::filesystem;

namespace {

const char* kBinDir = "/usr/lib/postgresql/15/bin";

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("postgres fixture: no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::unique_ptr<PostgresServer> PostgresServer::start(std::string& why_not) {
  if (!fs::exists(fs::path(kBinDir) / "initdb") || !fs::exists(fs::path(kBinDir) / "pg_ctl")) {
    std::string reason = std::string("PostgreSQL 15 server binaries not found in ") + kBinDir +
                         " (install postgresql-15; scripts/install-deps does)";
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") {
      throw std::runtime_error(reason + "; CI=true, so the PostgreSQL tests must run");
    }
    why_not = reason + ": PostgreSQL tests skipped";
    return nullptr;
  }
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->as_postgres_user_ = ::geteuid() == 0;
  // The server user must reach the directory: under root, use /tmp (TMPDIR may be private).
  const char* tmp = std::getenv("TMPDIR");
  std::string base = (tmp != nullptr && !s->as_postgres_user_) ? tmp : "/tmp";
  std::string tmpl = base + "/silta-pg-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("postgres fixture: mkdtemp");
  s->dir_ = buf.data();
  s->data_ = s->dir_ / "data";
  if (s->as_postgres_user_) {
    passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      throw std::runtime_error(
          "postgres fixture: running as root, and there is no `postgres` user to run the "
          "server as (install postgresql-15)");
    }
    if (::chown(s->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("postgres fixture: cannot chown " + s->dir_.string());
    }
  }
  // -N: the cluster is thrown away after the run; syncing initdb's files only costs time. The
  // server itself runs with the defaults (fsync on), so commits are durable as in production.
  s->run({std::string(kBinDir) + "/initdb", "-D", s->data_.string(), "-U", "silta", "--auth=trust",
          "-E", "UTF8", "--locale=C", "-N"},
         true);
  for (int attempt = 0;; ++attempt) {
    s->port_ = free_port();
    std::string options = "-p " + std::to_string(s->port_) + " -k " + s->dir_.string() +
                          " -c listen_addresses=127.0.0.1 -c max_connections=100";
    try {
      s->run({std::string(kBinDir) + "/pg_ctl", "start", "-w", "-t", "60", "-D", s->data_.string(),
              "-l", (s->dir_ / "server.log").string(), "-o", options},
             true);
      s->started_ = true;
      break;
    } catch (const std::exception&) {
      if (attempt == 2) throw;  // the free port was taken in between: try another
    }
  }
  return s;
}

PostgresServer::~PostgresServer() {
  if (started_) {
    try {
      run({std::string(kBinDir) + "/pg_ctl", "stop", "-w", "-m", "immediate", "-D", data_.string()},
          true);
    } catch (const std::exception&) {
      // The directory goes anyway; a server left behind has lost its files.
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PostgresServer::run(const std::vector<std::string>& argv, bool as_server_user) const {
  std::vector<std::string> full;
  if (as_server_user && as_postgres_user_) full = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  fs::path log = dir_ / "commands.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0666);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (auto& a : full) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("postgres fixture: cannot run " + full[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("postgres fixture: " + argv[0] + " failed:\n" + read_text(log) +
                             read_text(dir_ / "server.log"));
  }
}

void PostgresServer::restart() {
  run({std::string(kBinDir) + "/pg_ctl", "restart", "-w", "-t", "60", "-m", "fast", "-D",
       data_.string(), "-l", (dir_ / "server.log").string()},
      true);
}

std::string PostgresServer::conninfo(const std::string& database) const {
  return "host=" + dir_.string() + " port=" + std::to_string(port_) +
         " user=silta dbname=" + database;
}

std::string PostgresServer::uri(const std::string& database) const {
  return "postgresql://silta@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::vector<std::string> PostgresServer::query(const std::string& database,
                                               const std::string& sql) const {
  PGconn* conn = PQconnectdb(conninfo(database).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("postgres fixture: cannot connect: " + msg);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
    throw std::runtime_error("postgres fixture: " + sql + ": " + msg);
  }
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
  PQclear(r);
  PQfinish(conn);
  return out;
}

std::string PostgresServer::create_database() {
  std::string name = "silta_" + std::to_string(++databases_);
  query("postgres", "CREATE DATABASE " + name);
  return name;
}

}  // namespace silta::test
