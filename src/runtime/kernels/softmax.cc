#include "runtime/kernels/softmax.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

Status Prepare(const OpContext& ctx, DType type) {
  using namespace prepare;
  if (!Signature<SoftmaxParams>(ctx, 1, 1, 1)) return Status::kBadParams;
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  if (!Is(in, type) || !Is(out, type) || !SameShape(in, out) || in.rank() < 1) {
    return Status::kBadParams;
  }
  const int32_t shift = ctx.param<SoftmaxParams>().input_left_shift;
  return Check(type != DType::kInt8 || (shift >= 0 && shift < 31));
}

/// exp(beta * scale * diff) in Q0.31 for diff = x - max (<= 0).
int32_t ExpOfDiff(const SoftmaxParams& p, int32_t diff) {
  const int32_t rescaled =
      qmath::MultiplyByQuantizedMultiplierGreaterThanOne(diff, p.input_multiplier, p.input_left_shift);
  return qmath::ExpOnNegativeValues(rescaled, kScaledDiffIntegerBits);
}

}  // namespace

Status PrepareSoftmaxInt8(const OpContext& ctx) { return Prepare(ctx, DType::kInt8); }
Status PrepareSoftmaxFloat(const OpContext& ctx) { return Prepare(ctx, DType::kFloat32); }

void EvalSoftmaxInt8(const OpContext& ctx) {
  const SoftmaxParams& p = ctx.param<SoftmaxParams>();
  const TensorView& in = ctx.input(0);
  const int32_t depth = in.dim(in.rank() - 1);
  const int32_t rows = in.count() / depth;
  const int8_t* input = in.as<int8_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* x = input + r * depth;
    int8_t* y = output + r * depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < depth; ++c) max_in_row = qmath::Max(max_in_row, int32_t{x[c]});

    int32_t sum_of_exps = 0;  // Q12.19
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = int32_t{x[c]} - max_in_row;
      if (diff >= p.diff_min) {
        sum_of_exps = qmath::WrapAdd(
            sum_of_exps, qmath::RoundingDivideByPOT(ExpOfDiff(p, diff), kAccumulationIntegerBits));
      }
    }
    int num_bits_over_unit = 0;
    const int32_t shifted_scale =
        qmath::GetReciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = int32_t{x[c]} - max_in_row;
      if (diff >= p.diff_min) {
        const int32_t unsat = qmath::RoundingDivideByPOT(
            qmath::SaturatingRoundingDoublingHighMul(shifted_scale, ExpOfDiff(p, diff)),
            num_bits_over_unit + 31 - 8);
        y[c] = static_cast<int8_t>(qmath::Clamp(unsat - 128, -128, 127));
      } else {
        y[c] = -128;
      }
    }
  }
}

void EvalSoftmaxFloat(const OpContext& ctx) {
  const SoftmaxParams& p = ctx.param<SoftmaxParams>();
  const TensorView& in = ctx.input(0);
  const int32_t depth = in.dim(in.rank() - 1);
  const int32_t rows = in.count() / depth;
  const float* input = in.as<float>();
  float* output = ctx.output(0).as<float>();
  for (int32_t r = 0; r < rows; ++r) {
    const float* x = input + r * depth;
    float* y = output + r * depth;
    float max = x[0];
    for (int32_t c = 1; c < depth; ++c) max = qmath::Max(max, x[c]);
    float sum = 0.0f;
    for (int32_t c = 0; c < depth; ++c) {
      y[c] = __builtin_expf((x[c] - max) * p.beta);
      sum += y[c];
    }
    for (int32_t c = 0; c < depth; ++c) y[c] /= sum;
  }
}

}  // namespace tml
