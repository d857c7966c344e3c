#include "runtime/kernels/elementwise_binary.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

/// Largest element index a stride vector reaches over the output shape.
int64_t MaxIndex(const int32_t* dims, const int32_t* strides) {
  int64_t index = 0;
  for (uint32_t d = 0; d < kMaxRank; ++d) {
    if (strides[d] < 0) return -1;
    index += int64_t{dims[d] - 1} * strides[d];
  }
  return index;
}

Status Prepare(const OpContext& ctx, DType type) {
  using namespace prepare;
  if (!Signature<BinaryParams>(ctx, 2, 2, 1)) return Status::kBadParams;
  const TensorView& a = ctx.input(0);
  const TensorView& b = ctx.input(1);
  const TensorView& out = ctx.output(0);
  if (!Is(a, type) || !Is(b, type) || !Is(out, type)) return Status::kBadParams;
  const BinaryParams& p = ctx.param<BinaryParams>();
  int64_t out_count = 1;
  for (uint32_t d = 0; d < kMaxRank; ++d) {
    if (p.out_dims[d] < 1) return Status::kBadParams;
    out_count *= p.out_dims[d];
  }
  if (out_count != out.count()) return Status::kBadParams;
  const int64_t max1 = MaxIndex(p.out_dims, p.in1_strides);
  const int64_t max2 = MaxIndex(p.out_dims, p.in2_strides);
  if (max1 < 0 || max1 >= a.count() || max2 < 0 || max2 >= b.count()) return Status::kBadParams;
  return Status::kOk;
}

/// Calls fn(out_index, in1_index, in2_index) for every output element in row-major order.
template <typename Fn>
void ForEachBroadcast(const BinaryParams& p, Fn fn) {
  const int32_t* d = p.out_dims;
  const int32_t* s1 = p.in1_strides;
  const int32_t* s2 = p.in2_strides;
  int32_t out = 0;
  for (int32_t i0 = 0; i0 < d[0]; ++i0)
    for (int32_t i1 = 0; i1 < d[1]; ++i1)
      for (int32_t i2 = 0; i2 < d[2]; ++i2)
        for (int32_t i3 = 0; i3 < d[3]; ++i3)
          for (int32_t i4 = 0; i4 < d[4]; ++i4) {
            const int32_t base1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3] + i4 * s1[4];
            const int32_t base2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3] + i4 * s2[4];
            for (int32_t i5 = 0; i5 < d[5]; ++i5) fn(out++, base1 + i5 * s1[5], base2 + i5 * s2[5]);
          }
}

}  // namespace

Status PrepareAddInt8(const OpContext& ctx) {
  const Status status = Prepare(ctx, DType::kInt8);
  if (status != Status::kOk) return status;
  const BinaryParams& p = ctx.param<BinaryParams>();
  return prepare::Check(p.left_shift >= 0 && p.left_shift <= 24 && prepare::ShiftOk(p.input1_shift) &&
                        prepare::ShiftOk(p.input2_shift) && prepare::ShiftOk(p.output_shift));
}

Status PrepareMulInt8(const OpContext& ctx) {
  const Status status = Prepare(ctx, DType::kInt8);
  if (status != Status::kOk) return status;
  return prepare::Check(prepare::ShiftOk(ctx.param<BinaryParams>().output_shift));
}
Status PrepareBinaryFloat(const OpContext& ctx) { return Prepare(ctx, DType::kFloat32); }

void EvalAddInt8(const OpContext& ctx) {
  const BinaryParams& p = ctx.param<BinaryParams>();
  const int8_t* a = ctx.input(0).as<int8_t>();
  const int8_t* b = ctx.input(1).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  ForEachBroadcast(p, [&](int32_t o, int32_t i1, int32_t i2) {
    const int32_t shifted1 = (p.input1_offset + a[i1]) * (1 << p.left_shift);
    const int32_t shifted2 = (p.input2_offset + b[i2]) * (1 << p.left_shift);
    const int32_t scaled1 =
        qmath::MultiplyByQuantizedMultiplier(shifted1, p.input1_multiplier, p.input1_shift);
    const int32_t scaled2 =
        qmath::MultiplyByQuantizedMultiplier(shifted2, p.input2_multiplier, p.input2_shift);
    const int32_t sum = scaled1 + scaled2;
    const int32_t raw =
        qmath::MultiplyByQuantizedMultiplier(sum, p.output_multiplier, p.output_shift) +
        p.output_offset;
    out[o] = static_cast<int8_t>(qmath::Clamp(raw, p.act_min, p.act_max));
  });
}

void EvalAddFloat(const OpContext& ctx) {
  const BinaryParams& p = ctx.param<BinaryParams>();
  const float* a = ctx.input(0).as<float>();
  const float* b = ctx.input(1).as<float>();
  float* out = ctx.output(0).as<float>();
  ForEachBroadcast(p, [&](int32_t o, int32_t i1, int32_t i2) {
    out[o] = qmath::Min(qmath::Max(a[i1] + b[i2], p.act_min_f), p.act_max_f);
  });
}

void EvalMulInt8(const OpContext& ctx) {
  const BinaryParams& p = ctx.param<BinaryParams>();
  const int8_t* a = ctx.input(0).as<int8_t>();
  const int8_t* b = ctx.input(1).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  ForEachBroadcast(p, [&](int32_t o, int32_t i1, int32_t i2) {
    const int32_t product = (p.input1_offset + a[i1]) * (p.input2_offset + b[i2]);
    const int32_t raw =
        qmath::MultiplyByQuantizedMultiplier(product, p.output_multiplier, p.output_shift) +
        p.output_offset;
    out[o] = static_cast<int8_t>(qmath::Clamp(raw, p.act_min, p.act_max));
  });
}

void EvalMulFloat(const OpContext& ctx) {
  const BinaryParams& p = ctx.param<BinaryParams>();
  const float* a = ctx.input(0).as<float>();
  const float* b = ctx.input(1).as<float>();
  float* out = ctx.output(0).as<float>();
  ForEachBroadcast(p, [&](int32_t o, int32_t i1, int32_t i2) {
    out[o] = qmath::Min(qmath::Max(a[i1] * b[i2], p.act_min_f), p.act_max_f);
  });
}

}  // namespace tml
