#pragma once
// Whole-file reads and atomic writes for the host tools (tmlc, the firmware builder, the
// server, the benchmarks).

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/error.h"

namespace tml::compiler {

/// The whole file, or an error naming the path and the OS reason.
Result<std::vector<uint8_t>> ReadFile(const std::string& path);
/// Writes through a temporary name and a rename, so a crash never leaves a half-written file.
Result<void> WriteFile(const std::string& path, const void* data, size_t size);

}  // namespace tml::compiler
