#include "tests/support/temp_dir.h"

#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace silta::test {

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path certs_dir() {
  std::filesystem::path p = SILTA_TEST_CERTS_DIR;
  if (!std::filesystem::exists(p / "registry.json")) {
    throw std::runtime_error("test certificates missing in " + p.string() +
                             ": run the tests through ctest (fixture 'certs'), or run "
                             "certs-example/make-certs " +
                             p.string());
  }
  return p;
}

std::filesystem::path silta_binary() { return SILTA_BINARY; }
std::filesystem::path source_dir() { return SILTA_SOURCE_DIR; }

}  // namespace silta::test
