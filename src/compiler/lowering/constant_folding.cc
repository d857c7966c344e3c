// Evaluates lowered ops whose inputs are all constant with the runtime's own kernels, so the
// folded value is exactly what the device would have computed.
#include <cstring>

#include "compiler/lowering/lowering.h"
#include "runtime/kernel_table.h"
#include "runtime/tensor_view.h"

namespace tml::compiler {
namespace {

/// A plan-style record for a graph tensor (shape, type, quantization), for running a kernel.
bool MakeRecord(const Tensor& t, TensorRecord* r) {
  const auto type = ToPlanType(t.type);
  if (!type || t.shape.size() > kMaxRank) return false;
  *r = TensorRecord{};
  r->type = *type;
  r->rank = static_cast<uint8_t>(t.shape.size());
  for (size_t d = 0; d < t.shape.size(); ++d) r->dims[d] = t.shape[d];
  r->bytes = static_cast<uint32_t>(t.byte_size());
  if (t.quant.present() && !t.quant.per_channel()) {
    r->scale = t.quant.scale[0];
    r->zero_point = static_cast<int32_t>(t.quant.zero_point[0]);
  }
  return true;
}

/// Runs `op` on constant inputs; fills the outputs' data. False if the kernel refuses.
bool Evaluate(Graph& graph, const LoweredOp& op) {
  const KernelInfo* kernel = FindKernel(static_cast<uint16_t>(op.kernel));
  const size_t count = op.inputs.size() + op.outputs.size();
  if (kernel == nullptr || count > 16) return false;
  TensorRecord records[16];
  TensorView views[16];
  std::vector<std::vector<uint64_t>> storage(count);  // 8-byte aligned copies
  for (size_t k = 0; k < count; ++k) {
    const int32_t id = k < op.inputs.size() ? op.inputs[k] : op.outputs[k - op.inputs.size()];
    if (id < 0) continue;
    const Tensor& t = graph.tensors[id];
    if (!MakeRecord(t, &records[k])) return false;
    storage[k].assign(records[k].bytes / 8 + 1, 0);
    if (k < op.inputs.size()) std::memcpy(storage[k].data(), t.data.data(), t.data.size());
    views[k].record = &records[k];
    views[k].data = reinterpret_cast<uint8_t*>(storage[k].data());
  }
  const OpContext ctx{views, views + op.inputs.size(), static_cast<uint8_t>(op.inputs.size()),
                      static_cast<uint8_t>(op.outputs.size()), op.params.data(),
                      static_cast<uint32_t>(op.params.size())};
  if (kernel->prepare(ctx) != Status::kOk) return false;
  kernel->eval(ctx);
  for (size_t j = 0; j < op.outputs.size(); ++j) {
    Tensor& out = graph.tensors[op.outputs[j]];
    const uint8_t* bytes = views[op.inputs.size() + j].data;
    out.data.assign(bytes, bytes + records[op.inputs.size() + j].bytes);
    out.is_constant = true;
  }
  return true;
}

/// Folding runs kernels on the model's (untrusted) constants: bound the work and memory.
constexpr uint64_t kMaxFoldMacs = uint64_t{1} << 26;
constexpr int64_t kMaxFoldBytes = int64_t{1} << 22;

bool Affordable(const Graph& graph, const LoweredOp& op) {
  if (op.macs > kMaxFoldMacs) return false;
  for (int32_t id : op.outputs) {
    if (graph.tensors[id].byte_size() > kMaxFoldBytes) return false;
  }
  return true;
}

bool AllInputsConstant(const Graph& graph, const LoweredOp& op) {
  for (int32_t id : op.inputs) {
    if (id >= 0 && !graph.tensors[id].is_constant) return false;
  }
  return true;
}

}  // namespace

size_t FoldConstantOps(Graph& graph, LoweredGraph& lowered) {
  std::vector<LoweredOp> kept;
  size_t folded = 0;
  for (LoweredOp& op : lowered.ops) {
    bool is_output = false;
    for (int32_t id : op.outputs) is_output = is_output || graph.IsGraphOutput(id);
    if (!is_output && AllInputsConstant(graph, op) && Affordable(graph, op) && Evaluate(graph, op)) {
      ++folded;
      continue;
    }
    kept.push_back(std::move(op));
  }
  lowered.ops = std::move(kept);
  return folded;
}

}  // namespace tml::compiler
