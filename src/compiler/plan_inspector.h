#pragma once
// Facts about a compiled plan for people and tools: ops with shapes, MACs and arena
// offsets, tensor lifetimes, and the byte totals a user sizes a board with.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/plan.h"

namespace tml::compiler {

struct TensorSummary {
  uint32_t index = 0;
  std::string name;
  std::string type;            ///< "int8", "float32", ...
  std::vector<int32_t> shape;
  bool constant = false;
  uint32_t offset = 0;         ///< arena offset, or plan offset for constants
  uint32_t bytes = 0;
  float scale = 0.0f;
  int32_t zero_point = 0;
  int32_t first_op = -1;       ///< first op that writes or reads it (arena tensors)
  int32_t last_op = -1;        ///< last op that reads it (num_ops for model outputs)
};

struct OpSummary {
  uint32_t index = 0;
  uint32_t source_op = 0;
  std::string kernel;          ///< "CONV_2D/int8"
  std::vector<uint32_t> inputs;   ///< tensor indices (absent optional inputs omitted)
  std::vector<uint32_t> outputs;
  uint64_t macs = 0;
};

struct PlanSummary {
  uint32_t format_version = 0;
  uint32_t opset_version = 0;
  std::string content_sha256;
  uint32_t plan_bytes = 0;
  uint32_t arena_bytes = 0;     ///< activations + scratch: the runtime's RAM besides its fixed state
  uint32_t runtime_state_bytes = 0;  ///< the Interpreter object (2 pointers on the target)
  uint32_t constant_bytes = 0;  ///< weights, biases and precomputed per-channel parameters
  uint64_t total_macs = 0;
  std::vector<uint32_t> inputs;
  std::vector<uint32_t> outputs;
  std::vector<TensorSummary> tensors;
  std::vector<OpSummary> ops;
};

/// Summarizes a plan that Plan::Load accepted.
PlanSummary Summarize(const Plan& plan);

/// "[1,49,10,1]".
std::string ShapeToString(const std::vector<int32_t>& shape);

}  // namespace tml::compiler
