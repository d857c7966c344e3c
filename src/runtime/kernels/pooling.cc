#include "runtime/kernels/pooling.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

Status Prepare(const OpContext& ctx, DType type) {
  using namespace prepare;
  if (!Signature<PoolParams>(ctx, 1, 1, 1)) return Status::kBadParams;
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  if (!Is(in, type, 4) || !Is(out, type, 4)) return Status::kBadParams;
  const PoolParams& p = ctx.param<PoolParams>();
  if (out.dim(0) != in.dim(0) || out.dim(3) != in.dim(3)) return Status::kBadParams;
  if (!WindowOk(in.dim(1), out.dim(1), p.filter_h, p.stride_h, 1, p.pad_h) ||
      !WindowOk(in.dim(2), out.dim(2), p.filter_w, p.stride_w, 1, p.pad_w)) {
    return Status::kBadParams;
  }
  // Every output position must see at least one input element, or the average divides by 0.
  for (int32_t oy = 0; oy < out.dim(1); ++oy) {
    const int32_t y0 = oy * p.stride_h - p.pad_h;
    if (y0 + p.filter_h <= 0 || y0 >= in.dim(1)) return Status::kBadParams;
  }
  for (int32_t ox = 0; ox < out.dim(2); ++ox) {
    const int32_t x0 = ox * p.stride_w - p.pad_w;
    if (x0 + p.filter_w <= 0 || x0 >= in.dim(2)) return Status::kBadParams;
  }
  return Status::kOk;
}

/// Visits every output element with the clipped filter window, as TFLite's reference does.
template <typename Fn>
void ForEachWindow(const OpContext& ctx, Fn fn) {
  const PoolParams& p = ctx.param<PoolParams>();
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  const int32_t in_h = in.dim(1), in_w = in.dim(2), depth = in.dim(3);
  for (int32_t b = 0; b < out.dim(0); ++b) {
    for (int32_t oy = 0; oy < out.dim(1); ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_h;
      const int32_t fy_start = qmath::Max(int32_t{0}, -y0);
      const int32_t fy_end = qmath::Min(p.filter_h, in_h - y0);
      for (int32_t ox = 0; ox < out.dim(2); ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_w;
        const int32_t fx_start = qmath::Max(int32_t{0}, -x0);
        const int32_t fx_end = qmath::Min(p.filter_w, in_w - x0);
        for (int32_t c = 0; c < depth; ++c) {
          const int32_t out_index = ((b * out.dim(1) + oy) * out.dim(2) + ox) * depth + c;
          fn(out_index, [&](auto visit) {
            for (int32_t fy = fy_start; fy < fy_end; ++fy) {
              for (int32_t fx = fx_start; fx < fx_end; ++fx) {
                visit(((b * in_h + y0 + fy) * in_w + x0 + fx) * depth + c);
              }
            }
          });
        }
      }
    }
  }
}

}  // namespace

Status PreparePoolInt8(const OpContext& ctx) { return Prepare(ctx, DType::kInt8); }
Status PreparePoolFloat(const OpContext& ctx) { return Prepare(ctx, DType::kFloat32); }

void EvalAveragePoolInt8(const OpContext& ctx) {
  const PoolParams& p = ctx.param<PoolParams>();
  const int8_t* input = ctx.input(0).as<int8_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  ForEachWindow(ctx, [&](int32_t out_index, auto window) {
    int32_t acc = 0;
    int32_t count = 0;
    window([&](int32_t i) { acc += input[i]; ++count; });
    // Round half away from zero, as TFLite's integer average pool.
    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    output[out_index] = static_cast<int8_t>(qmath::Clamp(acc, p.act_min, p.act_max));
  });
}

void EvalAveragePoolFloat(const OpContext& ctx) {
  const PoolParams& p = ctx.param<PoolParams>();
  const float* input = ctx.input(0).as<float>();
  float* output = ctx.output(0).as<float>();
  ForEachWindow(ctx, [&](int32_t out_index, auto window) {
    float total = 0.0f;
    int32_t count = 0;
    window([&](int32_t i) { total += input[i]; ++count; });
    const float average = total / static_cast<float>(count);
    output[out_index] = qmath::Min(qmath::Max(average, p.act_min_f), p.act_max_f);
  });
}

void EvalMaxPoolInt8(const OpContext& ctx) {
  const PoolParams& p = ctx.param<PoolParams>();
  const int8_t* input = ctx.input(0).as<int8_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  ForEachWindow(ctx, [&](int32_t out_index, auto window) {
    int32_t max = -128;
    window([&](int32_t i) { max = qmath::Max(max, int32_t{input[i]}); });
    output[out_index] = static_cast<int8_t>(qmath::Clamp(max, p.act_min, p.act_max));
  });
}

void EvalMaxPoolFloat(const OpContext& ctx) {
  const PoolParams& p = ctx.param<PoolParams>();
  const float* input = ctx.input(0).as<float>();
  float* output = ctx.output(0).as<float>();
  ForEachWindow(ctx, [&](int32_t out_index, auto window) {
    float max = -3.40282347e+38f;
    window([&](int32_t i) { max = qmath::Max(max, input[i]); });
    output[out_index] = qmath::Min(qmath::Max(max, p.act_min_f), p.act_max_f);
  });
}

}  // namespace tml
