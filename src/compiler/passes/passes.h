#pragma once
// Graph-to-graph rewrites run before lowering, in the order listed in RunPasses().

#include <string>
#include <vector>

#include "compiler/error.h"
#include "compiler/ir.h"

namespace tml::compiler {

/// Constant int8 weights of a float CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED (a
/// "hybrid" model) become float32: w = (q - zero_point[c]) * scale[c], in double.
Result<void> DequantizeHybridWeights(Graph& graph);

/// Ops whose inputs are all constant and that we can evaluate exactly (DEQUANTIZE,
/// QUANTIZE, RESHAPE family) are replaced by their constant result.
Result<void> FoldConstants(Graph& graph);

/// A standalone RELU / RELU6 / RELU_N1_TO_1 after a CONV_2D, DEPTHWISE_CONV_2D,
/// FULLY_CONNECTED, ADD, MUL or pool with no other reader is fused into that op when this
/// changes no output bit (same quantization on both sides).
Result<void> FuseActivations(Graph& graph);

/// Drops ops whose outputs nobody reads and that are not model outputs.
Result<void> RemoveDeadOps(Graph& graph);

/// Runs all passes; `log` receives one line per rewrite.
Result<void> RunPasses(Graph& graph, std::vector<std::string>* log);

}  // namespace tml::compiler
