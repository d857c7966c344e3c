#pragma once
// The kernel table: kernel id -> {name, Prepare, Eval}. The rows live in
// runtime/kernels/kernel_list.def, the single list of kernels.

#include <stdint.h>

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

/// Checks an op's tensors and parameters once, when a plan is loaded. Tensor data is null.
using PrepareFn = Status (*)(const OpContext& ctx);
/// Runs an op. Never fails: everything it relies on was checked by Prepare.
using EvalFn = void (*)(const OpContext& ctx);

/// One row of the kernel table.
struct KernelInfo {
  uint16_t id;
  const char* name;  ///< "CONV_2D/int8": builtin op and the variant
  PrepareFn prepare;
  EvalFn eval;
};

/// Stable kernel ids; values are part of the plan format (op set).
enum class KernelId : uint16_t {
#define TML_KERNEL(symbol, id, name, prepare, eval) symbol = id,
#include "runtime/kernels/kernel_list.def"
#undef TML_KERNEL
};

/// The row for `id`, or null if this runtime has no such kernel.
const KernelInfo* FindKernel(uint16_t id);
/// All rows, for listing; `*count` receives the number of rows. Rows of kernels left out of
/// this build (see kernel_table.cc) have null functions.
const KernelInfo* AllKernels(uint32_t* count);

}  // namespace tml
