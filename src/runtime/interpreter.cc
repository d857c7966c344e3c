#include "runtime/interpreter.h"

#include "runtime/kernel_table.h"
#include "runtime/tensor_view.h"

namespace tml {

Status Interpreter::Init(const Plan* plan, uint8_t* arena, uint32_t arena_bytes) {
  if (reinterpret_cast<uintptr_t>(arena) % kPlanAlignment != 0) return Status::kMisaligned;
  if (arena_bytes < plan->arena_bytes()) return Status::kArenaTooSmall;
  plan_ = plan;
  arena_ = arena;
  return Status::kOk;
}

uint8_t* Interpreter::TensorData(const TensorRecord& t) const {
  if (t.storage == Storage::kArena) return arena_ + t.offset;
  // Constants are read in place; kernels never write to an input.
  return const_cast<uint8_t*>(plan_->base() + t.offset);
}

uint8_t* Interpreter::input(uint32_t i) const {
  return TensorData(plan_->tensor(plan_->input_tensor(i)));
}

const uint8_t* Interpreter::output(uint32_t i) const {
  return TensorData(plan_->tensor(plan_->output_tensor(i)));
}

const TensorRecord& Interpreter::input_record(uint32_t i) const {
  return plan_->tensor(plan_->input_tensor(i));
}

const TensorRecord& Interpreter::output_record(uint32_t i) const {
  return plan_->tensor(plan_->output_tensor(i));
}

void Interpreter::InvokeOp(uint32_t index) {
  const OpRecord& op = plan_->op(index);
  const int32_t* io = plan_->op_io(op);
  TensorView views[16];
  const uint32_t count = uint32_t{op.num_inputs} + op.num_outputs;
  for (uint32_t k = 0; k < count; ++k) {
    if (io[k] < 0) continue;
    const TensorRecord& record = plan_->tensor(static_cast<uint32_t>(io[k]));
    views[k].record = &record;
    views[k].data = TensorData(record);
  }
  const OpContext ctx{views, views + op.num_inputs, op.num_inputs, op.num_outputs,
                      plan_->op_params(op), op.params_bytes};
  FindKernel(op.kernel_id)->eval(ctx);
}

void Interpreter::Invoke() {
  for (uint32_t i = 0; i < plan_->num_ops(); ++i) InvokeOp(i);
}

}  // namespace tml
