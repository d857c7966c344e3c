#include "runtime/kernels/conv.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

enum { kInput = 0, kFilter = 1, kBias = 2, kMultiplier = 3, kShift = 4 };

/// Checks shared by both convolutions once the filter layout is known: window geometry,
/// bias, and for int8 the per-channel requantization vectors.
Status PrepareCommon(const OpContext& ctx, DType type, int32_t out_c) {
  using namespace prepare;
  const TensorView& in = ctx.input(kInput);
  const TensorView& filter = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  const ConvParams& p = ctx.param<ConvParams>();
  if (!WindowOk(in.dim(1), out.dim(1), filter.dim(1), p.stride_h, p.dilation_h, p.pad_h) ||
      !WindowOk(in.dim(2), out.dim(2), filter.dim(2), p.stride_w, p.dilation_w, p.pad_w)) {
    return Status::kBadParams;
  }
  if (ctx.num_inputs > kBias && ctx.input(kBias).present()) {
    const DType bias_type = type == DType::kInt8 ? DType::kInt32 : DType::kFloat32;
    if (!Is(ctx.input(kBias), bias_type) || ctx.input(kBias).count() != out_c) return Status::kBadParams;
  }
  if (type == DType::kInt8) {
    if (ctx.num_inputs != 5 || !IsChannelVector(ctx.input(kMultiplier), out_c) ||
        !IsChannelVector(ctx.input(kShift), out_c) ||
        !RequantVectorsOk(ctx.input(kMultiplier), ctx.input(kShift))) {
      return Status::kBadParams;
    }
  }
  return Status::kOk;
}

/// Tensor count, types and ranks common to both convolutions.
bool SignatureOk(const OpContext& ctx, DType type) {
  using namespace prepare;
  const int inputs = type == DType::kInt8 ? 5 : 3;
  return Signature<ConvParams>(ctx, 2, inputs, 1) && Is(ctx.input(kInput), type, 4) &&
         Is(ctx.input(kFilter), type, 4) && Is(ctx.output(0), type, 4);
}

Status PrepareConv(const OpContext& ctx, DType type) {
  if (!SignatureOk(ctx, type)) return Status::kBadParams;
  const TensorView& in = ctx.input(kInput);
  const TensorView& filter = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  const int32_t out_c = filter.dim(0);
  const int32_t filter_in_c = filter.dim(3);
  if (in.dim(3) % filter_in_c != 0 || out.dim(3) != out_c || out.dim(0) != in.dim(0)) return Status::kBadParams;
  if (out_c % (in.dim(3) / filter_in_c) != 0) return Status::kBadParams;
  return PrepareCommon(ctx, type, out_c);
}

Status PrepareDepthwise(const OpContext& ctx, DType type) {
  if (!SignatureOk(ctx, type)) return Status::kBadParams;
  const TensorView& in = ctx.input(kInput);
  const TensorView& filter = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  const ConvParams& p = ctx.param<ConvParams>();
  const int32_t out_c = filter.dim(3);
  if (p.depth_multiplier < 1 || int64_t{in.dim(3)} * p.depth_multiplier != out_c || out.dim(3) != out_c ||
      filter.dim(0) != 1 || out.dim(0) != in.dim(0)) {
    return Status::kBadParams;
  }
  return PrepareCommon(ctx, type, out_c);
}

const void* OptionalData(const OpContext& ctx, int index) {
  return ctx.num_inputs > index && ctx.input(index).present() ? ctx.input(index).data : nullptr;
}

/// Calls fn(out_index, oc, dot) for every output element of a (grouped) convolution, where
/// dot(row) calls row(input, weights, n) for each filter tap (fy, fx) inside the image, in
/// TFLite's order; row accumulates n channel products. Padding positions are skipped.
template <typename T, typename Fn>
void ForEachConvOutput(const OpContext& ctx, Fn fn) {
  // Both traversals read the extents into plain locals: shared through a struct they were
  // no longer kept in registers (+0.2-0.3% instructions on the int8 MLPerf models, bench/firmware).
  const ConvParams& p = ctx.param<ConvParams>();
  const TensorView& in = ctx.input(kInput);
  const TensorView& f = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  const int32_t in_h = in.dim(1), in_w = in.dim(2), in_c = in.dim(3);
  const int32_t out_h = out.dim(1), out_w = out.dim(2), out_c = out.dim(3);
  const int32_t filter_h = f.dim(1), filter_w = f.dim(2), filter_in_c = f.dim(3);
  const int32_t filters_per_group = out_c / (in_c / filter_in_c);
  const bool contiguous_rows = filter_in_c == in_c && p.dilation_w == 1;
  const T* input = in.as<T>();
  const T* filter = f.as<T>();
  for (int32_t b = 0; b < in.dim(0); ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t group_base = (oc / filters_per_group) * filter_in_c;
          fn(((b * out_h + oy) * out_w + ox) * out_c + oc, oc, [&](auto mac) {
            for (int32_t fy = 0; fy < filter_h; ++fy) {
              const int32_t in_y = in_y0 + p.dilation_h * fy;
              if (in_y < 0 || in_y >= in_h) continue;
              if (contiguous_rows) {
                // The valid taps of this filter row are one contiguous run in input and filter.
                const int32_t fx0 = qmath::Max(int32_t{0}, -in_x0);
                const int32_t fx1 = qmath::Min(filter_w, in_w - in_x0);
                if (fx1 > fx0) {
                  mac(input + ((b * in_h + in_y) * in_w + in_x0 + fx0) * in_c,
                      filter + ((oc * filter_h + fy) * filter_w + fx0) * filter_in_c, (fx1 - fx0) * in_c);
                }
                continue;
              }
              for (int32_t fx = 0; fx < filter_w; ++fx) {
                const int32_t in_x = in_x0 + p.dilation_w * fx;
                if (in_x < 0 || in_x >= in_w) continue;
                mac(input + ((b * in_h + in_y) * in_w + in_x) * in_c + group_base,
                    filter + ((oc * filter_h + fy) * filter_w + fx) * filter_in_c, filter_in_c);
              }
            }
          });
        }
      }
    }
  }
}

/// Channels a depthwise traversal accumulates at once (a block of accumulators on the stack).
constexpr int32_t kDepthwiseBlock = 32;

/// Depthwise traversal, per output pixel and block of output channels: calls
/// tap(acc, in_px, weights, first_oc, n) for every filter tap inside the image (in TFLite's
/// (fy, fx) order), then done(out_index_of_first, acc, first_oc, n). Per channel, taps are
/// accumulated in the same order as TFLite's reference.
template <typename T, typename Acc, typename Tap, typename Done>
void ForEachDepthwiseBlock(const OpContext& ctx, Tap tap, Done done) {
  const ConvParams& p = ctx.param<ConvParams>();
  const TensorView& in = ctx.input(kInput);
  const TensorView& f = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  const int32_t in_h = in.dim(1), in_w = in.dim(2), in_c = in.dim(3);
  const int32_t out_h = out.dim(1), out_w = out.dim(2), out_c = out.dim(3);
  const int32_t filter_h = f.dim(1), filter_w = f.dim(2);
  const T* input = in.as<T>();
  const T* filter = f.as<T>();
  Acc acc[kDepthwiseBlock];
  for (int32_t b = 0; b < in.dim(0); ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t oc0 = 0; oc0 < out_c; oc0 += kDepthwiseBlock) {
          const int32_t n = qmath::Min(kDepthwiseBlock, out_c - oc0);
          for (int32_t j = 0; j < n; ++j) acc[j] = Acc{0};
          for (int32_t fy = 0; fy < filter_h; ++fy) {
            const int32_t in_y = in_y0 + p.dilation_h * fy;
            if (in_y < 0 || in_y >= in_h) continue;
            for (int32_t fx = 0; fx < filter_w; ++fx) {
              const int32_t in_x = in_x0 + p.dilation_w * fx;
              if (in_x < 0 || in_x >= in_w) continue;
              tap(acc, input + ((b * in_h + in_y) * in_w + in_x) * in_c,
                  filter + (fy * filter_w + fx) * out_c + oc0, oc0, n);
            }
          }
          done(((b * out_h + oy) * out_w + ox) * out_c + oc0, acc, oc0, n);
        }
      }
    }
  }
}

/// Sum of (x + offset) * w over n channels, added to acc. Kept out of line so its few
/// operands stay in registers (inlined into the traversal, the offset spilled to the stack).
__attribute__((noinline)) int32_t DotInt8(const int8_t* x, const int8_t* w, int32_t n, int32_t offset,
                                          int32_t acc) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    acc += int32_t{w[i]} * (int32_t{x[i]} + offset);
    acc += int32_t{w[i + 1]} * (int32_t{x[i + 1]} + offset);
    acc += int32_t{w[i + 2]} * (int32_t{x[i + 2]} + offset);
    acc += int32_t{w[i + 3]} * (int32_t{x[i + 3]} + offset);
  }
  for (; i < n; ++i) acc += int32_t{w[i]} * (int32_t{x[i]} + offset);
  return acc;
}

/// total + x[0]*w[0] + x[1]*w[1] + ..., summed in channel order like TFLite (out of line
/// for the same reason as DotInt8).
__attribute__((noinline)) float DotFloat(const float* x, const float* w, int32_t n, float total) {
  for (int32_t i = 0; i < n; ++i) total += x[i] * w[i];
  return total;
}

/// int8 epilogue shared by both convolutions: bias, per-channel requantization, clamp.
struct Int8Epilogue {
  const ConvParams& p;
  const int32_t* bias;
  const int32_t* multiplier;
  const int32_t* shift;

  int8_t operator()(int32_t acc, int32_t oc) const {
    if (bias != nullptr) acc += bias[oc];
    acc = qmath::MultiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]) + p.output_offset;
    return static_cast<int8_t>(qmath::Clamp(acc, p.act_min, p.act_max));
  }
};

Int8Epilogue MakeInt8Epilogue(const OpContext& ctx) {
  return {ctx.param<ConvParams>(), static_cast<const int32_t*>(OptionalData(ctx, kBias)),
          ctx.input(kMultiplier).as<int32_t>(), ctx.input(kShift).as<int32_t>()};
}

/// float epilogue shared by both convolutions: bias, activation clamp.
struct FloatEpilogue {
  const ConvParams& p;
  const float* bias;

  explicit FloatEpilogue(const OpContext& ctx)
      : p(ctx.param<ConvParams>()), bias(static_cast<const float*>(OptionalData(ctx, kBias))) {}

  float operator()(float total, int32_t oc) const {
    if (bias != nullptr) total += bias[oc];
    return qmath::Min(qmath::Max(total, p.act_min_f), p.act_max_f);
  }
};

}  // namespace

Status PrepareConv2DInt8(const OpContext& ctx) { return PrepareConv(ctx, DType::kInt8); }
Status PrepareConv2DFloat(const OpContext& ctx) { return PrepareConv(ctx, DType::kFloat32); }
Status PrepareDepthwiseInt8(const OpContext& ctx) { return PrepareDepthwise(ctx, DType::kInt8); }
Status PrepareDepthwiseFloat(const OpContext& ctx) { return PrepareDepthwise(ctx, DType::kFloat32); }

void EvalConv2DInt8(const OpContext& ctx) {
  const int32_t input_offset = ctx.param<ConvParams>().input_offset;
  const Int8Epilogue finish = MakeInt8Epilogue(ctx);
  int8_t* output = ctx.output(0).as<int8_t>();
  ForEachConvOutput<int8_t>(ctx, [&](int32_t o, int32_t oc, auto dot) {
    int32_t acc = 0;
    dot([&](const int8_t* x, const int8_t* w, int32_t n) { acc = DotInt8(x, w, n, input_offset, acc); });
    output[o] = finish(acc, oc);
  });
}

void EvalConv2DFloat(const OpContext& ctx) {
  const FloatEpilogue finish(ctx);
  float* output = ctx.output(0).as<float>();
  ForEachConvOutput<float>(ctx, [&](int32_t o, int32_t oc, auto dot) {
    float total = 0.0f;
    dot([&](const float* x, const float* w, int32_t n) { total = DotFloat(x, w, n, total); });
    output[o] = finish(total, oc);
  });
}

void EvalDepthwiseInt8(const OpContext& ctx) {
  const ConvParams& p = ctx.param<ConvParams>();
  const int32_t offset = p.input_offset;
  const int32_t multiplier = p.depth_multiplier;
  const Int8Epilogue finish = MakeInt8Epilogue(ctx);
  int8_t* output = ctx.output(0).as<int8_t>();
  ForEachDepthwiseBlock<int8_t, int32_t>(
      ctx,
      [&](int32_t* acc, const int8_t* in_px, const int8_t* w, int32_t oc0, int32_t n) {
        if (multiplier == 1) {
          const int8_t* x = in_px + oc0;
          for (int32_t j = 0; j < n; ++j) acc[j] += int32_t{w[j]} * (int32_t{x[j]} + offset);
        } else {
          for (int32_t j = 0; j < n; ++j) acc[j] += int32_t{w[j]} * (int32_t{in_px[(oc0 + j) / multiplier]} + offset);
        }
      },
      [&](int32_t o, const int32_t* acc, int32_t oc0, int32_t n) {
        for (int32_t j = 0; j < n; ++j) output[o + j] = finish(acc[j], oc0 + j);
      });
}

void EvalDepthwiseFloat(const OpContext& ctx) {
  const int32_t multiplier = ctx.param<ConvParams>().depth_multiplier;
  const FloatEpilogue finish(ctx);
  float* output = ctx.output(0).as<float>();
  ForEachDepthwiseBlock<float, float>(
      ctx,
      [&](float* acc, const float* in_px, const float* w, int32_t oc0, int32_t n) {
        if (multiplier == 1) {
          const float* x = in_px + oc0;
          for (int32_t j = 0; j < n; ++j) acc[j] += x[j] * w[j];
        } else {
          for (int32_t j = 0; j < n; ++j) acc[j] += in_px[(oc0 + j) / multiplier] * w[j];
        }
      },
      [&](int32_t o, const float* acc, int32_t oc0, int32_t n) {
        for (int32_t j = 0; j < n; ++j) output[o + j] = finish(acc[j], oc0 + j);
      });
}

}  // namespace tml
