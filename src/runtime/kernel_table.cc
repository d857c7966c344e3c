#include "runtime/kernel_table.h"

#include "runtime/kernels/kernels.h"

namespace tml {
namespace {

// A firmware may contain only some kernels: `tmlc firmware --only-model-kernels` compiles
// this file with -DTML_KERNEL_SELECTION=<ids>. Excluded rows keep their id and name but no
// functions, so the linker drops their code.
#ifdef TML_KERNEL_SELECTION
constexpr uint16_t kSelected[] = {TML_KERNEL_SELECTION};
constexpr bool Selected(uint16_t id) {
  for (uint16_t k : kSelected) {
    if (k == id) return true;
  }
  return false;
}
#else
constexpr bool Selected(uint16_t) { return true; }
#endif

constexpr KernelInfo kKernels[] = {
#define TML_KERNEL(symbol, id, name, prepare, eval) \
  {id, name, Selected(id) ? prepare : nullptr, Selected(id) ? eval : nullptr},
#include "runtime/kernels/kernel_list.def"
#undef TML_KERNEL
};

}  // namespace

const KernelInfo* FindKernel(uint16_t id) {
  for (const KernelInfo& k : kKernels) {
    if (k.id == id && k.prepare != nullptr) return &k;
  }
  return nullptr;
}

const KernelInfo* AllKernels(uint32_t* count) {
  *count = sizeof(kKernels) / sizeof(kKernels[0]);
  return kKernels;
}

}  // namespace tml
