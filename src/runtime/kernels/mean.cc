#include "runtime/kernels/mean.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

Status Prepare(const OpContext& ctx, DType type) {
  using namespace prepare;
  if (!Signature<MeanParams>(ctx, 1, 1, 1)) return Status::kBadParams;
  if (!Is(ctx.input(0), type) || !Is(ctx.output(0), type)) return Status::kBadParams;
  const MeanParams& p = ctx.param<MeanParams>();
  int64_t in_count = 1;
  int64_t out_count = 1;
  for (uint32_t d = 0; d < kMaxRank; ++d) {
    if (p.in_dims[d] < 1 || (p.reduce[d] != 0 && p.reduce[d] != 1)) return Status::kBadParams;
    in_count *= p.in_dims[d];
    if (!p.reduce[d]) out_count *= p.in_dims[d];
  }
  return Check(in_count == ctx.input(0).count() && out_count == ctx.output(0).count());
}

/// Calls reduce(out_index, visit) per output element; visit(fn) calls fn(in_index) for every
/// input element that reduces into it.
template <typename Fn>
void ForEachReduction(const MeanParams& p, Fn reduce) {
  int32_t strides[kMaxRank];
  int32_t stride = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= p.in_dims[d];
  }
  int32_t out_dims[kMaxRank];
  int32_t red_dims[kMaxRank];
  for (uint32_t d = 0; d < kMaxRank; ++d) {
    out_dims[d] = p.reduce[d] ? 1 : p.in_dims[d];
    red_dims[d] = p.reduce[d] ? p.in_dims[d] : 1;
  }
  int32_t out_index = 0;
  int32_t o[kMaxRank];
  for (o[0] = 0; o[0] < out_dims[0]; ++o[0])
  for (o[1] = 0; o[1] < out_dims[1]; ++o[1])
  for (o[2] = 0; o[2] < out_dims[2]; ++o[2])
  for (o[3] = 0; o[3] < out_dims[3]; ++o[3])
  for (o[4] = 0; o[4] < out_dims[4]; ++o[4])
  for (o[5] = 0; o[5] < out_dims[5]; ++o[5]) {
    int32_t base = 0;
    for (uint32_t d = 0; d < kMaxRank; ++d) base += o[d] * strides[d];
    reduce(out_index++, [&](auto fn) {
      int32_t r[kMaxRank];
      for (r[0] = 0; r[0] < red_dims[0]; ++r[0])
      for (r[1] = 0; r[1] < red_dims[1]; ++r[1])
      for (r[2] = 0; r[2] < red_dims[2]; ++r[2])
      for (r[3] = 0; r[3] < red_dims[3]; ++r[3])
      for (r[4] = 0; r[4] < red_dims[4]; ++r[4])
      for (r[5] = 0; r[5] < red_dims[5]; ++r[5]) {
        int32_t index = base;
        for (uint32_t d = 0; d < kMaxRank; ++d) index += r[d] * strides[d];
        fn(index);
      }
    });
  }
}

}  // namespace

Status PrepareMeanInt8(const OpContext& ctx) {
  const Status status = Prepare(ctx, DType::kInt8);
  if (status != Status::kOk) return status;
  return prepare::Check(prepare::ShiftOk(ctx.param<MeanParams>().shift));
}
Status PrepareMeanFloat(const OpContext& ctx) { return Prepare(ctx, DType::kFloat32); }

void EvalMeanInt8(const OpContext& ctx) {
  const MeanParams& p = ctx.param<MeanParams>();
  const int8_t* in = ctx.input(0).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  ForEachReduction(p, [&](int32_t o, auto visit) {
    int32_t acc = 0;
    int32_t count = 0;
    visit([&](int32_t i) { acc += in[i] - p.input_zero_point; ++count; });
    // TFLite's integer mean: rescale the sum, then divide rounding half away from zero.
    acc = qmath::MultiplyByQuantizedMultiplier(acc, p.multiplier, p.shift);
    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    out[o] = static_cast<int8_t>(qmath::Clamp(acc + p.output_zero_point, -128, 127));
  });
}

void EvalMeanFloat(const OpContext& ctx) {
  const MeanParams& p = ctx.param<MeanParams>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  ForEachReduction(p, [&](int32_t o, auto visit) {
    float sum = 0.0f;
    int32_t count = 0;
    visit([&](int32_t i) { sum += in[i]; ++count; });
    out[o] = sum / static_cast<float>(count);
  });
}

}  // namespace tml
