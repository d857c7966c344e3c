#pragma once
// The benchmarks' inputs (models, golden data, anchors) must exist: a missing one ends the
// run with the path and the reason rather than a table of zeros.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "compiler/file_io.h"

namespace tml::bench {

inline std::vector<uint8_t> ReadInput(const std::string& path) {
  auto bytes = compiler::ReadFile(path);
  if (!bytes) {
    std::fprintf(stderr, "%s\n", bytes.error().message.c_str());
    std::exit(1);
  }
  return std::move(*bytes);
}

}  // namespace tml::bench
