#pragma once
// Read-only, in-place view of a compiled plan (.tmlp). Load() validates every offset, size
// and kernel parameter once, so that the interpreter never checks again while it runs.

#include <stdint.h>

#include "runtime/plan_format.h"
#include "runtime/status.h"

namespace tml {

/// A validated plan. Holds only pointers into the caller's bytes; no copies, no heap.
class Plan {
 public:
  /// Validates `data[0, size)` as a plan. `data` must be 8-byte aligned and outlive the Plan.
  static Status Load(const uint8_t* data, uint32_t size, Plan* out);

  const PlanHeader& header() const { return *header_; }
  const uint8_t* base() const { return base_; }
  uint32_t arena_bytes() const { return header_->arena_bytes; }
  uint32_t num_tensors() const { return header_->num_tensors; }
  uint32_t num_ops() const { return header_->num_ops; }
  uint32_t num_inputs() const { return header_->num_inputs; }
  uint32_t num_outputs() const { return header_->num_outputs; }
  const TensorRecord& tensor(uint32_t i) const { return tensors_[i]; }
  const OpRecord& op(uint32_t i) const { return ops_[i]; }
  /// Tensor index of the i-th model input / output.
  uint32_t input_tensor(uint32_t i) const { return inputs_[i]; }
  uint32_t output_tensor(uint32_t i) const { return outputs_[i]; }
  /// The op's tensor indices: inputs first, then outputs; -1 marks an absent optional input.
  const int32_t* op_io(const OpRecord& op) const;
  const void* op_params(const OpRecord& op) const { return base_ + op.params_offset; }
  /// Name of a tensor, "" if it has none.
  const char* tensor_name(uint32_t i) const;
  /// Index of the op whose validation failed in the last Load(), or -1.
  int32_t failed_op() const { return failed_op_; }

 private:
  Status ValidateTensors() const;
  Status ValidateOps();

  const uint8_t* base_ = nullptr;
  const PlanHeader* header_ = nullptr;
  const TensorRecord* tensors_ = nullptr;
  const OpRecord* ops_ = nullptr;
  const uint32_t* inputs_ = nullptr;
  const uint32_t* outputs_ = nullptr;
  int32_t failed_op_ = -1;
};

}  // namespace tml
