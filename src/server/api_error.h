#pragma once
// Errors at the HTTP boundary: handlers throw ApiError; the server turns it into an
// application/problem+json response (RFC 9457) naming what is wrong.

#include <stdexcept>
#include <string>

#include "store/store_error.h"

namespace tml::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string title, const std::string& detail)
      : std::runtime_error(detail), status_(status), title_(std::move(title)) {}
  int status() const { return status_; }
  const std::string& title() const { return title_; }

 private:
  int status_;
  std::string title_;
};

/// The ApiError for a store failure (404, 409, 413, 422, 500).
ApiError FromStore(const store::StoreError& error);

}  // namespace tml::server
