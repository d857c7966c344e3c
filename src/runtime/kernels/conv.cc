#include "runtime/kernels/conv.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

enum { kInput = 0, kFilter = 1, kBias = 2, kMultiplier = 3, kShift = 4 };

Status PrepareConv(const OpContext& ctx, DType type) {
  using namespace prepare;
  const int inputs = type == DType::kInt8 ? 5 : 3;
  if (!Signature<ConvParams>(ctx, 2, inputs, 1)) return Status::kBadParams;
  const TensorView& in = ctx.input(kInput);
  const TensorView& filter = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  if (!Is(in, type, 4) || !Is(filter, type, 4) || !Is(out, type, 4)) return Status::kBadParams;
  const int32_t out_c = filter.dim(0);
  const int32_t filter_in_c = filter.dim(3);
  if (in.dim(3) % filter_in_c != 0 || out.dim(3) != out_c || out.dim(0) != in.dim(0)) {
    return Status::kBadParams;
  }
  const int32_t groups = in.dim(3) / filter_in_c;
  if (out_c % groups != 0) return Status::kBadParams;
  const ConvParams& p = ctx.param<ConvParams>();
  if (!WindowOk(in.dim(1), out.dim(1), filter.dim(1), p.stride_h, p.dilation_h, p.pad_h) ||
      !WindowOk(in.dim(2), out.dim(2), filter.dim(2), p.stride_w, p.dilation_w, p.pad_w)) {
    return Status::kBadParams;
  }
  if (ctx.num_inputs > kBias && ctx.input(kBias).present()) {
    const DType bias_type = type == DType::kInt8 ? DType::kInt32 : DType::kFloat32;
    if (!Is(ctx.input(kBias), bias_type) || ctx.input(kBias).count() != out_c) {
      return Status::kBadParams;
    }
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

Status PrepareDepthwise(const OpContext& ctx, DType type) {
  using namespace prepare;
  const int inputs = type == DType::kInt8 ? 5 : 3;
  if (!Signature<ConvParams>(ctx, 2, inputs, 1)) return Status::kBadParams;
  const TensorView& in = ctx.input(kInput);
  const TensorView& filter = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  if (!Is(in, type, 4) || !Is(filter, type, 4) || !Is(out, type, 4)) return Status::kBadParams;
  const ConvParams& p = ctx.param<ConvParams>();
  const int32_t out_c = filter.dim(3);
  if (p.depth_multiplier < 1 || int64_t{in.dim(3)} * p.depth_multiplier != out_c || out.dim(3) != out_c ||
      filter.dim(0) != 1 || out.dim(0) != in.dim(0)) {
    return Status::kBadParams;
  }
  if (!WindowOk(in.dim(1), out.dim(1), filter.dim(1), p.stride_h, p.dilation_h, p.pad_h) ||
      !WindowOk(in.dim(2), out.dim(2), filter.dim(2), p.stride_w, p.dilation_w, p.pad_w)) {
    return Status::kBadParams;
  }
  if (ctx.num_inputs > kBias && ctx.input(kBias).present()) {
    const DType bias_type = type == DType::kInt8 ? DType::kInt32 : DType::kFloat32;
    if (!Is(ctx.input(kBias), bias_type) || ctx.input(kBias).count() != out_c) {
      return Status::kBadParams;
    }
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

/// Shape facts both conv kernels need, read once per Eval.
struct ConvGeometry {
  int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, filter_h, filter_w;
};

ConvGeometry Geometry(const OpContext& ctx) {
  const TensorView& in = ctx.input(kInput);
  const TensorView& filter = ctx.input(kFilter);
  const TensorView& out = ctx.output(0);
  return {in.dim(0),  in.dim(1),  in.dim(2),     in.dim(3),    out.dim(1),
          out.dim(2), out.dim(3), filter.dim(1), filter.dim(2)};
}

const void* OptionalData(const OpContext& ctx, int index) {
  return ctx.num_inputs > index && ctx.input(index).present() ? ctx.input(index).data : nullptr;
}

}  // namespace

Status PrepareConv2DInt8(const OpContext& ctx) { return PrepareConv(ctx, DType::kInt8); }
Status PrepareConv2DFloat(const OpContext& ctx) { return PrepareConv(ctx, DType::kFloat32); }
Status PrepareDepthwiseInt8(const OpContext& ctx) { return PrepareDepthwise(ctx, DType::kInt8); }
Status PrepareDepthwiseFloat(const OpContext& ctx) {
  return PrepareDepthwise(ctx, DType::kFloat32);
}

void EvalConv2DInt8(const OpContext& ctx) {
  const ConvParams& p = ctx.param<ConvParams>();
  const ConvGeometry g = Geometry(ctx);
  const int8_t* input = ctx.input(kInput).as<int8_t>();
  const int8_t* filter = ctx.input(kFilter).as<int8_t>();
  const auto* bias = static_cast<const int32_t*>(OptionalData(ctx, kBias));
  const int32_t* multiplier = ctx.input(kMultiplier).as<int32_t>();
  const int32_t* shift = ctx.input(kShift).as<int32_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  const int32_t filter_in_c = ctx.input(kFilter).dim(3);
  const int32_t groups = g.in_c / filter_in_c;
  const int32_t filters_per_group = g.out_c / groups;

  for (int32_t b = 0; b < g.batches; ++b) {
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < g.out_w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t oc = 0; oc < g.out_c; ++oc) {
          const int32_t group_base = (oc / filters_per_group) * filter_in_c;
          int32_t acc = 0;
          for (int32_t fy = 0; fy < g.filter_h; ++fy) {
            const int32_t in_y = in_y0 + p.dilation_h * fy;
            if (in_y < 0 || in_y >= g.in_h) continue;
            for (int32_t fx = 0; fx < g.filter_w; ++fx) {
              const int32_t in_x = in_x0 + p.dilation_w * fx;
              if (in_x < 0 || in_x >= g.in_w) continue;
              const int8_t* in_px = input + ((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c + group_base;
              const int8_t* f_px = filter + ((oc * g.filter_h + fy) * g.filter_w + fx) * filter_in_c;
              for (int32_t ic = 0; ic < filter_in_c; ++ic) {
                acc += int32_t{f_px[ic]} * (int32_t{in_px[ic]} + p.input_offset);
              }
            }
          }
          if (bias != nullptr) acc += bias[oc];
          acc = qmath::MultiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]);
          acc += p.output_offset;
          output[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
              static_cast<int8_t>(qmath::Clamp(acc, p.act_min, p.act_max));
        }
      }
    }
  }
}

void EvalConv2DFloat(const OpContext& ctx) {
  const ConvParams& p = ctx.param<ConvParams>();
  const ConvGeometry g = Geometry(ctx);
  const float* input = ctx.input(kInput).as<float>();
  const float* filter = ctx.input(kFilter).as<float>();
  const auto* bias = static_cast<const float*>(OptionalData(ctx, kBias));
  float* output = ctx.output(0).as<float>();
  const int32_t filter_in_c = ctx.input(kFilter).dim(3);
  const int32_t groups = g.in_c / filter_in_c;
  const int32_t filters_per_group = g.out_c / groups;

  for (int32_t b = 0; b < g.batches; ++b) {
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < g.out_w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t oc = 0; oc < g.out_c; ++oc) {
          const int32_t group_base = (oc / filters_per_group) * filter_in_c;
          float total = 0.0f;
          for (int32_t fy = 0; fy < g.filter_h; ++fy) {
            const int32_t in_y = in_y0 + p.dilation_h * fy;
            if (in_y < 0 || in_y >= g.in_h) continue;
            for (int32_t fx = 0; fx < g.filter_w; ++fx) {
              const int32_t in_x = in_x0 + p.dilation_w * fx;
              if (in_x < 0 || in_x >= g.in_w) continue;
              const float* in_px = input + ((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c + group_base;
              const float* f_px = filter + ((oc * g.filter_h + fy) * g.filter_w + fx) * filter_in_c;
              for (int32_t ic = 0; ic < filter_in_c; ++ic) total += in_px[ic] * f_px[ic];
            }
          }
          if (bias != nullptr) total += bias[oc];
          output[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
              qmath::Min(qmath::Max(total, p.act_min_f), p.act_max_f);
        }
      }
    }
  }
}

void EvalDepthwiseInt8(const OpContext& ctx) {
  const ConvParams& p = ctx.param<ConvParams>();
  const ConvGeometry g = Geometry(ctx);
  const int8_t* input = ctx.input(kInput).as<int8_t>();
  const int8_t* filter = ctx.input(kFilter).as<int8_t>();
  const auto* bias = static_cast<const int32_t*>(OptionalData(ctx, kBias));
  const int32_t* multiplier = ctx.input(kMultiplier).as<int32_t>();
  const int32_t* shift = ctx.input(kShift).as<int32_t>();
  int8_t* output = ctx.output(0).as<int8_t>();

  for (int32_t b = 0; b < g.batches; ++b) {
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < g.out_w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t ic = 0; ic < g.in_c; ++ic) {
          for (int32_t m = 0; m < p.depth_multiplier; ++m) {
            const int32_t oc = ic * p.depth_multiplier + m;
            int32_t acc = 0;
            for (int32_t fy = 0; fy < g.filter_h; ++fy) {
              const int32_t in_y = in_y0 + p.dilation_h * fy;
              if (in_y < 0 || in_y >= g.in_h) continue;
              for (int32_t fx = 0; fx < g.filter_w; ++fx) {
                const int32_t in_x = in_x0 + p.dilation_w * fx;
                if (in_x < 0 || in_x >= g.in_w) continue;
                const int32_t in_val = input[((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c + ic];
                const int32_t f_val = filter[(fy * g.filter_w + fx) * g.out_c + oc];
                acc += f_val * (in_val + p.input_offset);
              }
            }
            if (bias != nullptr) acc += bias[oc];
            acc = qmath::MultiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]);
            acc += p.output_offset;
            output[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
                static_cast<int8_t>(qmath::Clamp(acc, p.act_min, p.act_max));
          }
        }
      }
    }
  }
}

void EvalDepthwiseFloat(const OpContext& ctx) {
  const ConvParams& p = ctx.param<ConvParams>();
  const ConvGeometry g = Geometry(ctx);
  const float* input = ctx.input(kInput).as<float>();
  const float* filter = ctx.input(kFilter).as<float>();
  const auto* bias = static_cast<const float*>(OptionalData(ctx, kBias));
  float* output = ctx.output(0).as<float>();

  for (int32_t b = 0; b < g.batches; ++b) {
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < g.out_w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t ic = 0; ic < g.in_c; ++ic) {
          for (int32_t m = 0; m < p.depth_multiplier; ++m) {
            const int32_t oc = ic * p.depth_multiplier + m;
            float total = 0.0f;
            for (int32_t fy = 0; fy < g.filter_h; ++fy) {
              const int32_t in_y = in_y0 + p.dilation_h * fy;
              if (in_y < 0 || in_y >= g.in_h) continue;
              for (int32_t fx = 0; fx < g.filter_w; ++fx) {
                const int32_t in_x = in_x0 + p.dilation_w * fx;
                if (in_x < 0 || in_x >= g.in_w) continue;
                total += input[((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c + ic] *
                         filter[(fy * g.filter_w + fx) * g.out_c + oc];
              }
            }
            if (bias != nullptr) total += bias[oc];
            output[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
                qmath::Min(qmath::Max(total, p.act_min_f), p.act_max_f);
          }
        }
      }
    }
  }
}

}  // namespace tml
