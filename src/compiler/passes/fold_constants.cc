#include <cmath>
#include <cstring>

#include "compiler/passes/passes.h"

namespace tml::compiler {
namespace {

bool AllInputsConstant(const Graph& graph, const Op& op) {
  for (int32_t id : op.inputs) {
    if (id >= 0 && !graph.tensors[id].is_constant) return false;
  }
  return !op.inputs.empty();
}

/// Evaluates `op` on its constant inputs; false if we do not fold this op.
bool Evaluate(Graph& graph, const Op& op) {
  if (op.outputs.size() != 1 || op.inputs.empty() || op.inputs[0] < 0) return false;
  const Tensor& in = graph.tensors[op.inputs[0]];
  Tensor& out = graph.tensors[op.outputs[0]];
  if (graph.IsGraphOutput(op.outputs[0])) return false;
  switch (op.builtin_code) {
    case builtin::kReshape:
    case builtin::kSqueeze:
    case builtin::kExpandDims:
      if (in.type != out.type || in.byte_size() != out.byte_size()) return false;
      out.data = in.data;
      return true;
    case builtin::kDequantize: {
      if (in.type != ElementType::kInt8 || out.type != ElementType::kFloat32 || !in.quant.present() ||
          in.quant.per_channel() || in.element_count() != out.element_count()) {
        return false;
      }
      out.data.resize(in.element_count() * 4);
      for (int64_t i = 0; i < in.element_count(); ++i) {
        const auto f = static_cast<float>(static_cast<double>(in.quant.scale[0]) *
                                          static_cast<double>(in.values<int8_t>()[i] - in.quant.zero_point[0]));
        std::memcpy(out.data.data() + i * 4, &f, 4);
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

Result<void> FoldConstants(Graph& graph) {
  std::vector<Op> kept;
  for (const Op& op : graph.ops) {
    if (AllInputsConstant(graph, op) && Evaluate(graph, op)) {
      graph.tensors[op.outputs[0]].is_constant = true;
      continue;
    }
    kept.push_back(op);
  }
  graph.ops = std::move(kept);
  return {};
}

}  // namespace tml::compiler
