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
/// dot(mac) calls mac(input, weight) over the receptive field in TFLite's order (fy, fx, ic);
/// padding positions are skipped.
template <typename T, typename Fn>
void ForEachConvOutput(const OpContext& ctx, Fn fn) {
  const ConvParams& p = ctx.param<ConvParams>();
  const TensorView& in = ctx.input(kInput);
  const TensorView& f = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  const int32_t in_h = in.dim(1), in_w = in.dim(2), in_c = in.dim(3);
  const int32_t out_h = out.dim(1), out_w = out.dim(2), out_c = out.dim(3);
  const int32_t filter_h = f.dim(1), filter_w = f.dim(2), filter_in_c = f.dim(3);
  const int32_t filters_per_group = out_c / (in_c / filter_in_c);
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
              for (int32_t fx = 0; fx < filter_w; ++fx) {
                const int32_t in_x = in_x0 + p.dilation_w * fx;
                if (in_x < 0 || in_x >= in_w) continue;
                const T* in_px = input + ((b * in_h + in_y) * in_w + in_x) * in_c + group_base;
                const T* f_px = filter + ((oc * filter_h + fy) * filter_w + fx) * filter_in_c;
                for (int32_t ic = 0; ic < filter_in_c; ++ic) mac(in_px[ic], f_px[ic]);
              }
            }
          });
        }
      }
    }
  }
}

/// The same for a depthwise convolution: output channel oc reads input channel
/// oc / depth_multiplier and filter column oc.
template <typename T, typename Fn>
void ForEachDepthwiseOutput(const OpContext& ctx, Fn fn) {
  const ConvParams& p = ctx.param<ConvParams>();
  const TensorView& in = ctx.input(kInput);
  const TensorView& f = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  const int32_t in_h = in.dim(1), in_w = in.dim(2), in_c = in.dim(3);
  const int32_t out_h = out.dim(1), out_w = out.dim(2), out_c = out.dim(3);
  const int32_t filter_h = f.dim(1), filter_w = f.dim(2);
  const T* input = in.as<T>();
  const T* filter = f.as<T>();
  for (int32_t b = 0; b < in.dim(0); ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t ic = 0; ic < in_c; ++ic) {
          for (int32_t m = 0; m < p.depth_multiplier; ++m) {
            const int32_t oc = ic * p.depth_multiplier + m;
            fn(((b * out_h + oy) * out_w + ox) * out_c + oc, oc, [&](auto mac) {
              for (int32_t fy = 0; fy < filter_h; ++fy) {
                const int32_t in_y = in_y0 + p.dilation_h * fy;
                if (in_y < 0 || in_y >= in_h) continue;
                for (int32_t fx = 0; fx < filter_w; ++fx) {
                  const int32_t in_x = in_x0 + p.dilation_w * fx;
                  if (in_x < 0 || in_x >= in_w) continue;
                  mac(input[((b * in_h + in_y) * in_w + in_x) * in_c + ic], filter[(fy * filter_w + fx) * out_c + oc]);
                }
              }
            });
          }
        }
      }
    }
  }
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

float FloatEpilogue(const OpContext& ctx, float total, int32_t oc) {
  const ConvParams& p = ctx.param<ConvParams>();
  const auto* bias = static_cast<const float*>(OptionalData(ctx, kBias));
  if (bias != nullptr) total += bias[oc];
  return qmath::Min(qmath::Max(total, p.act_min_f), p.act_max_f);
}

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
    dot([&](int8_t x, int8_t w) { acc += int32_t{w} * (int32_t{x} + input_offset); });
    output[o] = finish(acc, oc);
  });
}

void EvalConv2DFloat(const OpContext& ctx) {
  float* output = ctx.output(0).as<float>();
  ForEachConvOutput<float>(ctx, [&](int32_t o, int32_t oc, auto dot) {
    float total = 0.0f;
    dot([&](float x, float w) { total += x * w; });
    output[o] = FloatEpilogue(ctx, total, oc);
  });
}

void EvalDepthwiseInt8(const OpContext& ctx) {
  const int32_t input_offset = ctx.param<ConvParams>().input_offset;
  const Int8Epilogue finish = MakeInt8Epilogue(ctx);
  int8_t* output = ctx.output(0).as<int8_t>();
  ForEachDepthwiseOutput<int8_t>(ctx, [&](int32_t o, int32_t oc, auto dot) {
    int32_t acc = 0;
    dot([&](int8_t x, int8_t w) { acc += int32_t{w} * (int32_t{x} + input_offset); });
    output[o] = finish(acc, oc);
  });
}

void EvalDepthwiseFloat(const OpContext& ctx) {
  float* output = ctx.output(0).as<float>();
  ForEachDepthwiseOutput<float>(ctx, [&](int32_t o, int32_t oc, auto dot) {
    float total = 0.0f;
    dot([&](float x, float w) { total += x * w; });
    output[o] = FloatEpilogue(ctx, total, oc);
  });
}

}  // namespace tml
