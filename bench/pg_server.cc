// silta-pg-server: a throw-away PostgreSQL 15 server for the load benchmarks (the tests'
// fixture: initdb in a temporary directory, a free port). Writes {"uri": "..."} to the ready
// file once a fresh database exists, then serves until SIGTERM or SIGINT and removes it all.
#include <csignal>
#include <fstream>
#include <iostream>

#include "tests/support/postgres_server.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: silta-pg-server READY_FILE\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  try {
    std::string why_not;
    auto pg = silta::test::PostgresServer::start(why_not);
    if (!pg) {
      std::cerr << "silta-pg-server: " << why_not << "\n";
      return 1;
    }
    auto uri = pg->uri(pg->create_database());
    {
      std::ofstream out(std::string(argv[1]) + ".tmp");
      out << "{\"uri\":\"" << uri << "\"}\n";
    }
    std::rename((std::string(argv[1]) + ".tmp").c_str(), argv[1]);
    int sig = 0;
    sigwait(&set, &sig);
  } catch (const std::exception& e) {
    std::cerr << "silta-pg-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
