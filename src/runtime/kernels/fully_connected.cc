#include "runtime/kernels/fully_connected.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

enum { kInput = 0, kFilter = 1, kBias = 2, kMultiplier = 3, kShift = 4 };

Status Prepare(const OpContext& ctx, DType type) {
  using namespace prepare;
  const int inputs = type == DType::kInt8 ? 5 : 3;
  if (!Signature<FullyConnectedParams>(ctx, 2, inputs, 1)) return Status::kBadParams;
  const TensorView& in = ctx.input(kInput);
  const TensorView& filter = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  if (!Is(in, type) || !Is(filter, type, 2) || !Is(out, type)) return Status::kBadParams;
  const int32_t units = filter.dim(0);
  const int32_t depth = filter.dim(1);
  if (in.count() % depth != 0) return Status::kBadParams;
  const int32_t batches = in.count() / depth;
  if (out.count() != batches * units) return Status::kBadParams;
  if (ctx.num_inputs > kBias && ctx.input(kBias).present()) {
    const DType bias_type = type == DType::kInt8 ? DType::kInt32 : DType::kFloat32;
    if (!Is(ctx.input(kBias), bias_type) || ctx.input(kBias).count() != units) {
      return Status::kBadParams;
    }
  }
  if (type == DType::kInt8) {
    if (ctx.num_inputs != 5 || !IsChannelVector(ctx.input(kMultiplier), units) ||
        !IsChannelVector(ctx.input(kShift), units) ||
        !RequantVectorsOk(ctx.input(kMultiplier), ctx.input(kShift))) {
      return Status::kBadParams;
    }
  }
  return Status::kOk;
}

/// Sum of (w + w_offset) * (x + x_offset) over n elements. Out of line and unrolled so the
/// operands stay in registers.
__attribute__((noinline)) int32_t DotWithOffsets(const int8_t* x, const int8_t* w, int32_t n, int32_t x_offset,
                                                 int32_t w_offset) {
  int32_t acc = 0;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    acc += (int32_t{w[i]} + w_offset) * (int32_t{x[i]} + x_offset);
    acc += (int32_t{w[i + 1]} + w_offset) * (int32_t{x[i + 1]} + x_offset);
    acc += (int32_t{w[i + 2]} + w_offset) * (int32_t{x[i + 2]} + x_offset);
    acc += (int32_t{w[i + 3]} + w_offset) * (int32_t{x[i + 3]} + x_offset);
  }
  for (; i < n; ++i) acc += (int32_t{w[i]} + w_offset) * (int32_t{x[i]} + x_offset);
  return acc;
}

}  // namespace

Status PrepareFullyConnectedInt8(const OpContext& ctx) { return Prepare(ctx, DType::kInt8); }
Status PrepareFullyConnectedFloat(const OpContext& ctx) { return Prepare(ctx, DType::kFloat32); }

void EvalFullyConnectedInt8(const OpContext& ctx) {
  const FullyConnectedParams& p = ctx.param<FullyConnectedParams>();
  const TensorView& filter_view = ctx.input(kFilter);
  const int32_t units = filter_view.dim(0);
  const int32_t depth = filter_view.dim(1);
  const int32_t batches = ctx.input(kInput).count() / depth;
  const int8_t* input = ctx.input(kInput).as<int8_t>();
  const int8_t* filter = filter_view.as<int8_t>();
  const int32_t* bias =
      ctx.input(kBias).present() ? ctx.input(kBias).as<int32_t>() : nullptr;
  const int32_t* multiplier = ctx.input(kMultiplier).as<int32_t>();
  const int32_t* shift = ctx.input(kShift).as<int32_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* in_row = input + b * depth;
    for (int32_t o = 0; o < units; ++o) {
      int32_t acc = DotWithOffsets(in_row, filter + o * depth, depth, p.input_offset, p.filter_offset);
      if (bias != nullptr) acc += bias[o];
      acc = qmath::MultiplyByQuantizedMultiplier(acc, multiplier[o], shift[o]) + p.output_offset;
      output[b * units + o] = static_cast<int8_t>(qmath::Clamp(acc, p.act_min, p.act_max));
    }
  }
}

void EvalFullyConnectedFloat(const OpContext& ctx) {
  const FullyConnectedParams& p = ctx.param<FullyConnectedParams>();
  const TensorView& filter_view = ctx.input(kFilter);
  const int32_t units = filter_view.dim(0);
  const int32_t depth = filter_view.dim(1);
  const int32_t batches = ctx.input(kInput).count() / depth;
  const float* input = ctx.input(kInput).as<float>();
  const float* filter = filter_view.as<float>();
  const float* bias = ctx.input(kBias).present() ? ctx.input(kBias).as<float>() : nullptr;
  float* output = ctx.output(0).as<float>();
  for (int32_t b = 0; b < batches; ++b) {
    for (int32_t o = 0; o < units; ++o) {
      float total = 0.0f;
      for (int32_t d = 0; d < depth; ++d) total += input[b * depth + d] * filter[o * depth + d];
      if (bias != nullptr) total += bias[o];
      output[b * units + o] = qmath::Min(qmath::Max(total, p.act_min_f), p.act_max_f);
    }
  }
}

}  // namespace tml
