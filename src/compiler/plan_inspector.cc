#include "compiler/plan_inspector.h"

#include <algorithm>

#include "common/digest.h"
#include "runtime/kernel_table.h"

namespace tml::compiler {
namespace {

const char* DTypeName(DType type) {
  switch (type) {
    case DType::kFloat32: return "float32";
    case DType::kInt8: return "int8";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kUInt8: return "uint8";
  }
  return "?";
}

}  // namespace

std::string ShapeToString(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

PlanSummary Summarize(const Plan& plan) {
  PlanSummary s;
  const PlanHeader& h = plan.header();
  s.format_version = h.format_version;
  s.opset_version = h.opset_version;
  s.content_sha256 = common::ToHex(h.content_sha256, 32);
  s.plan_bytes = h.total_bytes;
  s.arena_bytes = h.arena_bytes;
  s.runtime_state_bytes = 2 * 4;  // Interpreter = {const Plan*, uint8_t*} on a 32-bit MCU
  for (uint32_t i = 0; i < plan.num_tensors(); ++i) {
    const TensorRecord& r = plan.tensor(i);
    TensorSummary t;
    t.index = i;
    t.name = plan.tensor_name(i);
    t.type = DTypeName(r.type);
    t.shape.assign(r.dims, r.dims + r.rank);
    t.constant = r.storage == Storage::kConstant;
    t.offset = r.offset;
    t.bytes = r.bytes;
    t.scale = r.scale;
    t.zero_point = r.zero_point;
    if (t.constant) s.constant_bytes += r.bytes;
    s.tensors.push_back(std::move(t));
  }
  for (uint32_t i = 0; i < plan.num_inputs(); ++i) {
    s.inputs.push_back(plan.input_tensor(i));
    s.tensors[plan.input_tensor(i)].first_op = 0;
  }
  for (uint32_t i = 0; i < plan.num_ops(); ++i) {
    const OpRecord& r = plan.op(i);
    const int32_t* io = plan.op_io(r);
    OpSummary op;
    op.index = i;
    op.source_op = r.source_op;
    const KernelInfo* kernel = FindKernel(r.kernel_id);
    op.kernel = kernel != nullptr ? kernel->name : "?";
    op.macs = r.macs;
    s.total_macs += r.macs;
    for (uint32_t k = 0; k < uint32_t{r.num_inputs} + r.num_outputs; ++k) {
      if (io[k] < 0) continue;
      auto index = static_cast<uint32_t>(io[k]);
      TensorSummary& t = s.tensors[index];
      const auto at = static_cast<int32_t>(i);
      t.first_op = t.first_op < 0 ? at : std::min(t.first_op, at);
      t.last_op = std::max(t.last_op, at);
      (k < r.num_inputs ? op.inputs : op.outputs).push_back(index);
    }
    s.ops.push_back(std::move(op));
  }
  for (uint32_t i = 0; i < plan.num_outputs(); ++i) {
    s.outputs.push_back(plan.output_tensor(i));
    s.tensors[plan.output_tensor(i)].last_op = static_cast<int32_t>(plan.num_ops());
  }
  return s;
}

}  // namespace tml::compiler
