// Small file helpers: whole-file reads, atomic writes, and secret files (mode 0600).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace silta {

Result<std::string> read_file(const std::filesystem::path& path);

// Writes via a temporary file + fsync + rename, so readers see the old or the new content.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         unsigned mode = 0644);

// As write_file_atomic, with the mode, owner and group of the file it replaces, so that the
// account of a service that reads it (e.g. the gateway's registry) still can.
Status replace_file_atomic(const std::filesystem::path& path, std::string_view content);

// A secret (private key, pseudonym key, encryption key) is written with mode 0600 and must be
// refused when group or others can read it.
Status write_secret_file(const std::filesystem::path& path, std::string_view content);
Status check_secret_file_mode(const std::filesystem::path& path);
Result<std::string> read_secret_file(const std::filesystem::path& path);

}  // namespace silta
