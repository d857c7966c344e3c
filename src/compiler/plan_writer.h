#pragma once
// Serializes a fully planned model into the .tmlp byte layout of runtime/plan_format.h.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/plan_format.h"

namespace tml::compiler {

/// A tensor as it will appear in the plan.
struct PlanTensor {
  DType type = DType::kInt8;
  std::vector<int32_t> shape;
  Storage storage = Storage::kArena;
  uint32_t arena_offset = 0;       ///< for kArena
  std::vector<uint8_t> data;       ///< for kConstant
  float scale = 0.0f;
  int32_t zero_point = 0;
  std::string name;
};

struct PlanOp {
  uint16_t kernel_id = 0;
  uint8_t num_inputs = 0;
  std::vector<int32_t> io;  ///< indices into PlanContents::tensors, inputs then outputs
  std::vector<uint8_t> params;
  uint32_t source_op = 0;
  uint32_t macs = 0;
};

struct PlanContents {
  std::vector<PlanTensor> tensors;
  std::vector<PlanOp> ops;
  std::vector<uint32_t> inputs;
  std::vector<uint32_t> outputs;
  uint32_t arena_bytes = 0;
};

/// The plan's bytes, with the header's content hash filled in.
std::vector<uint8_t> WritePlan(const PlanContents& contents);

}  // namespace tml::compiler
