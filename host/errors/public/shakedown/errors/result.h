#pragma once
// The host's one error style: a function that can fail returns Result<T>,
// a value or an Error that says what kind of failure it is. The kind, not
// the message, decides what a caller does with it (and which exit code the
// CLI gives: exit_codes.h).
//
// Contract:
// - A Result holds exactly one of a value and an Error, fixed when it is
//   built (a T or an Error converts to Result<T> implicitly, so `return
//   value;` and `return usage_error("...");` both read naturally).
// - `if (result)` / has_value() say which. value() on an error, and error()
//   on a value, are programming errors: they throw std::bad_variant_access.
// - Result<void> carries no value: Result<void>{} is success.
// - A Result is movable if T is; copyable if T is. It never allocates
//   beyond what T and the message do.
// - Result<Error> is not meant to be: an Error is always the failure side.

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace shakedown {

enum class ErrorKind {
  kUsage,           // the caller asked for something that cannot be: a bad flag, file or name
  kInfrastructure,  // the host could not do what was asked: a socket, a port, a tool failed
  kFinding,         // the thing under test misbehaved: a result to report, not a fault of ours
};

struct Error {
  ErrorKind kind = ErrorKind::kInfrastructure;
  std::string message;  // printed to users as it is: a sentence fragment, no trailing newline
};

inline Error usage_error(std::string message) {
  return {ErrorKind::kUsage, std::move(message)};
}
inline Error infrastructure_error(std::string message) {
  return {ErrorKind::kInfrastructure, std::move(message)};
}
inline Error finding_error(std::string message) {
  return {ErrorKind::kFinding, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  // From anything a T is built from: a T, or a unique_ptr<Derived> for a
  // Result<unique_ptr<Base>>.
  template <class U = T>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, Result> &&
           !std::is_same_v<std::remove_cvref_t<U>, Error>) Result(U&& value)
      : state_(std::in_place_index<0>, std::forward<U>(value)) {}            // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // Checks that this is a success, as value() does for a Result<T>.
  void value() const { (void)std::get<0>(state_); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<std::monostate, Error> state_;
};

}  // namespace shakedown
