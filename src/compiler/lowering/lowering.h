#pragma once
// Lowering: each IR op becomes a kernel call (kernel id, tensors, precomputed parameters),
// or disappears (a reshape becomes an alias of its input). All type, shape and quantization
// checks of an op live in its lowering function, so errors name the op and tensor.

#include <cstdint>
#include <vector>

#include "compiler/error.h"
#include "compiler/ir.h"
#include "runtime/kernel_table.h"

namespace tml::compiler {

/// One kernel invocation, ready for the plan writer.
struct LoweredOp {
  KernelId kernel{};
  std::vector<int32_t> inputs;   ///< -1 = absent optional input
  std::vector<int32_t> outputs;
  std::vector<uint8_t> params;   ///< the kernel's parameter struct, as bytes
  int32_t source_index = 0;
  uint64_t macs = 0;             ///< multiply-accumulates per inference
  /// In-place permission: output 0 may start `inplace_delta` bytes before the start of
  /// input `inplace_input` if that input is dead after this op (-1 = never in place). The
  /// kernel's loop order guarantees it never overwrites input bytes it still has to read.
  int32_t inplace_input = -1;
  uint32_t inplace_delta = 0;
  /// A second candidate (e.g. the other operand of ADD).
  int32_t inplace_input2 = -1;
};

/// `tensor` occupies the same bytes as `target` (a reshape that moves nothing).
struct Alias {
  int32_t tensor;
  int32_t target;
};

struct LoweredGraph {
  std::vector<LoweredOp> ops;
  std::vector<Alias> aliases;
};

/// Lowers every op of `graph`; may add constant tensors (e.g. per-channel multipliers).
Result<LoweredGraph> Lower(Graph& graph);

/// Evaluates every lowered op whose inputs are all constant with the runtime's kernels and
/// turns its outputs into constants (model outputs excepted). Returns how many ops it folded.
size_t FoldConstantOps(Graph& graph, LoweredGraph& lowered);

/// Names of the builtin ops Lower() accepts, for the "unsupported op" message.
std::vector<std::string> SupportedBuiltinNames();

}  // namespace tml::compiler
