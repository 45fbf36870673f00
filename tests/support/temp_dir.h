// A temporary directory removed with everything in it when the object goes.
#pragma once

#include <filesystem>
#include <string>

namespace silta::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "silta-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The demo PKI made by certs-example/make-certs for the test run (a ctest fixture).
std::filesystem::path certs_dir();
// The directory holding the built `silta` binary.
std::filesystem::path silta_binary();
std::filesystem::path source_dir();

}  // namespace silta::test
