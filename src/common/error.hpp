// src/common — the error vocabulary shared by every module.
//
// Headscope never throws across module boundaries and never aborts on bad
// input: functions that can fail on user data return Result<T>, whose Error
// carries one line of text naming the file, tensor, field or token at fault.
// The CLI prints that line and exits 2; the wasm boundary rethrows it as a JS
// Error with the same message.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace hs {

struct Error {
  std::string message;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for operations that produce nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

// Prefix an error's message with context ("config.json: ").
inline Error with_context(const std::string& context, const Error& e) {
  return Error{context + e.message};
}

}  // namespace hs

// Evaluate a Result<T> expression; on error return it from the enclosing
// function, otherwise move its value into `lhs`.
#define HS_CONCAT_INNER(a, b) a##b
#define HS_CONCAT(a, b) HS_CONCAT_INNER(a, b)
#define HS_TRY_ASSIGN(lhs, expr)                                  \
  auto HS_CONCAT(hs_try_, __LINE__) = (expr);                     \
  if (!HS_CONCAT(hs_try_, __LINE__).ok())                         \
    return HS_CONCAT(hs_try_, __LINE__).error();                  \
  lhs = std::move(HS_CONCAT(hs_try_, __LINE__)).value()

// Evaluate a Status expression; on error return it.
#define HS_TRY(expr)                                              \
  do {                                                            \
    auto hs_status_ = (expr);                                     \
    if (!hs_status_.ok()) return hs_status_.error();              \
  } while (0)
