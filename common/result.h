// Errors as values on the request path (docs/contributing.md): a small Result<T> and Status.
// Exceptions are used only at start-up (config, catalog loading) and converted there.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace silta {

enum class ErrorCode {
  kInvalidArgument,     // the caller sent something malformed
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // creating something that exists
  kConflict,            // e.g. the same idempotency key with a different body
  kPermissionDenied,    // authenticated but not allowed
  kFailedPrecondition,  // the system is not in a state to do this (e.g. log closed)
  kUnavailable,         // a dependency is down; retrying later may work
  kDeadlineExceeded,    // a dependency did not answer in time
  kDataLoss,            // stored data is damaged
  kInternal,            // a bug or an unexpected failure
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

// Result<T>: either a value or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  static Status ok_status() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace silta
