#include "compiler/passes/passes.h"

namespace tml::compiler {
namespace {

bool CanCarryActivation(int32_t code) {
  return code == builtin::kConv2D || code == builtin::kDepthwiseConv2D ||
         code == builtin::kFullyConnected || code == builtin::kAdd || code == builtin::kMul ||
         code == builtin::kAveragePool2D || code == builtin::kMaxPool2D;
}

Activation ActivationOf(int32_t code) {
  switch (code) {
    case builtin::kRelu: return Activation::kRelu;
    case builtin::kRelu6: return Activation::kRelu6;
    case builtin::kReluN1To1: return Activation::kReluN1To1;
    default: return Activation::kNone;
  }
}

bool SameQuantization(const Tensor& a, const Tensor& b) {
  return a.type == b.type && a.quant.scale == b.quant.scale && a.quant.zero_point == b.quant.zero_point;
}

}  // namespace

Result<void> FuseActivations(Graph& graph) {
  std::vector<bool> removed(graph.ops.size(), false);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    Op& act = graph.ops[i];
    const Activation activation = ActivationOf(act.builtin_code);
    if (activation == Activation::kNone || act.inputs.size() != 1 || act.outputs.size() != 1) continue;
    const int32_t mid = act.inputs[0];
    if (mid < 0 || graph.IsGraphOutput(mid) || graph.ConsumersOf(mid).size() != 1) continue;
    // Find the producer of `mid`.
    for (size_t p = 0; p < i; ++p) {
      Op& producer = graph.ops[p];
      if (removed[p] || producer.outputs.size() != 1 || producer.outputs[0] != mid) continue;
      if (!CanCarryActivation(producer.builtin_code) ||
          producer.options.activation != Activation::kNone ||
          !SameQuantization(graph.tensors[mid], graph.tensors[act.outputs[0]])) {
        break;
      }
      producer.options.activation = activation;
      producer.outputs[0] = act.outputs[0];
      removed[i] = true;
      break;
    }
  }
  std::vector<Op> kept;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    if (!removed[i]) kept.push_back(graph.ops[i]);
  }
  graph.ops = std::move(kept);
  return {};
}

Result<void> RemoveDeadOps(Graph& graph) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = graph.ops.size(); i-- > 0;) {
      bool used = false;
      for (int32_t id : graph.ops[i].outputs) {
        if (graph.IsGraphOutput(id) || !graph.ConsumersOf(id).empty()) used = true;
      }
      if (!used) {
        graph.ops.erase(graph.ops.begin() + static_cast<std::ptrdiff_t>(i));
        changed = true;
      }
    }
  }
  return {};
}

Result<void> RunPasses(Graph& graph, std::vector<std::string>* log) {
  const size_t before = graph.ops.size();
  if (auto r = DequantizeHybridWeights(graph); !r) return r;
  if (auto r = FoldConstants(graph); !r) return r;
  const size_t after_fold = graph.ops.size();
  if (auto r = FuseActivations(graph); !r) return r;
  const size_t after_fuse = graph.ops.size();
  if (auto r = RemoveDeadOps(graph); !r) return r;
  if (log != nullptr) {
    log->push_back("folded " + std::to_string(before - after_fold) + " constant ops");
    log->push_back("fused " + std::to_string(after_fold - after_fuse) + " activations");
    log->push_back("removed " + std::to_string(after_fuse - graph.ops.size()) + " dead ops");
  }
  return {};
}

}  // namespace tml::compiler
