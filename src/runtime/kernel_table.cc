#include "runtime/kernel_table.h"

#include "runtime/kernels/kernels.h"

namespace tml {
namespace {

constexpr KernelInfo kKernels[] = {
#define TML_KERNEL(symbol, id, name, prepare, eval) {id, name, prepare, eval},
#include "runtime/kernels/kernel_list.def"
#undef TML_KERNEL
};

}  // namespace

const KernelInfo* FindKernel(uint16_t id) {
  for (const KernelInfo& k : kKernels) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

const KernelInfo* AllKernels(uint32_t* count) {
  *count = sizeof(kKernels) / sizeof(kKernels[0]);
  return kKernels;
}

}  // namespace tml
