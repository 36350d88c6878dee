// result.hpp — dkim/'s error-as-value type: a value, or a message a user can act on (naming the file,
// flag or header that is wrong, and what to do). Nothing in dkim/ throws on expected failures.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace dkim {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result() : state_(std::in_place_index<1>, Error{"no result"}) {}  // asio needs T() for its handlers
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  const std::string& error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

struct Done {};  // Result<Done>: success without a value

}  // namespace dkim
