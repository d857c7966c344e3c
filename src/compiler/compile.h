#pragma once
// The compiler's entry point: .tflite bytes in, .tmlp bytes out.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "compiler/error.h"

namespace tml::compiler {

struct CompileOptions {
  /// Check the memory plan against the no-reuse oracle rules before writing (cheap).
  bool validate_memory_plan = true;
  /// Let kernels write their output over a dying input where their loop order allows it
  /// (the plan with the smaller arena wins, so this never costs memory).
  bool in_place = true;
};

struct CompiledModel {
  std::vector<uint8_t> plan;
  std::vector<std::string> log;  ///< what the passes and planner did, one line each
};

/// Reads, rewrites, lowers, plans memory and writes the plan.
Result<CompiledModel> Compile(std::span<const uint8_t> tflite, const CompileOptions& options = {});

}  // namespace tml::compiler
