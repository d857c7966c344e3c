#pragma once
// A tensor as a kernel sees it: its plan record plus a pointer to its bytes.

#include <stdint.h>

#include "runtime/plan_format.h"

namespace tml {

/// A tensor's descriptor and data pointer. `data` is null while a plan is only being validated.
struct TensorView {
  const TensorRecord* record = nullptr;
  uint8_t* data = nullptr;

  bool present() const { return record != nullptr; }
  DType type() const { return record->type; }
  int rank() const { return record->rank; }
  int32_t dim(int i) const { return record->dims[i]; }
  float scale() const { return record->scale; }
  int32_t zero_point() const { return record->zero_point; }
  uint32_t bytes() const { return record->bytes; }
  /// Number of elements (product of dims; 1 for a scalar).
  int32_t count() const {
    int32_t n = 1;
    for (int i = 0; i < rank(); ++i) n *= dim(i);
    return n;
  }
  template <typename T>
  T* as() const { return reinterpret_cast<T*>(data); }
};

/// Everything a kernel gets for one op.
struct OpContext {
  const TensorView* inputs;
  const TensorView* outputs;
  uint8_t num_inputs;
  uint8_t num_outputs;
  const void* params;
  uint32_t params_bytes;

  const TensorView& input(int i) const { return inputs[i]; }
  const TensorView& output(int i) const { return outputs[i]; }
  template <typename P>
  const P& param() const { return *static_cast<const P*>(params); }
};

}  // namespace tml
