#include <cstring>

#include "compiler/passes/passes.h"

namespace tml::compiler {

Result<void> DequantizeHybridWeights(Graph& graph) {
  for (const Op& op : graph.ops) {
    const bool weighted = op.builtin_code == builtin::kConv2D ||
                          op.builtin_code == builtin::kDepthwiseConv2D ||
                          op.builtin_code == builtin::kFullyConnected;
    if (!weighted || op.inputs.size() < 2 || op.inputs[0] < 0 || op.inputs[1] < 0) continue;
    if (graph.tensors[op.inputs[0]].type != ElementType::kFloat32) continue;
    Tensor& w = graph.tensors[op.inputs[1]];
    if (w.type != ElementType::kInt8 || !w.is_constant) continue;
    if (!w.quant.present()) {
      return Fail(OpLabel(op) + ": " + TensorLabel(graph, op.inputs[1]) +
                  ": int8 weights of a float op have no quantization parameters");
    }
    // Elements are row-major; the channel of element i along `axis` is (i / inner) % dim.
    const int32_t axis = w.quant.per_channel() ? w.quant.axis : 0;
    int64_t inner = 1;
    for (size_t d = axis + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
    const int64_t dim = w.shape.empty() ? 1 : w.shape[axis];
    std::vector<uint8_t> data(w.element_count() * 4);
    for (int64_t i = 0; i < w.element_count(); ++i) {
      const size_t c = w.quant.per_channel() ? static_cast<size_t>((i / inner) % dim) : 0;
      const double real = (static_cast<double>(w.values<int8_t>()[i]) - static_cast<double>(w.quant.zero_point[c])) *
                          static_cast<double>(w.quant.scale[c]);
      const auto f = static_cast<float>(real);
      std::memcpy(data.data() + i * 4, &f, 4);
    }
    w.type = ElementType::kFloat32;
    w.data = std::move(data);
    w.quant = Quantization{};
  }
  return {};
}

}  // namespace tml::compiler
