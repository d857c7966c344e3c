#pragma once
// How the compiler reports expected failures: a Result holding either the value or one
// clear line naming the op, the tensor and the reason. Exceptions are not used.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace tml::compiler {

/// One human-readable line: "op 3 (CONV_2D): tensor 7 'conv/w': <reason>".
struct Error {
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

/// Shorthand for returning a failure from a function that returns Result<T>.
inline tl::unexpected<Error> Fail(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace tml::compiler
