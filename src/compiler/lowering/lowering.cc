#include "compiler/lowering/lowering.h"

#include <algorithm>

#include "compiler/lowering/op_lowering.h"

namespace tml::compiler {
namespace {

using LowerFn = LowerResult (*)(OpLowering&);

struct LoweringRow {
  int32_t builtin_code;
  LowerFn lower;
};

// One row per supported builtin op.
constexpr LoweringRow kLowerings[] = {
    {builtin::kAdd, LowerAddMul},
    {builtin::kAveragePool2D, LowerPool},
    {builtin::kConcatenation, LowerConcatenation},
    {builtin::kConv2D, LowerConv2D},
    {builtin::kDepthwiseConv2D, LowerDepthwiseConv2D},
    {builtin::kDequantize, LowerDequantize},
    {builtin::kExpandDims, LowerReshape},
    {builtin::kFullyConnected, LowerFullyConnected},
    {builtin::kHardSwish, LowerHardSwish},
    {builtin::kLogistic, LowerLogisticTanh},
    {builtin::kMaxPool2D, LowerPool},
    {builtin::kMean, LowerMean},
    {builtin::kMul, LowerAddMul},
    {builtin::kPad, LowerPad},
    {builtin::kQuantize, LowerQuantize},
    {builtin::kRelu, LowerRelu},
    {builtin::kRelu6, LowerRelu},
    {builtin::kReluN1To1, LowerRelu},
    {builtin::kReshape, LowerReshape},
    {builtin::kSoftmax, LowerSoftmax},
    {builtin::kSqueeze, LowerReshape},
    {builtin::kStridedSlice, LowerStridedSlice},
    {builtin::kTanh, LowerLogisticTanh},
    {builtin::kTranspose, LowerTranspose},
};

std::string SupportedList() {
  std::string list;
  for (const std::string& name : SupportedBuiltinNames()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

}  // namespace

std::vector<std::string> SupportedBuiltinNames() {
  std::vector<std::string> names;
  for (const LoweringRow& row : kLowerings) names.push_back(BuiltinName(row.builtin_code));
  std::sort(names.begin(), names.end());
  return names;
}

Result<LoweredGraph> Lower(Graph& graph) {
  LoweredGraph lowered;
  // Ops may append tensors to the graph, so index ops by position, not by reference.
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op op = graph.ops[i];
    const auto row = std::find_if(std::begin(kLowerings), std::end(kLowerings),
                                  [&](const LoweringRow& r) { return r.builtin_code == op.builtin_code; });
    if (row == std::end(kLowerings)) {
      return Fail(OpLabel(op) + ": unsupported operator " + BuiltinName(op.builtin_code) +
                  " (builtin code " + std::to_string(op.builtin_code) + "); supported: " + SupportedList());
    }
    OpLowering context(graph, op, lowered);
    auto result = row->lower(context);
    if (!result) return tl::unexpected(result.error());
    for (LoweredOp& l : *result) lowered.ops.push_back(std::move(l));
  }
  return lowered;
}

}  // namespace tml::compiler
