#pragma once
// How the store reports expected failures: a code the HTTP layer maps to a status, and a
// message naming what is wrong.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace tml::store {

enum class StoreErrorCode { kNotFound, kConflict, kInvalid, kTooLarge, kIo };

struct StoreError {
  StoreErrorCode code;
  std::string message;
};

template <typename T>
using StoreResult = tl::expected<T, StoreError>;

inline tl::unexpected<StoreError> StoreFail(StoreErrorCode code, std::string message) {
  return tl::unexpected<StoreError>(StoreError{code, std::move(message)});
}

}  // namespace tml::store
