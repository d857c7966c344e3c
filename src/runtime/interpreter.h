#pragma once
// Runs a validated plan. The interpreter owns nothing: the plan stays where it is (flash or
// a file buffer) and every intermediate tensor lives in the caller's arena at the offset the
// compiler planned.

#include <stdint.h>

#include "runtime/plan.h"
#include "runtime/status.h"

namespace tml {

/// Binds a plan to an arena and runs inferences.
class Interpreter {
 public:
  /// `arena` must be 8-byte aligned and at least plan.arena_bytes() long.
  Status Init(const Plan* plan, uint8_t* arena, uint32_t arena_bytes);

  /// Bytes of the i-th model input; write the input here before Invoke().
  uint8_t* input(uint32_t i) const;
  /// Bytes of the i-th model output, valid after Invoke().
  const uint8_t* output(uint32_t i) const;
  const TensorRecord& input_record(uint32_t i) const;
  const TensorRecord& output_record(uint32_t i) const;

  /// Runs every op once, in plan order.
  void Invoke();
  /// Runs only op `index` (for per-op profiling).
  void InvokeOp(uint32_t index);

 private:
  uint8_t* TensorData(const TensorRecord& t) const;

  const Plan* plan_ = nullptr;
  uint8_t* arena_ = nullptr;
};

}  // namespace tml
